using System.Device.I2c;
using EdgeGateway.Hardware.Bins;
using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Hardware.Simulation.I2c;
using EdgeGateway.Hardware.Simulation.Tca9548A;
using EdgeGateway.Hardware.Simulation.Vl53L0X;
using Iot.Device.Tca954x;
using Iot.Device.Vl53L0X;
using UnitsNet;

namespace EdgeGateway.Hardware.Tests.Simulation;

/// <summary>The VL53L0X simulation driven by the real Iot.Device.Vl53L0X binding (4.2.0) and the fill-sensor wrapper.</summary>
public sealed class SimulatedVl53L0XTests : IDisposable
{
    private readonly SimulatedClock _clock = TestClock.Create();
    private readonly TofTestTarget _target = new() { DistanceMm = 500 };
    private readonly SimulatedI2cBus _bus;
    private readonly SimulatedVl53L0X _chip;
    private readonly I2cDevice _device;

    public SimulatedVl53L0XTests()
    {
        _bus = new SimulatedI2cBus(1, _clock);
        _chip = new SimulatedVl53L0X(_target, _clock);
        _bus.Attach(_chip);
        _device = _bus.CreateDevice(SimulatedVl53L0X.DefaultAddress);
    }

    public void Dispose()
    {
        _device.Dispose();
        _bus.Dispose();
    }

    [Fact]
    public void Binding_initialises_against_the_chip_reading_its_nvm_and_programming_the_reference_spads()
    {
        using var sensor = new Vl53L0X(_device, shouldDispose: false);

        Assert.Equal("VL53L0CBV0DH/1$1", sensor.Information.ProductId.TrimEnd('\0'));
        Assert.Equal(1, sensor.Information.ModuleId);

        // NVM: 5 aperture SPADs. The binding enables the first 5 good SPADs from SPAD 12 and disables the rest.
        Span<byte> spadMap = stackalloc byte[6];
        _device.WriteByte(0xB0);
        _device.Read(spadMap);
        Assert.Equal(new byte[] { 0x00, 0xF0, 0x01, 0x00, 0x00, 0x00 }, spadMap.ToArray());
    }

    [Fact]
    public void Chip_answers_the_datasheet_reference_registers()
    {
        Span<byte> id = stackalloc byte[3];
        _device.WriteByte(0xC0);
        _device.Read(id);
        Span<byte> preRangeTimeout = stackalloc byte[2];
        _device.WriteByte(0x51);
        _device.Read(preRangeTimeout);

        Assert.Equal(new byte[] { 0xEE, 0xAA, 0x10 }, id.ToArray());
        Assert.Equal(new byte[] { 0x00, 0x99 }, preRangeTimeout.ToArray());
    }

    [Theory]
    [InlineData(35.0)]
    [InlineData(300.4)]
    [InlineData(1234.6)]
    [InlineData(1999.0)]
    public void Fill_sensor_reports_the_target_distance_to_the_millimetre(double targetMm)
    {
        using var sensor = new Vl53L0XFillSensor(_device, "bin-1/tof");
        _target.DistanceMm = targetMm;

        Assert.True(sensor.TryMeasure(out Length distance, out string? failure), failure);

        Assert.Null(failure);
        Assert.Equal(targetMm, distance.Millimeters, 0.5);
    }

    [Fact]
    public void Continuous_mode_of_the_binding_follows_the_target()
    {
        using var sensor = new Vl53L0X(_device, shouldDispose: false);
        Assert.Equal(MeasurementMode.Continuous, sensor.MeasurementMode);

        _target.DistanceMm = 420;
        Assert.Equal(420, sensor.Distance);
        _target.DistanceMm = 870;
        Assert.Equal(870, sensor.Distance);
        Assert.Equal(870, sensor.Distance);
    }

    [Fact]
    public void Single_shot_lasts_the_long_range_timing_budget_in_simulated_time()
    {
        using var sensor = new Vl53L0X(_device, shouldDispose: false);
        TimeSpan before = _clock.Elapsed;

        ushort range = sensor.DistanceSingleMeasurement;

        Assert.Equal(500, range);

        // The binding's init computes the default budget with every step enabled (33.97 ms by the API arithmetic)
        // and re-applies it to the pre-range + DSS + final-range sequence; its setter counts 0.59 ms less start
        // overhead than the chip's (the API's) getter, so the chip ranges 34.56 ms. Around it: the binding's
        // InitMeasurement (7 writes, 1.9 ms at 100 kHz), the start, the polls (0.36 ms each), the read and the clear.
        Assert.InRange((_clock.Elapsed - before).TotalMilliseconds, 36.5, 38.5);
    }

