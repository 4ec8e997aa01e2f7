using System.IO.Ports;
using EdgeGateway.Hardware.Serial;

namespace EdgeGateway.Hardware.Modbus;

/// <summary>The serial line an RTU master talks over: a <see cref="SerialPort"/> on the board, a scripted one in tests.</summary>
public interface IRtuLine
{
    /// <summary>Drops whatever is waiting to be read (a late answer to an earlier request).</summary>
    void DiscardInput();

    void Write(ReadOnlySpan<byte> bytes);

    /// <summary>Waits up to <paramref name="timeout"/> for bytes and reads what is there; 0 when nothing came in time.</summary>
    int Read(Span<byte> buffer, TimeSpan timeout);
}

/// <summary>An RS-485 line on a <see cref="SerialPort"/> (a USB adapter, a UART with a transceiver, a pty in simulation).</summary>
public sealed class SerialRtuLine(SerialPort port) : IRtuLine
{
    private readonly byte[] _buffer = new byte[256];

    public void DiscardInput() => port.DiscardInBuffer();

    public void Write(ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        port.Write(copy, 0, copy.Length);
    }

    public int Read(Span<byte> buffer, TimeSpan timeout)
    {
        // Counted in slices the thread waited through: a gateway held off its CPU must not take a late look at the line
        // for its silence (a false timeout, or an answer cut at a false end-of-frame gap).
        int n = StallTolerantSerialRead.Read(port, _buffer, 0, Math.Min(buffer.Length, _buffer.Length), timeout);
        _buffer.AsSpan(0, n).CopyTo(buffer);
        return n;
    }
}
