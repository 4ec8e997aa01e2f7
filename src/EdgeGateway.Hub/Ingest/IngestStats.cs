using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace EdgeGateway.Hub.Ingest;

/// <summary>
/// What ingest has done since the process started, for <c>/healthz</c>, logs and tests, and as instruments on the
/// <c>EdgeGateway.Hub</c> meter (read with dotnet-counters: <c>dotnet-counters monitor -n EdgeGateway.Hub --counters EdgeGateway.Hub</c>).
/// </summary>
public sealed class IngestStats : IDisposable
{
    public const string MeterName = "EdgeGateway.Hub";

    private readonly Meter _meter = new(MeterName);
    private readonly ConcurrentDictionary<string, long> _rejected = new(StringComparer.Ordinal);
    private long _received;
    private long _accepted;
    private long _ignored;
    private long _pointsWritten;
    private long _batches;
    private long _writeFailures;
    private long _acknowledged;
    private long _ackSkipped;
    private long _seqMissing;
    private long _queued;
    private long _writesFailingSince; // monotonic timestamp of the first transient failure since the last success; 0: none
    private readonly Histogram<double> _writeDuration;

    public IngestStats()
    {
        _meter.CreateObservableCounter("edgegateway.hub.messages.received", () => Received, "{message}", "MQTT messages received on the contract subscriptions");
        _meter.CreateObservableCounter("edgegateway.hub.messages.accepted", () => Accepted, "{message}");
        _meter.CreateObservableCounter("edgegateway.hub.messages.rejected", () => _rejected.Select(r => new Measurement<long>(r.Value, new KeyValuePair<string, object?>("reason", r.Key))), "{message}");
        _meter.CreateObservableCounter("edgegateway.hub.points.written", () => PointsWritten, "{point}");
        _meter.CreateObservableCounter("edgegateway.hub.write.failures", () => WriteFailures, "{attempt}");
        _meter.CreateObservableCounter("edgegateway.hub.messages.acknowledged", () => Acknowledged, "{message}");
        _meter.CreateObservableCounter("edgegateway.hub.seq.missing", () => SeqMissing, "{message}", "seq numbers given up on as lost");
        _meter.CreateObservableGauge("edgegateway.hub.queue.depth", () => Queued, "{message}", "received, not yet acknowledged");
        // Seconds, so the buckets are too (the exporters' defaults suit milliseconds): 5 ms to 30 s.
        _writeDuration = _meter.CreateHistogram(
            "edgegateway.hub.write.duration",
            "s",
            "One batch written to the database, from request to answer",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
    }

    /// <summary>The monotonic timestamp (<see cref="TimeProvider.GetTimestamp"/>) of the first write that failed
    /// transiently since the last one that succeeded; null while writes succeed.</summary>
    public long? WritesFailingSince => Interlocked.Read(ref _writesFailingSince) is var since and not 0 ? since : null;

    public long Received => Interlocked.Read(ref _received);

    public long Accepted => Interlocked.Read(ref _accepted);

    public long Ignored => Interlocked.Read(ref _ignored);

    public long PointsWritten => Interlocked.Read(ref _pointsWritten);

    public long Batches => Interlocked.Read(ref _batches);

    public long WriteFailures => Interlocked.Read(ref _writeFailures);

    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    /// <summary>Messages whose link dropped before their acknowledgement: the broker delivers them again.</summary>
    public long AcknowledgementsSkipped => Interlocked.Read(ref _ackSkipped);

    public long SeqMissing => Interlocked.Read(ref _seqMissing);

    public long Queued => Interlocked.Read(ref _queued);

    public long RejectedTotal => _rejected.Values.Sum();

    public IReadOnlyDictionary<string, long> Rejected => new Dictionary<string, long>(_rejected, StringComparer.Ordinal);

    internal void OnReceived() { Interlocked.Increment(ref _received); Interlocked.Increment(ref _queued); }

    internal void OnAccepted() => Interlocked.Increment(ref _accepted);

    internal void OnIgnored() => Interlocked.Increment(ref _ignored);

    internal void OnRejected(RejectReason reason) => _rejected.AddOrUpdate(DeadLetter.WireName(reason), 1, (_, n) => n + 1);

    internal void OnBatchWritten(int points) { Interlocked.Add(ref _pointsWritten, points); Interlocked.Increment(ref _batches); }

    internal void OnWriteFailed() => Interlocked.Increment(ref _writeFailures);

    /// <summary>A batch written in <paramref name="duration"/>: the database takes writes again.</summary>
    internal void OnWriteSucceeded(TimeSpan duration)
    {
        _writeDuration.Record(duration.TotalSeconds);
        Interlocked.Exchange(ref _writesFailingSince, 0);
    }

    /// <summary>A write failed and is retried (the database is down or unreachable) at <paramref name="timestamp"/>.</summary>
    internal void OnWriteFailing(long timestamp) => Interlocked.CompareExchange(ref _writesFailingSince, Math.Max(1, timestamp), 0);

    internal void OnSettled(bool acknowledged)
    {
        Interlocked.Decrement(ref _queued);
        Interlocked.Increment(ref acknowledged ? ref _acknowledged : ref _ackSkipped);
    }

    /// <summary>Adds to the lost-number count, held at <see cref="long.MaxValue"/>: a counter never wraps negative.</summary>
    internal void OnSeqMissing(long count)
    {
        long seen = Interlocked.Read(ref _seqMissing);
        while (true)
        {
            long wanted = SeqTracker.SaturatingAdd(seen, Math.Max(count, 0));
            long found = Interlocked.CompareExchange(ref _seqMissing, wanted, seen);
            if (found == seen)
            {
                return;
            }

            seen = found;
        }
    }

    public void Dispose() => _meter.Dispose();
}
