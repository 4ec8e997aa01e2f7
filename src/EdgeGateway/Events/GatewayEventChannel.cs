using System.Threading.Channels;

namespace EdgeGateway.Events;

/// <summary>
/// The gateway's one internal event stream. Publishing never blocks and never drops: the channel is
/// unbounded, because an alarm lost to back-pressure is worse than memory held for a slow consumer
/// (events are rare — state changes, alarms, sessions — not samples).
/// </summary>
public sealed class GatewayEventChannel : IGatewayEventSink
{
    private readonly Channel<GatewayEvent> _channel = Channel.CreateUnbounded<GatewayEvent>(new UnboundedChannelOptions
    {
        SingleReader = true,
        SingleWriter = false,
        AllowSynchronousContinuations = false,
    });

    private long _published;

    public long Published => Interlocked.Read(ref _published);

    public ChannelReader<GatewayEvent> Reader => _channel.Reader;

    public void Publish(GatewayEvent gatewayEvent)
    {
        Interlocked.Increment(ref _published);

        // An unbounded channel accepts every write until it is completed at shutdown.
        _channel.Writer.TryWrite(gatewayEvent);
    }

    public void Complete() => _channel.Writer.TryComplete();
}

/// <summary>A consumer of the event stream (the log, the live view, later the MQTT link).</summary>
public interface IGatewayEventSubscriber
{
    /// <summary>Handles one event. Called in order, on the dispatcher's task, never on the sampling thread.</summary>
    ValueTask HandleAsync(GatewayEvent gatewayEvent, CancellationToken cancellationToken);
}
