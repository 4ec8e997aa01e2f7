using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EdgeGateway.Hub.Notifications;

/// <summary>
/// The notification instruments on the hub's meter (<c>EdgeGateway.Hub</c>): notices sent, attempts that failed (both
/// tagged with the channel name and the notice kind), the jobs pending in this instance's ledger, and how long
/// after an alarm reached this hub its notice was delivered.
/// </summary>
internal sealed class NotificationMetrics
{
    public const string MeterName = "EdgeGateway.Hub";

    private readonly Counter<long> _sent;
    private readonly Counter<long> _failed;
    private readonly Histogram<double> _delay;

    public NotificationMetrics(IMeterFactory meterFactory, Func<long> pending)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        // The factory owns the meter (one per name, shared with the rest of the hub) and disposes it with the container.
        Meter meter = meterFactory.Create(MeterName);
        _sent = meter.CreateCounter<long>("edgegateway.hub.notifications.sent", "{notice}", "Notices delivered to a channel.");
        _failed = meter.CreateCounter<long>("edgegateway.hub.notifications.failed", "{attempt}", "Delivery attempts that failed; each is retried.");
        meter.CreateObservableGauge("edgegateway.hub.notifications.pending", pending, "{notice}", "Notices recorded and not yet delivered.");
        // Seconds, 10 ms to 1 min: the goals are 0.5 s and 1 s; a channel backing off is minutes and lands in +Inf.
        _delay = meter.CreateHistogram(
            "edgegateway.hub.notifications.delay",
            "s",
            "From the alarm message reaching this hub to its notice delivered (monotonic; alarms received by this process only).",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
    }

    public void Delivered(NoticeKind notice, TimeSpan delay) =>
        _delay.Record(delay.TotalSeconds, new KeyValuePair<string, object?>("notice", WebhookChannel.NoticeName(notice)));

    public void Sent(string channel, NoticeKind notice) => _sent.Add(1, Tags(channel, notice));

    public void Failed(string channel, NoticeKind notice) => _failed.Add(1, Tags(channel, notice));

    private static TagList Tags(string channel, NoticeKind notice) =>
        new() { { "channel", channel }, { "notice", WebhookChannel.NoticeName(notice) } };
}
