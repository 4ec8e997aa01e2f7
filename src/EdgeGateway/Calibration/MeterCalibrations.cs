using System.Globalization;
using EdgeGateway.Configuration;
using EdgeGateway.Hardware.Metering;
using EdgeGateway.Hardware.Metering.Bl0942;

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
            AcMeterDefinition or Bl0942MeterDefinition => null,

            // The INA219 reads its shunt's voltage to 0.5 % (INA219B, datasheet 7.5) and shuntOhms is the resistor's marked
            // value; a DC port is a battery module's output, which cannot be closed onto a known resistive load from here.
            DcMeterDefinition => $"port {port.Id} is a DC port (INA219): calibrate measures AC ports against a resistive reference load; a DC port's shuntOhms is the shunt's marked value (check it with a DC clamp meter while a battery charges)",
            _ => $"port {port.Id}: its meter type has no calibration",
        };
        return whyNot is null;
    }

    /// <summary>
    /// The calibration of <paramref name="port"/>'s meter (<paramref name="meter"/>, opened on the board), or null with
    /// why it has none.
    /// </summary>
    public static IMeterCalibration? For(SiteConfiguration site, ChargingPortDefinition port, IPortMeter meter, out string? whyNot)
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
    // 52 ms at 4800 baud. 96 packets span 5 s: twelve refreshes averaged. 20 packets (1 s, two refreshes) are dropped first,
    // so nothing averaged was integrated before the relay closed.
    private const int MeasuredPackets = 96;
    private const int SettlePackets = 20;

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

    public int SettleReadings => SettlePackets;

    public int Readings => MeasuredPackets;

    public string ReadingsExplained => "96 packets, 5 s: 12 of the chip's 400 ms refreshes";

    public MeterReading Measure() => _meter.Measure(_shortCircuitPeakA);
}
