using System.Buffers.Binary;
using System.Device.I2c;
using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Hardware.Simulation.I2c;
using EdgeGateway.Hardware.Simulation.Ina219;
using Iot.Device.Adc;

namespace EdgeGateway.Hardware.Tests.Simulation;

public sealed class SimulatedIna219Tests : IDisposable
{
    private const int Address = 0x40;
    private readonly SimulatedClock _clock = TestClock.Create();
    private readonly SettableDcFrontEnd _inputs = new();
    private readonly SimulatedI2cBus _bus;
    private readonly SimulatedIna219 _chip;
    private readonly I2cDevice _device;

    public SimulatedIna219Tests()
    {
        _bus = new SimulatedI2cBus(1, _clock);
        _chip = new SimulatedIna219(Address, _inputs, _clock);
        _bus.Attach(_chip);
        _device = _bus.CreateDevice(Address);
    }

    public void Dispose()
    {
        _device.Dispose();
        _bus.Dispose();
    }

    [Fact]
    public void Ina219_binding_reads_bus_and_shunt_voltage_after_reset()
    {
        _inputs.BusVolts = 12.34;
        _inputs.ShuntVolts = 0.05123;
        var ina = new Ina219(_device);

        ina.Reset();

        Assert.Equal(12.34, ina.ReadBusVoltage().Volts, 6);
        Assert.Equal(0.05123, ina.ReadShuntVoltage().Volts, 6);
        Assert.Equal(Ina219BusVoltageRange.Range32v, ina.BusVoltageRange);
        Assert.Equal(Ina219PgaSensitivity.PlusOrMinus320mv, ina.PgaSensitivity);
        Assert.Equal(Ina219OperatingMode.ShuntAndBusContinuous, ina.OperatingMode);
    }

    [Fact]
    public void Ina219_binding_reports_current_and_power_per_calibration()
    {
        // 0.1 Ω shunt, Current_LSB 100 µA: Cal = trunc(0.04096 / (100 µA × 0.1 Ω)) = 4096 (datasheet 8.5.1).
        _inputs.ShuntVolts = 1.5 * 0.1;
        _inputs.BusVolts = 12.0;
        var ina = new Ina219(_device);
        ina.Reset();

        Assert.Equal(0.0, ina.ReadCurrent().Amperes); // calibration 0 after reset: current and power read 0

        ina.SetCalibration(4096, 0.0001f);

        Assert.Equal(1.5, ina.ReadCurrent().Amperes, 4);
        Assert.Equal(18.0, (double)ina.ReadPower().Watts, 3);

        ina.SetCalibration(2048, 0.0002f); // same scale, coarser: current register halves
        Assert.Equal(7500, ReadRegister(0x04));
        Assert.Equal(1.5, ina.ReadCurrent().Amperes, 4);
    }

    [Fact]
    public void Ina219_that_does_not_answer_surfaces_as_IOException_from_the_binding()
    {
        var ina = new Ina219(_device);
        ina.Reset();

        _chip.Answering = false;

        Assert.Throws<IOException>(() => ina.ReadBusVoltage());
        Assert.Throws<IOException>(() => ina.Reset());
    }

    [Fact]
    public void Stuck_ina219_keeps_returning_the_values_it_had_when_it_stuck()
    {
        _inputs.BusVolts = 12.0;
        var ina = new Ina219(_device);
        ina.Reset();
        Assert.Equal(12.0, ina.ReadBusVoltage().Volts, 3);

        _chip.Stuck = true;
        _inputs.BusVolts = 15.0;
        ina.BusVoltageRange = Ina219BusVoltageRange.Range16v; // writes are ignored too

        Assert.Equal(12.0, ina.ReadBusVoltage().Volts, 3);
        Assert.Equal(Ina219BusVoltageRange.Range32v, ina.BusVoltageRange);

        _chip.Stuck = false;
        Assert.Equal(15.0, ina.ReadBusVoltage().Volts, 3);
    }

    [Fact]
    public void Ina219_samples_the_inputs_at_the_simulated_time_of_the_read()
    {
        // Bus voltage ramps 1 V per simulated second from 5 V.
        _inputs.Waveform = at => new DcInputs(0, 5.0 + at.TotalSeconds);
        var ina = new Ina219(_device);
        ina.Reset();

        _clock.Advance(TimeSpan.FromSeconds(3));
        TimeSpan readAt = _clock.Elapsed + TimeSpan.FromMicroseconds(180); // after the pointer write
        double volts = ina.ReadBusVoltage().Volts;

        Assert.Equal(Math.Round((5.0 + readAt.TotalSeconds) / 0.004) * 0.004, volts, 6);
    }

    [Fact]
    public void Shunt_voltage_beyond_the_pga_range_clips_and_sets_ovf()
    {
        _inputs.ShuntVolts = 0.1;
        _inputs.BusVolts = 12.0;
        var ina = new Ina219(_device);
        ina.Reset();
        Assert.Equal(0, ReadRegister(0x02) & 0x1);

        ina.PgaSensitivity = Ina219PgaSensitivity.PlusOrMinus40mv;

        Assert.Equal(0.04, ina.ReadShuntVoltage().Volts, 6);
        Assert.Equal(1, ReadRegister(0x02) & 0x1);
    }

