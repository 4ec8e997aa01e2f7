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

    public Bl0942(SerialPort port, int address, string description)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(address);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(address, 3);
        _port = port;
        Address = address;
        Description = description;
    }

    /// <summary>The chip's A2A1 address, 0–3.</summary>
    public int Address { get; }

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
    public bool TryRequestPacket(out string? fault) => TrySend([ReadCommand, Bl0942Frame.FullPacketRegister], out fault);

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
    public bool TryRequestRegister(Bl0942Register register, out string? fault) => TrySend([ReadCommand, (byte)register], out fault);

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
        byte[] frame = new byte[6];
        frame[0] = WriteCommand;
        frame[1] = (byte)register;
        Bl0942Frame.Write24(frame.AsSpan(2), value);
        frame[5] = Bl0942Frame.Checksum(WriteCommand, frame.AsSpan(1, 4));
        if (!TrySend(frame, out fault))
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
