using System.IO.Ports;
using EdgeGateway.Hardware.Metering;
using EdgeGateway.Hardware.Metering.Hlw8032;
using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Hardware.Simulation.Hlw8032;
using EdgeGateway.Hardware.Simulation.Shed;

namespace EdgeGateway.Hardware.Tests.Metering;

/// <summary>
/// The HLW8032 port meter against the simulated IC over a real pseudo-terminal: System.IO.Ports' SerialPort on
/// /dev/pts/N at 4800 baud 8E1, the simulated IC sending its frames on the master side on the shed's clock.
/// </summary>
public sealed class Hlw8032PortMeterTests : IDisposable
{
    private const double Kv = 1.88;
    private const double Ki = 1.0;

    private readonly SimulatedClock _clock = new(new DateTimeOffset(2026, 11, 25, 19, 0, 0, TimeSpan.FromHours(8)));
    private readonly ShedModel _model;
    private readonly ShedOutlet _outlet;
    private readonly SimulatedHlw8032 _ic;
    private readonly SerialPort _port;
    private readonly Hlw8032PortMeter _meter;

    public Hlw8032PortMeterTests()
    {
        _model = new ShedModel(_clock, 220, 50, 3, TimeSpan.FromHours(8));
        _outlet = _model.AddOutlet("P01", isDc: false);
        _ic = new SimulatedHlw8032(_model.CreateMeteringIcFrontEnd(_outlet), _clock, Kv, Ki, seed: 5);
        _port = new SerialPort(_ic.DevicePath, Hlw8032Frame.BaudRate, Parity.Even, 8, StopBits.One) { ReadTimeout = 500 };
        _port.Open();
        _meter = new Hlw8032PortMeter(new Hlw8032(_port, "HLW8032 P01"), Kv, Ki, _clock);
    }

    public void Dispose()
    {
        _port.Dispose();
        _ic.Dispose();
    }

    [Fact]
    public void A_1000_W_load_reads_its_voltage_current_and_power_within_two_percent()
    {
        _outlet.Plug(new ResistiveLoad(1000, 220, "kettle"));
        _outlet.CoilEnergized = true;
        Run(TimeSpan.FromSeconds(1));

        MeterReading reading = _meter.Measure(40);

        AssertOk(reading);
        PortMeasurement m = reading.Measurement;
        Assert.InRange(m.VoltageV, _model.SupplyVrms * 0.98, _model.SupplyVrms * 1.02);
        Assert.InRange(m.CurrentA, _outlet.TrueCurrentA * 0.98, _outlet.TrueCurrentA * 1.02);
        Assert.InRange(m.RealPowerW, _outlet.TrueRealPowerW * 0.98, _outlet.TrueRealPowerW * 1.02);
        Assert.InRange(m.PowerFactor!.Value, 0.98, 1.0);
    }

    [Fact]
    public void Every_frame_is_taken_once_as_it_arrives_one_every_55_ms()
    {
        _outlet.Plug(new ResistiveLoad(500, 220, "charger"));
        _outlet.CoilEnergized = true;
        Run(TimeSpan.FromMilliseconds(200));
        int taken = 0;

        for (int i = 0; i < 100; i++)
        {
            Run(TimeSpan.FromMilliseconds(11));
            taken += _meter.TryTakeNewFrame(40, out MeterReading reading) && reading.Status == MeterReadStatus.Ok ? 1 : 0;
        }

        Assert.InRange(taken, 19, 21); // 1.1 s of shed time: 20 frames
    }

    [Fact]
    public void An_open_relay_reads_no_current_and_no_power_from_the_overflow_bits()
    {
        _outlet.Plug(new ResistiveLoad(1000, 220, "kettle"));
        _outlet.CoilEnergized = false;
        Run(TimeSpan.FromSeconds(1));

        MeterReading reading = _meter.Measure(40);

        AssertOk(reading);
        Assert.Equal(0, reading.Measurement.CurrentA);
        Assert.Equal(0, reading.Measurement.RealPowerW);
        Assert.InRange(reading.Measurement.VoltageV, _model.SupplyVrms * 0.98, _model.SupplyVrms * 1.02);
    }

