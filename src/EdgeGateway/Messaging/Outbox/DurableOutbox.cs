using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Messaging.Outbox;

/// <summary>
/// The gateway's durable MQTT outbox: every message that matters is stored here (with its gateway seq) before it is
/// published, and removed only after the broker acknowledged it (QoS 1 PUBACK). One SQLite file in WAL mode.
/// </summary>
/// <remarks>
/// <para>Schema, fsync policy, bound and thinning, crash behaviour and the open-time integrity check are described in
/// README.md beside this file. In short:</para>
/// <list type="bullet">
/// <item><c>outbox(seq INTEGER PRIMARY KEY, topic, class, priority, retain, size, payload)</c> with indexes on
/// <c>priority</c> (drain order) and <c>class</c> (thinning); <c>meta(key, value)</c> holds <c>last_seq</c> and the
/// thinning counters, updated in the same transaction as the messages.</item>
/// <item>Seqs are assigned inside the storing transaction, so a crash either keeps a message and its seq or neither:
/// no seq is ever published twice for different messages, and none is skipped except by counted thinning.</item>
/// <item>Thread-safe: one connection, one lock. <see cref="Append"/> may be called from any thread; the publisher calls
/// <see cref="PeekBatch"/> and <see cref="Acknowledge"/>.</item>
/// </list>
/// </remarks>
public sealed class DurableOutbox : IDisposable
{
    /// <summary>SQLite <c>application_id</c> of an outbox file ("EGOB").</summary>
    internal const int ApplicationId = 0x45474F42;

    /// <summary>SQLite <c>user_version</c> of this schema.</summary>
    internal const int SchemaVersion = 1;

