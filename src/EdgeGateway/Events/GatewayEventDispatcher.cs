using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Events;

/// <summary>Reads the event stream and hands each event to every subscriber in order. A failing subscriber is logged and skipped, never fatal.</summary>
public sealed partial class GatewayEventDispatcher(GatewayEventChannel channel, IEnumerable<IGatewayEventSubscriber> subscribers, ILogger<GatewayEventDispatcher> logger) : BackgroundService
{
    private readonly IGatewayEventSubscriber[] _subscribers = [.. subscribers];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Drain to the end even when stopping: the events of the shutdown itself (relays opened,
        // sessions closed) must reach the log and the outbox.
        await foreach (GatewayEvent gatewayEvent in channel.Reader.ReadAllAsync(CancellationToken.None))
        {
            foreach (IGatewayEventSubscriber subscriber in _subscribers)
            {
                try
                {
                    await subscriber.HandleAsync(gatewayEvent, CancellationToken.None);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogSubscriberFailed(ex, subscriber.GetType().Name, gatewayEvent.GetType().Name);
                }
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        channel.Complete();
        await base.StopAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Event subscriber {Subscriber} failed on {EventType}")]
    private partial void LogSubscriberFailed(Exception exception, string subscriber, string eventType);
}