    [Fact]
    public void Bus_voltage_is_limited_to_the_16_volt_range_when_brng_is_clear()
    {
        _inputs.BusVolts = 20.0;
        var ina = new Ina219(_device);
        ina.Reset();
        Assert.Equal(5000, ReadRegister(0x02) >> 3); // 20 V in the 32 V range

        ina.BusVoltageRange = Ina219BusVoltageRange.Range16v;

        Assert.Equal(16.0, ina.ReadBusVoltage().Volts, 3);
    }

    [Fact]
    public void Ina219_binding_reads_bus_voltages_above_16_383_volts_as_negative_as_it_would_on_real_hardware()
    {
        // BD12 is bit 15 of the Bus Voltage register (datasheet 8.6.3.2); the binding shifts the register as a
        // signed short, so from code 4096 (16.384 V) on its reading wraps negative.
        _inputs.BusVolts = 24.0;
        var ina = new Ina219(_device);
        ina.Reset();

        Assert.Equal(6000, ReadRegister(0x02) >> 3);
        Assert.Equal((6000 - 8192) * 0.004, ina.ReadBusVoltage().Volts, 6);
    }

    [Fact]
    public void Negative_shunt_voltage_is_twos_complement_with_10_microvolt_lsb()
    {
        _inputs.ShuntVolts = -0.01;
        WriteRegister(0x00, 0x8000);

        Assert.Equal(-1000, (short)ReadRegister(0x01));
    }

    [Fact]
    public void Pointer_write_selects_the_register_and_reads_do_not_auto_increment()
    {
        WriteRegister(0x05, 0x1235);
        _device.WriteByte(0x05);
        Span<byte> four = stackalloc byte[4];
        _device.Read(four);

        // Calibration bit 0 is void and reads 0; further bytes repeat the same register.
        Assert.Equal(new byte[] { 0x12, 0x34, 0x12, 0x34 }, four.ToArray());
        Assert.Equal(0x399F, ReadRegister(0x00));
    }

    [Fact]
    public void Rst_bit_restores_the_power_on_values()
    {
        WriteRegister(0x05, 0x1000);
        WriteRegister(0x00, 0x019F);
        WriteRegister(0x00, 0x8000);

        Assert.Equal(0x399F, ReadRegister(0x00));
        Assert.Equal(0x0000, ReadRegister(0x05));
    }

    [Fact]
    public void Read_only_registers_ignore_writes()
    {
        _inputs.ShuntVolts = 0.02;
        WriteRegister(0x01, 0x7FFF);

        Assert.Equal(2000, ReadRegister(0x01));
    }

    [Fact]
    public void Ina219_continuous_mode_sets_cnvr_after_a_conversion_cycle_and_reading_power_clears_it()
    {
        _inputs.BusVolts = 5.0;

        // Continuous shunt and bus at 12 bits: one cycle is 532 + 532 µs. Every register access below is a 100 kHz
        // transaction whose duration the clock counts, so the times are exact.
        WriteRegister(0x00, 0x399F); // cycle restarts at t0; takes 360 µs
        Assert.Equal(0, ReadRegister(0x02) & 0x2); // sampled at t0 + 360 µs

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, ReadRegister(0x02) & 0x2); // t0 + 1810 µs: one cycle done

        ReadRegister(0x03); // t0 + 2260 µs: reading Power clears CNVR
        Assert.Equal(0, ReadRegister(0x02) & 0x2); // t0 + 2710 µs: still within the third cycle
        Assert.Equal(5.0, (ReadRegister(0x02) >> 3) * 0.004, 6);
    }

    [Fact]
    public void Triggered_conversion_holds_its_result_sampled_at_the_end_of_the_conversion()
    {
        _inputs.Waveform = at => new DcInputs(0, at < TimeSpan.FromSeconds(1) ? 5.0 : 9.0);
        _clock.Advance(TimeSpan.FromSeconds(1) - TimeSpan.FromMicroseconds(500));

        WriteRegister(0x00, 0x399B); // shunt and bus, triggered: done 1064 µs later, when the bus reads 9 V
        ushort pending = ReadRegister(0x02);
        Assert.Equal(0, pending & 0x2);
        Assert.Equal(0, pending >> 3); // nothing converted yet since reset

        _clock.Advance(TimeSpan.FromMilliseconds(2));
        ushort done = ReadRegister(0x02);
        Assert.Equal(2, done & 0x2);
        Assert.Equal(9.0, (done >> 3) * 0.004, 6);

        ReadRegister(0x03);
        _inputs.Waveform = _ => new DcInputs(0, 3.0);
        _clock.Advance(TimeSpan.FromMilliseconds(5));
        ushort held = ReadRegister(0x02);
        Assert.Equal(0, held & 0x2);
        Assert.Equal(9.0, (held >> 3) * 0.004, 6);
    }

    private ushort ReadRegister(byte pointer)
    {
        Span<byte> value = stackalloc byte[2];
        _device.WriteRead([pointer], value);
        return BinaryPrimitives.ReadUInt16BigEndian(value);
    }

    private void WriteRegister(byte pointer, ushort value)
    {
        Span<byte> data = [pointer, (byte)(value >> 8), (byte)value];
        _device.Write(data);
    }
}
