using System.IO.Ports;
using EdgeGateway.Hardware.Metering.SupplyMeters;
using EdgeGateway.Hardware.Modbus;
using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Hardware.Simulation.Modbus;
using EdgeGateway.Hardware.Simulation.Shed;

namespace EdgeGateway.Hardware.Tests.Modbus;

/// <summary>The register maps decoded from the bytes a meter sends, and the simulated meter against the master over a real pty.</summary>
public sealed class SupplyMeterTests
{
    [Fact]
    public void Ddsu666_is_read_with_function_03_and_its_power_register_is_in_kilowatts()
    {
        // Holding registers, IEEE 754 high word first: 230.1 V, 4.35 A, 0.9876 kW, PF 0.987, 50.01 Hz, 1234.5 kWh.
        var registers = new Dictionary<ushort, float>
        {
            [0x2000] = 230.1f, [0x2002] = 4.35f, [0x2004] = 0.9876f, [0x200A] = 0.987f, [0x200E] = 50.01f, [0x4000] = 1234.5f,
        };
        var line = new ScriptedRtuLine((request, _) => [FloatAnswer(request, ModbusFunction.ReadHoldingRegisters, registers)]);
        var meter = new SupplyMeter(new ModbusRtuMaster(line, 9600, TimeSpan.FromMilliseconds(300), 0), 1, SupplyMeterMap.Ddsu666);

        Assert.True(meter.TryRead(out SupplyMeterReading reading, out string? fault), fault);

        Assert.Equal(230.1, reading.VoltageV, 3);
        Assert.Equal(4.35, reading.CurrentA, 3);
        Assert.Equal(987.6, reading.PowerW, 2);
        Assert.Equal(0.987, reading.PowerFactor, 3);
        Assert.Equal(50.01, reading.FrequencyHz, 3);
        Assert.Equal(1234.5, reading.ImportEnergyKWh, 2);
        Assert.All(line.Requests, r => Assert.Equal(0x03, r[1]));
    }

    [Fact]
    public void Sdm120_is_read_with_function_04_at_its_3x_addresses_in_watts()
    {
        var registers = new Dictionary<ushort, float>
        {
            [0x0000] = 229.8f, [0x0006] = 12.5f, [0x000C] = 2870f, [0x001E] = 0.998f, [0x0046] = 49.98f, [0x0048] = 88.25f,
        };
        var line = new ScriptedRtuLine((request, _) => [FloatAnswer(request, ModbusFunction.ReadInputRegisters, registers)]);
        var meter = new SupplyMeter(new ModbusRtuMaster(line, 2400, TimeSpan.FromMilliseconds(300), 0), 1, SupplyMeterMap.Sdm120);

        Assert.True(meter.TryRead(out SupplyMeterReading reading, out string? fault), fault);

        Assert.Equal(229.8, reading.VoltageV, 3);
        Assert.Equal(12.5, reading.CurrentA, 3);
        Assert.Equal(2870, reading.PowerW, 1);
        Assert.Equal(0.998, reading.PowerFactor, 3);
        Assert.Equal(49.98, reading.FrequencyHz, 3);
        Assert.Equal(88.25, reading.ImportEnergyKWh, 2);
        Assert.All(line.Requests, r => Assert.Equal(0x04, r[1]));
    }

    [Fact]
    public void Float_words_go_high_word_first()
    {
        // 230.0f is 0x43660000: register 0x4366, then 0x0000.
        Assert.Equal(((ushort)0x4366, (ushort)0x0000), SupplyMeterMap.EncodeFloat(230f));
        Assert.Equal(230f, SupplyMeterMap.DecodeFloat(0x4366, 0x0000));
    }

