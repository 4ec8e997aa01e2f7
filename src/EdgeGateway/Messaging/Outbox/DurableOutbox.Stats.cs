using Microsoft.Data.Sqlite;

namespace EdgeGateway.Messaging.Outbox;

// The counters: the meta rows (last seq, thinning, barriers) and the in-memory depth per class, and the stats made of them.
public sealed partial class DurableOutbox
{
    private const string LastSeqKey = "last_seq";
    private const string ThinnedTotalKey = "thinned_total";
    private const string ThinnedUnreportedKey = "thinned_unreported";
    private const string ThinnedFirstKey = "thinned_first_seq";
    private const string ThinnedLastKey = "thinned_last_seq";
    private const string SupersededTotalKey = "superseded_total";
    private const string SupersededUnreportedKey = "superseded_unreported";
    private const string BarriersKey = "sync_barriers";

    private static readonly string[] MetaKeys =
        [LastSeqKey, ThinnedTotalKey, ThinnedUnreportedKey, ThinnedFirstKey, ThinnedLastKey, SupersededTotalKey, SupersededUnreportedKey, BarriersKey];

    /// <summary>The <c>meta</c> counters.</summary>
    private readonly record struct Counters(
        long LastSeq, long ThinnedTotal, long ThinnedUnreported, long ThinnedFirst, long ThinnedLast, long SupersededTotal, long SupersededUnreported, long Barriers)
    {
        public Counters With(Thinning thinning)
        {
            Counters next = this;
            if (thinning.Telemetry > 0)
            {
                next = next with
                {
                    ThinnedTotal = ThinnedTotal + thinning.Telemetry,
                    ThinnedUnreported = ThinnedUnreported + thinning.Telemetry,
                    ThinnedFirst = ThinnedUnreported == 0 ? thinning.FirstSeq : Math.Min(ThinnedFirst, thinning.FirstSeq),
                    ThinnedLast = Math.Max(ThinnedLast, thinning.LastSeq),
                };
            }

            if (thinning.Superseded > 0)
            {
                next = next with
                {
                    SupersededTotal = SupersededTotal + thinning.Superseded,
                    SupersededUnreported = SupersededUnreported + thinning.Superseded,
                };
            }

            return next;
        }
    }

    /// <summary>Commits <paramref name="next"/> as the counters (only the changed rows), retried on a full disk as far as <see cref="MakeWritable"/> allows.</summary>
    /// <returns>False when the disk is full and the commit could not be made; nothing changed then.</returns>
    private bool PersistCounters(Counters next, bool fsync)
    {
        while (true)
        {
            try
            {
                SetSynchronous(fsync);
                using SqliteTransaction tx = _connection.BeginTransaction();
                WriteCounters(tx, next);
                tx.Commit();
                _counters = next;
                _persisted = next;
                Committed(fsync);
                return true;
            }
            catch (SqliteException ex) when (IsDiskFull(ex))
            {
                if (!MakeWritable())
                {
                    return false;
                }
            }
        }
    }

    /// <summary>Writes the counters that differ from what the file has.</summary>
    private void WriteCounters(SqliteTransaction tx, Counters next)
    {
        Write(LastSeqKey, next.LastSeq, _persisted.LastSeq);
        Write(ThinnedTotalKey, next.ThinnedTotal, _persisted.ThinnedTotal);
        Write(ThinnedUnreportedKey, next.ThinnedUnreported, _persisted.ThinnedUnreported);
        Write(ThinnedFirstKey, next.ThinnedFirst, _persisted.ThinnedFirst);
        Write(ThinnedLastKey, next.ThinnedLast, _persisted.ThinnedLast);
        Write(SupersededTotalKey, next.SupersededTotal, _persisted.SupersededTotal);
        Write(SupersededUnreportedKey, next.SupersededUnreported, _persisted.SupersededUnreported);
        Write(BarriersKey, next.Barriers, _persisted.Barriers);

        void Write(string key, long value, long persisted)
        {
            if (value != persisted)
            {
                _setMeta.Transaction = tx;
                _setMeta.Parameters[0].Value = key;
                _setMeta.Parameters[1].Value = value;
                _setMeta.ExecuteNonQuery();
            }
        }
    }

    private void Apply(long[] depth, long[] bytes)
    {
        for (int c = 0; c < ClassCount; c++)
        {
            _depth[c] += depth[c];
            _bytes[c] += bytes[c];
        }
    }

    private OutboxStats Snapshot()
    {
        var byClass = new Dictionary<MessageClass, long>(ClassCount);
        for (int c = 0; c < ClassCount; c++)
        {
            byClass[(MessageClass)c] = _depth[c];
        }

        long stored = _depth.Sum();
        long storedBytes = _bytes.Sum();
        long depth = stored + _held.Count;
        long bytes = storedBytes;
        foreach (Entry entry in _held)
        {
            byClass[entry.Class]++;
            bytes += entry.Size;
        }

        return new OutboxStats(
            depth,
            bytes,
            byClass,
            _counters.ThinnedTotal,
            _counters.ThinnedUnreported,
            _counters.ThinnedUnreported == 0 ? null : _counters.ThinnedFirst,
            _counters.ThinnedUnreported == 0 ? null : _counters.ThinnedLast,
            _counters.SupersededTotal,
            _counters.SupersededUnreported,
            _counters.LastSeq,
            depth >= _options.MaxMessages || bytes >= _options.MaxBytes || _fileFull || _held.Count > 0,
            Over(stored, storedBytes) || _held.Count > 0,
            _recovery,
            _held.Count,
            _diskFull);
    }
}
