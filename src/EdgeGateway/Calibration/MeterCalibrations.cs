using System.Globalization;
using EdgeGateway.Configuration;
using EdgeGateway.Hardware.Metering;
using EdgeGateway.Hardware.Metering.Bl0942;
using EdgeGateway.Hardware.Metering.Hlw8032;
using EdgeGateway.Hardware.Simulation;

namespace EdgeGateway.Calibration;

/// <summary>Finds the calibration for a port's meter type.</summary>
public static class MeterCalibrations
{
    /// <summary>Whether <paramref name="port"/>'s meter type can be calibrated here; if not, why not.</summary>
    public static bool CanCalibrate(ChargingPortDefinition port, out string? whyNot)
    {
        ArgumentNullException.ThrowIfNull(port);
        whyNot = port.Meter switch
        {
            AcMeterDefinition or Bl0942MeterDefinition or Hlw8032MeterDefinition => null,

            // The INA219 reads its shunt's voltage to 0.5 % (INA219B, datasheet 7.5) and shuntOhms is the resistor's marked
            // value; a DC port is a battery module's output, which cannot be closed onto a known resistive load from here.
            DcMeterDefinition => $"port {port.Id} is a DC port (INA219): calibrate measures AC ports against a resistive reference load; a DC port's shuntOhms is the shunt's marked value (check it with a DC clamp meter while a battery charges)",
            _ => $"port {port.Id}: its meter type has no calibration",
        };
        return whyNot is null;
    }

    /// <summary>
    /// The calibration of <paramref name="port"/>'s meter (<paramref name="meter"/>, opened on the board), or null with
    /// why it has none. <paramref name="time"/> is the board's clock (<see cref="Board.ShedBoard.Time"/>): a meter that
    /// sends unasked is waited for on it.
    /// </summary>
    public static IMeterCalibration? For(SiteConfiguration site, ChargingPortDefinition port, IPortMeter meter, TimeProvider time, out string? whyNot)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(port);
        whyNot = null;
        switch (port.Meter)
        {
            case AcMeterDefinition ac when meter is AcPortMeter ct:
                return new AcMeterCalibration(site, port.Id, ac, ct, port.Protection.ShortCircuitPeakA);
            case Bl0942MeterDefinition bl when meter is Bl0942PortMeter chip:
                return new Bl0942MeterCalibration(port.Id, bl, chip, port.Protection.ShortCircuitPeakA);
            case Hlw8032MeterDefinition hlw when meter is Hlw8032PortMeter ic:
                return new Hlw8032MeterCalibration(port.Id, hlw, ic, port.Protection.ShortCircuitPeakA, time);
            default:
                CanCalibrate(port, out whyNot);
                return null;
        }
    }
}

/// <summary>
/// A CT on an MCP3208/MCP3008 channel, measured against the shed's voltage transformer: <c>ampsPerAdcVolt</c> of the port
/// and <c>mains.voltsPerAdcVolt</c> of the shed (shared by every AC port), both proportional to the reading.
/// </summary>
internal sealed class AcMeterCalibration : IMeterCalibration
{
    // Averaging: each reading integrates whole mains cycles (MainsCycleSampler); 100 cycles are 2 s at 50 Hz, longer than a
    // clamp meter's or plug-in power meter's display update (0.3–1 s), and shrink the ADC's noise (±1 LSB per sample,
    // ~250 samples a cycle) and the mains' own flicker to well under 0.1 %. 25 cycles (0.5 s) are dropped first: the relay's
    // bounce and a lamp's or heater's cold-element inrush.
    private const int MeasuredCycles = 100;
    private const int SettleCycles = 25;

    private readonly AcPortMeter _meter;
    private readonly double _shortCircuitPeakA;

    public AcMeterCalibration(SiteConfiguration site, string portId, AcMeterDefinition ac, AcPortMeter meter, double shortCircuitPeakA)
    {
        _meter = meter;
        _shortCircuitPeakA = shortCircuitPeakA;
        MainsSettings mains = site.Mains!;
        int cyclesPerReading = site.Sampling.CyclesPerMeasurement;
        Readings = (MeasuredCycles + cyclesPerReading - 1) / cyclesPerReading;
        SettleReadings = (SettleCycles + cyclesPerReading - 1) / cyclesPerReading;
        ReadingsExplained = string.Create(CultureInfo.InvariantCulture, $"{Readings * cyclesPerReading} mains cycles, {Readings * cyclesPerReading / mains.FrequencyHz:0.0} s");
        Description = $"CT on {ac.CurrentSensor.Adc} ch{ac.CurrentSensor.Channel}, the shed's VT on {mains.VoltageSensor.Adc} ch{mains.VoltageSensor.Channel}";
        int acPorts = site.Ports.Count(p => p.Meter is AcMeterDefinition);
        Factors =
        [
            new ScaleFactor(CalibratedQuantity.Voltage, "mains.voltsPerAdcVolt", mains.VoltsPerAdcVolt, ReadingGrowsWithFactor: true, acPorts > 1 ? $"every AC port ({acPorts})" : null),
            new ScaleFactor(CalibratedQuantity.Current, $"ports[{portId}].meter.ampsPerAdcVolt", ac.AmpsPerAdcVolt, ReadingGrowsWithFactor: true),
        ];
    }

    public string Description { get; }

    public IReadOnlyList<ScaleFactor> Factors { get; }

    public int SettleReadings { get; }

    public int Readings { get; }

    public string ReadingsExplained { get; }

    public MeterReading Measure() => _meter.Measure(_shortCircuitPeakA);
}

