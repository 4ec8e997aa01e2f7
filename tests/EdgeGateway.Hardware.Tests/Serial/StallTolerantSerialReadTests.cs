using System.Diagnostics;
using System.IO.Ports;
using EdgeGateway.Hardware.Serial;
using EdgeGateway.Hardware.Simulation.Serial;

namespace EdgeGateway.Hardware.Tests.Serial;

/// <summary>
/// The sliced serial read over a real pseudo-terminal: System.IO.Ports' SerialPort on the slave, the test writing on
/// the master as a device would.
/// </summary>
public sealed class StallTolerantSerialReadTests : IDisposable
{
    private readonly PseudoTerminal _pty = PseudoTerminal.Open();
    private readonly SerialPort _port;

    public StallTolerantSerialReadTests()
    {
        _port = new SerialPort(_pty.SlavePath, 4800, Parity.None, 8, StopBits.One) { ReadTimeout = 700 };
        _port.Open();
    }

    public void Dispose()
    {
        _port.Dispose();
        _pty.Dispose();
    }

    [Fact]
    public void Bytes_already_waiting_are_read_at_once()
    {
        _pty.Write([1, 2, 3]);
        byte[] buffer = new byte[8];

        int got = 0;
        while (got < 3)
        {
            int n = StallTolerantSerialRead.Read(_port, buffer, got, 3 - got, TimeSpan.FromMilliseconds(150));
            Assert.True(n > 0, "the waiting bytes were taken for a quiet line");
            got += n;
        }

        Assert.Equal([1, 2, 3], buffer[..3]);
    }

    [Fact]
    public void Bytes_that_come_after_several_slices_are_still_read_within_the_timeout()
    {
        byte[] buffer = new byte[4];
        using var late = new Timer(_ => _pty.Write([0x55]), null, StallTolerantSerialRead.Slice * 3, Timeout.InfiniteTimeSpan);

        int n = StallTolerantSerialRead.Read(_port, buffer, 0, 4, TimeSpan.FromSeconds(5));

        Assert.Equal(1, n);
        Assert.Equal(0x55, buffer[0]);
    }

    [Fact]
    public void A_quiet_line_is_quiet_after_at_least_the_timeout_and_the_port_keeps_its_own_timeout()
    {
        byte[] buffer = new byte[4];
        long started = Stopwatch.GetTimestamp();

        int n = StallTolerantSerialRead.Read(_port, buffer, 0, 4, TimeSpan.FromMilliseconds(150));

        Assert.Equal(0, n);
        Assert.True(Stopwatch.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(150), "gave up before the timeout");
        Assert.Equal(700, _port.ReadTimeout);
    }
}
