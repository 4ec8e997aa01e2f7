using System.Diagnostics;
using System.IO.Ports;
using EdgeGateway.Hardware.Serial;
using static System.FormattableString;

namespace EdgeGateway.Hardware.Metering.Bl0942;

/// <summary>
/// One BL0942 on a UART shared by up to four (its A1/A2 address, 0–3), read and written as <see cref="Bl0942Frame"/>
/// says. Every call is bounded by the port's read timeout and never throws: a silent chip, a short or garbled answer and
/// a bad checksum come back as false with what went wrong. Used from one thread (the sampling thread) only; the chips
/// of one bus are asked one after the other, and the chips of different buses at once: a full-packet read splits into
/// <see cref="TryRequestPacket"/> and <see cref="TryTakePacket"/>, so the sampler can send the request on every UART
/// before it waits for the first answer (each UART is its own wire: the answers cross them in parallel).
/// </summary>
public sealed class Bl0942
{
    /// <summary>
    /// While an answer is awaited, <see cref="WhileWaiting"/> runs at least this often (and after every byte that comes
    /// in): two bytes' time at 4800 baud, so a 52 ms packet read leaves no gap longer than a few milliseconds in what the
    /// waiting thread watches.
    /// </summary>
    public static readonly TimeSpan WaitSlice = Bl0942Frame.ByteTime * 2;

    private readonly SerialPort _port;
    private readonly byte[] _buffer = new byte[Bl0942Frame.PacketLength];
    private Task? _sending;

    // Whether the chip is known to talk at Baud: always at the pin's rate; at a MODE-selected rate once switched (and
    // again after the chip went silent: a brown-out resets it to the pin's rate).
    private bool _atBaud;

    /// <param name="port">The UART, shared by the chips of one bus.</param>
    /// <param name="address">The chip's A2A1 address, 0–3.</param>
    /// <param name="description">Names the chip in faults.</param>
    /// <param name="baud">
    /// The rate to read the chip at: <see cref="Bl0942Frame.BaudRate"/> (the SCLK_BPS pin's, low), or 19 200 or 38 400,
    /// which the chip is switched to (MODE.UART_RATE_SEL) before its first exchange. Every chip of one UART runs at the
    /// same rate.
    /// </param>
    public Bl0942(SerialPort port, int address, string description, int baud = Bl0942Frame.BaudRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(address);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(address, 3);
        if (!Bl0942Frame.BaudRates.Contains(baud))
        {
            throw new ArgumentOutOfRangeException(nameof(baud), baud, "a BL0942 talks at 4800, 19200 or 38400 baud");
        }

        _port = port;
        Address = address;
        Description = description;
        Baud = baud;
        _atBaud = baud == Bl0942Frame.BaudRate;
    }

    /// <summary>The chip's A2A1 address, 0–3.</summary>
    public int Address { get; }

    /// <summary>The rate the chip is read at (8N1).</summary>
    public int Baud { get; }

    /// <summary>One byte's time on the wire at <see cref="Baud"/>.</summary>
    public TimeSpan ByteTime => Bl0942Frame.ByteTimeAt(Baud);

    public string Description { get; }

    /// <summary>The UART the chip is on (its device path): chips on one line share its wire, chips on two do not.</summary>
    public string Line => _port.PortName;

    /// <summary>
    /// Run on the waiting thread between the slices of every wait for an answer (<see cref="WaitSlice"/>, and after each
    /// byte): the sampler watches the chips' over-current outputs there, so a packet's 52 ms on the wire does not hold
    /// a short circuit's trip on the sampling thread. Must not exchange on this chip's UART.
    /// </summary>
    public Action? WhileWaiting { get; set; }

    private byte ReadCommand => (byte)(Bl0942Frame.ReadCommand | Address);

    private byte WriteCommand => (byte)(Bl0942Frame.WriteCommand | Address);

    /// <summary>Reads the full packet (0xAA): I_RMS, V_RMS, I_FAST_RMS, WATT, CF_CNT, FREQ and STATUS in one answer.</summary>
    public bool TryReadPacket(out Bl0942Packet packet, out string? fault)
    {
        packet = default;
        return TryRequestPacket(out fault) && TryTakePacket(out packet, out fault);
    }

