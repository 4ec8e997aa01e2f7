using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace EdgeGateway.Testing.Network;

/// <summary>
/// A loopback TCP forwarder between a client (a gateway) and a target (the broker, the hub) that injects network
/// faults: <see cref="Cut"/> resets every forwarded connection (the target sees the socket die without a DISCONNECT,
/// as when a Pi loses power or its uplink) and refuses new ones until <see cref="Restore"/>; a one-way delay per
/// direction (<see cref="DelayToTarget"/>, <see cref="DelayToClient"/>) stands in for a slow uplink.
/// </summary>
/// <remarks>
/// The delay is a delay line, not a sleep per chunk: each direction reads continuously and writes every chunk when
/// its own time comes (read at t, written at t + delay, in order), so a 4G link with 80 ms each way still carries as
/// many messages per second as the sockets can, and only each message's latency grows.
/// </remarks>
public sealed class TcpCutter : IAsyncDisposable
{
    // Chunks waiting in one direction's delay line. Bounded so that a target that stops reading pushes back on the
    // client as a real network would, instead of the cutter buffering without limit.
    private const int ChunksInFlight = 1024;
    private const int ReadSize = 16 * 1024;

    private readonly TcpListener _listener;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Connection, byte> _connections = new();

    // Connections whose pumps have not ended yet, closed ones included: what disposal waits for.
    private readonly ConcurrentDictionary<Connection, byte> _running = new();
    private readonly Task _accepting;
    private volatile bool _refusing;
    private long _delayToTargetTicks;
    private long _delayToClientTicks;
    private long _bytesToTarget;
    private long _bytesToClient;
    private int _accepted;
    private int _refused;

