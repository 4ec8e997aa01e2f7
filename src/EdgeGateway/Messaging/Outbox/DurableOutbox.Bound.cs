using Microsoft.Data.Sqlite;

namespace EdgeGateway.Messaging.Outbox;

// The bound (OutboxOptions.MaxMessages, MaxBytes) and thinning: the oldest telemetry first, then superseded states.
public sealed partial class DurableOutbox
{
    private readonly record struct Thinning(long Telemetry, long FirstSeq, long LastSeq, long Superseded)
    {
        public static Thinning Of(long seq) => new(1, seq, seq, 0);

        public Thinning Plus(Thinning other) => new(
            Telemetry + other.Telemetry,
            Telemetry == 0 ? other.FirstSeq : other.Telemetry == 0 ? FirstSeq : Math.Min(FirstSeq, other.FirstSeq),
            Math.Max(LastSeq, other.LastSeq),
            Superseded + other.Superseded);
    }

    /// <summary>
    /// Thins until depth and bytes are within the given bound: oldest telemetry first, then (optionally) superseded states.
    /// </summary>
    private Thinning ApplyBound(SqliteTransaction tx, long[] depth, long[] bytes, long maxMessages, long maxBytes, bool supersededStates)
    {
        long count = _depth.Sum() + depth.Sum();
        long size = _bytes.Sum() + bytes.Sum();
        if (!Over(count, size))
        {
            return default;
        }

        long thinned = 0, first = 0, last = 0;
        bool skipped = false;
        var victimsInRange = new List<long>();
        _oldestOfClass.Transaction = tx;
        _oldestOfClass.Parameters[0].Value = Telemetry;
        using (SqliteDataReader reader = _oldestOfClass.ExecuteReader())
        {
            while (Over(count, size) && reader.Read())
            {
                long seq = reader.GetInt64(0);
                long rowSize = reader.GetInt64(1);
                if (_handedOut.Contains(seq))
                {
                    skipped = true; // being published: the broker may have it
                    continue;
                }

                victimsInRange.Add(seq);
                first = thinned == 0 ? seq : first;
                last = seq;
                thinned++;
                count--;
                size -= rowSize;
                depth[Telemetry]--;
                bytes[Telemetry] -= rowSize;
            }
        }

        if (thinned > 0 && !skipped)
        {
            _deleteClassUpTo.Transaction = tx;
            _deleteClassUpTo.Parameters[0].Value = Telemetry;
            _deleteClassUpTo.Parameters[1].Value = last;
            _deleteClassUpTo.ExecuteNonQuery();
        }
        else if (thinned > 0)
        {
            // Telemetry in flight sits among the oldest: delete the victims one by one around it.
            _deleteOne.Transaction = tx;
            foreach (long seq in victimsInRange)
            {
                _deleteOne.Parameters[0].Value = seq;
                using SqliteDataReader deleted = _deleteOne.ExecuteReader();
            }
        }

        long superseded = 0;
        if (Over(count, size) && supersededStates)
        {
            var victims = new List<long>();
            _supersededStates.Transaction = tx;
            _supersededStates.Parameters[0].Value = (int)MessageClass.State;
            using (SqliteDataReader reader = _supersededStates.ExecuteReader())
            {
                while (Over(count, size) && reader.Read())
                {
                    victims.Add(reader.GetInt64(0));
                    count--;
                    size -= reader.GetInt64(1);
                }
            }

            _deleteOne.Transaction = tx;
            foreach (long seq in victims)
            {
                _deleteOne.Parameters[0].Value = seq;
                using SqliteDataReader reader = _deleteOne.ExecuteReader();
                if (reader.Read())
                {
                    depth[(int)MessageClass.State]--;
                    bytes[(int)MessageClass.State] -= reader.GetInt64(1);
                    superseded++;
                }
            }
        }

        return new Thinning(thinned, first, last, superseded);

        bool Over(long c, long s) => c > maxMessages || s > maxBytes;
    }

    private bool Over(long count, long size) => count > _options.MaxMessages || size > _options.MaxBytes;
}