    /// <summary>
    /// Sends the full-packet request and returns at once; <see cref="TryTakePacket"/> waits for the answer. No other
    /// exchange on the same UART may come between the two (the answer would be taken for the other's).
    /// </summary>
    public bool TryRequestPacket(out string? fault) => TrySendAtBaud([ReadCommand, Bl0942Frame.FullPacketRegister], out fault);

    /// <summary>Waits (up to the port's read timeout) for the answer to <see cref="TryRequestPacket"/>'s request.</summary>
    public bool TryTakePacket(out Bl0942Packet packet, out string? fault)
    {
        packet = default;
        if (!TryReceive(Bl0942Frame.PacketLength, out fault))
        {
            return false;
        }

        ReadOnlySpan<byte> answer = _buffer.AsSpan(0, Bl0942Frame.PacketLength);
        if (answer[0] != Bl0942Frame.PacketHeader)
        {
            fault = Invariant($"{Description}: packet header 0x{answer[0]:X2}, not 0x55");
            return false;
        }

        byte expected = Bl0942Frame.Checksum(ReadCommand, answer[..^1]);
        if (answer[^1] != expected)
        {
            fault = Invariant($"{Description}: packet checksum 0x{answer[^1]:X2}, expected 0x{expected:X2}");
            return false;
        }

        packet = Bl0942Packet.Decode(answer);
        return true;
    }

    /// <summary>Reads one register.</summary>
    public bool TryReadRegister(Bl0942Register register, out uint value, out string? fault)
    {
        value = 0;
        return TryRequestRegister(register, out fault) && TryTakeRegister(register, out value, out fault);
    }

    /// <summary>
    /// Sends a register read and returns at once (a 2-byte request, a 4-byte answer: 12.5 ms at 4800 baud);
    /// <see cref="TryTakeRegister"/> waits for the answer. As with <see cref="TryRequestPacket"/>, no other exchange on
    /// the same UART may come between the two.
    /// </summary>
    public bool TryRequestRegister(Bl0942Register register, out string? fault) => TrySendAtBaud([ReadCommand, (byte)register], out fault);

    /// <summary>Waits (up to the port's read timeout) for the answer to <see cref="TryRequestRegister"/>'s request.</summary>
    public bool TryTakeRegister(Bl0942Register register, out uint value, out string? fault)
    {
        value = 0;
        if (!TryReceive(4, out fault))
        {
            return false;
        }

        byte expected = Bl0942Frame.Checksum(ReadCommand, [(byte)register, _buffer[0], _buffer[1], _buffer[2]]);
        if (_buffer[3] != expected)
        {
            fault = Invariant($"{Description}: {register} checksum 0x{_buffer[3]:X2}, expected 0x{expected:X2}");
            return false;
        }

        value = Bl0942Frame.Read24(_buffer);
        return true;
    }

    /// <summary>
    /// Writes a user register and reads it back: the chip never answers a write, so the read-back is the only proof it
    /// took (a locked USR_WRPROT, a checksum the chip rejected, a chip not there).
    /// </summary>
    public bool TryWriteRegister(Bl0942Register register, uint value, out string? fault)
    {
        if (register == Bl0942Register.Mode && Bl0942Frame.BaudOfMode(value, Bl0942Frame.BaudRate) != Baud)
        {
            fault = Invariant($"{Description}: MODE 0x{value:X6} would move the chip off {Baud} baud");
            return false;
        }

        if (!TrySendAtBaud(WriteFrame(register, value), out fault))
        {
            return false;
        }

        if (register == Bl0942Register.UsrWrprot)
        {
            return true;
        }

        if (!TryReadRegister(register, out uint readBack, out fault))
        {
            return false;
        }

        if (readBack != (value & 0xFF_FFFF))
        {
            fault = Invariant($"{Description}: wrote 0x{value:X6} to {register}, reads back 0x{readBack:X6}");
            return false;
        }

        return true;
    }

    /// <summary>Unlocks the user registers (USR_WRPROT = 0x55), writes each one and locks them again.</summary>
    public bool TryConfigure(IReadOnlyList<(Bl0942Register Register, uint Value)> writes, out string? fault)
    {
        ArgumentNullException.ThrowIfNull(writes);
        if (!TryWriteRegister(Bl0942Register.UsrWrprot, Bl0942Frame.UnlockCode, out fault))
        {
            return false;
        }

        foreach ((Bl0942Register register, uint value) in writes)
        {
            if (!TryWriteRegister(register, value, out fault))
            {
                return false;
            }
        }

        return TryWriteRegister(Bl0942Register.UsrWrprot, 0, out fault);
    }

