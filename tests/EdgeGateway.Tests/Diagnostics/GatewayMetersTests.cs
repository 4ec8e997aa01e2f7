using System.Diagnostics.Metrics;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Diagnostics;

namespace EdgeGateway.Tests.Diagnostics;

/// <summary>The figures a gateway's status carries: round lengths over the window since the previous status, the
/// running count of rounds, and what the callers hand in; the same rounds reach a listener of the meter.</summary>
public sealed class GatewayMetersTests
{
    [Fact]
    public void Round_lengths_are_the_mean_and_longest_since_the_previous_status_and_none_when_no_round_completed()
    {
        using var meters = new GatewayMeters();
        meters.RoundCompleted(TimeSpan.FromMilliseconds(300));
        meters.RoundCompleted(TimeSpan.FromMilliseconds(500));
        meters.RoundCompleted(TimeSpan.FromMilliseconds(400));

        GatewayFigures first = meters.TakeFigures(thinnedTotal: 7, portsFaulted: 2);
        GatewayFigures second = meters.TakeFigures(thinnedTotal: 7, portsFaulted: 0);
        meters.RoundCompleted(TimeSpan.FromMilliseconds(250));
        GatewayFigures third = meters.TakeFigures(thinnedTotal: 9, portsFaulted: 0);

        Assert.Equal((3L, 400.0, 500.0, 7L, 2), (first.Rounds, first.RoundMsMean, first.RoundMsMax, first.ThinnedTotal, first.PortsFaulted));
        Assert.Null(first.CpuPct); // nothing to compare with yet
        Assert.Equal((3L, (double?)null, (double?)null), (second.Rounds, second.RoundMsMean, second.RoundMsMax));
        Assert.NotNull(second.CpuPct);
        Assert.Equal((4L, 250.0, 250.0, 9L), (third.Rounds, third.RoundMsMean, third.RoundMsMax, third.ThinnedTotal));
        Assert.True(first.MemoryMb > 1);
    }

    [Fact]
    public void Each_round_is_recorded_on_the_round_duration_histogram_in_seconds()
    {
        using var meters = new GatewayMeters();
        var recorded = new List<double>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                // This instance's instrument only: other tests' simulated sheds run their own GatewayMeters meanwhile.
                if (ReferenceEquals(instrument.Meter, meters.Meter) && instrument.Name == "edgegateway.gateway.round.duration")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => recorded.Add(value));
        listener.Start();

        meters.RoundCompleted(TimeSpan.FromMilliseconds(320));
        meters.RoundCompleted(TimeSpan.FromSeconds(1.5));

        Assert.Equal([0.32, 1.5], recorded);
    }

    [Fact]
    public void Garbage_collections_and_their_pause_time_are_counted_from_the_runtime()
    {
        using var meters = new GatewayMeters();
        var observed = new Dictionary<string, double>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, meters.Meter) && instrument.Name.StartsWith("edgegateway.gateway.gc.", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => observed[instrument.Name] = value);
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => observed[instrument.Name] = value);
        listener.Start();

        GC.Collect();
        int collections = GC.CollectionCount(0);
        listener.RecordObservableInstruments();

        Assert.InRange(observed["edgegateway.gateway.gc.collections"], collections, collections + 1000);
        Assert.True(observed["edgegateway.gateway.gc.pause.time"] > 0, "a collection paused the process");
        Assert.Equal(GC.GetTotalPauseDuration().TotalSeconds, observed["edgegateway.gateway.gc.pause.time"], 0.5);
    }
}