/// <summary>
/// A BL0942 on a UART: the port's <c>shuntOhms</c> (the chip reads the shunt's voltage, so the current reading is inversely
/// proportional to it) and <c>voltageDivider</c> (line volts per volt at VP, proportional). Each chip has its own divider:
/// its voltage factor is the port's alone.
/// </summary>
internal sealed class Bl0942MeterCalibration : IMeterCalibration
{
    // The chip refreshes its RMS and WATT registers every 400 ms (datasheet 3.1, RMS_UPDATE_SEL = 0); a full packet takes
    // 52 ms at 4800 baud, 6.5 ms at 38 400. The packets span 5 s: twelve refreshes averaged (96 packets at 4800 baud).
    // The first second's (two refreshes) are dropped, so nothing averaged was integrated before the relay closed.
    private static readonly TimeSpan Measured = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    private readonly Bl0942PortMeter _meter;
    private readonly double _shortCircuitPeakA;

    public Bl0942MeterCalibration(string portId, Bl0942MeterDefinition bl, Bl0942PortMeter meter, double shortCircuitPeakA)
    {
        _meter = meter;
        _shortCircuitPeakA = shortCircuitPeakA;
        Description = $"BL0942 {bl.Address} on {bl.Serial}";
        Factors =
        [
            new ScaleFactor(CalibratedQuantity.Voltage, $"ports[{portId}].meter.voltageDivider", bl.VoltageDivider, ReadingGrowsWithFactor: true),
            new ScaleFactor(CalibratedQuantity.Current, $"ports[{portId}].meter.shuntOhms", bl.ShuntOhms, ReadingGrowsWithFactor: false),
        ];
    }

    public string Description { get; }

    public IReadOnlyList<ScaleFactor> Factors { get; }

    public int SettleReadings => Packets(Settle);

    public int Readings => Packets(Measured);

    public string ReadingsExplained => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Readings} packets, 5 s: 12 of the chip's 400 ms refreshes");

    private int Packets(TimeSpan span) => (int)Math.Ceiling(span / _meter.PacketExchange);

    public MeterReading Measure() => _meter.Measure(_shortCircuitPeakA);
}

/// <summary>
/// An HLW8032 on its own UART: the port's <c>voltageCoefficient</c> (Kv) and <c>currentCoefficient</c> (Ki), both
/// proportional to the reading (V = Vparam / Vreg × Kv, I = Iparam / Ireg × Ki; power follows their product). The IC
/// sends a frame every 55 ms unasked and the meter's <see cref="Hlw8032PortMeter.Measure"/> gives the latest without
/// waiting, so each reading here waits for a frame that came in since the last one: averaging the same frame twice
/// would weigh it double, and the readings must span the time the installer reads the reference meter.
/// </summary>
internal sealed class Hlw8032MeterCalibration : IMeterCalibration
{
    // The IC refreshes its registers every 50 ms (datasheet, "UART interface") and a frame takes 55 ms on the wire at
    // 4800 8E1: 40 frames are 2.2 s, like a CT port's 100 cycles longer than a reference meter's display update, and
    // shrink the IC's per-refresh noise (about ±0.1 %) well under 0.1 %. 10 frames (0.55 s) are dropped first: the first
    // after the relay closes may carry a refresh from before it, and the relay bounces and a cold element's inrush settle.
    private const int MeasuredFrames = 40;
    private const int SettleFrames = 10;

    // How often the UART is looked at while a frame is awaited: a tenth of a frame's wire time.
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(5);

    private readonly Hlw8032PortMeter _meter;
    private readonly double _shortCircuitPeakA;
    private readonly TimeProvider _time;

    public Hlw8032MeterCalibration(string portId, Hlw8032MeterDefinition hlw, Hlw8032PortMeter meter, double shortCircuitPeakA, TimeProvider time)
    {
        _meter = meter;
        _shortCircuitPeakA = shortCircuitPeakA;
        _time = time;
        Description = $"HLW8032 on {hlw.Serial}";
        Factors =
        [
            new ScaleFactor(CalibratedQuantity.Voltage, $"ports[{portId}].meter.voltageCoefficient", hlw.VoltageCoefficient, ReadingGrowsWithFactor: true),
            new ScaleFactor(CalibratedQuantity.Current, $"ports[{portId}].meter.currentCoefficient", hlw.CurrentCoefficient, ReadingGrowsWithFactor: true),
        ];
    }

    public string Description { get; }

    public IReadOnlyList<ScaleFactor> Factors { get; }

    public int SettleReadings => SettleFrames;

    public int Readings => MeasuredFrames;

    public string ReadingsExplained => "40 frames, 2.2 s: one every 55 ms, each with the IC's latest 50 ms refresh";

    /// <summary>
    /// The next frame the IC sends; when none comes within the meter's <see cref="Hlw8032PortMeter.SilentAfter"/>, the
    /// meter's own reading, which is then the fault (silence, bad checksums) with its reason.
    /// </summary>
    public MeterReading Measure()
    {
        long start = _time.GetTimestamp();
        while (true)
        {
            if (_meter.TryTakeNewFrame(_shortCircuitPeakA, out MeterReading reading))
            {
                return reading;
            }

            if (_time.GetElapsedTime(start) >= Hlw8032PortMeter.SilentAfter)
            {
                return _meter.Measure(_shortCircuitPeakA);
            }

            Wait(Poll);
        }
    }

    /// <summary>On the board, real time passes; on the simulator, its shed time is moved on (the simulated IC sends on it).</summary>
    private void Wait(TimeSpan span)
    {
        if (_time is SimulatedClock shed)
        {
            shed.Advance(span);
        }
        else
        {
            Thread.Sleep(span);
        }
    }
}
