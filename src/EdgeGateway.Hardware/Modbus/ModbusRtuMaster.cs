using static System.FormattableString;

namespace EdgeGateway.Hardware.Modbus;

/// <summary>
/// A Modbus RTU client (master) for functions 03 and 04 (Modbus over Serial Line v1.02; Modbus Application Protocol
/// v1.1b3). A request is <c>unit, function, start (hi, lo), count (hi, lo), CRC (lo, hi)</c>; the answer is
/// <c>unit, function, byte count, data, CRC</c> or the exception <c>unit, function | 0x80, code, CRC</c>. Every call is
/// bounded (response timeout × attempts) and never throws for what the line or the server does: a silent server, a cut
/// or garbled answer, an answer from another unit or to another function, a wrong byte count and an exception come
/// back as a <see cref="ModbusFailure"/>. Used from one thread at a time.
/// </summary>
/// <remarks>
/// An answer ends at its expected length (known from its third byte) or at a silence: the spec's t3.5 (§2.5.1.1), but
/// never less than <see cref="MinimumSilence"/>, because a USB RS-485 adapter hands bytes over in bursts (an FTDI's
/// latency timer is 16 ms) and a gap inside one answer must not cut it. A failed attempt is repeated up to
/// <see cref="Retries"/> times; an exception answer is not (the server has answered, asking again changes nothing).
/// </remarks>
public sealed class ModbusRtuMaster
{
    /// <summary>The most registers one 03/04 request may ask for (§6.3, §6.4).</summary>
    public const int MaxRegisters = 125;

    /// <summary>The shortest silence taken for the end of an answer (see remarks).</summary>
    public static readonly TimeSpan MinimumSilence = TimeSpan.FromMilliseconds(20);

    private readonly IRtuLine _line;
    private readonly byte[] _answer = new byte[5 + (2 * MaxRegisters) + 16];

