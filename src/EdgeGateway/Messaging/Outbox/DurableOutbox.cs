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
/// <para>Schema, fsync policy, bound and thinning, crash behaviour, the open-time integrity check and what happens when
/// the filesystem is full are described in README.md beside this file. In short:</para>
/// <list type="bullet">
/// <item><c>outbox(seq INTEGER PRIMARY KEY, topic, class, priority, retain, size, payload)</c> with indexes on
/// <c>priority</c> (drain order) and <c>class</c> (thinning); <c>meta(key, value)</c> holds <c>last_seq</c> and the
/// thinning counters, updated in the same transaction as the messages.</item>
/// <item>Seqs are assigned inside the storing transaction, so a crash either keeps a message and its seq or neither:
/// no seq is ever published twice for different messages, and none is skipped except by counted thinning.</item>
/// <item>A full filesystem never makes <see cref="Append"/> throw: the oldest telemetry is thinned (counted) to make
/// room, and what still does not fit is held in memory (<see cref="OutboxStats.Unstored"/>) until space returns; a
/// message held in memory is handed out only once its seq is on stable storage.</item>
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

    /// <summary>The reserve file is the outbox file's name plus this (beside <c>-wal</c> and <c>-shm</c>).</summary>
    internal const string ReserveSuffix = "-reserve";

    private const int ClassCount = 5;
    private const int Telemetry = (int)MessageClass.Telemetry;
    private const int SqliteIoErr = 10;
    private const int SqliteFull = 13;

    /// <summary>An I/O error counts as "disk full" when the filesystem has less than this left (SQLite reports some ENOSPC as SQLITE_IOERR_*).</summary>
    private const long NearlyFullBytes = 64 * 1024;

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

    /// <summary>Without a way to ask the filesystem for its free space, leaving disk-full mode is tried (by writing the reserve) at most this often.</summary>
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);

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
    private readonly string _path;
    private readonly string _directory;
    private readonly string _reservePath;
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
    private readonly SqliteCommand _checkpoint;
    private readonly SqliteCommand _pageCount;
    private readonly long _pageSize;
    private readonly long[] _depth = new long[ClassCount];
    private readonly long[] _bytes = new long[ClassCount];
    private readonly string? _recovery;

    /// <summary>Messages that could not be stored (disk full, nothing left to thin), in seq order. Never telemetry.</summary>
    private readonly List<Entry> _held = [];

    /// <summary>Acknowledged ids whose delete could not be written yet (disk full); hidden from <see cref="PeekBatch"/>.</summary>
    private readonly HashSet<long> _pendingAcks = [];

    /// <summary>
    /// Telemetry the drain has published (<see cref="Publishing"/>) and not yet had acknowledged: the broker may already
    /// have it, so it is never thinned. At most the drain's window; an acknowledgement takes it out.
    /// </summary>
    private readonly HashSet<long> _handedOut = [];

    /// <summary>The counters as they are (in memory); ahead of <see cref="_persisted"/> only while the disk is full.</summary>
    private Counters _counters;

    /// <summary>The counters as the file has them after the last commit.</summary>
    private Counters _persisted;

    /// <summary>Every seq up to this is on stable storage (its message stored or its number counted in <c>last_seq</c>, fsynced): only those are handed out.</summary>
    private long _syncedSeq;

    private bool _synchronousIsFull;
    private bool _unsynced;
    private long _unsyncedSince;
    private bool _diskFull;
    private bool _reserveHeld;

    /// <summary>Disk-full mode and the file ran out of free pages: a store had to thin (or hold) to fit. Cleared by an acknowledgement that frees pages, or by leaving disk-full mode.</summary>
    private bool _fileFull;

    /// <summary>A complete checkpoint happened and nothing was committed since: the next commit starts the WAL from its beginning.</summary>
    private bool _freshWal;

    private long _lastProbe;

    /// <summary>Committed deletes that freed pages (acknowledgements), so a retry of the held messages knows whether anything changed.</summary>
    private long _deletes;

    /// <summary>When the held messages last did not fit: the deletes so far and the filesystem's free bytes then (null: not blocked).</summary>
    private (long Deletes, long Free)? _heldBlocked;

    private bool _disposed;

    private DurableOutbox(OutboxOptions options, string path, SqliteConnection connection, long seedSeq, string? recovery)
    {
        _options = options;
        _path = path;
        _directory = System.IO.Path.GetDirectoryName(path) ?? ".";
        _reservePath = path + ReserveSuffix;
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
        _checkpoint = Prepare("PRAGMA wal_checkpoint(PASSIVE);");
        _pageCount = Prepare("PRAGMA page_count;");
        _pageSize = Scalar(_connection, "PRAGMA page_size;");

        Load();
    }

    /// <summary>
    /// Opens (or creates) the outbox at <see cref="OutboxOptions.Path"/> and checks its integrity. A corrupt or
    /// unreadable file (and its <c>-wal</c>/<c>-shm</c>) is moved aside with a <c>.corrupt-yyyyMMddTHHmmssZ</c> suffix,
    /// kept for inspection, and a fresh outbox is started whose seq continues after the old file's last seq if that can
    /// still be read (else from 0: consumers then see the seq go back, the sign of a reset store). A healthy file is never
    /// recreated or emptied. The reserve file (<see cref="OutboxOptions.DiskFullReserveBytes"/>) is created beside it if
    /// missing; when there is no room for it the outbox starts in disk-full mode (<see cref="OutboxStats.DiskFull"/>).
    /// </summary>
    /// <param name="options">Where and how.</param>
    /// <param name="recovery">What had to be done, for the log and the status message; null when the file was healthy or new.</param>
    /// <exception cref="SqliteException">The file cannot be opened for reasons starting afresh would not cure (permissions, I/O error, a disk so full that even giving up the reserve does not let SQLite open it).</exception>
    public static DurableOutbox Open(OutboxOptions options, out string? recovery)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        string path = System.IO.Path.GetFullPath(options.Path);
        string directory = System.IO.Path.GetDirectoryName(path) ?? ".";
        Directory.CreateDirectory(directory);

        DurableOutbox outbox = OpenFile(options, path, out recovery, out bool released);
        outbox.StartReserve(released);
        return outbox;
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
    /// <remarks>
    /// A full filesystem does not make it throw (README.md, "Disk full"): the oldest telemetry is thinned to make room
    /// and the append retried; if nothing can be freed, the batch's telemetry is thinned (counted, with its seqs) and
    /// its other messages are held in memory, in order, until they can be stored (<see cref="OutboxStats.Unstored"/>).
    /// Messages held earlier are always stored before the new ones.
    /// </remarks>
    /// <returns>The seqs assigned, one per item in order (a telemetry item may already have been thinned if the batch alone exceeds the bound, or the disk is full).</returns>
    /// <exception cref="SqliteException">Any other storage error (I/O, corruption): the batch is not taken and its seqs are not used.</exception>
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
            TryLeaveDiskFull();
            RetryAcknowledgements();

            // Rendered before the transaction, so a batch that has to be held in memory keeps the payload it was
            // numbered with. A render that throws leaves everything as it was: no seq is used.
            var batch = new Entry[items.Count];
            long[] seqs = new long[items.Count];
            long seq = _counters.LastSeq;
            for (int i = 0; i < items.Count; i++)
            {
                OutboxItem item = items[i];
                seq++;
                byte[] payload = AsArray(item.Render(seq));
                batch[i] = new Entry(seq, item.Topic, item.Class, item.Retain, payload, payload.Length + (long)Encoding.UTF8.GetByteCount(item.Topic));
                seqs[i] = seq;
            }

            // Held messages are alarms, sessions, states or status, and they go in first: fsync like an urgent append.
            bool fsync = _options.Durability == OutboxDurability.AlwaysFull || urgent || _held.Count > 0 || SyncDue();
            Counters before = _counters;
            _counters = _counters with { LastSeq = seq };
            bool stored;
            try
            {
                // Behind held messages that still cannot fit, the batch cannot either (it may not overtake them).
                stored = !HeldStillBlocked() && TryStore([.. _held, .. batch], fsync);
            }
            catch
            {
                // Not a full disk (that is handled): the batch is not taken, as if Append had not been called.
                _counters = before;
                throw;
            }

            if (stored)
            {
                _held.Clear();
            }
            else
            {
                Hold(batch);
            }

            return seqs;
        }
    }

    /// <summary>
    /// The next messages to publish: every pending alarm and session first (in seq order), then the rest in seq order,
    /// which keeps the order per topic (a topic carries one class). Returns the head again until it is acknowledged, so
    /// a live alarm appended during a long drain comes out on the very next call. Anything returned is on stable storage
    /// (an fsync is forced first if needed), so power loss can never roll back a seq that was already published.
    /// </summary>
    /// <remarks>Messages held in memory because the disk is full are stored first if they now fit, and otherwise handed
    /// out from memory in the same order, once their seq is on stable storage (it is counted in the persisted
    /// <c>last_seq</c>, so it can never be given to another message).</remarks>
    public IReadOnlyList<OutboxRecord> PeekBatch(int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            TryLeaveDiskFull();
            RetryAcknowledgements();
            RetryHeld();
            if (_unsynced || _persisted != _counters)
            {
                Barrier();
            }

            var records = new List<OutboxRecord>(Math.Min(max, 1024));
            _peek.Transaction = null;
            _peek.Parameters[0].Value = (long)max + _pendingAcks.Count;
            using (SqliteDataReader reader = _peek.ExecuteReader())
            {
                while (records.Count < max && reader.Read())
                {
                    long seq = reader.GetInt64(0);
                    if (seq <= _syncedSeq && !_pendingAcks.Contains(seq))
                    {
                        records.Add(new OutboxRecord(seq, seq, reader.GetString(1), (MessageClass)reader.GetInt32(2), reader.GetInt64(3) != 0, reader.GetFieldValue<byte[]>(4)));
                    }
                }
            }

            bool merged = false;
            foreach (Entry entry in _held)
            {
                if (entry.Seq <= _syncedSeq)
                {
                    records.Add(new OutboxRecord(entry.Seq, entry.Seq, entry.Topic, entry.Class, entry.Retain, entry.Payload));
                    merged = true;
                }
            }

            if (merged)
            {
                records.Sort(static (a, b) => (Priority(a.Class), a.Seq).CompareTo((Priority(b.Class), b.Seq)));
                if (records.Count > max)
                {
                    records.RemoveRange(max, records.Count - max);
                }
            }

            return records;
        }
    }

    /// <summary>
    /// The drain is about to put <paramref name="record"/> on the wire: until it is acknowledged the broker may have it,
    /// so a full outbox thins other telemetry, never this (a thinned message that arrives anyway would be counted as
    /// lost and stored all the same).
    /// </summary>
    public void Publishing(OutboxRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Class != MessageClass.Telemetry)
        {
            return; // only telemetry is ever thinned
        }

        lock (_gate)
        {
            _handedOut.Add(record.Seq);
        }
    }

    /// <summary>Removes published messages (the broker acknowledged them), in one transaction. Unknown ids are ignored.</summary>
    /// <remarks>Committed without fsync under <see cref="OutboxDurability.Tiered"/>: power loss may bring a few acknowledged
    /// messages back, to be published again with the same seq — a duplicate the consumer drops by seq. On a full disk a
    /// delete that cannot be written is remembered and retried; until then those messages are not handed out again.</remarks>
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
            var stored = new HashSet<long>(_pendingAcks);
            foreach (long id in ids)
            {
                _handedOut.Remove(id);
                // A message held in memory was published from memory: nothing to delete.
                if (_held.Count == 0 || _held.RemoveAll(e => e.Seq == id) == 0)
                {
                    stored.Add(id);
                }
            }

            if (stored.Count == 0)
            {
                return;
            }

            if (TryDelete(stored))
            {
                _pendingAcks.Clear();
            }
            else
            {
                _pendingAcks.UnionWith(stored);
            }
        }
    }

    /// <summary>Forces every commit so far onto stable storage (one small fsynced commit), if any is not yet. The host may call it from a timer.</summary>
    public void Flush()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_unsynced || _persisted != _counters)
            {
                Barrier();
            }
        }
    }

    /// <summary>
    /// The stats for a status message, and marks the thinning counted so far as reported (persisted), so
    /// <see cref="OutboxStats.ThinnedSinceLastReport"/> starts again from zero.
    /// </summary>
    /// <remarks>On a full disk the reset is kept in memory and written with the next commit that gets through.</remarks>
    public OutboxStats TakeReport()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            OutboxStats stats = Snapshot();
            Counters reported = _counters with { ThinnedUnreported = 0, ThinnedFirst = 0, ThinnedLast = 0, SupersededUnreported = 0 };
            if (reported != _counters && !PersistCounters(reported, fsync: _options.Durability == OutboxDurability.AlwaysFull))
            {
                _counters = reported;
            }

            return stats;
        }
    }

    /// <summary>
    /// Closes the file. Closing the last connection checkpoints the WAL into the main file (fsynced) and removes it.
    /// Messages still held in memory (disk full) are stored first if they now fit; otherwise they are lost with the
    /// process, as they would be in a crash (<see cref="OutboxStats.Unstored"/> says how many are at risk).
    /// </summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            try
            {
                TryLeaveDiskFull();
                RetryAcknowledgements();
                RetryHeld();
                if (_persisted != _counters)
                {
                    // Counters only in memory (disk full): a report already taken, thinning and seqs of held messages.
                    PersistCounters(_counters, fsync: true);
                }
            }
            catch (SqliteException)
            {
                // Closing must not throw; whatever could not be written is in the state the next start finds.
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
            _checkpoint.Dispose();
            _pageCount.Dispose();
            _connection.Dispose();
        }
    }

    private enum StoreOutcome
    {
        Committed,

        /// <summary>Disk-full mode and the main file would have to grow: thin more telemetry first.</summary>
        NeedsRoom,

        /// <summary>Disk-full mode, the main file would have to grow and there is no telemetry left to thin.</summary>
        NoRoom,
    }

    /// <summary>A message rendered with its seq, on its way into the file (or held in memory while the disk is full).</summary>
    private sealed record Entry(long Seq, string Topic, MessageClass Class, bool Retain, byte[] Payload, long Size);

    private readonly record struct Thinning(long Telemetry, long FirstSeq, long LastSeq, long Superseded)
    {
        public static Thinning Of(long seq) => new(1, seq, seq, 0);

        public Thinning Plus(Thinning other) => new(
            Telemetry + other.Telemetry,
            Telemetry == 0 ? other.FirstSeq : other.Telemetry == 0 ? FirstSeq : Math.Min(FirstSeq, other.FirstSeq),
            Math.Max(LastSeq, other.LastSeq),
            Superseded + other.Superseded);
    }

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

    /// <summary>Opens, checks, and if need be moves aside and starts afresh (see <see cref="Open"/>); <paramref name="released"/> tells whether the reserve file had to be given up to open at all.</summary>
    private static DurableOutbox OpenFile(OutboxOptions options, string path, out string? recovery, out bool released)
    {
        recovery = null;
        string directory = System.IO.Path.GetDirectoryName(path) ?? ".";
        bool gaveUp = false;
        SqliteConnection connection = Connect(path, readOnly: false);
        string? problem;
        try
        {
            problem = OnFullDiskGiveUpReserve(() => Inspect(connection, options.IntegrityCheck));
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
                DurableOutbox healthy = OnFullDiskGiveUpReserve(() => new DurableOutbox(options, path, connection, 0, null));
                released = gaveUp;
                return healthy;
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
            string? reported = recovery;
            DurableOutbox fresh = OnFullDiskGiveUpReserve(() => new DurableOutbox(options, path, connection, salvaged ?? 0, reported));
            released = gaveUp;
            return fresh;
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        // Opening writes too (the WAL index, the schema transaction): on a full disk the reserve is given up for that, and
        // the step retried once. Per step, so a corrupt file already moved aside is not forgotten by a retry from scratch.
        T OnFullDiskGiveUpReserve<T>(Func<T> step)
        {
            try
            {
                return step();
            }
            catch (SqliteException ex) when (IsDiskFull(ex, directory) && TryDeleteFile(path + ReserveSuffix))
            {
                gaveUp = true;
                return step();
            }
        }
    }

    /// <summary>Takes the reserve file (creating it if missing); without it (no room, or given up to open) the outbox starts in disk-full mode.</summary>
    private void StartReserve(bool released)
    {
        long size = _options.DiskFullReserveBytes;
        if (!released && File.Exists(_reservePath) && new FileInfo(_reservePath).Length >= size)
        {
            _reserveHeld = true;
        }
        else if (!released && (AvailableBytes(_directory) is not { } free || free >= 2 * size))
        {
            _reserveHeld = TryCreateReserve(_reservePath, size);
        }

        _diskFull = !_reserveHeld;
        _lastProbe = _options.TimeProvider.GetTimestamp();
    }

    /// <summary>
    /// The disk is full and nothing more can be freed: the batch's telemetry is thinned (counted, with its seqs) and its
    /// other messages are held in memory behind those already held. Then as much of what is held as fits is stored, in
    /// order, and the counters (the held seqs) are persisted if a small commit still gets through.
    /// </summary>
    private void Hold(Entry[] batch)
    {
        Thinning dropped = default;
        foreach (Entry entry in batch)
        {
            if (entry.Class == MessageClass.Telemetry)
            {
                dropped = dropped.Plus(Thinning.Of(entry.Seq));
            }
            else
            {
                // A copy: the caller's buffer is not ours to keep beyond this call.
                _held.Add(entry with { Payload = (byte[])entry.Payload.Clone() });
            }
        }

        _counters = _counters.With(dropped);
        _fileFull = true;

        // The batch is taken from here on. An error other than a full disk (handled inside) is left for the next call,
        // which meets it again and reports it: throwing now would tell the caller the batch was not taken.
        try
        {
            RetryHeld();

            // Held messages are handed out only once their seqs are counted in the persisted last_seq, fsynced: then no
            // restart can give those seqs to other messages.
            if (_persisted != _counters)
            {
                PersistCounters(_counters, fsync: _held.Count > 0);
            }
        }
        catch (SqliteException)
        {
        }
    }

    /// <summary>
    /// One transaction for <paramref name="queue"/>, retried on a full disk: first by letting SQLite write again (a
    /// checkpoint, then giving up the reserve), then, in disk-full mode, by thinning more of the oldest telemetry until the
    /// queue fits in pages the main file already has.
    /// </summary>
    /// <returns>False when the disk is full and nothing more can be freed; nothing was stored then.</returns>
    private bool TryStore(List<Entry> queue, bool fsync)
    {
        long room = 0;

        // Each round either thins twice as much or has made SQLite writable again (at most a checkpoint and the reserve
        // per failure); the cap only guards against a filesystem that keeps changing under it.
        for (int attempt = 0; attempt < 64; attempt++)
        {
            StoreOutcome outcome;
            long shortfall = 0;
            try
            {
                outcome = StoreTransaction(queue, room, fsync, out shortfall);
            }
            catch (SqliteException ex) when (IsDiskFull(ex))
            {
                if (!MakeWritable())
                {
                    return false;
                }

                continue;
            }

            switch (outcome)
            {
                case StoreOutcome.Committed:
                    return true;
                case StoreOutcome.NoRoom:
                    return false;
                default:
                    // Thinning X bytes frees about X / page size pages (leaves are not full): aim at twice the shortfall,
                    // and at least double the last attempt so the number of attempts stays logarithmic.
                    room = Math.Max(room * 2, shortfall * _pageSize * 2);
                    break;
            }
        }

        return false;
    }

    private StoreOutcome StoreTransaction(List<Entry> queue, long room, bool fsync, out long shortfall)
    {
        shortfall = 0;
        SetSynchronous(fsync);
        long[] depth = new long[ClassCount];
        long[] bytes = new long[ClassCount];
        using SqliteTransaction tx = _connection.BeginTransaction();

        // Room first, so the inserts below reuse the pages the thinning frees instead of growing the file.
        Thinning thinning = default;
        if (room > 0)
        {
            thinning = ApplyBound(tx, depth, bytes, long.MaxValue, Math.Max(0, _bytes.Sum() - room), supersededStates: false);
        }

        bool exhausted = _depth[Telemetry] + depth[Telemetry] == 0;

        _insert.Transaction = tx;
        foreach (Entry entry in queue)
        {
            int c = (int)entry.Class;
            _insert.Parameters[0].Value = entry.Seq;
            _insert.Parameters[1].Value = entry.Topic;
            _insert.Parameters[2].Value = c;
            _insert.Parameters[3].Value = Priority(entry.Class);
            _insert.Parameters[4].Value = entry.Retain ? 1 : 0;
            _insert.Parameters[5].Value = entry.Size;
            _insert.Parameters[6].Value = entry.Payload;
            _insert.ExecuteNonQuery();
            depth[c]++;
            bytes[c] += entry.Size;
        }

        thinning = thinning.Plus(ApplyBound(tx, depth, bytes, _options.MaxMessages, _options.MaxBytes, _options.ThinSupersededStates));

        // On a full disk the main file grows only into space the filesystem reports free: pages a checkpoint cannot copy
        // into the main file keep the WAL from ever starting over, and then nothing at all can be written any more
        // (README.md, "Disk full"). Pending pages of an earlier failed checkpoint count as growth too.
        bool grew = false;
        if (_diskFull)
        {
            _pageCount.Transaction = tx;
            long growth = (long)_pageCount.ExecuteScalar()! - new FileInfo(_path).Length / _pageSize;
            if (growth > 0 && !RoomToGrow(growth))
            {
                shortfall = growth;
                return exhausted ? StoreOutcome.NoRoom : StoreOutcome.NeedsRoom;
            }

            grew = growth > 0;
        }

        Counters next = _counters.With(thinning);
        WriteCounters(tx, next);
        tx.Commit();

        // Committed: only now does the in-memory view move.
        _counters = next;
        _persisted = next;
        Apply(depth, bytes);
        Committed(fsync);
        _fileFull |= room > 0;
        if (grew)
        {
            // Into the main file at once, while the space is there (not at the next automatic checkpoint, by when other
            // writers on the filesystem may have taken it).
            TryCheckpoint();
        }

        return StoreOutcome.Committed;
    }

    /// <summary>
    /// After a write failed for lack of space (its transaction rolled back): lets SQLite write again if it can. A complete
    /// checkpoint lets the next commit start the WAL from its beginning, in space the WAL file already has; if the
    /// checkpoint itself needs space (pages in the WAL that extend the main file) or the WAL had just started over, the
    /// reserve file is given up. Enters disk-full mode.
    /// </summary>
    /// <returns>False when neither helps: nothing can be written until space returns.</returns>
    private bool MakeWritable()
    {
        _diskFull = true;
        if (!_freshWal && TryCheckpoint())
        {
            return true;
        }

        if (_reserveHeld && TryDeleteFile(_reservePath))
        {
            _reserveHeld = false;
            TryCheckpoint();
            return true;
        }

        return false;
    }

    /// <summary>A passive checkpoint (the only connection: nothing to wait for). Complete, it has fsynced the WAL and the main file.</summary>
    private bool TryCheckpoint()
    {
        try
        {
            using SqliteDataReader reader = _checkpoint.ExecuteReader();
            if (!reader.Read() || reader.GetInt64(0) != 0 || reader.GetInt64(1) != reader.GetInt64(2))
            {
                return false;
            }
        }
        catch (SqliteException ex) when (IsDiskFull(ex))
        {
            return false;
        }

        _freshWal = true;
        _unsynced = false;
        _syncedSeq = _persisted.LastSeq;
        return true;
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

    /// <summary>
    /// One small fsynced commit: with WAL, fsyncing the log makes every earlier commit durable too. It also writes any
    /// counters still held in memory (the seqs of messages held while the disk is full). If the disk is too full even for
    /// this, the checkpoint <see cref="MakeWritable"/> tries still makes the committed part durable when it completes.
    /// </summary>
    private void Barrier() => PersistCounters(_counters with { Barriers = _counters.Barriers + 1 }, fsync: true);

    private bool TryDelete(IReadOnlyCollection<long> ids)
    {
        while (true)
        {
            try
            {
                DeleteTransaction(ids);
                return true;
            }
            catch (SqliteException ex) when (IsDiskFull(ex))
            {
                // A delete never grows the main file; it needs WAL space only, which a checkpoint gives back.
                if (!MakeWritable())
                {
                    return false;
                }
            }
        }
    }

    private void DeleteTransaction(IReadOnlyCollection<long> ids)
    {
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
        if (depth.Sum() != 0)
        {
            _deletes++;
            _fileFull = false;
        }

        // Not fsynced, a delete leaves nothing to sync before the next peek: power loss may only bring a message back.
        _freshWal = false;
        if (fsync)
        {
            Committed(fsync: true);
        }
    }

    private void RetryAcknowledgements()
    {
        if (_pendingAcks.Count > 0 && TryDelete([.. _pendingAcks]))
        {
            _pendingAcks.Clear();
        }
    }

    /// <summary>
    /// Stores the longest prefix of the held messages that fits (keeping their order), halving on failure. Skipped while
    /// nothing that could make room has changed since the last attempt (each attempt inserts and rolls back, O(held)).
    /// </summary>
    private void RetryHeld()
    {
        if (_held.Count == 0 || HeldStillBlocked())
        {
            return;
        }

        int chunk = _held.Count;
        while (chunk > 0 && _held.Count > 0)
        {
            if (TryStore(_held.GetRange(0, chunk), fsync: true))
            {
                _held.RemoveRange(0, chunk);
                chunk = _held.Count;
            }
            else
            {
                chunk /= 2;
            }
        }

        _heldBlocked = _held.Count > 0 && AvailableBytes(_directory) is { } free ? (_deletes, free) : null;
    }

    /// <summary>
    /// Held messages did not fit and nothing has changed since that could make room: still disk-full mode, no
    /// acknowledgement has freed pages, and the filesystem has no more space than then. Unknown free space: not blocked.
    /// </summary>
    private bool HeldStillBlocked() =>
        _held.Count > 0 && _diskFull && _heldBlocked is { } blocked && blocked.Deletes == _deletes
        && AvailableBytes(_directory) is { } free && free <= blocked.Free;

    /// <summary>
    /// Disk-full mode ends once the reserve is held again and as much again is free: then the main file may grow freely
    /// again. Cheap while the filesystem reports too little space (one statvfs).
    /// </summary>
    private void TryLeaveDiskFull()
    {
        if (!_diskFull)
        {
            return;
        }

        long size = _options.DiskFullReserveBytes;
        long need = _reserveHeld ? size : 2 * size;
        if (AvailableBytes(_directory) is { } free)
        {
            if (free < need)
            {
                return;
            }

            // Space came back. What waits in memory goes in first, still in disk-full mode (growing the file only into
            // space the filesystem reports free); the reserve is taken back only if as much is still free after that.
            // Else a backlog bigger than the space that returned would write the reserve and give it up again on every
            // call (SD-card wear for nothing).
            RetryHeld();
            if (_held.Count > 0 || AvailableBytes(_directory) is not { } left || left < need)
            {
                return;
            }
        }
        else if (_options.TimeProvider.GetElapsedTime(_lastProbe) < ProbeInterval)
        {
            return;
        }

        _lastProbe = _options.TimeProvider.GetTimestamp();
        if (!_reserveHeld)
        {
            _reserveHeld = TryCreateReserve(_reservePath, size);
        }

        _diskFull = !_reserveHeld;
        _fileFull &= _diskFull;
    }

    /// <summary>Writes the reserve file (real blocks: zeros, not a sparse or merely preallocated file every filesystem would honour). Removed again if it does not fit.</summary>
    private static bool TryCreateReserve(string path, long size)
    {
        try
        {
            using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                byte[] zeros = new byte[64 * 1024];
                for (long left = size; left > 0; left -= zeros.Length)
                {
                    file.Write(zeros, 0, (int)Math.Min(left, zeros.Length));
                }
            }

            return true;
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        TryDeleteFile(path);
        return false;
    }

    private static bool TryDeleteFile(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return false;
            }

            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The space the filesystem holding <paramref name="directory"/> has for this process (statvfs), or null if it cannot be asked.</summary>
    private static long? AvailableBytes(string directory)
    {
        try
        {
            return new DriveInfo(directory).AvailableFreeSpace;
        }
        catch (IOException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private bool IsDiskFull(SqliteException ex) => IsDiskFull(ex, _directory);

    /// <summary>Whether the filesystem has room for <paramref name="pages"/> more pages of the main file and as many WAL frames, keeping <see cref="NearlyFullBytes"/> spare. Unknown: no.</summary>
    private bool RoomToGrow(long pages) => AvailableBytes(_directory) is { } free && free - (2 * pages * _pageSize) >= NearlyFullBytes;

    /// <summary>
    /// SQLITE_FULL (SQLite's answer to ENOSPC on a write), or an I/O error while the filesystem is (nearly) full: SQLite
    /// reports ENOSPC while growing the WAL index (<c>-shm</c>) as SQLITE_IOERR_SHMSIZE, and some filesystems report it
    /// from fsync, and SQLite does not pass errno on. An I/O error with space left is a real I/O error.
    /// </summary>
    private static bool IsDiskFull(SqliteException ex, string directory) =>
        (ex.SqliteErrorCode & 0xFF) == SqliteFull
        || ((ex.SqliteErrorCode & 0xFF) == SqliteIoErr && AvailableBytes(directory) is { } free && free < NearlyFullBytes);

    private static int Priority(MessageClass cls) => cls is MessageClass.Alarm or MessageClass.Session ? 0 : 1;

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

    private bool SyncDue() => _unsynced && _options.TimeProvider.GetElapsedTime(_unsyncedSince) >= _options.CommitInterval;

    private void Committed(bool fsync)
    {
        _freshWal = false;
        if (fsync)
        {
            _unsynced = false;
            _syncedSeq = _persisted.LastSeq;
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

        _persisted = new Counters(
            meta[LastSeqKey], meta[ThinnedTotalKey], meta[ThinnedUnreportedKey], meta[ThinnedFirstKey], meta[ThinnedLastKey],
            meta[SupersededTotalKey], meta[SupersededUnreportedKey], meta[BarriersKey]);

        // Both are written in the same transaction; the max guards against a hand-edited file.
        _counters = _persisted with { LastSeq = Math.Max(_persisted.LastSeq, maxSeq) };
        _syncedSeq = _counters.LastSeq;
    }

    private static void Validate(OutboxOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Path, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxMessages, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxBytes, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.CommitInterval, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.WalAutoCheckpointPages, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.WalSizeLimitBytes, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.DiskFullReserveBytes, nameof(options));
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