    /// <summary>
    /// The chip went silent: it may have been reset (a brown-out) and talk at the pin's rate again, so its rate is looked
    /// for before its next exchange.
    /// </summary>
    public void ForgetBaud() => _atBaud = Baud == Bl0942Frame.BaudRate;

    private byte[] WriteFrame(Bl0942Register register, uint value)
    {
        byte[] frame = new byte[6];
        frame[0] = WriteCommand;
        frame[1] = (byte)register;
        Bl0942Frame.Write24(frame.AsSpan(2), value);
        frame[5] = Bl0942Frame.Checksum(WriteCommand, frame.AsSpan(1, 4));
        return frame;
    }

    private bool TrySendAtBaud(byte[] frame, out string? fault)
    {
        if (!_atBaud && !TryFindBaud(out fault))
        {
            return false;
        }

        return TrySetLineBaud(Baud, out fault) && TrySend(frame, out fault);
    }

    /// <summary>
    /// Finds the chip at <see cref="Baud"/> or at the pin's rate, and switches it from the pin's: MODE.UART_RATE_SEL
    /// (datasheet 3.1) takes effect as the write's last byte is in, and the chip does not answer a write, so the switch
    /// is proven by a read at the new rate. First at the rate the UART is at now: a chip beside one already switched,
    /// or one a restarted gateway left switched, answers there at once, and a fresh chip costs one timeout only when
    /// the line was left at the new rate.
    /// </summary>
    private bool TryFindBaud(out string? fault)
    {
        int first = _port.IsOpen && _port.BaudRate == Baud ? Baud : Bl0942Frame.BaudRate;
        int second = first == Baud ? Bl0942Frame.BaudRate : Baud;
        string? firstFault = null;
        foreach (int rate in (ReadOnlySpan<int>)[first, second])
        {
            if (!TrySetLineBaud(rate, out fault)
                || !TrySend([ReadCommand, (byte)Bl0942Register.Mode], out fault))
            {
                return false;
            }

            if (!TryTakeRegister(Bl0942Register.Mode, out uint mode, out fault))
            {
                if (!fault!.Contains("no answer", StringComparison.Ordinal))
                {
                    return false;
                }

                firstFault ??= fault;
                continue;
            }

            if (rate == Baud)
            {
                _atBaud = true;
                return true;
            }

            // At the pin's rate: unlock, set UART_RATE_SEL (every other MODE bit as the chip has it), wait until the
            // write is on the wire, then read MODE at the new rate; lock again there.
            if (!TrySend(WriteFrame(Bl0942Register.UsrWrprot, Bl0942Frame.UnlockCode), out fault)
                || !TrySend(WriteFrame(Bl0942Register.Mode, (mode & ~Bl0942Frame.ModeUartRateMask) | Bl0942Frame.UartRateBits(Baud)), out fault)
                || !TryDrain(12, out fault)
                || !TrySetLineBaud(Baud, out fault)
                || !TrySend([ReadCommand, (byte)Bl0942Register.Mode], out fault))
            {
                return false;
            }

            if (!TryTakeRegister(Bl0942Register.Mode, out uint switched, out fault))
            {
                fault = Invariant($"{Description}: answers at {rate} baud, not at {Baud} after MODE.UART_RATE_SEL was set ({fault})");
                return false;
            }

            if (Bl0942Frame.BaudOfMode(switched, Bl0942Frame.BaudRate) != Baud)
            {
                fault = Invariant($"{Description}: MODE reads 0x{switched:X6} at {Baud} baud");
                return false;
            }

            _atBaud = true;
            return TrySend(WriteFrame(Bl0942Register.UsrWrprot, 0), out fault);
        }

        fault = Invariant($"{Description}: no answer at {first} or {second} baud ({firstFault})");
        return false;
    }