    /// <param name="line">The serial line.</param>
    /// <param name="baudRate">The line's speed, for t3.5.</param>
    /// <param name="responseTimeout">How long the first byte of an answer may take.</param>
    /// <param name="retries">Attempts after the first when an answer is missing or unusable.</param>
    public ModbusRtuMaster(IRtuLine line, int baudRate, TimeSpan responseTimeout, int retries)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(baudRate);
        ArgumentOutOfRangeException.ThrowIfNegative(retries);
        _line = line;
        ResponseTimeout = responseTimeout;
        Retries = retries;
        FrameGap = FrameGapAt(baudRate);
    }

    public TimeSpan ResponseTimeout { get; }

    public int Retries { get; }

    /// <summary>t3.5 at the line's speed: 3.5 characters of 11 bits, fixed at 1.75 ms above 19200 baud (§2.5.1.1).</summary>
    public TimeSpan FrameGap { get; }

    /// <summary>Attempts the last request took (1 when the first answer was good).</summary>
    public int LastAttempts { get; private set; }

    public static TimeSpan FrameGapAt(int baudRate) =>
        baudRate > 19200 ? TimeSpan.FromMicroseconds(1750) : TimeSpan.FromSeconds(3.5 * 11 / baudRate);

    /// <summary>The request frame for reading <paramref name="count"/> registers from <paramref name="start"/>.</summary>
    public static byte[] ReadRequest(byte unit, ModbusFunction function, ushort start, ushort count)
    {
        byte[] frame = [unit, (byte)function, (byte)(start >> 8), (byte)start, (byte)(count >> 8), (byte)count, 0, 0];
        ModbusCrc.Append(frame);
        return frame;
    }

    /// <summary>
    /// Reads <paramref name="registers"/>.Length registers from <paramref name="start"/> of unit <paramref name="unit"/>
    /// (1–247) with function 03 or 04; each register as the server sent it, high byte first.
    /// </summary>
    public bool TryReadRegisters(byte unit, ModbusFunction function, ushort start, Span<ushort> registers, out ModbusFailure? failure)
    {
        ArgumentOutOfRangeException.ThrowIfZero(unit);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(unit, (byte)247);
        ArgumentOutOfRangeException.ThrowIfZero(registers.Length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(registers.Length, MaxRegisters);
        byte[] request = ReadRequest(unit, function, start, (ushort)registers.Length);
        failure = null;
        for (LastAttempts = 1; LastAttempts <= Retries + 1; LastAttempts++)
        {
            if (TryExchange(request, registers, out failure))
            {
                return true;
            }

            if (failure!.Kind is ModbusFailureKind.Exception or ModbusFailureKind.Port)
            {
                return false;
            }
        }

        LastAttempts = Retries + 1;
        failure = failure! with { Message = Invariant($"{failure.Message} ({Retries + 1} attempts)") };
        return false;
    }

    private bool TryExchange(byte[] request, Span<ushort> registers, out ModbusFailure? failure)
    {
        byte unit = request[0];
        byte function = request[1];
        int length;
        try
        {
            _line.DiscardInput();
            _line.Write(request);
            length = ReadAnswer(function);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or TimeoutException or UnauthorizedAccessException)
        {
            failure = new ModbusFailure(ModbusFailureKind.Port, Invariant($"unit {unit}: {ex.Message}"));
            return false;
        }

        ReadOnlySpan<byte> answer = _answer.AsSpan(0, length);
        failure = Check(unit, function, registers.Length, answer);
        if (failure is not null)
        {
            return false;
        }

        for (int i = 0; i < registers.Length; i++)
        {
            registers[i] = (ushort)((answer[3 + (2 * i)] << 8) | answer[4 + (2 * i)]);
        }

        return true;
    }

    /// <summary>Reads one answer: its first byte within the response timeout, the rest until its length or a silence.</summary>
    private int ReadAnswer(byte function)
    {
        int got = _line.Read(_answer, ResponseTimeout);
        if (got == 0)
        {
            return 0;
        }

        TimeSpan silence = FrameGap > MinimumSilence ? FrameGap : MinimumSilence;
        while (got < _answer.Length)
        {
            int expected = ExpectedLength(function, _answer.AsSpan(0, got));
            if (got >= expected)
            {
                break;
            }

            int n = _line.Read(_answer.AsSpan(got), silence);
            if (n == 0)
            {
                break;
            }

            got += n;
        }

        return got;
    }

    /// <summary>The answer's full length once its header is in (int.MaxValue until then, or for an unknown function: read to the silence).</summary>
    private static int ExpectedLength(byte function, ReadOnlySpan<byte> header)
    {
        if (header.Length >= 2 && header[1] == (function | 0x80))
        {
            return 5;
        }

        if (header.Length >= 3 && header[1] == function)
        {
            return 5 + header[2];
        }

        return int.MaxValue;
    }

    private static ModbusFailure? Check(byte unit, byte function, int count, ReadOnlySpan<byte> answer)
    {
        if (answer.Length == 0)
        {
            return new ModbusFailure(ModbusFailureKind.Timeout, Invariant($"unit {unit}: no answer to function {function:X2}"));
        }

        if (answer.Length < 5 || (ExpectedLength(function, answer) is int expected && expected != int.MaxValue && answer.Length < expected))
        {
            return new ModbusFailure(ModbusFailureKind.Truncated, Invariant($"unit {unit}: answer cut short after {answer.Length} bytes"));
        }

        // A garbled frame's fields mean nothing: its CRC is checked before anything it says.
        if (!ModbusCrc.IsValid(answer))
        {
            return new ModbusFailure(ModbusFailureKind.BadCrc, Invariant($"unit {unit}: CRC error in a {answer.Length}-byte answer"));
        }

        if (answer[0] != unit)
        {
            return new ModbusFailure(ModbusFailureKind.WrongUnit, Invariant($"unit {unit}: answer from unit {answer[0]}"));
        }

        if (answer[1] == (function | 0x80))
        {
            var code = (ModbusExceptionCode)answer[2];
            string name = Enum.IsDefined(code) ? code.ToString() : Invariant($"code {answer[2]:X2}");
            return new ModbusFailure(ModbusFailureKind.Exception, Invariant($"unit {unit}: exception {answer[2]:X2} ({name}) to function {function:X2}"), code);
        }

        if (answer[1] != function)
        {
            return new ModbusFailure(ModbusFailureKind.WrongFunction, Invariant($"unit {unit}: answer to function {answer[1]:X2}, asked {function:X2}"));
        }

        if (answer[2] != 2 * count || answer.Length != 5 + answer[2])
        {
            return new ModbusFailure(ModbusFailureKind.WrongByteCount, Invariant($"unit {unit}: {answer[2]} data bytes for {count} registers"));
        }

        return null;
    }
}
