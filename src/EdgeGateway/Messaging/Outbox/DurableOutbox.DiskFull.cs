using Microsoft.Data.Sqlite;

namespace EdgeGateway.Messaging.Outbox;

// A full filesystem (README.md, "Disk full"): the reserve file, disk-full mode and leaving it, letting SQLite write
// again, and the messages and acknowledgements held in memory until they can be written.
public sealed partial class DurableOutbox
{
    /// <summary>The reserve file is the outbox file's name plus this (beside <c>-wal</c> and <c>-shm</c>).</summary>
    internal const string ReserveSuffix = "-reserve";

    private const int SqliteIoErr = 10;
    private const int SqliteFull = 13;

    /// <summary>An I/O error counts as "disk full" when the filesystem has less than this left (SQLite reports some ENOSPC as SQLITE_IOERR_*).</summary>
    private const long NearlyFullBytes = 64 * 1024;

    /// <summary>Without a way to ask the filesystem for its free space, leaving disk-full mode is tried (by writing the reserve) at most this often.</summary>
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);

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
}
