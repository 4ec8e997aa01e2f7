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
public sealed partial class DurableOutbox : IDisposable
{
    private const int ClassCount = 5;
    private const int Telemetry = (int)MessageClass.Telemetry;

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

    // Appends with an alarm or a session (UrgentAppended); read without the lock by the drain.
    private long _urgentAppended;

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

    /// <summary>The gateway's data directory, where the outbox's file lies (other small journals of the link lie beside it).</summary>
    public string DataDirectory => _directory;

    /// <summary>Appends that carried an alarm or a session, since the outbox was opened: the drain re-peeks when it
    /// changes, so such a message overtakes telemetry it had already peeked (<see cref="OutboxDrain"/>).</summary>
    public long UrgentAppended => Interlocked.Read(ref _urgentAppended);

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
            (long wall, long mono, _) = ClockReading();
            long seq = _counters.LastSeq;
            for (int i = 0; i < items.Count; i++)
            {
                OutboxItem item = items[i];
                seq++;
                byte[] payload = AsArray(item.Render(seq));
                batch[i] = new Entry(seq, item.Topic, item.Class, item.Retain, payload, payload.Length + (long)Encoding.UTF8.GetByteCount(item.Topic), _boot, wall, mono);
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

            if (urgent)
            {
                Interlocked.Increment(ref _urgentAppended);
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

            // Nothing goes out with a stamp of a clock that has since stepped.
            CorrectIfStepped();
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
    /// <remarks>Nor are its stamps corrected for a later step of the wall clock: the broker may have it as it is.</remarks>
    public void Publishing(OutboxRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            _onWire.Add(record.Seq);
            if (record.Class == MessageClass.Telemetry)
            {
                _handedOut.Add(record.Seq); // only telemetry is ever thinned
            }
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
                _onWire.Remove(id);

                // A message held in memory was published from memory: nothing to delete.
                int index = _held.FindIndex(e => e.Seq == id);
                if (index < 0)
                {
                    stored.Add(id);
                }
                else
                {
                    Entry held = _held[index];
                    _held.RemoveAt(index);
                    if (OnCurrentClock(held.Boot, held.Wall - held.Mono))
                    {
                        CountSent(held.Seq);
                    }
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
    /// <remarks><paramref name="Boot"/>, <paramref name="Wall"/> and <paramref name="Mono"/>: the boot it was made in and the wall and monotonic clocks (ms) when it was appended.</remarks>
    private sealed record Entry(long Seq, string Topic, MessageClass Class, bool Retain, byte[] Payload, long Size, long Boot, long Wall, long Mono);

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
            _insert.Parameters[7].Value = entry.Boot;
            _insert.Parameters[8].Value = entry.Wall;
            _insert.Parameters[9].Value = entry.Mono;
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
        var sent = new List<long>();
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
                if (OnCurrentClock(reader.GetInt64(2), reader.GetInt64(3)))
                {
                    sent.Add(id);
                }
            }
        }

        tx.Commit();
        Apply(depth, bytes);
        sent.ForEach(CountSent);
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

    private static int Priority(MessageClass cls) => cls is MessageClass.Alarm or MessageClass.Session ? 0 : 1;

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

    private static byte[] AsArray(ReadOnlyMemory<byte> memory) =>
        MemoryMarshal.TryGetArray(memory, out ArraySegment<byte> segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : memory.ToArray();
}