    private const int ClassCount = 5;
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

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS meta (
            key   TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS outbox (
            seq      INTEGER PRIMARY KEY,
            topic    TEXT    NOT NULL,
            class    INTEGER NOT NULL,
            priority INTEGER NOT NULL,
            retain   INTEGER NOT NULL,
            size     INTEGER NOT NULL,
            payload  BLOB    NOT NULL
        );
        CREATE INDEX IF NOT EXISTS outbox_drain ON outbox (priority);
        CREATE INDEX IF NOT EXISTS outbox_class ON outbox (class);
        """;

    private readonly Lock _gate = new();
    private readonly OutboxOptions _options;
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _setMeta;
    private readonly SqliteCommand _peek;
    private readonly SqliteCommand _deleteOne;
    private readonly SqliteCommand _oldestOfClass;
    private readonly SqliteCommand _deleteClassUpTo;
    private readonly SqliteCommand _supersededStates;
    private readonly SqliteCommand _synchronousFull;
    private readonly SqliteCommand _synchronousNormal;
    private readonly long[] _depth = new long[ClassCount];
    private readonly long[] _bytes = new long[ClassCount];
    private readonly string? _recovery;
    private long _lastSeq;
    private long _thinnedTotal;
    private long _thinnedUnreported;
    private long _thinnedFirst;
    private long _thinnedLast;
    private long _supersededTotal;
    private long _supersededUnreported;
    private long _barriers;
    private bool _synchronousIsFull;
    private bool _unsynced;
    private long _unsyncedSince;
    private bool _disposed;

    private DurableOutbox(OutboxOptions options, SqliteConnection connection, long seedSeq, string? recovery)
    {
        _options = options;
        _connection = connection;
        _recovery = recovery;

        Execute("PRAGMA journal_mode = WAL;");
        Execute("PRAGMA temp_store = MEMORY;");
        Execute(string.Create(CultureInfo.InvariantCulture, $"PRAGMA wal_autocheckpoint = {options.WalAutoCheckpointPages};"));
        Execute(string.Create(CultureInfo.InvariantCulture, $"PRAGMA journal_size_limit = {options.WalSizeLimitBytes};"));
        _synchronousFull = Prepare("PRAGMA synchronous = FULL;");
        _synchronousNormal = Prepare("PRAGMA synchronous = NORMAL;");
        SetSynchronous(full: true);

        using (SqliteTransaction tx = _connection.BeginTransaction())
        {
            Execute(Schema, tx);
            Execute(string.Create(CultureInfo.InvariantCulture, $"PRAGMA application_id = {ApplicationId}; PRAGMA user_version = {SchemaVersion};"), tx);
            using SqliteCommand seed = Create("INSERT OR IGNORE INTO meta (key, value) VALUES ($key, $value);");
            seed.Transaction = tx;
            SqliteParameter key = seed.Parameters.Add("$key", SqliteType.Text);
            SqliteParameter value = seed.Parameters.Add("$value", SqliteType.Integer);
            foreach (string k in MetaKeys)
            {
                key.Value = k;
                value.Value = k == LastSeqKey ? seedSeq : 0L;
                seed.ExecuteNonQuery();
            }

            tx.Commit();
        }

        _insert = Prepare("INSERT INTO outbox (seq, topic, class, priority, retain, size, payload) VALUES ($seq, $topic, $class, $priority, $retain, $size, $payload);",
            ("$seq", SqliteType.Integer), ("$topic", SqliteType.Text), ("$class", SqliteType.Integer), ("$priority", SqliteType.Integer),
            ("$retain", SqliteType.Integer), ("$size", SqliteType.Integer), ("$payload", SqliteType.Blob));
        _setMeta = Prepare("UPDATE meta SET value = $value WHERE key = $key;", ("$key", SqliteType.Text), ("$value", SqliteType.Integer));
        _peek = Prepare("SELECT seq, topic, class, retain, payload FROM outbox ORDER BY priority, seq LIMIT $max;", ("$max", SqliteType.Integer));
        _deleteOne = Prepare("DELETE FROM outbox WHERE seq = $seq RETURNING class, size;", ("$seq", SqliteType.Integer));
        _oldestOfClass = Prepare("SELECT seq, size FROM outbox WHERE class = $class ORDER BY seq;", ("$class", SqliteType.Integer));
        _deleteClassUpTo = Prepare("DELETE FROM outbox WHERE class = $class AND seq <= $seq;", ("$class", SqliteType.Integer), ("$seq", SqliteType.Integer));
        _supersededStates = Prepare(
            """
            SELECT o.seq, o.size FROM outbox AS o
            WHERE o.class = $class AND EXISTS (SELECT 1 FROM outbox AS n WHERE n.class = $class AND n.topic = o.topic AND n.seq > o.seq)
            ORDER BY o.seq;
            """,
            ("$class", SqliteType.Integer));

        Load();
    }

    /// <summary>
    /// Opens (or creates) the outbox at <see cref="OutboxOptions.Path"/> and checks its integrity. A corrupt or
    /// unreadable file (and its <c>-wal</c>/<c>-shm</c>) is moved aside with a <c>.corrupt-yyyyMMddTHHmmssZ</c> suffix,
    /// kept for inspection, and a fresh outbox is started whose seq continues after the old file's last seq if that can
    /// still be read (else from 0: consumers then see the seq go back, the sign of a reset store). A healthy file is never
    /// recreated or emptied.
    /// </summary>
    /// <param name="options">Where and how.</param>
    /// <param name="recovery">What had to be done, for the log and the status message; null when the file was healthy or new.</param>
    /// <exception cref="SqliteException">The file cannot be opened for reasons starting afresh would not cure (permissions, disk full, I/O error).</exception>
    public static DurableOutbox Open(OutboxOptions options, out string? recovery)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        string path = System.IO.Path.GetFullPath(options.Path);
        string? directory = System.IO.Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        recovery = null;
        SqliteConnection connection = Connect(path, readOnly: false);
        string? problem;
        try
        {
            problem = Inspect(connection, options.IntegrityCheck);
        }
        catch (SqliteException ex) when (IsDamage(ex))
        {
            problem = ex.Message;
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        if (problem is null)
        {
            try
            {
                return new DurableOutbox(options, connection, 0, null);
            }
            catch (SqliteException ex) when (IsDamage(ex))
            {
                // Damage the check did not see (e.g. in the WAL's pages written after it): treat it the same way.
                problem = ex.Message;
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }

        connection.Dispose();
        string aside = MoveAside(path, options.TimeProvider);
        long? salvaged = TryReadLastSeq(aside);
        recovery = string.Create(CultureInfo.InvariantCulture,
            $"outbox '{path}' was unusable ({Shorten(problem)}); moved aside to '{aside}' and a fresh outbox started; ") +
            (salvaged is { } s
                ? string.Create(CultureInfo.InvariantCulture, $"seq continues after {s} (messages still in the old file were not published)")
                : "the old seq could not be read: seq restarts at 1 (consumers see the seq go back; messages in the old file were not published)");
        connection = Connect(path, readOnly: false);
        try
        {
            return new DurableOutbox(options, connection, salvaged ?? 0, recovery);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The outbox's counters; cheap (kept in memory, no I/O).</summary>
    public OutboxStats Stats
    {
        get
        {
            lock (_gate)
            {
                return Snapshot();
            }
        }
    }

    /// <summary>
    /// Stores the items in ONE transaction: assigns consecutive seqs, renders each payload with its seq, stores it,
    /// persists the last seq, applies the bound (thinning the oldest telemetry) and commits.
    /// </summary>
    /// <returns>The seqs assigned, one per item in order (a telemetry item may already have been thinned if the batch alone exceeds the bound).</returns>
    public IReadOnlyList<long> Append(IReadOnlyList<OutboxItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0)
        {
            return [];
        }

        bool urgent = false;
        foreach (OutboxItem item in items)
        {
            ArgumentNullException.ThrowIfNull(item, nameof(items));
            ArgumentException.ThrowIfNullOrEmpty(item.Topic, nameof(items));
            ArgumentNullException.ThrowIfNull(item.Render, nameof(items));
            if (!Enum.IsDefined(item.Class))
            {
                throw new ArgumentOutOfRangeException(nameof(items), item.Class, "Unknown message class.");
            }

            urgent |= item.Class is MessageClass.Alarm or MessageClass.Session;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            bool fsync = _options.Durability == OutboxDurability.AlwaysFull || urgent || SyncDue();
            SetSynchronous(fsync);

            long[] seqs = new long[items.Count];
            long[] depth = new long[ClassCount];
            long[] bytes = new long[ClassCount];
            long seq = _lastSeq;
            using SqliteTransaction tx = _connection.BeginTransaction();
            _insert.Transaction = tx;
            for (int i = 0; i < items.Count; i++)
            {
                OutboxItem item = items[i];
                seq++;
                ReadOnlyMemory<byte> payload = item.Render(seq);
                int c = (int)item.Class;
                long size = payload.Length + (long)Encoding.UTF8.GetByteCount(item.Topic);
                _insert.Parameters[0].Value = seq;
                _insert.Parameters[1].Value = item.Topic;
                _insert.Parameters[2].Value = c;
                _insert.Parameters[3].Value = item.Class is MessageClass.Alarm or MessageClass.Session ? 0 : 1;
                _insert.Parameters[4].Value = item.Retain ? 1 : 0;
                _insert.Parameters[5].Value = size;
                _insert.Parameters[6].Value = AsArray(payload);
                _insert.ExecuteNonQuery();
                seqs[i] = seq;
                depth[c]++;
                bytes[c] += size;
            }

            SetMeta(tx, LastSeqKey, seq);
            Thinning thinning = ApplyBound(tx, depth, bytes);
            if (thinning.Telemetry > 0)
            {
                SetMeta(tx, ThinnedTotalKey, _thinnedTotal + thinning.Telemetry);
                SetMeta(tx, ThinnedUnreportedKey, _thinnedUnreported + thinning.Telemetry);
                SetMeta(tx, ThinnedFirstKey, _thinnedUnreported == 0 ? thinning.FirstSeq : Math.Min(_thinnedFirst, thinning.FirstSeq));
                SetMeta(tx, ThinnedLastKey, Math.Max(_thinnedLast, thinning.LastSeq));
            }

            if (thinning.Superseded > 0)
            {
                SetMeta(tx, SupersededTotalKey, _supersededTotal + thinning.Superseded);
                SetMeta(tx, SupersededUnreportedKey, _supersededUnreported + thinning.Superseded);
            }

            tx.Commit();

            // Committed: only now does the in-memory view move.
            _lastSeq = seq;
            Apply(depth, bytes);
            if (thinning.Telemetry > 0)
            {
                _thinnedFirst = _thinnedUnreported == 0 ? thinning.FirstSeq : Math.Min(_thinnedFirst, thinning.FirstSeq);
                _thinnedLast = Math.Max(_thinnedLast, thinning.LastSeq);
                _thinnedTotal += thinning.Telemetry;
                _thinnedUnreported += thinning.Telemetry;
            }

            _supersededTotal += thinning.Superseded;
            _supersededUnreported += thinning.Superseded;
            Committed(fsync);
            return seqs;
        }
    }

    /// <summary>
    /// The next messages to publish: every pending alarm and session first (in seq order), then the rest in seq order,
    /// which keeps the order per topic (a topic carries one class). Returns the head again until it is acknowledged, so
    /// a live alarm appended during a long drain comes out on the very next call. Anything returned is on stable storage
    /// (an fsync is forced first if needed), so power loss can never roll back a seq that was already published.
    /// </summary>
    public IReadOnlyList<OutboxRecord> PeekBatch(int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_unsynced)
            {
                Barrier();
            }

            var records = new List<OutboxRecord>(Math.Min(max, 1024));
            _peek.Transaction = null;
            _peek.Parameters[0].Value = max;
            using SqliteDataReader reader = _peek.ExecuteReader();
            while (reader.Read())
            {
                long seq = reader.GetInt64(0);
                records.Add(new OutboxRecord(seq, seq, reader.GetString(1), (MessageClass)reader.GetInt32(2), reader.GetInt64(3) != 0, reader.GetFieldValue<byte[]>(4)));
            }

            return records;
        }
    }

    /// <summary>Removes published messages (the broker acknowledged them), in one transaction. Unknown ids are ignored.</summary>
    /// <remarks>Committed without fsync under <see cref="OutboxDurability.Tiered"/>: power loss may bring a few acknowledged
    /// messages back, to be published again with the same seq — a duplicate the consumer drops by seq.</remarks>
    public void Acknowledge(IReadOnlyCollection<long> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            bool fsync = _options.Durability == OutboxDurability.AlwaysFull;
            SetSynchronous(fsync);
            long[] depth = new long[ClassCount];
            long[] bytes = new long[ClassCount];
            using SqliteTransaction tx = _connection.BeginTransaction();
            _deleteOne.Transaction = tx;
            foreach (long id in ids)
            {
                _deleteOne.Parameters[0].Value = id;
                using SqliteDataReader reader = _deleteOne.ExecuteReader();
                if (reader.Read())
                {
                    int c = reader.GetInt32(0);
                    depth[c]--;
                    bytes[c] -= reader.GetInt64(1);
                }
            }

            tx.Commit();
            Apply(depth, bytes);
            if (fsync)
            {
                Committed(fsync: true);
            }
        }
    }

    /// <summary>Forces every commit so far onto stable storage (one small fsynced commit), if any is not yet. The host may call it from a timer.</summary>
    public void Flush()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_unsynced)
            {
                Barrier();
            }
        }
    }

    /// <summary>
    /// The stats for a status message, and marks the thinning counted so far as reported (persisted), so
    /// <see cref="OutboxStats.ThinnedSinceLastReport"/> starts again from zero.
    /// </summary>
    public OutboxStats TakeReport()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            OutboxStats stats = Snapshot();
            if (_thinnedUnreported != 0 || _supersededUnreported != 0)
            {
                SetSynchronous(_options.Durability == OutboxDurability.AlwaysFull);
                using SqliteTransaction tx = _connection.BeginTransaction();
                SetMeta(tx, ThinnedUnreportedKey, 0);
                SetMeta(tx, ThinnedFirstKey, 0);
                SetMeta(tx, ThinnedLastKey, 0);
                SetMeta(tx, SupersededUnreportedKey, 0);
                tx.Commit();
                _thinnedUnreported = 0;
                _thinnedFirst = 0;
                _thinnedLast = 0;
                _supersededUnreported = 0;
            }

            return stats;
        }
    }

    /// <summary>Closes the file. Closing the last connection checkpoints the WAL into the main file (fsynced) and removes it.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _insert.Dispose();
            _setMeta.Dispose();
            _peek.Dispose();
            _deleteOne.Dispose();
            _oldestOfClass.Dispose();
            _deleteClassUpTo.Dispose();
            _supersededStates.Dispose();
            _synchronousFull.Dispose();
            _synchronousNormal.Dispose();
            _connection.Dispose();
        }
    }

    private readonly record struct Thinning(long Telemetry, long FirstSeq, long LastSeq, long Superseded);

    /// <summary>Thins until depth and bytes are within the bound: oldest telemetry first, then (optionally) superseded states.</summary>
    private Thinning ApplyBound(SqliteTransaction tx, long[] depth, long[] bytes)
    {
        long count = _depth.Sum() + depth.Sum();
        long size = _bytes.Sum() + bytes.Sum();
        if (!Over(count, size))
        {
            return default;
        }

        const int telemetry = (int)MessageClass.Telemetry;
        long thinned = 0, first = 0, last = 0;
        _oldestOfClass.Transaction = tx;
        _oldestOfClass.Parameters[0].Value = telemetry;
        using (SqliteDataReader reader = _oldestOfClass.ExecuteReader())
        {
            while (Over(count, size) && reader.Read())
            {
                long seq = reader.GetInt64(0);
                long rowSize = reader.GetInt64(1);
                first = thinned == 0 ? seq : first;
                last = seq;
                thinned++;
                count--;
                size -= rowSize;
                depth[telemetry]--;
                bytes[telemetry] -= rowSize;
            }
        }

        if (thinned > 0)
        {
            _deleteClassUpTo.Transaction = tx;
            _deleteClassUpTo.Parameters[0].Value = telemetry;
            _deleteClassUpTo.Parameters[1].Value = last;
            _deleteClassUpTo.ExecuteNonQuery();
        }

        long superseded = 0;
        if (Over(count, size) && _options.ThinSupersededStates)
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
    }

    private bool Over(long count, long size) => count > _options.MaxMessages || size > _options.MaxBytes;

    private bool SyncDue() => _unsynced && _options.TimeProvider.GetElapsedTime(_unsyncedSince) >= _options.CommitInterval;

    /// <summary>One small fsynced commit: with WAL, fsyncing the log makes every earlier commit durable too.</summary>
    private void Barrier()
    {
        SetSynchronous(full: true);
        using SqliteTransaction tx = _connection.BeginTransaction();
        SetMeta(tx, BarriersKey, _barriers + 1);
        tx.Commit();
        _barriers++;
        Committed(fsync: true);
    }

    private void Committed(bool fsync)
    {
        if (fsync)
        {
            _unsynced = false;
        }
        else if (!_unsynced)
        {
            _unsynced = true;
            _unsyncedSince = _options.TimeProvider.GetTimestamp();
        }
    }

    private void SetSynchronous(bool full)
    {
        if (full != _synchronousIsFull)
        {
            (full ? _synchronousFull : _synchronousNormal).ExecuteNonQuery();
            _synchronousIsFull = full;
        }
    }

    private void SetMeta(SqliteTransaction tx, string key, long value)
    {
        _setMeta.Transaction = tx;
        _setMeta.Parameters[0].Value = key;
        _setMeta.Parameters[1].Value = value;
        _setMeta.ExecuteNonQuery();
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

        long depth = _depth.Sum();
        long bytes = _bytes.Sum();
        return new OutboxStats(
            depth,
            bytes,
            byClass,
            _thinnedTotal,
            _thinnedUnreported,
            _thinnedUnreported == 0 ? null : _thinnedFirst,
            _thinnedUnreported == 0 ? null : _thinnedLast,
            _supersededTotal,
            _supersededUnreported,
            _lastSeq,
            depth >= _options.MaxMessages || bytes >= _options.MaxBytes,
            Over(depth, bytes),
            _recovery);
    }

    private void Load()
    {
        var meta = new Dictionary<string, long>(StringComparer.Ordinal);
        using (SqliteCommand read = Create("SELECT key, value FROM meta;"))
        using (SqliteDataReader reader = read.ExecuteReader())
        {
            while (reader.Read())
            {
                meta[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        long maxSeq = 0;
        using (SqliteCommand read = Create("SELECT class, count(*), total(size), max(seq) FROM outbox GROUP BY class;"))
        using (SqliteDataReader reader = read.ExecuteReader())
        {
            while (reader.Read())
            {
                int c = reader.GetInt32(0);
                if (c is < 0 or >= ClassCount)
                {
                    throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"Outbox holds messages of unknown class {c}."));
                }

                _depth[c] = reader.GetInt64(1);
                _bytes[c] = (long)reader.GetDouble(2);
                maxSeq = Math.Max(maxSeq, reader.GetInt64(3));
            }
        }

        // Both are written in the same transaction; the max guards against a hand-edited file.
        _lastSeq = Math.Max(meta[LastSeqKey], maxSeq);
        _thinnedTotal = meta[ThinnedTotalKey];
        _thinnedUnreported = meta[ThinnedUnreportedKey];
        _thinnedFirst = meta[ThinnedFirstKey];
        _thinnedLast = meta[ThinnedLastKey];
        _supersededTotal = meta[SupersededTotalKey];
        _supersededUnreported = meta[SupersededUnreportedKey];
        _barriers = meta[BarriersKey];
    }

    private static void Validate(OutboxOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Path, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxMessages, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxBytes, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.CommitInterval, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.WalAutoCheckpointPages, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.WalSizeLimitBytes, nameof(options));
        ArgumentNullException.ThrowIfNull(options.TimeProvider, nameof(options));
    }

    /// <summary>Null when the file is a healthy outbox (or new and empty); else what is wrong.</summary>
    private static string? Inspect(SqliteConnection connection, OutboxIntegrityCheck check)
    {
        long applicationId = Scalar(connection, "PRAGMA application_id;");
        long version = Scalar(connection, "PRAGMA user_version;");
        long objects = Scalar(connection, "SELECT count(*) FROM sqlite_schema;");
        if (objects == 0 && applicationId == 0)
        {
            return null;
        }

        if (applicationId != ApplicationId)
        {
            return string.Create(CultureInfo.InvariantCulture, $"not an outbox file: application_id {applicationId}");
        }

        if (version > SchemaVersion)
        {
            return string.Create(CultureInfo.InvariantCulture, $"schema version {version} is newer than this gateway's {SchemaVersion}");
        }

        using (SqliteCommand command = connection.CreateCommand())
        {
            command.CommandText = check == OutboxIntegrityCheck.Full ? "PRAGMA integrity_check(20);" : "PRAGMA quick_check(20);";
            using SqliteDataReader reader = command.ExecuteReader();
            var findings = new List<string>();
            while (reader.Read())
            {
                findings.Add(reader.GetString(0));
            }

            if (findings is not ["ok"])
            {
                return (check == OutboxIntegrityCheck.Full ? "integrity_check: " : "quick_check: ") + string.Join("; ", findings);
            }
        }

        long tables = Scalar(connection, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('meta', 'outbox');");
        return tables == 2 ? null : "outbox tables missing";
    }

    /// <summary>Errors that mean the file itself is damaged or not a database; anything else (permissions, I/O, disk full) is not cured by starting afresh.</summary>
    private static bool IsDamage(SqliteException ex) => (ex.SqliteErrorCode & 0xFF) is 11 /* SQLITE_CORRUPT */ or 26 /* SQLITE_NOTADB */;

    private static string MoveAside(string path, TimeProvider time)
    {
        string stamp = time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        string aside = path + ".corrupt-" + stamp;
        for (int n = 2; File.Exists(aside) || File.Exists(aside + "-wal"); n++)
        {
            aside = string.Create(CultureInfo.InvariantCulture, $"{path}.corrupt-{stamp}-{n}");
        }

        // The WAL and shared-memory files keep their pairing with the main file under the new name.
        foreach (string suffix in new[] { "-wal", "-shm", "-journal" })
        {
            if (File.Exists(path + suffix))
            {
                File.Move(path + suffix, aside + suffix);
            }
        }

        File.Move(path, aside);
        return aside;
    }

    /// <summary>The last seq a moved-aside file still tells, read-only (the file is kept as it is), or null.</summary>
    private static long? TryReadLastSeq(string path)
    {
        // Reading a WAL-mode file, even read-only, creates empty -wal/-shm beside it; they are removed again afterwards
        // so the kept files are exactly what was found.
        string[] created = new[] { path + "-wal", path + "-shm" }.Where(f => !File.Exists(f)).ToArray();
        try
        {
            return ReadLastSeq(path);
        }
        finally
        {
            foreach (string file in created)
            {
                try
                {
                    File.Delete(file);
                }
                catch (IOException)
                {
                    // Leave it; it is empty.
                }
            }
        }
    }

    private static long? ReadLastSeq(string path)
    {
        long? best = null;
        try
        {
            using SqliteConnection connection = Connect(path, readOnly: true);
            foreach (string sql in new[] { "SELECT value FROM meta WHERE key = 'last_seq';", "SELECT max(seq) FROM outbox;" })
            {
                try
                {
                    using SqliteCommand command = connection.CreateCommand();
                    command.CommandText = sql;
                    if (command.ExecuteScalar() is long value)
                    {
                        best = Math.Max(best ?? 0, value);
                    }
                }
                catch (SqliteException)
                {
                    // This part of the file is unreadable; try the next.
                }
            }
        }
        catch (SqliteException)
        {
            // Not readable at all.
        }

        return best;
    }

    private static SqliteConnection Connect(string path, bool readOnly)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            // No pool: a closed outbox must really release the file (move aside, tests, restarts).
            Pooling = false,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";

    private static byte[] AsArray(ReadOnlyMemory<byte> memory) =>
        MemoryMarshal.TryGetArray(memory, out ArraySegment<byte> segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : memory.ToArray();

    private SqliteCommand Create(string sql)
    {
        SqliteCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    private SqliteCommand Prepare(string sql, params (string Name, SqliteType Type)[] parameters)
    {
        SqliteCommand command = Create(sql);
        foreach ((string name, SqliteType type) in parameters)
        {
            command.Parameters.Add(name, type);
        }

        command.Prepare();
        return command;
    }

    private void Execute(string sql, SqliteTransaction? tx = null)
    {
        using SqliteCommand command = Create(sql);
        command.Transaction = tx;
        command.ExecuteNonQuery();
    }
}
