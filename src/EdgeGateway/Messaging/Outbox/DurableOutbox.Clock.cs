using EdgeGateway.Contracts.Mqtt;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Messaging.Outbox;

// Wall-clock steps: each message is stored with the boot it was made in and the wall and monotonic clocks' readings
// when it was appended (the way journald keeps realtime and monotonic stamps). When the wall clock steps (NTP's first
// synchronisation on a board without a real-time clock), the unsent messages of this boot made before the step have
// their stamps moved by the step before they are published; what had already gone out is reported (ClockStep).
public sealed partial class DurableOutbox
{
    private TimeProvider _stampClock = TimeProvider.System;
    private long _boot;
    private long _stepThresholdMs;

    /// <summary>Wall minus monotonic (ms) of the clock the outbox last saw: a step moves it.</summary>
    private long _referenceOffset;

    /// <summary>Every message handed to the drain and not yet acknowledged: the broker may have it as it is, so it is never restamped.</summary>
    private readonly HashSet<long> _onWire = [];

    /// <summary>Messages of this boot stamped on the current clock that this process saw acknowledged: reported if the clock steps.</summary>
    private (long Count, long First, long Last) _sentOnClock;

    private readonly List<ClockStep> _steps = [];

    /// <summary>
    /// Looks for a step of the wall clock now, corrects the unsent messages if there was one, and returns the steps found
    /// since the last call (by this call, by <see cref="PeekBatch"/>, which looks before handing anything out, or at
    /// open). Cheap when the clock has not stepped: two clock readings, no I/O.
    /// </summary>
    public IReadOnlyList<ClockStep> CorrectClock()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            CorrectIfStepped();
            if (_steps.Count == 0)
            {
                return [];
            }

