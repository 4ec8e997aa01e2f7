using EdgeGateway.Hardware.Modbus;

namespace EdgeGateway.Hardware.Tests.Modbus;

public sealed class ModbusRtuMasterTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(300);

    [Fact]
    public void Crc_matches_the_serial_line_specs_example_and_goes_low_byte_first()
    {
        // Modbus over Serial Line v1.02, §6.2.2 and Appendix B: the read request 02 07 carries CRC 41 12 (0x1241).
        Assert.Equal(0x1241, ModbusCrc.Compute([0x02, 0x07]));
        byte[] frame = [0x02, 0x07, 0, 0];
        ModbusCrc.Append(frame);
        Assert.Equal([0x02, 0x07, 0x41, 0x12], frame);

        // The read of holding registers 0x0000, count 1, at unit 1 (the frame every Modbus tool shows): CRC 84 0A.
        Assert.Equal([0x01, 0x03, 0x00, 0x00, 0x00, 0x01, 0x84, 0x0A], ModbusRtuMaster.ReadRequest(1, ModbusFunction.ReadHoldingRegisters, 0, 1));
        Assert.True(ModbusCrc.IsValid([0x01, 0x03, 0x00, 0x00, 0x00, 0x01, 0x84, 0x0A]));
        Assert.False(ModbusCrc.IsValid([0x01, 0x03, 0x00, 0x00, 0x00, 0x01, 0x0A, 0x84]));
    }

    [Fact]
    public void Reads_input_registers_high_byte_first()
    {
        var line = new ScriptedRtuLine((request, _) =>
        {
            Assert.Equal(ModbusRtuMaster.ReadRequest(7, ModbusFunction.ReadInputRegisters, 0x0048, 2), request);
            return [ScriptedRtuLine.Frame(7, 0x04, 4, 0x43, 0x5C, 0x00, 0x01)];
        });
        var master = new ModbusRtuMaster(line, 9600, Timeout, retries: 2);
        ushort[] registers = new ushort[2];

        Assert.True(master.TryReadRegisters(7, ModbusFunction.ReadInputRegisters, 0x0048, registers, out ModbusFailure? failure), failure?.Message);

        Assert.Equal([0x435C, 0x0001], registers);
        Assert.Equal(1, master.LastAttempts);
    }

    [Fact]
    public void An_answer_in_bursts_is_put_together_until_its_byte_count()
    {
        byte[] answer = ScriptedRtuLine.Frame(1, 0x03, 4, 0x12, 0x34, 0x56, 0x78);
        var line = new ScriptedRtuLine((_, _) => [answer[..2], answer[2..5], answer[5..]]);
        var master = new ModbusRtuMaster(line, 9600, Timeout, retries: 0);
        ushort[] registers = new ushort[2];

        Assert.True(master.TryReadRegisters(1, ModbusFunction.ReadHoldingRegisters, 0x2000, registers, out _));
        Assert.Equal([0x1234, 0x5678], registers);
    }

    [Theory]
    [InlineData(0x01, ModbusExceptionCode.IllegalFunction)]
    [InlineData(0x02, ModbusExceptionCode.IllegalDataAddress)]
    [InlineData(0x03, ModbusExceptionCode.IllegalDataValue)]
    [InlineData(0x04, ModbusExceptionCode.ServerDeviceFailure)]
    [InlineData(0x06, ModbusExceptionCode.ServerDeviceBusy)]
    public void An_exception_answer_is_a_typed_failure_and_is_not_retried(byte code, ModbusExceptionCode expected)
    {
        var line = new ScriptedRtuLine((_, _) => [ScriptedRtuLine.Frame(1, 0x83, code)]);
        var master = new ModbusRtuMaster(line, 9600, Timeout, retries: 2);

        Assert.False(master.TryReadRegisters(1, ModbusFunction.ReadHoldingRegisters, 0x2000, new ushort[2], out ModbusFailure? failure));

        Assert.Equal(ModbusFailureKind.Exception, failure!.Kind);
        Assert.Equal(expected, failure.ExceptionCode);
        Assert.Contains(expected.ToString(), failure.Message, StringComparison.Ordinal);
        Assert.Single(line.Requests);
    }

    [Fact]
    public void Silence_is_a_timeout_after_every_retry()
    {
        var line = new ScriptedRtuLine((_, _) => null);
        var master = new ModbusRtuMaster(line, 9600, Timeout, retries: 2);

        Assert.False(master.TryReadRegisters(1, ModbusFunction.ReadHoldingRegisters, 0x2000, new ushort[2], out ModbusFailure? failure));

        Assert.Equal(ModbusFailureKind.Timeout, failure!.Kind);
        Assert.Equal(3, line.Requests.Count);
        Assert.Equal(3, master.LastAttempts);
        Assert.Contains("3 attempts", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lost_answer_is_retried_and_the_retry_is_taken()
    {
        byte[] good = ScriptedRtuLine.Frame(1, 0x03, 4, 0, 1, 0, 2);
        var line = new ScriptedRtuLine((_, attempt) => attempt == 1 ? null : [good]);
        var master = new ModbusRtuMaster(line, 9600, Timeout, retries: 2);
        ushort[] registers = new ushort[2];

        Assert.True(master.TryReadRegisters(1, ModbusFunction.ReadHoldingRegisters, 0x2000, registers, out _));

        Assert.Equal([1, 2], registers);
        Assert.Equal(2, master.LastAttempts);
        Assert.Equal(2, line.Discards);
    }

    public static TheoryData<string, byte[], ModbusFailureKind> BadAnswers => new()
    {
        { "bad CRC", Corrupt(ScriptedRtuLine.Frame(1, 0x03, 4, 0, 1, 0, 2)), ModbusFailureKind.BadCrc },
        { "another unit", ScriptedRtuLine.Frame(2, 0x03, 4, 0, 1, 0, 2), ModbusFailureKind.WrongUnit },
        { "another function", ScriptedRtuLine.Frame(1, 0x04, 4, 0, 1, 0, 2), ModbusFailureKind.WrongFunction },
        { "too few bytes counted", ScriptedRtuLine.Frame(1, 0x03, 2, 0, 1), ModbusFailureKind.WrongByteCount },
        { "cut short", ScriptedRtuLine.Frame(1, 0x03, 4, 0, 1, 0, 2)[..6], ModbusFailureKind.Truncated },
        { "a stray byte", [0x00], ModbusFailureKind.Truncated },
    };

    [Theory]
    [MemberData(nameof(BadAnswers))]
    public void An_unusable_answer_is_a_failure_of_its_kind_and_is_retried(string what, byte[] answer, ModbusFailureKind kind)
    {
        var line = new ScriptedRtuLine((_, _) => [answer]);
        var master = new ModbusRtuMaster(line, 9600, Timeout, retries: 1);

        Assert.False(master.TryReadRegisters(1, ModbusFunction.ReadHoldingRegisters, 0x2000, new ushort[2], out ModbusFailure? failure), what);

        Assert.Equal(kind, failure!.Kind);
        Assert.Equal(2, line.Requests.Count);
    }

    [Fact]
    public void A_port_that_fails_is_a_failure_not_an_exception()
    {
        var master = new ModbusRtuMaster(new FailingLine(), 9600, Timeout, retries: 2);

        Assert.False(master.TryReadRegisters(1, ModbusFunction.ReadHoldingRegisters, 0, new ushort[1], out ModbusFailure? failure));
        Assert.Equal(ModbusFailureKind.Port, failure!.Kind);
        Assert.Contains("adapter unplugged", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(9600, 4010)]
    [InlineData(2400, 16041)]
    [InlineData(38400, 1750)]
    public void Frame_gap_is_three_and_a_half_characters_or_1750_us_above_19200_baud(int baud, int microseconds)
    {
        Assert.InRange(ModbusRtuMaster.FrameGapAt(baud).TotalMicroseconds, microseconds - 1, microseconds + 1);
    }

    private static byte[] Corrupt(byte[] frame)
    {
        frame[^1] ^= 0x5A;
        return frame;
    }

    private sealed class FailingLine : IRtuLine
    {
        public void DiscardInput()
        {
        }

        public void Write(ReadOnlySpan<byte> bytes) => throw new IOException("adapter unplugged");

        public int Read(Span<byte> buffer, TimeSpan timeout) => 0;
    }
}
