using System.Globalization;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Messaging.Outbox;

// Opening the file: the schema, the open-time integrity check, moving a damaged file aside and starting afresh,
// and loading the depth and counters the file holds.
public sealed partial class DurableOutbox
{
    /// <summary>SQLite <c>application_id</c> of an outbox file ("EGOB").</summary>
    internal const int ApplicationId = 0x45474F42;

    /// <summary>SQLite <c>user_version</c> of this schema.</summary>
    /// <remarks>2 added <c>boot</c>, <c>wall_ms</c>, <c>mono_ms</c> (a version-1 file is migrated at open; its rows get boot 0, never corrected).</remarks>
    internal const int SchemaVersion = 2;

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
            payload  BLOB    NOT NULL,
            boot     INTEGER NOT NULL DEFAULT 0,
            wall_ms  INTEGER NOT NULL DEFAULT 0,
            mono_ms  INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS outbox_drain ON outbox (priority);
        CREATE INDEX IF NOT EXISTS outbox_class ON outbox (class);
        """;

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
            MigrateFromVersion1(tx);
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

        _insert = Prepare("INSERT INTO outbox (seq, topic, class, priority, retain, size, payload, boot, wall_ms, mono_ms) VALUES ($seq, $topic, $class, $priority, $retain, $size, $payload, $boot, $wall, $mono);",
            ("$seq", SqliteType.Integer), ("$topic", SqliteType.Text), ("$class", SqliteType.Integer), ("$priority", SqliteType.Integer),
            ("$retain", SqliteType.Integer), ("$size", SqliteType.Integer), ("$payload", SqliteType.Blob),
            ("$boot", SqliteType.Integer), ("$wall", SqliteType.Integer), ("$mono", SqliteType.Integer));
        _setMeta = Prepare("UPDATE meta SET value = $value WHERE key = $key;", ("$key", SqliteType.Text), ("$value", SqliteType.Integer));
        _peek = Prepare("SELECT seq, topic, class, retain, payload FROM outbox ORDER BY priority, seq LIMIT $max;", ("$max", SqliteType.Integer));
        _deleteOne = Prepare("DELETE FROM outbox WHERE seq = $seq RETURNING class, size, boot, wall_ms - mono_ms;", ("$seq", SqliteType.Integer));
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
        StartClock();
    }

    /// <summary>A version-1 file gains the clock columns; its rows keep boot 0 (unknown), so their stamps are never moved.</summary>
    private void MigrateFromVersion1(SqliteTransaction tx)
    {
        using SqliteCommand columns = Create("SELECT count(*) FROM pragma_table_info('outbox') WHERE name = 'boot';");
        columns.Transaction = tx;
        if (Convert.ToInt64(columns.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
        {
            Execute("ALTER TABLE outbox ADD COLUMN boot INTEGER NOT NULL DEFAULT 0; ALTER TABLE outbox ADD COLUMN wall_ms INTEGER NOT NULL DEFAULT 0; ALTER TABLE outbox ADD COLUMN mono_ms INTEGER NOT NULL DEFAULT 0;", tx);
        }
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
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ClockStepThreshold, TimeSpan.Zero, nameof(options));
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
