namespace EdgeGateway.Hub.Notifications;

/// <summary>When an alarm message reached this hub: <see cref="Timestamp"/> monotonic (<see cref="TimeProvider.GetTimestamp"/>),
/// for the delay until its notice is delivered; <see cref="At"/> the wall clock, to set beside the gateway's <c>ts</c>;
/// <see cref="Recording"/> how long the ledger took to record it (one fsync).</summary>
internal readonly record struct AlarmArrival(long Timestamp, DateTimeOffset At, TimeSpan Recording);

/// <summary>
/// The arrival of each alarm message whose notices are still to be delivered, so that delivery can say how long the
/// hub itself took (<c>edgegateway.hub.notifications.delay</c>, and the "sent" log line) apart from how long the alarm
/// took to reach it. In memory only: after a restart the ledger's notices are sent without a delay (the monotonic clock
/// does not survive the process). An entry goes once each of its channels delivered; at most <see cref="Capacity"/>
/// are kept (a channel failing for hours holds its entries), beyond that new arrivals are not timed.
/// </summary>
internal sealed class AlarmArrivals
{
    public const int Capacity = 10_000;

    private readonly Dictionary<(string Site, string Gateway, string AlarmId, NoticeKind Notice), (AlarmArrival Arrival, int Channels)> _pending = [];
    private readonly Lock _gate = new();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>The message of <paramref name="alarmId"/> calling for <paramref name="notice"/> arrived, to go to <paramref name="channels"/> channels.</summary>
    public void Arrived(string site, string gateway, string alarmId, NoticeKind notice, AlarmArrival arrival, int channels)
    {
        lock (_gate)
        {
            if (channels > 0 && _pending.Count < Capacity)
            {
                _pending.TryAdd((site, gateway, alarmId, notice), (arrival, channels));
            }
        }
    }

    /// <summary>One channel delivered the notice: its arrival, if this process timed it.</summary>
    public AlarmArrival? Delivered(string site, string gateway, string alarmId, NoticeKind notice)
    {
        lock (_gate)
        {
            (string, string, string, NoticeKind) key = (site, gateway, alarmId, notice);
            if (!_pending.TryGetValue(key, out (AlarmArrival Arrival, int Channels) entry))
            {
                return null;
            }

            if (entry.Channels <= 1)
            {
                _pending.Remove(key);
            }
            else
            {
                _pending[key] = (entry.Arrival, entry.Channels - 1);
            }

            return entry.Arrival;
        }
    }
}
