using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace EdgeGateway.Mqtt.Tests;

/// <summary>
/// A loopback TCP forwarder to a broker that reads the MQTT packets going through it and records the most QoS 1
/// PUBLISHes the client had sent without yet receiving their PUBACK (one client connection at a time); it can hold
/// what the broker sends, as a slow broker would.
/// </summary>
internal sealed class InFlightCounter : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _brokerPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly Task _accepting;
    private int _inFlight;
    private int _maxInFlight;
    private int _published;
    private volatile TaskCompletionSource? _fromBrokerHeld;

    public InFlightCounter(int brokerPort)
    {
        _brokerPort = brokerPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public Uri Uri => new($"mqtt://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture)}");

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>QoS 1 PUBLISHes the client has sent through this forwarder.</summary>
    public int Published => Volatile.Read(ref _published);

    /// <summary>Holds everything the broker sends (its PUBACKs) until <see cref="ReleaseFromBroker"/>: a broker that is slow to answer.</summary>
    public void HoldFromBroker() => _fromBrokerHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseFromBroker() => _fromBrokerHeld?.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_sockets)
        {
            _sockets.ForEach(s => s.Dispose());
        }

        await _accepting;
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                Socket client = await _listener.AcceptSocketAsync(_stop.Token);
                var broker = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await broker.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _brokerPort), _stop.Token);
                lock (_sockets)
                {
                    _sockets.Add(client);
                    _sockets.Add(broker);
                }

                _ = ForwardAsync(client, broker, fromClient: true);
                _ = ForwardAsync(broker, client, fromClient: false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // InvalidOperationException ("Not listening"): an accept begun after Stop, as the test ends.
        }
    }

    private async Task ForwardAsync(Socket from, Socket to, bool fromClient)
    {
        byte[] buffer = new byte[64 * 1024];
        var packets = new PacketReader();
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0)
                {
                    break;
                }

                // Counted before forwarding: a PUBACK cannot overtake the PUBLISH it answers.
                foreach (byte header in packets.Feed(buffer.AsSpan(0, n)))
                {
                    int type = header >> 4;
                    if (fromClient && type == 3 && ((header >> 1) & 3) == 1)
                    {
                        Interlocked.Increment(ref _published);
                        int now = Interlocked.Increment(ref _inFlight);
                        int max;
                        while (now > (max = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, max) != max)
                        {
                        }
                    }
                    else if (!fromClient && type == 4)
                    {
                        Interlocked.Decrement(ref _inFlight);
                    }
                }

                if (!fromClient && _fromBrokerHeld is { } held)
                {
                    await held.Task.WaitAsync(_stop.Token);
                }

                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
            }

            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Splits a byte stream into MQTT packets (MQTT 5 §2.1.1: a type byte, then the Variable Byte Integer remaining length).</summary>
    private sealed class PacketReader
    {
        private readonly List<byte> _pending = [];

        public List<byte> Feed(ReadOnlySpan<byte> bytes)
        {
            _pending.AddRange(bytes);
            var headers = new List<byte>();
            int at = 0;
            while (TryLength(at, out int headerLength, out int remaining) && _pending.Count - at >= headerLength + remaining)
            {
                headers.Add(_pending[at]);
                at += headerLength + remaining;
            }

            _pending.RemoveRange(0, at);
            return headers;
        }

        private bool TryLength(int at, out int headerLength, out int remaining)
        {
            remaining = 0;
            headerLength = 1;
            for (int shift = 0; shift < 28; shift += 7)
            {
                if (_pending.Count <= at + headerLength)
                {
                    return false;
                }

                byte b = _pending[at + headerLength++];
                remaining |= (b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return true;
                }
            }

            throw new InvalidDataException("malformed MQTT remaining length");
        }
    }
}
