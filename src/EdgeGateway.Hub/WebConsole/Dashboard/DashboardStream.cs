using System.Collections.Immutable;
using System.Threading.Channels;
using EdgeGateway.Hub.WebConsole.History;

namespace EdgeGateway.Hub.WebConsole.Dashboard;

/// <summary>What changed on the board: the SSE event's name.</summary>
internal enum DashboardChangeKind
{
    Gateway,
    Port,
    Bin,
    Alarm,
}

/// <summary>One change: a <see cref="GatewayView"/>, <see cref="PortView"/>, <see cref="BinView"/> or <see cref="AlarmRecord"/>
/// (an alarm is put into words per subscriber, in each one's language).</summary>
internal sealed record DashboardChange(DashboardChangeKind Kind, string Site, string Gateway, object Item);

/// <summary>
/// Fans board changes out to the browsers watching <c>/api/board/stream</c>. Each subscriber has its own bounded
/// channel written with <c>TryWrite</c>, so publishing never waits: the MQTT handler that publishes is never held up by
/// a slow browser. A subscriber whose channel overflowed is told to reload the board (<c>resync</c>) instead.
/// </summary>
internal sealed class DashboardStream
{
    /// <summary>Changes held for one browser before it must resync (a few seconds of a large district's telemetry).</summary>
    public const int Capacity = 1024;

    private ImmutableArray<DashboardSubscriber> _subscribers = [];

    public int Count => _subscribers.Length;

    /// <summary>A new subscriber to every change, or only to one site's, and only to the sites <paramref name="sees"/> allows.</summary>
    public DashboardSubscriber Subscribe(string? site, Func<string, bool>? sees = null)
    {
        var subscriber = new DashboardSubscriber(this, site, sees);
        ImmutableInterlocked.Update(ref _subscribers, (list, s) => list.Add(s), subscriber);
        return subscriber;
    }

    public void Publish(DashboardChange change)
    {
        foreach (DashboardSubscriber subscriber in _subscribers)
        {
            subscriber.Offer(change);
        }
    }

    internal void Remove(DashboardSubscriber subscriber) =>
        ImmutableInterlocked.Update(ref _subscribers, (list, s) => list.Remove(s), subscriber);
}

/// <summary>One browser's view of the stream; dispose to leave it.</summary>
internal sealed class DashboardSubscriber : IDisposable
{
    private readonly DashboardStream _stream;
    private readonly Channel<DashboardChange> _changes = Channel.CreateBounded<DashboardChange>(
        new BoundedChannelOptions(DashboardStream.Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private int _overflowed;

    private readonly Func<string, bool>? _sees;

    internal DashboardSubscriber(DashboardStream stream, string? site, Func<string, bool>? sees = null)
    {
        _stream = stream;
        Site = site;
        _sees = sees;
    }

    /// <summary>Only this site's changes, or all when null.</summary>
    public string? Site { get; }

    public ChannelReader<DashboardChange> Changes => _changes.Reader;

    /// <summary>True once (then reset) after changes were dropped because the channel was full.</summary>
    public bool TakeOverflow() => Interlocked.Exchange(ref _overflowed, 0) == 1;

    public void Dispose()
    {
        _stream.Remove(this);
        _changes.Writer.TryComplete();
    }

    internal void Offer(DashboardChange change)
    {
        if ((Site is not null && !string.Equals(Site, change.Site, StringComparison.Ordinal)) || (_sees is not null && !_sees(change.Site)))
        {
            return;
        }

        if (!_changes.Writer.TryWrite(change))
        {
            Volatile.Write(ref _overflowed, 1);
        }
    }
}
