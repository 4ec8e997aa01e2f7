using System.IO.Ports;

namespace EdgeGateway.Hardware.Metering.Hlw8032;

/// <summary>
/// One HLW8032 on a UART of its own (the IC has no address and sends on its own: two on one RX line would garble each
/// other). <see cref="TryReceive"/> takes whatever the UART has received since the last call without waiting — the
/// kernel's serial driver buffers the frames that came meanwhile — and hands it to the <see cref="Receiver"/>. Never
/// throws: a port that cannot be read comes back as false with the reason. Used from one thread (the sampling thread).
/// </summary>
public sealed class Hlw8032
{
    private readonly SerialPort _port;
    private readonly byte[] _buffer = new byte[512];

    public Hlw8032(SerialPort port, string description)
    {
        ArgumentNullException.ThrowIfNull(port);
        _port = port;
        Description = description;
    }

    public string Description { get; }

    public Hlw8032Receiver Receiver { get; } = new();

    /// <summary>Takes every byte waiting on the UART into <see cref="Receiver"/>; never waits for more.</summary>
    public bool TryReceive(out string? fault)
    {
        try
        {
            int available;
            while ((available = _port.BytesToRead) > 0)
            {
                int n = _port.Read(_buffer, 0, Math.Min(available, _buffer.Length));
                Receiver.Receive(_buffer.AsSpan(0, n));
            }

            fault = null;
            return true;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or TimeoutException or UnauthorizedAccessException)
        {
            fault = $"{Description}: {ex.Message}";
            return false;
        }
    }
}