    [Fact]
    public void A_register_that_is_not_a_number_fails_the_reading()
    {
        var registers = new Dictionary<ushort, float> { [0x0000] = float.NaN };
        var line = new ScriptedRtuLine((request, _) => [FloatAnswer(request, ModbusFunction.ReadInputRegisters, registers)]);
        var meter = new SupplyMeter(new ModbusRtuMaster(line, 2400, TimeSpan.FromMilliseconds(300), 0), 1, SupplyMeterMap.Sdm120);

        Assert.False(meter.TryRead(out _, out string? fault));
        Assert.Contains("not a number", fault, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulated_meter_over_a_pty_reads_the_sheds_supply_with_the_unmetered_load_and_plays_its_faults()
    {
        var clock = new SimulatedClock(new DateTimeOffset(2026, 12, 7, 20, 0, 0, TimeSpan.FromHours(8)));
        var model = new ShedModel(clock, 220, 50, 3, TimeSpan.FromHours(8));
        ShedOutlet outlet = model.AddOutlet("P01", isDc: false);
        outlet.Plug(new ResistiveLoad(800, 220, "heater"));
        outlet.CoilEnergized = true;
        var frontEnd = new SupplyFrontEnd(model) { UnmeteredLoadW = 300 };
        using var simulated = new SimulatedSupplyMeter(clock, frontEnd, SupplyMeterMap.Sdm120, unit: 3, baudRate: 9600);
        for (int i = 0; i < 50; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(20));
            model.AdvanceTo(clock.Elapsed);
        }

        simulated.Update(clock.Elapsed);
        using var port = new SerialPort(simulated.DevicePath, 9600, Parity.None, 8, StopBits.One) { WriteTimeout = 2000 };
        port.Open();
        var master = new ModbusRtuMaster(new SerialRtuLine(port), 9600, TimeSpan.FromSeconds(2), retries: 0);
        var meter = new SupplyMeter(master, 3, SupplyMeterMap.Sdm120);

        Assert.True(meter.TryRead(out SupplyMeterReading reading, out string? fault), fault);
        double expected = outlet.TrueRealPowerW + 300;
        Assert.InRange(reading.PowerW, expected * 0.97, expected * 1.03);
        Assert.InRange(reading.VoltageV, model.SupplyVrms * 0.98, model.SupplyVrms * 1.02);
        Assert.Equal(50, reading.FrequencyHz, 3);

        // Another unit's address: silence, not an answer.
        // (A short timeout: the silence is waited out in real time.)
        var other = new SupplyMeter(new ModbusRtuMaster(new SerialRtuLine(port), 9600, TimeSpan.FromMilliseconds(200), retries: 0), 4, SupplyMeterMap.Sdm120);
        Assert.False(other.TryRead(out _, out fault));
        Assert.Contains("no answer", fault, StringComparison.Ordinal);

        // The wrong function (the DDSU666's 03 to an SDM120): exception 01.
        Assert.False(master.TryReadRegisters(3, ModbusFunction.ReadHoldingRegisters, 0, new ushort[2], out ModbusFailure? failure));
        Assert.Equal(ModbusExceptionCode.IllegalFunction, failure!.ExceptionCode);

        // A register the meter does not have: exception 02.
        Assert.False(master.TryReadRegisters(3, ModbusFunction.ReadInputRegisters, 0x0002, new ushort[2], out failure));
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, failure!.ExceptionCode);

        simulated.Fault = SupplyMeterFault.BadCrc;
        Assert.False(master.TryReadRegisters(3, ModbusFunction.ReadInputRegisters, 0, new ushort[2], out failure));
        Assert.Equal(ModbusFailureKind.BadCrc, failure!.Kind);

        simulated.Fault = SupplyMeterFault.DeviceFailure;
        Assert.False(master.TryReadRegisters(3, ModbusFunction.ReadInputRegisters, 0, new ushort[2], out failure));
        Assert.Equal(ModbusExceptionCode.ServerDeviceFailure, failure!.ExceptionCode);
    }

    /// <summary>A server's answer to a float read of <paramref name="registers"/>; exception 02 for an address it lacks.</summary>
    private static byte[] FloatAnswer(byte[] request, ModbusFunction function, Dictionary<ushort, float> registers)
    {
        Assert.Equal((byte)function, request[1]);
        ushort start = (ushort)((request[2] << 8) | request[3]);
        if (!registers.TryGetValue(start, out float value))
        {
            return ScriptedRtuLine.Frame(request[0], (byte)(request[1] | 0x80), 0x02);
        }

        (ushort high, ushort low) = SupplyMeterMap.EncodeFloat(value);
        return ScriptedRtuLine.Frame(request[0], request[1], 4, (byte)(high >> 8), (byte)high, (byte)(low >> 8), (byte)low);
    }
}