    [Fact]
    public void No_return_reads_8190_through_the_binding_and_the_fill_sensor_says_why()
    {
        _target.Returned = false;
        using var binding = new Vl53L0X(_device, shouldDispose: false);
        using var sensor = new Vl53L0XFillSensor(_device, "bin-1/tof");

        Assert.Equal((ushort)OperationRange.OutOfRange, binding.DistanceSingleMeasurement);
        Assert.False(sensor.TryMeasure(out _, out string? failure));
        Assert.Contains("no valid return", failure, StringComparison.Ordinal);
        Assert.Contains("bin-1/tof", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Target_beyond_two_metres_is_out_of_range()
    {
        using var sensor = new Vl53L0XFillSensor(_device, "bin-1/tof");
        _target.DistanceMm = 2400;

        Assert.False(sensor.TryMeasure(out _, out string? failure));
        Assert.Contains("range phase check", failure, StringComparison.Ordinal);

        _target.DistanceMm = 1900;
        Assert.True(sensor.TryMeasure(out Length distance, out _));
        Assert.Equal(1900, distance.Millimeters);
    }

    [Fact]
    public void Short_range_profile_sees_only_to_1_2_metres()
    {
        using var sensor = new Vl53L0X(_device, shouldDispose: false);
        sensor.Precision = Precision.ShortRange;
        _target.DistanceMm = 1500;

        Assert.Equal((ushort)OperationRange.OutOfRange, sensor.DistanceSingleMeasurement);

        _target.DistanceMm = 1100;
        Assert.Equal(1100, sensor.DistanceSingleMeasurement);
    }

    [Fact]
    public void High_precision_range_is_quarter_millimetres_which_the_binding_does_not_scale()
    {
        // SYSTEM_RANGE_CONFIG bit 0 makes the range register 11.2 fixed point (ST API); the binding's
        // HighPrecision sets it but reads the register as millimetres.
        using var sensor = new Vl53L0X(_device, shouldDispose: false);
        sensor.Precision = Precision.HighPrecision;
        _target.DistanceMm = 250.25;

        Assert.Equal(1001, sensor.DistanceSingleMeasurement);
    }

    [Fact]
    public void Chip_that_stops_answering_makes_TryMeasure_fail_without_throwing_and_recovers()
    {
        using var sensor = new Vl53L0XFillSensor(_device, "bin-1/tof");
        Assert.True(sensor.TryMeasure(out _, out _));

        _chip.Answering = false;
        bool ok = sensor.TryMeasure(out _, out string? failure);

        Assert.False(ok);
        Assert.Contains("Remote I/O error", failure, StringComparison.Ordinal);

        _chip.Answering = true;
        _target.DistanceMm = 640;
        Assert.True(sensor.TryMeasure(out Length distance, out failure), failure);
        Assert.Equal(640, distance.Millimeters);
    }

    [Fact]
    public void Chip_missing_at_start_fails_initialisation_with_a_reason()
    {
        _chip.Answering = false;
        using var sensor = new Vl53L0XFillSensor(_device, "bin-1/tof");

        Assert.False(sensor.TryMeasure(out _, out string? failure));
        Assert.Contains("initialisation failed", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Stuck_chip_keeps_returning_the_last_distance()
    {
        using var sensor = new Vl53L0XFillSensor(_device, "bin-1/tof");
        _target.DistanceMm = 500;
        Assert.True(sensor.TryMeasure(out _, out _));

        _chip.Stuck = true;
        _target.DistanceMm = 900;
        Assert.True(sensor.TryMeasure(out Length stuck, out _));
        Assert.Equal(500, stuck.Millimeters);

        _chip.Stuck = false;
        Assert.True(sensor.TryMeasure(out Length live, out _));
        Assert.Equal(900, live.Millimeters);
    }

    [Fact]
    public void Address_change_moves_the_chip_until_a_soft_reset()
    {
        Vl53L0X.ChangeI2cAddress(_device, 0x30);

        Assert.Equal(0x30, _chip.CurrentAddress);
        Assert.Throws<IOException>(() => _device.ReadByte());

        using I2cDevice moved = _bus.CreateDevice(0x30);
        using var sensor = new Vl53L0XFillSensor(moved, "bin-1/tof");
        _target.DistanceMm = 777;
        Assert.True(sensor.TryMeasure(out Length distance, out string? failure), failure);
        Assert.Equal(777, distance.Millimeters);

        using (var binding = new Vl53L0X(moved, shouldDispose: false))
        {
            binding.Reset();
        }

        Assert.Equal(SimulatedVl53L0X.DefaultAddress, _chip.CurrentAddress);
        Assert.False(sensor.TryMeasure(out _, out _));
        _device.WriteByte(0xC0);
        Assert.Equal(0xEE, _device.ReadByte());
    }

    [Fact]
    public void Two_chips_at_0x29_behind_a_tca9548a_read_their_own_targets()
    {
        using var bus = new SimulatedI2cBus(2, _clock);
        var mux = new SimulatedTca9548A();
        bus.Attach(mux);
        var near = new TofTestTarget { DistanceMm = 310 };
        var far = new TofTestTarget { DistanceMm = 1480 };
        mux.Attach(0, new SimulatedVl53L0X(near, _clock));
        mux.Attach(3, new SimulatedVl53L0X(far, _clock));
        using var tca = new Tca9548A(bus.CreateDevice(SimulatedTca9548A.DefaultAddress), bus);
        using var left = new Vl53L0XFillSensor(tca.GetChannel(0).CreateDevice(0x29), "bin-1/left");
        using var right = new Vl53L0XFillSensor(tca.GetChannel(3).CreateDevice(0x29), "bin-1/right");

        Assert.True(left.TryMeasure(out Length leftDistance, out string? failure), failure);
        Assert.True(right.TryMeasure(out Length rightDistance, out failure), failure);
        near.DistanceMm = 250;
        Assert.True(left.TryMeasure(out Length leftAgain, out failure), failure);

        Assert.Equal(310, leftDistance.Millimeters);
        Assert.Equal(1480, rightDistance.Millimeters);
        Assert.Equal(250, leftAgain.Millimeters);
    }
}

/// <summary>What a simulated time-of-flight ranger sees: a surface the test moves, or no return.</summary>
internal sealed class TofTestTarget : IRangingTarget
{
    public double DistanceMm { get; set; }

    public bool Returned { get; set; } = true;

    public RangeEcho Echo(TimeSpan at) => new(DistanceMm, Returned);
}