    [Fact]
    public void Energy_is_counted_from_the_pf_pulses()
    {
        _outlet.Plug(new ResistiveLoad(1000, 220, "kettle"));
        _outlet.CoilEnergized = true;
        Run(TimeSpan.FromSeconds(1));
        AssertOk(_meter.Measure(40));
        double before = _outlet.DeliveredWh;

        for (int i = 0; i < 60; i++)
        {
            Run(TimeSpan.FromSeconds(1));
            AssertOk(_meter.Measure(40));
        }

        double deliveredWh = _outlet.DeliveredWh - before;
        Assert.InRange(_meter.Energy.WattHours, deliveredWh * 0.97, deliveredWh * 1.03);
    }

    [Fact]
    public void A_short_reads_as_a_short_circuit_on_the_first_frame_refreshed_after_it()
    {
        _outlet.Plug(new ResistiveLoad(300, 220, "charger"));
        _outlet.CoilEnergized = true;
        Run(TimeSpan.FromSeconds(1));
        TimeSpan onset = _clock.Elapsed + TimeSpan.FromMilliseconds(7);
        _outlet.Plug(new OnsetLoad(_outlet.Load!, new ShortCircuitLoad(), onset));
        TimeSpan? seen = null;

        while (seen is null && _clock.Elapsed < onset + TimeSpan.FromSeconds(1))
        {
            Run(TimeSpan.FromMilliseconds(1));
            if (_meter.TryTakeNewFrame(40, out MeterReading reading) && reading.Status == MeterReadStatus.ShortCircuit)
            {
                seen = _clock.Elapsed;
            }
        }

        // Up to a 50 ms refresh, then the wait for the next frame to start (up to 55 ms) and its 55 ms on the wire.
        Assert.NotNull(seen);
        Assert.InRange((seen - onset)!.Value.TotalMilliseconds, 10, 50 + 55 + 55 + 1);
    }

    [Theory]
    [InlineData(Hlw8032Fault.Silent, "no frame for")]
    [InlineData(Hlw8032Fault.BadChecksum, "no valid frame for")]
    [InlineData(Hlw8032Fault.CalibrationError, "State REG 0xAA")]
    [InlineData(Hlw8032Fault.Stuck, "stuck, the same frame")]
    public void A_faulty_ic_is_a_meter_fault_with_its_reason_never_an_exception(Hlw8032Fault fault, string reason)
    {
        _outlet.Plug(new ResistiveLoad(500, 220, "charger"));
        _outlet.CoilEnergized = true;
        Run(TimeSpan.FromSeconds(1));
        AssertOk(_meter.Measure(40));

        _ic.Fault = fault;
        MeterReading reading = default;
        for (int i = 0; i < 30 && reading.Status != MeterReadStatus.Fault; i++)
        {
            Run(TimeSpan.FromMilliseconds(100));
            reading = _meter.Measure(40);
        }

        Assert.Equal(MeterReadStatus.Fault, reading.Status);
        Assert.Contains(reason, reading.Fault, StringComparison.Ordinal);

        _ic.Fault = Hlw8032Fault.None;
        Run(TimeSpan.FromMilliseconds(200));
        AssertOk(_meter.Measure(40));
    }

    /// <summary>Shed time in 10 ms steps: the model steps and the IC sends its frames (each there when its last byte is).</summary>
    private void Run(TimeSpan span)
    {
        TimeSpan end = _clock.Elapsed + span;
        while (_clock.Elapsed < end)
        {
            _clock.Advance(TimeSpan.FromTicks(Math.Min(TimeSpan.FromMilliseconds(10).Ticks, (end - _clock.Elapsed).Ticks)));
            _model.AdvanceTo(_clock.Elapsed);
        }
    }

    /// <summary>An Ok reading, or the meter's fault as the failure message.</summary>
    private static void AssertOk(MeterReading reading) => Assert.True(reading.Status == MeterReadStatus.Ok, $"{reading.Status}: {reading.Fault}");
}
