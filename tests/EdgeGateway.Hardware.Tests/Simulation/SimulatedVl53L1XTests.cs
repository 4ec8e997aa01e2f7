using System.Device.Gpio;
using System.Device.I2c;
using EdgeGateway.Hardware.Bins;
using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Hardware.Simulation.I2c;
using EdgeGateway.Hardware.Simulation.Tca9548A;
using EdgeGateway.Hardware.Simulation.Vl53L1X;
using Iot.Device.Tca954x;
using Iot.Device.Vl53L1X;
using UnitsNet;

namespace EdgeGateway.Hardware.Tests.Simulation;

/// <summary>The VL53L1X simulation driven by the real Iot.Device.Vl53L1X binding (4.2.0) and the fill-sensor wrapper.</summary>
public sealed class SimulatedVl53L1XTests : IDisposable
{
    private readonly SimulatedClock _clock = TestClock.Create();
    private readonly TofTestTarget _target = new() { DistanceMm = 500 };
    private readonly SimulatedI2cBus _bus;
    private readonly SimulatedVl53L1X _chip;
    private readonly I2cDevice _device;

    public SimulatedVl53L1XTests()
    {
        _bus = new SimulatedI2cBus(1, _clock);
        _chip = new SimulatedVl53L1X(_target, _clock);
        _bus.Attach(_chip);
        _device = _bus.CreateDevice(SimulatedVl53L1X.DefaultAddress);

        // Power came up a while ago: the firmware has booted (the binding would otherwise sleep 10 ms per poll).
        _clock.Advance(TimeSpan.FromMilliseconds(2));
    }

    public void Dispose()
    {
        _device.Dispose();
        _bus.Dispose();
    }

    [Fact]
    public void Binding_initialises_against_the_chip_with_the_uld_defaults()
    {
        using var sensor = new Vl53L1X(_device, shouldDispose: false);

        Assert.Equal(BootState.Booted, sensor.BootState);
        Assert.Equal(SimulatedVl53L1X.SensorId, sensor.SensorId);
        Assert.Equal(Precision.Long, sensor.Precision);
        Assert.Equal(TimingBudget.Budget100, sensor.TimingBudgetInMs);
        Assert.False(sensor.IsRangingActive);
        Assert.Equal(0xEACC, ReadUInt16(0x010F));
    }

    [Fact]
    public void Binding_waits_for_the_firmware_to_boot()
    {
        using var bus = new SimulatedI2cBus(2, _clock);
        bus.Attach(new SimulatedVl53L1X(_target, _clock));
        using I2cDevice device = bus.CreateDevice(SimulatedVl53L1X.DefaultAddress);
        TimeSpan poweredAt = _clock.Elapsed;

        device.Write([0x00, 0xE5]);
        Assert.Equal(0x00, device.ReadByte());

        using var sensor = new Vl53L1X(device, shouldDispose: false);
        Assert.Equal(BootState.Booted, sensor.BootState);
        Assert.True(_clock.Elapsed - poweredAt >= SimulatedVl53L1X.BootTime);
    }

    [Theory]
    [InlineData(40.0)]
    [InlineData(250.3)]
    [InlineData(1500.0)]
    [InlineData(3999.6)]
    public void Fill_sensor_reports_the_target_distance_to_the_millimetre(double targetMm)
    {
        using var sensor = new Vl53L1XFillSensor(_device, "bin-2/tof", _clock);
        _target.DistanceMm = targetMm;

        Assert.True(sensor.TryMeasure(out Length distance, out string? failure), failure);

        Assert.Null(failure);
        Assert.Equal(targetMm, distance.Millimeters, 0.5);
    }

    [Fact]
    public void Fill_sensor_waits_one_timing_budget_for_a_fresh_measurement()
    {
        using var sensor = new Vl53L1XFillSensor(_device, "bin-2/tof", _clock);
        Assert.True(sensor.TryMeasure(out _, out _));
        _target.DistanceMm = 1234;
        TimeSpan before = _clock.Elapsed;

        Assert.True(sensor.TryMeasure(out Length distance, out _));

        Assert.Equal(1234, distance.Millimeters);

        // 100 ms budget, plus about 3.2 ms of bus time at 100 kHz: start (clear + mode writes), one 0.45 ms poll
        // of granularity, range status, distance, interrupt clear and stop.
        Assert.InRange((_clock.Elapsed - before).TotalMilliseconds, 100.0, 104.0);
    }