    /// <summary>
    /// Waits until the bytes queued are on the wire: written by the port (<c>_sending</c>), then their time at the line's
    /// rate (the UART's own FIFO), so a rate change does not garble them.
    /// </summary>
    private bool TryDrain(int bytes, out string? fault)
    {
        fault = null;
        try
        {
            if (_sending is { } sending && !sending.Wait(Math.Max(_port.WriteTimeout, 100)))
            {
                fault = $"{Description}: write not done within {_port.WriteTimeout} ms";
                return false;
            }

            Thread.Sleep(Bl0942Frame.ByteTimeAt(_port.BaudRate) * bytes);
            return true;
        }
        catch (AggregateException ex)
        {
            fault = $"{Description}: {ex.InnerException?.Message}";
            return false;
        }
    }

    /// <summary>Sets the UART's rate (the chips of one line share it), once what is queued at the old rate is out.</summary>
    private bool TrySetLineBaud(int baud, out string? fault)
    {
        fault = null;
        if (_port.BaudRate == baud)
        {
            return true;
        }

        try
        {
            _sending?.Wait(Math.Max(_port.WriteTimeout, 100));
            _port.BaudRate = baud;
            return true;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ArgumentException or AggregateException)
        {
            fault = $"{Description}: cannot set {baud} baud: {ex.Message}";
            return false;
        }
    }

    private bool TrySend(byte[] frame, out string? fault)
    {
        try
        {
            // A late answer to an earlier request (one that timed out) must not be taken for this one's.
            _port.DiscardInBuffer();

            // Queued, not waited for: on Linux each SerialPort writes through an I/O loop of its own that looks for work
            // every millisecond, so a blocking write costs up to a millisecond and requests sent on five UARTs one after
            // the other left up to 5 ms apart. Queued, they leave together; a write that fails is reported by the wait
            // for its answer (TryReceive). Writes on one port keep their order.
            _sending = _port.BaseStream.WriteAsync(frame, 0, frame.Length);
            fault = null;
            return true;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or TimeoutException or UnauthorizedAccessException)
        {
            fault = $"{Description}: {ex.Message}";
            return false;
        }
    }

    /// <summary>
    /// Waits for <paramref name="answerLength"/> bytes, up to the port's read timeout for the first and between two, in slices of at most
    /// <see cref="WaitSlice"/>: <see cref="WhileWaiting"/> runs after each slice and each byte, on this thread.
    /// </summary>
    private bool TryReceive(int answerLength, out string? fault)
    {
        fault = null;
        int got = 0;

        // Counted in the slices this thread watched, so a gateway held off its CPU does not take the chip for silent
        // (StallTolerantSerialRead says why); from the request, then from each byte, as SerialPort.Read's timeout runs.
        var quiet = new QuietLineTime(_port.ReadTimeout == SerialPort.InfiniteTimeout ? TimeSpan.MaxValue : TimeSpan.FromMilliseconds(_port.ReadTimeout));
        using var timedOut = new CancellationTokenSource();
        try
        {
            while (got < answerLength)
            {
                Task<int> read = _port.BaseStream.ReadAsync(_buffer, got, answerLength - got, timedOut.Token);
                long sliceStarted = Stopwatch.GetTimestamp();
                while (!((IAsyncResult)read).AsyncWaitHandle.WaitOne(WaitSlice))
                {
                    TimeSpan took = Stopwatch.GetElapsedTime(sliceStarted);
                    WhileWaiting?.Invoke();
                    if (_sending is { IsFaulted: true } sending)
                    {
                        timedOut.Cancel();
                        fault = $"{Description}: {sending.Exception!.InnerException!.Message}";
                        return false;
                    }

                    if (quiet.SliceEnded(WaitSlice, WaitSlice, took))
                    {
                        timedOut.Cancel();
                        fault = got == 0
                            ? Invariant($"{Description}: no answer within {_port.ReadTimeout} ms")
                            : Invariant($"{Description}: answer cut short ({got} of {answerLength} bytes within {_port.ReadTimeout} ms)");
                        return false;
                    }

                    sliceStarted = Stopwatch.GetTimestamp();
                }

                // The timeout runs from the last byte, as SerialPort.Read's does for each read.
                got += read.GetAwaiter().GetResult();
                quiet.Restart();
                if (got < answerLength)
                {
                    WhileWaiting?.Invoke();
                }
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or TimeoutException or UnauthorizedAccessException)
        {
            fault = $"{Description}: {ex.Message}";
            return false;
        }
    }
}
