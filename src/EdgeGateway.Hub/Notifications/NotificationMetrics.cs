using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EdgeGateway.Hub.Notifications;

/// <summary>
/// The notification instruments on the hub's meter (<c>EdgeGateway.Hub</c>): notices sent, attempts that failed (both
/// tagged with the channel name and the notice kind), and the jobs pending in this instance's ledger.
/// </summary>
internal sealed class NotificationMetrics
{
    public const string MeterName = "EdgeGateway.Hub";

    private readonly Counter<long> _sent;
    private readonly Counter<long> _failed;

    public NotificationMetrics(IMeterFactory meterFactory, Func<long> pending)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        // The factory owns the meter (one per name, shared with the rest of the hub) and disposes it with the container.
        Meter meter = meterFactory.Create(MeterName);
        _sent = meter.CreateCounter<long>("edgegateway.hub.notifications.sent", "{notice}", "Notices delivered to a channel.");
        _failed = meter.CreateCounter<long>("edgegateway.hub.notifications.failed", "{attempt}", "Delivery attempts that failed; each is retried.");
        meter.CreateObservableGauge("edgegateway.hub.notifications.pending", pending, "{notice}", "Notices recorded and not yet delivered.");
    }

    public void Sent(string channel, NoticeKind notice) => _sent.Add(1, Tags(channel, notice));

    public void Failed(string channel, NoticeKind notice) => _failed.Add(1, Tags(channel, notice));

    private static TagList Tags(string channel, NoticeKind notice) =>
        new() { { "channel", channel }, { "notice", WebhookChannel.NoticeName(notice) } };
}
