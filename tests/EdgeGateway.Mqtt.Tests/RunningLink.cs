using System.Threading.Channels;
using EdgeGateway.Testing;

namespace EdgeGateway.Mqtt.Tests;

/// <summary>An <see cref="MqttConnection"/> whose <see cref="MqttConnection.RunAsync"/> runs in the background, with its events and messages queued for the test.</summary>
internal sealed class RunningLink : IAsyncDisposable
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(60); // a hang bound for what must happen, generous for a loaded machine

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;

    public RunningLink(MqttLinkOptions options, params (string Filter, MQTTnet.Protocol.MqttQualityOfServiceLevel Qos)[] subscriptions)
    {
        Connection = new MqttConnection(options, Logger);
        Connection.Connected += (_, e) => Connects.Writer.TryWrite(e);
        Connection.Disconnected += (_, e) => Disconnects.Writer.TryWrite(e);
        Connection.ConnectFailed += (_, e) => Failures.Writer.TryWrite(e);
        Connection.MessageHandler = m =>
        {
            Messages.Writer.TryWrite(m);
            return Task.CompletedTask;
        };
        foreach ((string filter, MQTTnet.Protocol.MqttQualityOfServiceLevel qos) in subscriptions)
        {
            Connection.Subscribe(filter, qos);
        }

        _run = Connection.RunAsync(_stop.Token);
    }

    public ListLogger<MqttConnection> Logger { get; } = new();

    public MqttConnection Connection { get; }

    public Channel<MqttLinkConnectedEventArgs> Connects { get; } = Channel.CreateUnbounded<MqttLinkConnectedEventArgs>();

    public Channel<MqttLinkDisconnectedEventArgs> Disconnects { get; } = Channel.CreateUnbounded<MqttLinkDisconnectedEventArgs>();

    public Channel<MqttLinkConnectFailedEventArgs> Failures { get; } = Channel.CreateUnbounded<MqttLinkConnectFailedEventArgs>();

    public Channel<MqttIncomingMessage> Messages { get; } = Channel.CreateUnbounded<MqttIncomingMessage>();

    public Task<MqttLinkConnectedEventArgs> ConnectedAsync() => NextAsync(Connects, "connected");

    public Task<MqttLinkDisconnectedEventArgs> DisconnectedAsync() => NextAsync(Disconnects, "disconnected");

    public Task<MqttLinkConnectFailedEventArgs> ConnectFailedAsync() => NextAsync(Failures, "connect failure");

    public Task<MqttIncomingMessage> MessageAsync() => NextAsync(Messages, "message");

    public async Task<T> NextAsync<T>(Channel<T> channel, string what, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Wait);
        try
        {
            return await channel.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no {what} within {timeout ?? Wait}; link log:\n{Logger.Text}");
        }
    }

    /// <summary>Stops RunAsync (clean DISCONNECT) and disposes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run.WaitAsync(Wait);
        await Connection.DisposeAsync();
        _stop.Dispose();
    }
}