            ClockStep[] steps = [.. _steps];
            _steps.Clear();
            return steps;
        }
    }

    /// <summary>A 64-bit key for a boot id (FNV-1a); never 0, which marks rows stored before the outbox kept boots.</summary>
    internal static long BootKey(string bootId)
    {
        ulong hash = 14695981039346656037;
        foreach (char c in bootId)
        {
            hash = (hash ^ c) * 1099511628211;
        }

        return hash == 0 ? 1 : unchecked((long)hash);
    }

    private void StartClock()
    {
        _stampClock = _options.StampClock ?? _options.TimeProvider;
        _boot = BootKey(_options.BootId ?? Timekeeping.BootId.Current);
        _stepThresholdMs = (long)_options.ClockStepThreshold.TotalMilliseconds;
        _referenceOffset = ClockReading().Offset;

        // A step while the gateway was stopped (same boot): this boot's stored messages carry the old offset.
        (long corrected, long? oldOffset) = RestampRows(_referenceOffset);
        if (corrected > 0)
        {
            _steps.Add(new ClockStep(TimeSpan.FromMilliseconds(_referenceOffset - oldOffset!.Value), _stampClock.GetUtcNow(), corrected, 0, null, null));
        }
    }

    private (long Wall, long Mono, long Offset) ClockReading()
    {
        long wall = _stampClock.GetUtcNow().ToUnixTimeMilliseconds();
        long ticks = _stampClock.GetTimestamp();
        long frequency = _stampClock.TimestampFrequency;

        // In two parts: ticks * 1000 overflows after 106 days of nanosecond ticks.
        long mono = (ticks / frequency * 1000) + (ticks % frequency * 1000 / frequency);
        return (wall, mono, wall - mono);
    }

    private bool OnCurrentClock(long boot, long offset) => boot == _boot && Math.Abs(offset - _referenceOffset) < _stepThresholdMs;

    private void CountSent(long seq) => _sentOnClock = Including(_sentOnClock, seq);

    /// <summary>A count of sent messages and their seq range, with <paramref name="seq"/> added.</summary>
    private static (long Count, long First, long Last) Including((long Count, long First, long Last) sent, long seq) =>
        sent.Count == 0 ? (1, seq, seq) : (sent.Count + 1, Math.Min(sent.First, seq), Math.Max(sent.Last, seq));

    private void CorrectIfStepped()
    {
        long offset = ClockReading().Offset;
        if (Math.Abs(offset - _referenceOffset) < _stepThresholdMs)
        {
            return;
        }

        // Sent on the old clock: what was acknowledged since the last step, and what is on the wire now.
        (long count, long first, long last) = _onWire.Aggregate(_sentOnClock, Including);

        long step = offset - _referenceOffset;
        (long corrected, _) = RestampRows(offset);
        for (int i = 0; i < _held.Count; i++)
        {
            Entry entry = _held[i];
            long delta = offset - (entry.Wall - entry.Mono);
            if (entry.Boot == _boot && Math.Abs(delta) >= _stepThresholdMs && !_onWire.Contains(entry.Seq))
            {
                byte[] payload = ContractStamps.TryShift(entry.Payload, TimeSpan.FromMilliseconds(delta), out byte[]? shifted) ? shifted! : entry.Payload;
                _held[i] = entry with { Payload = payload, Wall = entry.Wall + delta };
                corrected++;
            }
        }

        _referenceOffset = offset;
        _sentOnClock = default;
        _steps.Add(new ClockStep(
            TimeSpan.FromMilliseconds(step), _stampClock.GetUtcNow(), corrected, count, count == 0 ? null : first, count == 0 ? null : last));
    }

    /// <summary>
    /// Moves the stamps of this boot's stored messages whose clock offset is not <paramref name="offset"/> (and that are
    /// not on the wire) by the difference, in one transaction.
    /// </summary>
    /// <returns>How many were corrected, and the old offset of the newest of them.</returns>
    private (long Corrected, long? OldOffset) RestampRows(long offset)
    {
        var stale = new List<(long Seq, byte[] Payload, long Delta)>();
        long? newestOffset = null;
        using (SqliteCommand select = Create(
            "SELECT seq, payload, wall_ms - mono_ms FROM outbox WHERE boot = $boot AND abs(wall_ms - mono_ms - $offset) >= $threshold ORDER BY seq;"))
        {
            select.Parameters.AddWithValue("$boot", _boot);
            select.Parameters.AddWithValue("$offset", offset);
            select.Parameters.AddWithValue("$threshold", _stepThresholdMs);
            using SqliteDataReader reader = select.ExecuteReader();
            while (reader.Read())
            {
                long seq = reader.GetInt64(0);
                if (!_onWire.Contains(seq))
                {
                    long rowOffset = reader.GetInt64(2);
                    stale.Add((seq, reader.GetFieldValue<byte[]>(1), offset - rowOffset));
                    newestOffset = rowOffset;
                }
            }
        }

        if (stale.Count == 0)
        {
            return (0, null);
        }

        while (true)
        {
            try
            {
                SetSynchronous(true);
                using SqliteTransaction tx = _connection.BeginTransaction();
                using SqliteCommand update = Create("UPDATE outbox SET payload = $payload, wall_ms = wall_ms + $delta WHERE seq = $seq;");
                update.Transaction = tx;
                SqliteParameter payload = update.Parameters.Add("$payload", SqliteType.Blob);
                SqliteParameter delta = update.Parameters.Add("$delta", SqliteType.Integer);
                SqliteParameter seq = update.Parameters.Add("$seq", SqliteType.Integer);
                foreach ((long s, byte[] p, long d) in stale)
                {
                    // A payload that is not a contract message (or has no stamp) stays as it is; its offset is still
                    // brought up to date, so it is not looked at again. A stamp has a fixed length: the size is unchanged.
                    payload.Value = ContractStamps.TryShift(p, TimeSpan.FromMilliseconds(d), out byte[]? shifted) ? shifted! : p;
                    delta.Value = d;
                    seq.Value = s;
                    update.ExecuteNonQuery();
                }

                tx.Commit();
                Committed(fsync: true);
                return (stale.Count, newestOffset);
            }
            catch (SqliteException ex) when (IsDiskFull(ex))
            {
                // An update of the same size needs WAL space only, which a checkpoint gives back. Without it the
                // messages go out with the stamps they have; the step is still reported.
                if (!MakeWritable())
                {
                    return (0, newestOffset);
                }
            }
        }
    }
}