    /// <param name="targetPort">The loopback port every accepted connection is forwarded to.</param>
    /// <param name="listenOn">The address to listen on: 127.0.0.1 unless given (127.0.0.2 reaches the same machine under another name).</param>
    /// <param name="delay">The one-way delay each direction adds (so a round trip takes twice as long); none by default.</param>
    public TcpCutter(int targetPort, IPAddress? listenOn = null, TimeSpan delay = default)
    {
        DelayToTarget = delay;
        DelayToClient = delay;
        _listener = new TcpListener(listenOn ?? IPAddress.Loopback, 0);
        _targetPort = targetPort;
        _listener.Start();
        _accepting = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>An <c>mqtt://</c> URI of the listening address and port, for a gateway's broker setting.</summary>
    public Uri Uri => new UriBuilder("mqtt", ((IPEndPoint)_listener.LocalEndpoint).Address.ToString(), Port).Uri;

    /// <summary>Connections accepted and forwarded (not those refused while cut).</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Connections reset on arrival because the network was cut.</summary>
    public int Refused => Volatile.Read(ref _refused);

    /// <summary>Forwarded connections open now.</summary>
    public int OpenConnections => _connections.Count;

    /// <summary>Bytes written towards the target (client to target) over every connection so far.</summary>
    public long BytesToTarget => Interlocked.Read(ref _bytesToTarget);

    /// <summary>Bytes written towards the clients (target to client) over every connection so far.</summary>
    public long BytesToClient => Interlocked.Read(ref _bytesToClient);

    /// <summary>
    /// The one-way delay from client to target. A change applies to bytes read from then on; bytes already in the
    /// delay line keep their time, and a shorter delay never overtakes them (order is kept).
    /// </summary>
    public TimeSpan DelayToTarget
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _delayToTargetTicks));
        set => Interlocked.Exchange(ref _delayToTargetTicks, NonNegative(value).Ticks);
    }

    /// <summary>The one-way delay from target to client; changes apply as for <see cref="DelayToTarget"/>.</summary>
    public TimeSpan DelayToClient
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _delayToClientTicks));
        set => Interlocked.Exchange(ref _delayToClientTicks, NonNegative(value).Ticks);
    }

    /// <summary>A network partition: resets every open connection (bytes still in a delay line are lost) and resets new ones on arrival until <see cref="Restore"/>.</summary>
    public void Cut()
    {
        _refusing = true;
        foreach (Connection connection in _connections.Keys)
        {
            connection.Abort();
        }
    }

    /// <summary>Ends the partition: new connections are forwarded again (the ones cut stay closed).</summary>
    public void Restore() => _refusing = false;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        try
        {
            await _accepting;
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // InvalidOperationException ("Not listening"): the loop passed its cancellation check just before Stop.
        }

        // No more connections can arrive: reset any the first cut missed and wait for every pump, so that nothing
        // forwarded by this cutter outlives it (a later test's broker on a reused port never sees a stray write).
        Cut();
        await Task.WhenAll(_running.Keys.Select(connection => connection.Completion));
        _stop.Dispose();
    }

    private static TimeSpan NonNegative(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return delay;
    }

    private static void Reset(Socket socket)
    {
        try
        {
            // Linger 0: close sends RST, not FIN, as a dead link or a rebooted peer would look to the other side.
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (Exception exception) when (exception is ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (SocketException) when (!_stop.IsCancellationRequested)
            {
                // A client that gave up before it was accepted (hundreds of gateways reconnecting at once): the
                // others still get through.
                continue;
            }

            if (_refusing)
            {
                Interlocked.Increment(ref _refused);
                Reset(client);
                continue;
            }

            Interlocked.Increment(ref _accepted);
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await server.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _targetPort), _stop.Token);
            }
            catch (Exception exception) when (exception is SocketException or OperationCanceledException)
            {
                // The target is down (the client sees its connection reset, as behind a NAT to a dead host), or
                // the cutter is being disposed.
                Reset(client);
                Reset(server);
                continue;
            }

            // Small messages (MQTT packets) go out as they come, as the client and target themselves send them.
            client.NoDelay = true;
            server.NoDelay = true;
            var connection = new Connection(this, client, server);
            _connections[connection] = 0;
            _running[connection] = 0;
            connection.Start();
            if (_refusing)
            {
                // Cut() ran while this one was connecting and did not see it: a partition spares no connection.
                connection.Abort();
            }
        }
    }

    /// <summary>One forwarded connection: two directions, each a reader feeding a delay line and a writer draining it.</summary>
    private sealed class Connection : IDisposable
    {
        private readonly TcpCutter _owner;
        private readonly Socket _client;
        private readonly Socket _server;
        private readonly CancellationTokenSource _closed = new();
        private int _directionsDone;
        private int _ended;

        public Connection(TcpCutter owner, Socket client, Socket server)
        {
            _owner = owner;
            _client = client;
            _server = server;
        }

        /// <summary>Both directions' pumps, ended (they never fault: every socket error ends the connection).</summary>
        public Task Completion { get; private set; } = Task.CompletedTask;

        public void Start() => Completion = RunAsync();

        public void Dispose() => _closed.Dispose();

        /// <summary>Resets both sockets: the peers see the connection die, as in a partition.</summary>
        public void Abort()
        {
            if (End())
            {
                Reset(_client);
                Reset(_server);
            }
        }

        private bool End()
        {
            if (Interlocked.Exchange(ref _ended, 1) != 0)
            {
                return false;
            }

            _owner._connections.TryRemove(this, out _);
            try
            {
                _closed.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Both directions had just closed cleanly: there is nothing left to stop.
            }

            return true;
        }

        private async Task RunAsync()
        {
            try
            {
                await Task.WhenAll(ForwardAsync(_client, _server, toTarget: true), ForwardAsync(_server, _client, toTarget: false));
            }
            finally
            {
                Dispose();
                _owner._running.TryRemove(this, out _);
            }
        }

        private async Task ForwardAsync(Socket from, Socket to, bool toTarget)
        {
            var line = Channel.CreateBounded<Chunk>(new BoundedChannelOptions(ChunksInFlight)
            {
                SingleReader = true,
                SingleWriter = true,
            });
            Task writing = WriteAsync(line.Reader, to, toTarget);
            byte[] buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
            try
            {
                while (true)
                {
                    int n = await from.ReceiveAsync(buffer, SocketFlags.None, _closed.Token);
                    if (n == 0)
                    {
                        break;
                    }

                    // Stamped when read: the delay counts from here, whatever waits ahead of it in the line.
                    long readAt = Stopwatch.GetTimestamp();
                    TimeSpan delay = toTarget ? _owner.DelayToTarget : _owner.DelayToClient;
                    byte[] bytes = ArrayPool<byte>.Shared.Rent(n);
                    buffer.AsSpan(0, n).CopyTo(bytes);
                    await line.Writer.WriteAsync(new Chunk(bytes, n, readAt, delay), _closed.Token);
                }

                // End of stream from this side: the writer forwards what is still in the line, then the FIN.
                line.Writer.TryComplete();
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                // Reset by the peer, or cut: the other side sees a reset too, and what is still in the line is lost.
                line.Writer.TryComplete();
                Abort();
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            await writing;
        }

        private async Task WriteAsync(ChannelReader<Chunk> line, Socket to, bool toTarget)
        {
            try
            {
                await foreach (Chunk chunk in line.ReadAllAsync(_closed.Token))
                {
                    try
                    {
                        await WaitUntilDueAsync(chunk);
                        // Counted before the write, so a peer that has read these bytes always finds them counted.
                        if (toTarget)
                        {
                            Interlocked.Add(ref _owner._bytesToTarget, chunk.Length);
                        }
                        else
                        {
                            Interlocked.Add(ref _owner._bytesToClient, chunk.Length);
                        }

                        int sent = 0;
                        while (sent < chunk.Length)
                        {
                            sent += await to.SendAsync(chunk.Bytes.AsMemory(sent, chunk.Length - sent), SocketFlags.None, _closed.Token);
                        }
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(chunk.Bytes);
                    }
                }

                // Half-close, as the source did: the peer reads everything and then end of stream, not a reset.
                to.Shutdown(SocketShutdown.Send);
                if (Interlocked.Increment(ref _directionsDone) == 2 && End())
                {
                    _client.Close();
                    _server.Close();
                }
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                Abort();
                while (line.TryRead(out Chunk dropped))
                {
                    ArrayPool<byte>.Shared.Return(dropped.Bytes);
                }
            }
        }

        private async Task WaitUntilDueAsync(Chunk chunk)
        {
            // Task.Delay counts whole milliseconds and may wake a little early: wait again until the full delay has
            // passed, so a round trip is never shorter than the two delays.
            while (true)
            {
                TimeSpan left = chunk.Delay - Stopwatch.GetElapsedTime(chunk.ReadAt);
                if (left <= TimeSpan.Zero)
                {
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(left.TotalMilliseconds)), _closed.Token);
            }
        }
    }

    private readonly record struct Chunk(byte[] Bytes, int Length, long ReadAt, TimeSpan Delay);
}
