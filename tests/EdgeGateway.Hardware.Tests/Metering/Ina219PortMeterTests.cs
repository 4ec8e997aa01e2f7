using EdgeGateway.Hardware.Metering;
using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Hardware.Simulation.I2c;
using EdgeGateway.Hardware.Simulation.Ina219;
using EdgeGateway.Hardware.Simulation.Shed;
using Iot.Device.Adc;

namespace EdgeGateway.Hardware.Tests.Metering;

public sealed class Ina219PortMeterTests
{
    private sealed class Rig : IDisposable
    {
        public Rig()
        {
            Clock = new SimulatedClock(new DateTimeOffset(2026, 11, 25, 19, 0, 0, TimeSpan.FromHours(8)));
            Model = new ShedModel(Clock, 220, 50, 1, TimeSpan.FromHours(8));
            Outlet = Model.AddOutlet("D01", isDc: true);
            Bus = new SimulatedI2cBus(1, Clock, 400_000);
            Chip = new SimulatedIna219(0x40, Model.CreateDcFrontEnd(Outlet, 0.01, 4), Clock);
            Bus.Attach(Chip);
            System.Device.I2c.I2cDevice device = Bus.CreateDevice(0x40);
            Binding = new Ina219(device);
            Meter = new Ina219PortMeter(Binding, device, "ina219 0x40", 0.01, 8, 4);
        }

        public SimulatedClock Clock { get; }

        public ShedModel Model { get; }

        public ShedOutlet Outlet { get; }

        public SimulatedI2cBus Bus { get; }

        public SimulatedIna219 Chip { get; }

        public Ina219 Binding { get; }

        public Ina219PortMeter Meter { get; }

        public MeterReading Measure()
        {
            Clock.Advance(TimeSpan.FromMilliseconds(50));
            Model.AdvanceTo(Clock.Elapsed);
            return Meter.Measure(40);
        }

        public void Dispose()
        {
            Binding.Dispose();
            Bus.Dispose();
        }
    }

    [Fact]
    public void Dc_port_current_voltage_and_power_agree_with_the_model_within_one_percent()
    {
        using var rig = new Rig();
        var charger = new EBikeCharger(BatteryChemistry.Lithium, 250, 0.3, 720, dc: true);
        rig.Outlet.Plug(charger);
        rig.Outlet.CoilEnergized = true;
        rig.Measure();

        PortMeasurement m = rig.Measure().Measurement;

        Assert.Equal(charger.PackVolts, m.VoltageV, 0.02 * charger.PackVolts);
        Assert.InRange(m.CurrentA, rig.Outlet.TrueCurrentA * 0.99, rig.Outlet.TrueCurrentA * 1.01);
        Assert.InRange(m.RealPowerW, rig.Outlet.TrueRealPowerW * 0.99, rig.Outlet.TrueRealPowerW * 1.01);
    }

    [Fact]
    public void Ina219_that_stops_answering_is_a_fault_and_is_reprogrammed_when_it_returns()
    {
        using var rig = new Rig();
        rig.Outlet.Plug(new EBikeCharger(BatteryChemistry.Lithium, 200, 0.3, 720, dc: true));
        rig.Outlet.CoilEnergized = true;
        Assert.Equal(MeterReadStatus.Ok, rig.Measure().Status);

        rig.Chip.Answering = false;
        MeterReading failed = rig.Measure();
        rig.Chip.Answering = true;
        MeterReading recovered = rig.Measure();

        Assert.Equal(MeterReadStatus.Fault, failed.Status);
        Assert.Contains("ina219 0x40", failed.Fault, StringComparison.Ordinal);
        Assert.Equal(MeterReadStatus.Ok, recovered.Status);
        Assert.InRange(recovered.Measurement.RealPowerW, 150, 250);
    }

    [Fact]
    public void Idle_dc_port_with_noise_around_zero_reads_zero_not_a_short()
    {
        using var rig = new Rig();

        // The shunt noise is ±20 µV around 0 A: half the readings are negative two's-complement codes.
        for (int i = 0; i < 50; i++)
        {
            MeterReading reading = rig.Measure();
            Assert.Equal(MeterReadStatus.Ok, reading.Status);
            Assert.InRange(reading.Measurement.CurrentA, 0, 0.02);
        }
    }

    [Fact]
    public void Dc_short_reads_as_short_circuit()
    {
        using var rig = new Rig();
        rig.Outlet.Plug(new ShortCircuitLoad());
        rig.Outlet.CoilEnergized = true;

        // 200 A through 10 mΩ clips the INA219's ±320 mV range: 32 A full scale, still above a 20 A threshold.
        MeterReading reading = rig.Meter.Measure(20);

        Assert.Equal(MeterReadStatus.ShortCircuit, reading.Status);
    }

    [Fact]
    public void The_shunt_read_alone_tells_a_short_from_a_charger_and_says_nothing_before_the_chip_is_configured()
    {
        using var rig = new Rig();
        rig.Outlet.Plug(new EBikeCharger(BatteryChemistry.Lithium, 250, 0.3, 720, dc: true));
        rig.Outlet.CoilEnergized = true;
        rig.Clock.Advance(TimeSpan.FromMilliseconds(50));
        rig.Model.AdvanceTo(rig.Clock.Elapsed);
        Assert.False(rig.Meter.TryReadPastShortCircuit(20, out _, out _));

        Assert.Equal(MeterReadStatus.Ok, rig.Measure().Status);
        Assert.True(rig.Meter.TryReadPastShortCircuit(20, out bool charging, out double chargingAmps));
        Assert.False(charging);
        Assert.InRange(chargingAmps, rig.Outlet.TrueCurrentA * 0.98, rig.Outlet.TrueCurrentA * 1.02);

        rig.Outlet.Plug(new ShortCircuitLoad());
        rig.Clock.Advance(TimeSpan.FromMilliseconds(2));
        rig.Model.AdvanceTo(rig.Clock.Elapsed);
        Assert.True(rig.Meter.TryReadPastShortCircuit(20, out bool shorted, out double amps));
        Assert.True(shorted);
        Assert.True(amps >= 20);
        Assert.False(rig.Meter.TryReadPastShortCircuit(double.PositiveInfinity, out _, out _));
    }
}
