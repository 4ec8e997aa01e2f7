using EdgeGateway.Configuration;
using EdgeGateway.Events;

namespace EdgeGateway.Bins;

/// <summary>The bins of a site: one <see cref="BinMonitor"/> each, and the snapshot the live view and telemetry read.</summary>
public sealed class RecyclingStation
{
    private readonly BinMonitor[] _monitors;
    private volatile IReadOnlyList<BinSnapshot> _snapshot;

    public RecyclingStation(IReadOnlyList<BinDefinition> bins, IGatewayEventSink events)
    {
        _monitors = bins.Select(b => new BinMonitor(b, events)).ToArray();
        _snapshot = _monitors.Select(m => m.Snapshot()).ToArray();
    }

    public int Count => _monitors.Length;

    /// <summary>The latest state of every bin (any thread).</summary>
    public IReadOnlyList<BinSnapshot> Snapshot => _snapshot;

    public IEnumerable<Alarm> ActiveAlarms => _monitors.SelectMany(m => m.ActiveAlarms);

    public void UpdateThresholds(IReadOnlyDictionary<string, BinThresholds> thresholds)
    {
        foreach (BinMonitor monitor in _monitors)
        {
            if (thresholds.TryGetValue(monitor.Id, out BinThresholds? t))
            {
                monitor.UpdateThresholds(t);
            }
        }
    }

    /// <summary>Applies one bin's sample (the bin sampling thread only).</summary>
    public void OnSample(int bin, BinSample sample)
    {
        _monitors[bin].OnSample(sample);
        _snapshot = _monitors.Select(m => m.Snapshot()).ToArray();
    }
}
