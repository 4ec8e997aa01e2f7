using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeGateway.Testing.Network;

namespace EdgeGateway.Mqtt.Tests.Testing;

/// <summary>
/// The cutter between a client and a plain TCP target on loopback: latency added per direction as a delay line (each
/// chunk late by the delay, none held behind another's wait), partitions, counters. Timing is asserted as lower
/// bounds, and as an upper bound only where a serialising delay would be an order of magnitude slower.
/// </summary>
public sealed class TcpCutterTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60); // a hang bound, generous for a loaded machine

    [Fact]
    public async Task A_round_trip_through_a_delaying_cutter_takes_at_least_twice_the_one_way_delay()
    {
        var delay = TimeSpan.FromMilliseconds(40);
        await using var target = TestTarget.Echo();
        await using var cutter = new TcpCutter(target.Port, delay: delay);
        using Client client = await ConnectAsync(cutter);

        for (int i = 0; i < 3; i++)
        {
            long sent = Stopwatch.GetTimestamp();
            await client.Stream.WriteAsync(new byte[] { (byte)i });
            byte[] echoed = await ReadAsync(client.Stream, 1);
            TimeSpan roundTrip = Stopwatch.GetElapsedTime(sent);

            Assert.Equal((byte)i, echoed[0]);
            Assert.True(roundTrip >= 2 * delay, $"round trip {roundTrip.TotalMilliseconds} ms, one-way delay {delay.TotalMilliseconds} ms");
        }
    }

    [Fact]
    public async Task Pipelined_exchanges_are_each_delayed_but_not_held_behind_each_others_delay()
    {
        // 20 requests sent about a millisecond apart, each its own chunk: through a delay line every answer is
        // 2 × 1 s late and the whole run takes about 2 s; a sleep per chunk would take 20 × 1 s = 20 s at the least (40 s
        // if the directions waited for each other). The bound, 15 s, sits far from both: the run's own work is a few
        // milliseconds, so even a machine many times slower than usual (load average 80 made the old 200 × 50 ms
        // version, bound 5 s, take 6.2 s) stays well under it, and a serialising cutter cannot get there.
        const int Exchanges = 20;
        var delay = TimeSpan.FromSeconds(1);
        await using var target = TestTarget.Echo();
        await using var cutter = new TcpCutter(target.Port, delay: delay);
        using Client client = await ConnectAsync(cutter);
        long[] sentAt = new long[Exchanges];
        var roundTrips = new TimeSpan[Exchanges];
        var run = Stopwatch.StartNew();

        var sending = Task.Run(async () =>
        {
            byte[] request = new byte[8];
            for (int i = 0; i < Exchanges; i++)
            {
                BinaryPrimitives.WriteInt64BigEndian(request, i);
                sentAt[i] = Stopwatch.GetTimestamp();
                await client.Stream.WriteAsync(request);
                await Task.Delay(1);
            }
        });
        for (int i = 0; i < Exchanges; i++)
        {
            byte[] answer = await ReadAsync(client.Stream, 8);
            roundTrips[i] = Stopwatch.GetElapsedTime(sentAt[i]);
            Assert.Equal(i, BinaryPrimitives.ReadInt64BigEndian(answer)); // in order, none lost or repeated
        }

        await sending;
        run.Stop();

        Assert.All(roundTrips, roundTrip => Assert.True(roundTrip >= 2 * delay, $"a round trip took {roundTrip.TotalMilliseconds} ms"));
        Assert.True(
            run.Elapsed < TimeSpan.FromSeconds(15),
            $"{Exchanges} pipelined exchanges took {run.Elapsed.TotalSeconds:0.00} s: the delay serialised them");
        Assert.Equal(Exchanges * 8, cutter.BytesToTarget);
        Assert.Equal(Exchanges * 8, cutter.BytesToClient);
    }

    [Fact]
    public async Task A_longer_delay_set_while_connected_applies_to_later_bytes()
    {
        await using var target = TestTarget.Echo();
        await using var cutter = new TcpCutter(target.Port);
        using Client client = await ConnectAsync(cutter);
        await client.Stream.WriteAsync("a"u8.ToArray());
        await ReadAsync(client.Stream, 1);

        cutter.DelayToTarget = TimeSpan.FromMilliseconds(30);
        cutter.DelayToClient = TimeSpan.FromMilliseconds(90);
        long sent = Stopwatch.GetTimestamp();
        await client.Stream.WriteAsync("b"u8.ToArray());
        await ReadAsync(client.Stream, 1);

        Assert.True(Stopwatch.GetElapsedTime(sent) >= TimeSpan.FromMilliseconds(120));
    }

    [Fact]
    public void A_negative_delay_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TcpCutter(1, delay: TimeSpan.FromMilliseconds(-1)));
    }

    [Fact]
    public async Task Cut_resets_an_open_connection_and_refuses_new_ones_until_restored()
    {
        await using var target = TestTarget.Echo();
        await using var cutter = new TcpCutter(target.Port);
        using Client before = await ConnectAsync(cutter);
        await AssertEchoesAsync(before);
        Assert.Equal(1, cutter.OpenConnections);

        cutter.Cut();

        await AssertEndsAsync(before);
        Assert.Equal(0, cutter.OpenConnections);
        await AssertRefusedAsync(cutter);

        Assert.Equal(1, cutter.Refused);
        Assert.Equal(1, cutter.Accepted);

        cutter.Restore();

        using Client after = await ConnectAsync(cutter);
        await AssertEchoesAsync(after);
        Assert.Equal(2, cutter.Accepted);
    }

    [Fact]
    public async Task Cut_loses_the_bytes_still_in_the_delay_line()
    {
        await using var target = TestTarget.Echo();
        await using var cutter = new TcpCutter(target.Port, delay: TimeSpan.FromSeconds(2));
        using Client client = await ConnectAsync(cutter);
        await client.Stream.WriteAsync("lost"u8.ToArray());

        cutter.Cut();

        await AssertEndsAsync(client);
        Assert.Equal(0, cutter.BytesToTarget);
        Assert.Empty(target.Received);
    }

    [Fact]
    public async Task The_counters_count_bytes_each_way_and_open_connections()
    {
        await using var target = TestTarget.Echo(greeting: "hello\n");
        await using var cutter = new TcpCutter(target.Port, delay: TimeSpan.FromMilliseconds(5));
        Client client = await ConnectAsync(cutter);
        Assert.Equal("hello\n", Encoding.ASCII.GetString(await ReadAsync(client.Stream, 6)));
        await client.Stream.WriteAsync("0123456789"u8.ToArray());
        await ReadAsync(client.Stream, 10);

        Assert.Equal(10, cutter.BytesToTarget);
        Assert.Equal(16, cutter.BytesToClient);
        Assert.Equal(1, cutter.OpenConnections);

        // A clean close from the client reaches the target as end of stream; the target closes too, and the
        // cutter lets the connection go.
        client.Dispose();
        await EventuallyAsync(() => cutter.OpenConnections == 0, "the closed connection was still counted open");
    }

    [Fact]
    public async Task A_target_that_answers_and_closes_is_read_to_the_end_then_end_of_stream_through_the_delay()
    {
        await using var target = TestTarget.AnswerAndClose("bye");
        await using var cutter = new TcpCutter(target.Port, delay: TimeSpan.FromMilliseconds(50));
        using Client client = await ConnectAsync(cutter);

        Assert.Equal("bye", Encoding.ASCII.GetString(await ReadAsync(client.Stream, 3)));
        byte[] rest = new byte[1];
        Assert.Equal(0, await client.Stream.ReadAsync(rest).AsTask().WaitAsync(Wait)); // a FIN, not a reset
    }

    private static async Task<Client> ConnectAsync(TcpCutter cutter)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, cutter.Port);
        return new Client(socket);
    }

    private static async Task<byte[]> ReadAsync(NetworkStream stream, int count)
    {
        byte[] buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer).AsTask().WaitAsync(Wait);
        return buffer;
    }

    private static async Task AssertEchoesAsync(Client client)
    {
        await client.Stream.WriteAsync("ping"u8.ToArray());
        Assert.Equal("ping", Encoding.ASCII.GetString(await ReadAsync(client.Stream, 4)));
    }

    /// <summary>The connection ends: end of stream or a reset, and no echo.</summary>
    private static async Task AssertEndsAsync(Client client)
    {
        try
        {
            await client.Stream.WriteAsync("ping"u8.ToArray());
            Assert.Equal(0, await client.Stream.ReadAsync(new byte[4]).AsTask().WaitAsync(Wait));
        }
        catch (IOException)
        {
            // Connection reset: what a cut looks like from the client.
        }
    }

    /// <summary>
    /// A new connection is reset: the kernel completes the handshake before the cutter accepts and resets it, so the
    /// client sees the reset either as its connect fails or on its first read.
    /// </summary>
    private static async Task AssertRefusedAsync(TcpCutter cutter)
    {
        Client during;
        try
        {
            during = await ConnectAsync(cutter);
        }
        catch (SocketException exception) when (exception.SocketErrorCode == SocketError.ConnectionReset)
        {
            return;
        }

        using (during)
        {
            await AssertEndsAsync(during);
        }
    }

    private static async Task EventuallyAsync(Func<bool> condition, string failure)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < Wait, failure);
            await Task.Delay(10);
        }
    }

    private sealed class Client(Socket socket) : IDisposable
    {
        public NetworkStream Stream { get; } = new(socket, ownsSocket: true);

        public void Dispose() => Stream.Dispose();
    }

    /// <summary>A loopback TCP server standing in for the broker: echoes (after an optional greeting), or answers once and closes.</summary>
    private sealed class TestTarget : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Socket> _sockets = [];
        private readonly MemoryStream _received = new();
        private readonly Task _accepting;

        private TestTarget(Func<TestTarget, Socket, Task> serve)
        {
            _listener.Start();
            _accepting = AcceptAsync(serve);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public byte[] Received
        {
            get
            {
                lock (_received)
                {
                    return _received.ToArray();
                }
            }
        }

        public static TestTarget Echo(string greeting = "") => new(async (target, socket) =>
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(greeting));
            byte[] buffer = new byte[4096];
            int n;
            while ((n = await socket.ReceiveAsync(buffer, target._stop.Token)) > 0)
            {
                lock (target._received)
                {
                    target._received.Write(buffer, 0, n);
                }

                await socket.SendAsync(buffer.AsMemory(0, n), target._stop.Token);
            }

            socket.Shutdown(SocketShutdown.Send);
        });

        public static TestTarget AnswerAndClose(string answer) => new(async (_, socket) =>
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(answer));
            socket.Shutdown(SocketShutdown.Send);
        });

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try
            {
                await _accepting;
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or InvalidOperationException)
            {
                // InvalidOperationException: a connection accepted just before Stop sends the loop back to an
                // accept on a stopped listener ("Not listening"); the test is over either way.
            }

            lock (_sockets)
            {
                _sockets.ForEach(socket => socket.Dispose());
            }

            _received.Dispose();
            _stop.Dispose();
        }

        private async Task AcceptAsync(Func<TestTarget, Socket, Task> serve)
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket socket = await _listener.AcceptSocketAsync(_stop.Token);
                socket.NoDelay = true;
                lock (_sockets)
                {
                    _sockets.Add(socket);
                }

                _ = Task.Run(async () =>
                {
                    try
                    {
                        await serve(this, socket);
                    }
                    catch (Exception exception) when (exception is SocketException or OperationCanceledException or ObjectDisposedException)
                    {
                        // The cutter reset the connection, or the test is over.
                    }
                });
            }
        }
    }
}
