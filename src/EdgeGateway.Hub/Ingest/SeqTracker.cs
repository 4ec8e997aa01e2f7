using EdgeGateway.Contracts.Mqtt;

namespace EdgeGateway.Hub.Ingest;

/// <summary>A run of <c>seq</c> numbers one gateway never delivered: <see cref="From"/>..<see cref="To"/> inclusive.</summary>
public readonly record struct SeqGap(string Site, string Gateway, long From, long To)
{
    public long Count => To - From + 1;
}

/// <summary>
/// Finds gaps in each gateway's <c>seq</c> the way the contract's "seq: detecting gaps and duplicates" section says: a
/// low-water mark per gateway (every number at or below it seen or given up on) and the numbers seen above it. A
/// number still missing <see cref="Grace"/> after the first number above it arrived is a gap: the gateway's outbox
/// drains alarms and sessions before telemetry, and a backlog follows a reconnect, so order alone proves nothing.
/// Thread-safe; pure (time comes from the caller).
/// </summary>
public sealed class SeqTracker(TimeSpan grace)
{
    /// <summary>A number this far below the mark that is new means the gateway's outbox store was reset: start over.</summary>
    private const long ResetDistance = 100_000;

    private readonly Dictionary<(string Site, string Gateway), Stream> _streams = [];
    private readonly Lock _gate = new();
    private readonly HashSet<object> _holding = [];

    public TimeSpan Grace { get; } = grace;

    /// <summary>
    /// How long after a gateway's first number this instance only joins its stream (zero: it judges from the first
    /// number on). While joining, the stream starts at the highest number seen, and nothing below it is judged. A hub in a
    /// shared group needs it: restarted, its first numbers are ones its broker session redelivers from before the restart,
    /// and what its peers stored between those and now they reported to the instance that was killed, not to this one;
    /// judged from the first number, those counted as lost (12 of them in one run).
    /// </summary>
    public TimeSpan JoinWindow { get; set; }

    /// <summary>Records a delivered number (the Last Will's 0 is not part of the sequence and is ignored, and so is a
    /// number above the contract's <see cref="ContractMessage.MaxSeq"/>, which the reader refuses anyway: every
    /// difference the tracker takes then fits a <see cref="long"/>).</summary>
    public void Observe(string site, string gateway, long seq, DateTimeOffset now)
    {
        if (seq is <= 0 or > ContractMessage.MaxSeq)
        {
            return;
        }

        lock (_gate)
        {
            if (!_streams.TryGetValue((site, gateway), out Stream? stream))
            {
                // Joining mid-stream: what came before this hub started is not ours to judge.
                _streams[(site, gateway)] = new Stream(seq, now + JoinWindow);
                return;
            }

            stream.Observe(seq, now);
        }
    }

    /// <summary>
    /// <paramref name="lane"/> (an ingest pipeline) cannot store: its writes fail and are retried. Until every lane that
    /// held has released, nothing is judged: the hub stores alarms and telemetry on two connections, and a telemetry
    /// number received just before InfluxDB went away waits out the outage in a retried batch (or in the broker, behind
    /// a full window) while the alarm numbered after it was stored before — a hole that is no loss, however long the
    /// outage. Set by the lane itself at each failure, not sampled at the next check: a lane whose write slots are all
    /// retrying checks nothing until one succeeds, and one lane's success says nothing of the other's.
    /// </summary>
    public void Hold(object lane)
    {
        ArgumentNullException.ThrowIfNull(lane);
        lock (_gate)
        {
            _holding.Add(lane);
        }
    }

    /// <summary>
    /// <paramref name="lane"/> stores again. When it was the last lane holding, every hole open now gets a fresh
    /// <see cref="Grace"/> from <paramref name="now"/>: what the outage held back (the broker's backlog included) has that
    /// long to arrive.
    /// </summary>
    public void Release(object lane, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(lane);
        lock (_gate)
        {
            if (_holding.Remove(lane) && _holding.Count == 0)
            {
                foreach (Stream stream in _streams.Values)
                {
                    stream.RestartGrace(now);
                }
            }
        }
    }

    /// <summary>Gives up on numbers missing for longer than <see cref="Grace"/> and returns them as gaps; nothing while a
    /// lane holds (<see cref="Hold"/>).</summary>
    public IReadOnlyList<SeqGap> TakeGaps(DateTimeOffset now)
    {
        var gaps = new List<SeqGap>();
        lock (_gate)
        {
            if (_holding.Count > 0)
            {
                return gaps;
            }

            foreach (((string site, string gateway), Stream stream) in _streams)
            {
                while (stream.TakeGap(now, Grace) is { } gap)
                {
                    gaps.Add(new SeqGap(site, gateway, gap.From, gap.To));
                }
            }
        }

        return gaps;
    }

    /// <summary>Numbers currently missing (not yet given up on), over all gateways; saturates at
    /// <see cref="long.MaxValue"/> rather than overflow (each stream's count is below 2^53, but there may be many).</summary>
    public long Outstanding
    {
        get
        {
            lock (_gate)
            {
                long total = 0;
                foreach (Stream stream in _streams.Values)
                {
                    total = SaturatingAdd(total, stream.Outstanding);
                }

                return total;
            }
        }
    }

    /// <summary><paramref name="total"/> + <paramref name="count"/> for non-negative counts, held at <see cref="long.MaxValue"/>.</summary>
    public static long SaturatingAdd(long total, long count) => count > long.MaxValue - total ? long.MaxValue : total + count;

    private sealed class Stream(long first, DateTimeOffset joinedAt)
    {
        private readonly SortedDictionary<long, DateTimeOffset> _above = [];
        private long _low = first;

        public long Outstanding => _above.Count == 0 ? 0 : _above.Keys.Last() - _low - _above.Count;

        public void Observe(long seq, DateTimeOffset now)
        {
            if (now < joinedAt)
            {
                // Still joining: the stream starts at the highest number seen so far.
                if (seq > _low)
                {
                    _low = seq;
                    _above.Clear();
                }

                return;
            }

            if (seq <= _low)
            {
                if (_low - seq > ResetDistance)
                {
                    _above.Clear();
                    _low = seq;
                }

                return; // a duplicate (redelivery, retained replay) or a number already given up on
            }

            _above.TryAdd(seq, now);
            while (_above.Remove(_low + 1))
            {
                _low++;
            }
        }

        /// <summary>Every hole's clock starts again at <paramref name="now"/>.</summary>
        public void RestartGrace(DateTimeOffset now)
        {
            foreach (long seq in _above.Keys.ToList())
            {
                _above[seq] = now;
            }
        }

        public (long From, long To)? TakeGap(DateTimeOffset now, TimeSpan grace)
        {
            if (_above.Count == 0)
            {
                return null;
            }

            // The lowest number seen above the hole: the hole has been open at least since it arrived.
            (long next, DateTimeOffset since) = _above.First();
            if (now - since < grace)
            {
                return null;
            }

            (long from, long to) = (_low + 1, next - 1);
            _low = next - 1;
            while (_above.Remove(_low + 1))
            {
                _low++;
            }

            return (from, to);
        }
    }
}
