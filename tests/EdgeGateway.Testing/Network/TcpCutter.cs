using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace EdgeGateway.Testing.Network;

/// <summary>
/// A loopback TCP forwarder between the gateway and the broker that can cut the network: <see cref="Cut"/> resets
/// every forwarded connection (the broker sees the socket die without a DISCONNECT, as when a Pi loses power or
/// its uplink) and refuses new ones until <see cref="Restore"/>.
/// </summary>
public sealed class TcpCutter : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    private readonly Task _accepting;
    private volatile bool _refusing;

    public TcpCutter(int targetPort, IPAddress? listenOn = null)
    {
        _listener = new TcpListener(listenOn ?? IPAddress.Loopback, 0);
        _targetPort = targetPort;
        _listener.Start();
        _accepting = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Uri Uri => new($"mqtt://127.0.0.1:{Port}");

    public int Accepted { get; private set; }

    public void Cut()
    {
        _refusing = true;
        foreach (Socket socket in _sockets.Keys)
        {
            Reset(socket);
        }
    }

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
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
        }
        catch (SocketException)
        {
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client = await _listener.AcceptSocketAsync(_stop.Token);
            if (_refusing)
            {
                Reset(client);
                continue;
            }

            Accepted++;
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await server.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _targetPort), _stop.Token);
            }
            catch (SocketException)
            {
                Reset(client);
                Reset(server);
                continue;
            }

            _sockets[client] = 0;
            _sockets[server] = 0;
            _ = PumpAsync(client, server);
            _ = PumpAsync(server, client);
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0)
                {
                    break;
                }

                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            _sockets.TryRemove(from, out _);
            _sockets.TryRemove(to, out _);
            Reset(from);
            Reset(to);
        }
    }
}
