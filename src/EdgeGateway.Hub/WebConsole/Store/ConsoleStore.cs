using EdgeGateway.Hub.Persistence;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Hub.WebConsole.Store;

/// <summary>An alarm acknowledged in the console: by whom (<see cref="User"/> the login, an id; <see cref="DisplayName"/>
/// the name people read, when known), when, with what comment.</summary>
internal sealed record AlarmAck(string AlarmId, string Site, string Gateway, string User, string? Role, DateTimeOffset At, string? Comment, string? DisplayName = null)
{
    /// <summary>Who acknowledged, as a person reads it: the display name, else the login.</summary>
    public string ShownName => string.IsNullOrWhiteSpace(DisplayName) ? User : DisplayName;
}

/// <summary>One line of the audit log.</summary>
internal sealed record AuditEntry(DateTimeOffset At, string User, string? Role, string Action, string? Target, string? Detail, string Result);

/// <summary>
/// The console's own records, in <c>console.db</c> (SQLite, WAL) in the hub's data directory:
/// <list type="bullet">
/// <item><c>alarm_ack</c>: one row per acknowledged alarm (site, gateway and alarm id are the key — an alarm id is unique
/// only within its gateway — so a second acknowledgement of the same alarm is refused by the database itself, also when
/// two requests race, and one gateway's alarm id never stands for another's);</item>
/// <item><c>audit</c>: every command, acknowledgement and sign-in, with its result, oldest first.</item>
/// </list>
/// InfluxDB holds what gateways said; this holds what people did. Thread-safe: one connection behind one lock.
/// </summary>
internal sealed class ConsoleStore : IDisposable
{
    /// <summary>SQLite <c>application_id</c> of a console store ("EGCS").</summary>
    internal const int ApplicationId = 0x45474353;