    [Fact]
    public void No_return_makes_TryMeasure_false_with_a_signal_failure()
    {
        using var sensor = new Vl53L1XFillSensor(_device, "bin-2/tof", _clock);
        _target.Returned = false;

        Assert.False(sensor.TryMeasure(out _, out string? failure));
        Assert.Contains("no return", failure, StringComparison.Ordinal);
        Assert.Contains("bin-2/tof", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Target_beyond_four_metres_is_out_of_range()
    {
        using var sensor = new Vl53L1XFillSensor(_device, "bin-2/tof", _clock);
        _target.DistanceMm = 4300;

        Assert.False(sensor.TryMeasure(out _, out string? failure));
        Assert.Contains("signal failure", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Short_distance_mode_reaches_1_3_metres_and_timing_budget_registers_read_back()
    {
        using var sensor = new Vl53L1X(_device, shouldDispose: false);
        sensor.Precision = Precision.Short;
        sensor.TimingBudgetInMs = TimingBudget.Budget50;

        Assert.Equal(Precision.Short, sensor.Precision);
        Assert.Equal(TimingBudget.Budget50, sensor.TimingBudgetInMs);
        Assert.Equal(0x01AE, ReadUInt16(0x005E));

        _target.DistanceMm = 1600;
        TimeSpan took = RangeOnce(sensor);
        Assert.Equal(RangeStatus.SignalFailure, sensor.RangeStatus);
        Assert.InRange(took.TotalMilliseconds, 50.0, 51.0);

        _target.DistanceMm = 1200;
        RangeOnce(sensor);
        Assert.Equal(RangeStatus.NoError, sensor.RangeStatus);
        Assert.Equal(1200, sensor.GetDistance().Millimeters);
    }

    [Fact]
    public void Binding_GetDistance_alone_does_not_wait_and_returns_the_previous_result()
    {
        using var sensor = new Vl53L1X(_device, shouldDispose: false);
        _target.DistanceMm = 700;

        // The binding's WaitForDataReady never waits, and the fresh_out_of_reset bit makes its data-ready test pass.
        Assert.Equal(0, sensor.GetDistance().Millimeters);

        _clock.Advance(TimeSpan.FromMilliseconds(150));
        Assert.Equal(700, sensor.GetDistance().Millimeters);
    }

    [Fact]
    public void Data_ready_bit_follows_the_interrupt_polarity_and_the_interrupt_clear()
    {
        using var sensor = new Vl53L1X(_device, shouldDispose: false);
        Assert.Equal(0, ReadByte(0x0031) & 0x01); // active high (ULD default), nothing pending

        sensor.StartRanging();
        _clock.Advance(TimeSpan.FromMilliseconds(101));
        Assert.Equal(1, ReadByte(0x0031) & 0x01);

        sensor.InterruptPolarity = PinValue.High; // sets bit 4: active low per the ULD
        Assert.Equal(PinValue.High, sensor.InterruptPolarity);
        Assert.Equal(0, ReadByte(0x0031) & 0x01);

        sensor.ClearInterrupt();
        Assert.Equal(1, ReadByte(0x0031) & 0x01);
        sensor.StopRanging();
    }

    [Fact]
    public void Part_to_part_offset_is_added_to_the_range()
    {
        using (var binding = new Vl53L1X(_device, shouldDispose: false))
        {
            binding.Offset = Length.FromMillimeters(15);
            Assert.Equal(15, binding.Offset.Millimeters);
        }

        using var sensor = new Vl53L1XFillSensor(_device, "bin-2/tof", _clock);
        _target.DistanceMm = 500;

        Assert.True(sensor.TryMeasure(out Length distance, out _));
        Assert.Equal(515, distance.Millimeters);
    }

    [Fact]
    public void Chip_that_stops_answering_makes_TryMeasure_fail_without_throwing_and_recovers()
    {
        using var sensor = new Vl53L1XFillSensor(_device, "bin-2/tof", _clock);
        Assert.True(sensor.TryMeasure(out _, out _));

        _chip.Answering = false;
        bool ok = sensor.TryMeasure(out _, out string? failure);

        Assert.False(ok);
        Assert.Contains("Remote I/O error", failure, StringComparison.Ordinal);

        _chip.Answering = true;
        _target.DistanceMm = 2222;
        Assert.True(sensor.TryMeasure(out Length distance, out failure), failure);
        Assert.Equal(2222, distance.Millimeters);
    }

    [Fact]
    public void Chip_missing_at_start_fails_initialisation_with_a_reason()
    {
        _chip.Answering = false;
        using var sensor = new Vl53L1XFillSensor(_device, "bin-2/tof", _clock);

        Assert.False(sensor.TryMeasure(out _, out string? failure));
        Assert.Contains("initialisation failed", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Stuck_chip_keeps_returning_the_last_distance()
    {
        using var sensor = new Vl53L1XFillSensor(_device, "bin-2/tof", _clock);
        _target.DistanceMm = 800;
        Assert.True(sensor.TryMeasure(out _, out _));

        _chip.Stuck = true;
        _target.DistanceMm = 300;
        Assert.True(sensor.TryMeasure(out Length stuck, out _));
        Assert.Equal(800, stuck.Millimeters);

        _chip.Stuck = false;
        Assert.True(sensor.TryMeasure(out Length live, out _));
        Assert.Equal(300, live.Millimeters);
    }

    [Fact]
    public void Address_change_moves_the_chip()
    {
        Vl53L1X.ChangeI2CAddress(_device, 0x31);

        Assert.Equal(0x31, _chip.CurrentAddress);
        Assert.Throws<IOException>(() => _device.ReadByte());

        using I2cDevice moved = _bus.CreateDevice(0x31);
        using var sensor = new Vl53L1XFillSensor(moved, "bin-2/tof", _clock);
        _target.DistanceMm = 1717;
        Assert.True(sensor.TryMeasure(out Length distance, out string? failure), failure);
        Assert.Equal(1717, distance.Millimeters);
    }

    [Fact]
    public void Two_chips_at_0x29_behind_a_tca9548a_read_their_own_targets()
    {
        using var bus = new SimulatedI2cBus(2, _clock);
        var mux = new SimulatedTca9548A();
        bus.Attach(mux);
        var near = new TofTestTarget { DistanceMm = 420 };
        var far = new TofTestTarget { DistanceMm = 3100 };
        mux.Attach(1, new SimulatedVl53L1X(near, _clock));
        mux.Attach(6, new SimulatedVl53L1X(far, _clock));
        _clock.Advance(TimeSpan.FromMilliseconds(2));
        using var tca = new Tca9548A(bus.CreateDevice(SimulatedTca9548A.DefaultAddress), bus);
        using var left = new Vl53L1XFillSensor(tca.GetChannel(1).CreateDevice(0x29), "bin-2/left", _clock);
        using var right = new Vl53L1XFillSensor(tca.GetChannel(6).CreateDevice(0x29), "bin-2/right", _clock);

        Assert.True(left.TryMeasure(out Length leftDistance, out string? failure), failure);
        Assert.True(right.TryMeasure(out Length rightDistance, out failure), failure);
        far.DistanceMm = 2900;
        Assert.True(right.TryMeasure(out Length rightAgain, out failure), failure);

        Assert.Equal(420, leftDistance.Millimeters);
        Assert.Equal(3100, rightDistance.Millimeters);
        Assert.Equal(2900, rightAgain.Millimeters);
    }

    /// <summary>Starts ranging through the binding and polls data-ready as the ULD does; the simulated time it took.</summary>
    private TimeSpan RangeOnce(Vl53L1X sensor)
    {
        TimeSpan start = _clock.Elapsed;
        sensor.StartRanging();
        while ((ReadByte(0x0031) & 0x01) == 0)
        {
            Assert.True(_clock.Elapsed - start < TimeSpan.FromSeconds(1), "no data ready within 1 s of simulated time");
        }

        TimeSpan took = _clock.Elapsed - start;
        sensor.StopRanging();
        return took;
    }

    private byte ReadByte(ushort register)
    {
        _device.Write([(byte)(register >> 8), (byte)register]);
        return _device.ReadByte();
    }

    private int ReadUInt16(ushort register)
    {
        Span<byte> value = stackalloc byte[2];
        _device.Write([(byte)(register >> 8), (byte)register]);
        _device.Read(value);
        return (value[0] << 8) | value[1];
    }
}