    internal const int SchemaVersion = 3;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS alarm_ack (
            alarm_id        TEXT    NOT NULL,
            site            TEXT    NOT NULL,
            gateway         TEXT    NOT NULL,
            user_name       TEXT    NOT NULL,
            role            TEXT,
            acknowledged_ms INTEGER NOT NULL,
            comment         TEXT,
            display_name    TEXT,
            PRIMARY KEY (site, gateway, alarm_id)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS audit (
            id        INTEGER PRIMARY KEY,
            at_ms     INTEGER NOT NULL,
            user_name TEXT    NOT NULL,
            role      TEXT,
            action    TEXT    NOT NULL,
            target    TEXT,
            detail    TEXT,
            result    TEXT    NOT NULL
        );
        """;

    /// <summary>Version 1 → 2: <c>alarm_ack</c> keyed by site, gateway and alarm id (it was keyed by alarm id alone; each
    /// row already held its site and gateway).</summary>
    private const string MigrateFrom1 = """
        CREATE TABLE alarm_ack_v2 (
            alarm_id TEXT NOT NULL, site TEXT NOT NULL, gateway TEXT NOT NULL, user_name TEXT NOT NULL, role TEXT,
            acknowledged_ms INTEGER NOT NULL, comment TEXT, PRIMARY KEY (site, gateway, alarm_id)
        ) WITHOUT ROWID;
        INSERT INTO alarm_ack_v2 SELECT alarm_id, site, gateway, user_name, role, acknowledged_ms, comment FROM alarm_ack;
        DROP TABLE alarm_ack;
        ALTER TABLE alarm_ack_v2 RENAME TO alarm_ack;
        """;

    /// <summary>Version 2 → 3: the acknowledging user's display name beside the login (null in the rows before it, shown
    /// as the login).</summary>
    private const string MigrateFrom2 = "ALTER TABLE alarm_ack ADD COLUMN display_name TEXT;";

    // An acknowledgement is also sent to the gateway: it must not vanish from the console on a power cut (the format's
    // synchronous = FULL).
    private static readonly SqliteFileFormat Format = new()
    {
        Kind = "console store",
        ApplicationId = ApplicationId,
        SchemaVersion = SchemaVersion,
        Schema = Schema,
        Migrations = new Dictionary<int, string> { [1] = MigrateFrom1, [2] = MigrateFrom2 },
        BusyTimeoutSeconds = 5,
    };

    private readonly Lock _gate = new();
    private readonly SqliteConnection _connection;
    private bool _disposed;

    private ConsoleStore(string path, SqliteConnection connection)
    {
        Path = path;
        _connection = connection;
    }

    public string Path { get; }

    /// <summary>Opens (or creates) the console store at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidOperationException">The file is not a console store, or of a newer schema.</exception>
    public static ConsoleStore Open(string path) => Format.Open(path, (fullPath, connection) => new ConsoleStore(fullPath, connection));

    /// <summary>Records an acknowledgement; false (nothing changed) when the alarm was acknowledged already.</summary>
    public bool TryAcknowledge(AlarmAck ack)
    {
        ArgumentNullException.ThrowIfNull(ack);
        lock (_gate)
        {
            using SqliteCommand command = Command("""
                INSERT OR IGNORE INTO alarm_ack (alarm_id, site, gateway, user_name, role, acknowledged_ms, comment, display_name)
                VALUES ($alarm_id, $site, $gateway, $user, $role, $at, $comment, $display_name);
                """);
            command.Parameters.AddWithValue("$alarm_id", ack.AlarmId);
            command.Parameters.AddWithValue("$site", ack.Site);
            command.Parameters.AddWithValue("$gateway", ack.Gateway);
            command.Parameters.AddWithValue("$user", ack.User);
            command.Parameters.AddWithValue("$role", (object?)ack.Role ?? DBNull.Value);
            command.Parameters.AddWithValue("$at", ack.At.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$comment", (object?)ack.Comment ?? DBNull.Value);
            command.Parameters.AddWithValue("$display_name", (object?)ack.DisplayName ?? DBNull.Value);
            return command.ExecuteNonQuery() == 1;
        }
    }

    /// <summary>Takes back an acknowledgement that could not be sent to the gateway.</summary>
    public void Withdraw(AlarmAck ack)
    {
        ArgumentNullException.ThrowIfNull(ack);
        lock (_gate)
        {
            using SqliteCommand command = Command(
                "DELETE FROM alarm_ack WHERE site = $site AND gateway = $gateway AND alarm_id = $alarm_id AND user_name = $user AND acknowledged_ms = $at;");
            command.Parameters.AddWithValue("$site", ack.Site);
            command.Parameters.AddWithValue("$gateway", ack.Gateway);
            command.Parameters.AddWithValue("$alarm_id", ack.AlarmId);
            command.Parameters.AddWithValue("$user", ack.User);
            command.Parameters.AddWithValue("$at", ack.At.ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
        }
    }

    /// <summary>The acknowledgement of the gateway's alarm <paramref name="alarmId"/>, if it has one.</summary>
    public AlarmAck? FindAck(string site, string gateway, string alarmId) =>
        FindAcks([(site, gateway, alarmId)]).Values.SingleOrDefault();

    /// <summary>The acknowledgements of these alarms (those that have one), by site, gateway and alarm id.</summary>
    public Dictionary<(string Site, string Gateway, string AlarmId), AlarmAck> FindAcks(IEnumerable<(string Site, string Gateway, string AlarmId)> alarms)
    {
        ArgumentNullException.ThrowIfNull(alarms);
        var found = new Dictionary<(string Site, string Gateway, string AlarmId), AlarmAck>();
        lock (_gate)
        {
            using SqliteCommand command = Command("""
                SELECT alarm_id, site, gateway, user_name, role, acknowledged_ms, comment, display_name FROM alarm_ack
                WHERE site = $site AND gateway = $gateway AND alarm_id = $alarm_id;
                """);
            SqliteParameter site = command.Parameters.Add("$site", SqliteType.Text);
            SqliteParameter gateway = command.Parameters.Add("$gateway", SqliteType.Text);
            SqliteParameter id = command.Parameters.Add("$alarm_id", SqliteType.Text);
            foreach ((string Site, string Gateway, string AlarmId) alarm in alarms.Distinct())
            {
                (site.Value, gateway.Value, id.Value) = alarm;
                using SqliteDataReader reader = command.ExecuteReader();
                if (reader.Read())
                {
                    found[alarm] = ReadAck(reader);
                }
            }
        }

        return found;
    }

    public void Audit(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            using SqliteCommand command = Command("""
                INSERT INTO audit (at_ms, user_name, role, action, target, detail, result)
                VALUES ($at, $user, $role, $action, $target, $detail, $result);
                """);
            command.Parameters.AddWithValue("$at", entry.At.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$user", entry.User);
            command.Parameters.AddWithValue("$role", (object?)entry.Role ?? DBNull.Value);
            command.Parameters.AddWithValue("$action", entry.Action);
            command.Parameters.AddWithValue("$target", (object?)entry.Target ?? DBNull.Value);
            command.Parameters.AddWithValue("$detail", (object?)entry.Detail ?? DBNull.Value);
            command.Parameters.AddWithValue("$result", entry.Result);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>The newest <paramref name="limit"/> audit entries, newest first.</summary>
    public List<AuditEntry> RecentAudit(int limit)
    {
        var entries = new List<AuditEntry>();
        lock (_gate)
        {
            using SqliteCommand command = Command("SELECT at_ms, user_name, role, action, target, detail, result FROM audit ORDER BY id DESC LIMIT $limit;");
            command.Parameters.AddWithValue("$limit", limit);
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                entries.Add(new AuditEntry(
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)),
                    reader.GetString(1),
                    reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5),
                    reader.GetString(6)));
            }
        }

        return entries;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _connection.Dispose();
        }
    }

    private static AlarmAck ReadAck(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.GetString(3),
        reader.IsDBNull(4) ? null : reader.GetString(4),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
        reader.IsDBNull(6) ? null : reader.GetString(6),
        reader.IsDBNull(7) ? null : reader.GetString(7));

    private SqliteCommand Command(string sql)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        SqliteCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }
}
