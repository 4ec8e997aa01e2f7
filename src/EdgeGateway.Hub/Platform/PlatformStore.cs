using EdgeGateway.Hub.Persistence;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Hub.Platform;

/// <summary>An API key as stored: never its secret, only the secret's hash; the webhook secret is kept as given (the
/// hub signs with it).</summary>
internal sealed record ApiKeyRecord(
    string Id, string Company, string Name, string SecretHash, string? WebhookUrl, string? WebhookSecret,
    DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? RevokedAt);

/// <summary>An order's start as stored: its request's fingerprint, the command id sent for it (the same on every
/// attempt, so the gateway applies it once), and once the gateway answered, that answer (HTTP status and body).</summary>
internal sealed record OrderRecord(
    string Company, string OrderId, string Site, string Gateway, string Port, string Fingerprint, string CommandId,
    string? TariffJson, int? AnswerStatus, string? AnswerBody, string? SessionId, DateTimeOffset CreatedAt);

/// <summary>A closed session as the gateway reported it (contract <c>sessions</c>), with its order and cost.</summary>
internal sealed record SessionRecord(
    string Site, string Gateway, string Port, string SessionId, string? OrderId, string? Card,
    DateTimeOffset StartedTs, DateTimeOffset EndedTs, double DurationS, double EnergyWh, long? CostFen, string EndReason, string? LimitJson);

/// <summary>A webhook request to make: this event's body to this key's URL.</summary>
internal sealed record WebhookJob(long Id, string KeyId, string EventId, string EventType, string Body, int Attempts);

/// <summary>
/// The platform API's records, in <c>platform.db</c> (SQLite through <see cref="SqliteFileFormat"/>: WAL,
/// <c>synchronous = FULL</c>, so an order's answer, a session and a webhook event survive a crash the moment they are
/// written):
/// <list type="bullet">
/// <item><c>api_key</c>: the keys, hashed;</item>
/// <item><c>charge_order</c>: one row per (company, order id), the idempotency key of a start;</item>
/// <item><c>session</c>: closed sessions from the ingest path, by site, gateway and session id, with their order;</item>
/// <item><c>webhook</c>: the outbox, one row per key and event id (a second recording of an event is ignored), pending
/// until a 2xx answer, then delivered and never sent again.</item>
/// </list>
/// Thread-safe: one connection behind one lock; nothing here does network I/O.
/// </summary>
internal sealed class PlatformStore : IDisposable
{
    /// <summary>SQLite <c>application_id</c> of a platform store ("EGPS").</summary>
    internal const int ApplicationId = 0x45475053;

    internal const int SchemaVersion = 1;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS api_key (
            id             TEXT    NOT NULL PRIMARY KEY,
            company        TEXT    NOT NULL,
            name           TEXT    NOT NULL,
            secret_hash    TEXT    NOT NULL,
            webhook_url    TEXT,
            webhook_secret TEXT,
            created_ms     INTEGER NOT NULL,
            created_by     TEXT    NOT NULL,
            revoked_ms     INTEGER
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS charge_order (
            company       TEXT    NOT NULL,
            order_id      TEXT    NOT NULL,
            site          TEXT    NOT NULL,
            gateway       TEXT    NOT NULL,
            port          TEXT    NOT NULL,
            fingerprint   TEXT    NOT NULL,
            command_id    TEXT    NOT NULL,
            tariff        TEXT,
            answer_status INTEGER,
            answer_body   TEXT,
            session_id    TEXT,
            created_ms    INTEGER NOT NULL,
            PRIMARY KEY (company, order_id)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS charge_order_port ON charge_order (site, gateway, port, created_ms);
        CREATE TABLE IF NOT EXISTS session (
            site       TEXT    NOT NULL,
            gateway    TEXT    NOT NULL,
            session_id TEXT    NOT NULL,
            port       TEXT    NOT NULL,
            order_id   TEXT,
            card       TEXT,
            started_ms INTEGER NOT NULL,
            ended_ms   INTEGER NOT NULL,
            duration_s REAL    NOT NULL,
            energy_wh  REAL    NOT NULL,
            cost_fen   INTEGER,
            end_reason TEXT    NOT NULL,
            limit_json TEXT,
            PRIMARY KEY (site, gateway, session_id)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS session_ended ON session (ended_ms);
        CREATE INDEX IF NOT EXISTS session_order ON session (order_id) WHERE order_id IS NOT NULL;
        CREATE TABLE IF NOT EXISTS webhook (
            id           INTEGER PRIMARY KEY,
            key_id       TEXT    NOT NULL,
            event_id     TEXT    NOT NULL,
            event_type   TEXT    NOT NULL,
            body         TEXT    NOT NULL,
            delivered    INTEGER NOT NULL DEFAULT 0,
            attempts     INTEGER NOT NULL DEFAULT 0,
            next_ms      INTEGER NOT NULL,
            last_error   TEXT,
            sending_ms   INTEGER,
            created_ms   INTEGER NOT NULL,
            delivered_ms INTEGER,
            UNIQUE (key_id, event_id)
        );
        CREATE INDEX IF NOT EXISTS webhook_pending ON webhook (next_ms, id) WHERE delivered = 0;
        """;

    // A second hub process on the same file would deliver the same webhooks twice: refused at start.
    private static readonly SqliteFileFormat Format = new()
    {
        Kind = "platform store",
        ApplicationId = ApplicationId,
        SchemaVersion = SchemaVersion,
        Schema = Schema,
        ExclusiveLocking = true,
        BusyTimeoutSeconds = 1,
        InUseAdvice = $"give each hub instance its own {PlatformOptions.Section}:StorePath",
    };

    private readonly Lock _gate = new();
    private readonly SqliteConnection _connection;
    private bool _disposed;

    private PlatformStore(string path, SqliteConnection connection)
    {
        Path = path;
        _connection = connection;
    }

    public string Path { get; }

    public static PlatformStore Open(string path) => Format.Open(path, (fullPath, connection) => new PlatformStore(fullPath, connection));

    public void AddKey(ApiKeyRecord key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Execute(
            """
            INSERT INTO api_key (id, company, name, secret_hash, webhook_url, webhook_secret, created_ms, created_by)
            VALUES ($id, $company, $name, $hash, $url, $secret, $at, $by);
            """,
            ("$id", key.Id), ("$company", key.Company), ("$name", key.Name), ("$hash", key.SecretHash), ("$url", key.WebhookUrl),
            ("$secret", key.WebhookSecret), ("$at", key.CreatedAt.ToUnixTimeMilliseconds()), ("$by", key.CreatedBy));
    }

    /// <summary>Revokes a key; false when there is no such key or it was revoked already.</summary>
    public bool RevokeKey(string id, DateTimeOffset at) =>
        Execute("UPDATE api_key SET revoked_ms = $at WHERE id = $id AND revoked_ms IS NULL;", ("$id", id), ("$at", at.ToUnixTimeMilliseconds())) == 1;

    public ApiKeyRecord? FindKey(string id) => Query(KeySelect + " WHERE id = $id;", ReadKey, ("$id", id)).FirstOrDefault();

    public List<ApiKeyRecord> Keys() => Query(KeySelect + " ORDER BY created_ms, id;", ReadKey);

    /// <summary>The company's live keys that have a webhook: who is told of an event at one of its sites.</summary>
    public List<ApiKeyRecord> WebhookKeysOf(string company) =>
        Query(KeySelect + " WHERE company = $company AND revoked_ms IS NULL AND webhook_url IS NOT NULL ORDER BY id;", ReadKey, ("$company", company));

    /// <summary>Records an order's start before its command is sent; returns the order as stored (the earlier one when
    /// the order was recorded before).</summary>
    public OrderRecord ClaimOrder(OrderRecord order)
    {
        ArgumentNullException.ThrowIfNull(order);
        lock (_gate)
        {
            Execute(
                """
                INSERT OR IGNORE INTO charge_order (company, order_id, site, gateway, port, fingerprint, command_id, tariff, created_ms)
                VALUES ($company, $order, $site, $gateway, $port, $fingerprint, $command, $tariff, $at);
                """,
                ("$company", order.Company), ("$order", order.OrderId), ("$site", order.Site), ("$gateway", order.Gateway), ("$port", order.Port),
                ("$fingerprint", order.Fingerprint), ("$command", order.CommandId), ("$tariff", order.TariffJson), ("$at", order.CreatedAt.ToUnixTimeMilliseconds()));
            return FindOrder(order.Company, order.OrderId)!;
        }
    }

    public OrderRecord? FindOrder(string company, string orderId) =>
        Query(OrderSelect + " WHERE company = $company AND order_id = $order;", ReadOrder, ("$company", company), ("$order", orderId)).FirstOrDefault();

    /// <summary>The gateway's answer to an order's start: from now on the order answers this, whoever asks again.</summary>
    public void AnswerOrder(string company, string orderId, int status, string body, string? sessionId) =>
        Execute(
            "UPDATE charge_order SET answer_status = $status, answer_body = $body, session_id = $session WHERE company = $company AND order_id = $order AND answer_status IS NULL;",
            ("$company", company), ("$order", orderId), ("$status", status), ("$body", body), ("$session", sessionId));

    /// <summary>The order whose session this is (by the session id the gateway answered its start with).</summary>
    public OrderRecord? OrderOfSession(string site, string gateway, string sessionId) =>
        Query(OrderSelect + " WHERE site = $site AND gateway = $gateway AND session_id = $session;", ReadOrder, ("$site", site), ("$gateway", gateway), ("$session", sessionId)).FirstOrDefault();

    /// <summary>The newest order started on the port, if its session has not been reported closed.</summary>
    public OrderRecord? RunningOrder(string site, string gateway, string port) =>
        Query(
            OrderSelect + """
             WHERE site = $site AND gateway = $gateway AND port = $port AND session_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM session s WHERE s.site = charge_order.site AND s.gateway = charge_order.gateway AND s.session_id = charge_order.session_id)
             ORDER BY created_ms DESC LIMIT 1;
            """,
            ReadOrder, ("$site", site), ("$gateway", gateway), ("$port", port)).FirstOrDefault();

    /// <summary>Keeps a closed session; false when it was kept already (a message delivered twice).</summary>
    public bool AddSession(SessionRecord session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return Execute(
            """
            INSERT OR IGNORE INTO session (site, gateway, session_id, port, order_id, card, started_ms, ended_ms, duration_s, energy_wh, cost_fen, end_reason, limit_json)
            VALUES ($site, $gateway, $session, $port, $order, $card, $started, $ended, $duration, $energy, $cost, $reason, $limit);
            """,
            ("$site", session.Site), ("$gateway", session.Gateway), ("$session", session.SessionId), ("$port", session.Port), ("$order", session.OrderId),
            ("$card", session.Card), ("$started", session.StartedTs.ToUnixTimeMilliseconds()), ("$ended", session.EndedTs.ToUnixTimeMilliseconds()),
            ("$duration", session.DurationS), ("$energy", session.EnergyWh), ("$cost", session.CostFen), ("$reason", session.EndReason), ("$limit", session.LimitJson)) == 1;
    }

    /// <summary>Sessions of <paramref name="sites"/> that ended in [from, to), or of one order; oldest first, at most <paramref name="limit"/>.</summary>
    public List<SessionRecord> Sessions(IReadOnlyCollection<string> sites, DateTimeOffset from, DateTimeOffset to, string? orderId, int limit)
    {
        ArgumentNullException.ThrowIfNull(sites);
        if (sites.Count == 0)
        {
            return [];
        }

        // The company's sites as a JSON array: one parameter however many sites it runs.
        string siteList = System.Text.Json.JsonSerializer.Serialize(sites, PlatformJson.Api.IReadOnlyCollectionString);
        return Query(
            """
            SELECT site, gateway, port, session_id, order_id, card, started_ms, ended_ms, duration_s, energy_wh, cost_fen, end_reason, limit_json FROM session
            WHERE site IN (SELECT value FROM json_each($sites)) AND ended_ms >= $from AND ended_ms < $to AND ($order IS NULL OR order_id = $order)
            ORDER BY ended_ms, site, gateway, session_id LIMIT $limit;
            """,
            r => new SessionRecord(
                r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), NullableString(r, 4), NullableString(r, 5),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(7)),
                r.GetDouble(8), r.GetDouble(9), r.IsDBNull(10) ? null : r.GetInt64(10), r.GetString(11), NullableString(r, 12)),
            ("$sites", siteList), ("$from", from.ToUnixTimeMilliseconds()), ("$to", to.ToUnixTimeMilliseconds()), ("$order", orderId), ("$limit", limit));
    }

    /// <summary>Queues an event for a key's webhook; false when that key has it already (an event is recorded once per id).</summary>
    public bool Enqueue(string keyId, string eventId, string eventType, string body, DateTimeOffset now) =>
        Execute(
            "INSERT OR IGNORE INTO webhook (key_id, event_id, event_type, body, next_ms, created_ms) VALUES ($key, $event, $type, $body, $now, $now);",
            ("$key", keyId), ("$event", eventId), ("$type", eventType), ("$body", body), ("$now", now.ToUnixTimeMilliseconds())) == 1;

    /// <summary>The oldest webhook due at <paramref name="now"/>, if any.</summary>
    public WebhookJob? NextDue(DateTimeOffset now) =>
        Query(
            "SELECT id, key_id, event_id, event_type, body, attempts FROM webhook WHERE delivered = 0 AND next_ms <= $now ORDER BY next_ms, id LIMIT 1;",
            r => new WebhookJob(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetInt32(5)),
            ("$now", now.ToUnixTimeMilliseconds())).FirstOrDefault();

    /// <summary>When the next pending webhook falls due, if any is pending.</summary>
    public DateTimeOffset? NextDueTime() =>
        Query("SELECT MIN(next_ms) FROM webhook WHERE delivered = 0;", r => r.IsDBNull(0) ? (DateTimeOffset?)null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(0))).FirstOrDefault();

    /// <summary>Committed before the request leaves: a job found with it set at open was interrupted mid-request.</summary>
    public void MarkSending(long id, DateTimeOffset now) =>
        Execute("UPDATE webhook SET sending_ms = $now WHERE id = $id;", ("$id", id), ("$now", now.ToUnixTimeMilliseconds()));

    public void MarkDelivered(long id, DateTimeOffset now) =>
        Execute("UPDATE webhook SET delivered = 1, delivered_ms = $now, sending_ms = NULL, attempts = attempts + 1 WHERE id = $id;", ("$id", id), ("$now", now.ToUnixTimeMilliseconds()));

    public void MarkFailed(long id, DateTimeOffset next, string error) =>
        Execute(
            "UPDATE webhook SET attempts = attempts + 1, next_ms = $next, last_error = $error, sending_ms = NULL WHERE id = $id;",
            ("$id", id), ("$next", next.ToUnixTimeMilliseconds()), ("$error", error.Length > 500 ? error[..500] : error));

    /// <summary>Pending webhooks of keys revoked or without a webhook now: never sent (their receiver is no longer configured).</summary>
    public int DropOrphans(DateTimeOffset now) =>
        Execute(
            """
            UPDATE webhook SET delivered = 2, delivered_ms = $now WHERE delivered = 0 AND key_id NOT IN
                (SELECT id FROM api_key WHERE revoked_ms IS NULL AND webhook_url IS NOT NULL);
            """,
            ("$now", now.ToUnixTimeMilliseconds()));

    /// <summary>How many webhooks of <paramref name="keyId"/> are delivered and pending (tests, diagnostics).</summary>
    public (int Delivered, int Pending) WebhookCounts(string keyId) =>
        Query(
            "SELECT COALESCE(SUM(delivered = 1), 0), COALESCE(SUM(delivered = 0), 0) FROM webhook WHERE key_id = $key;",
            r => (r.GetInt32(0), r.GetInt32(1)), ("$key", keyId)).Single();

    public void Dispose()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _disposed = true;
                _connection.Dispose();
            }
        }
    }

    private const string KeySelect = "SELECT id, company, name, secret_hash, webhook_url, webhook_secret, created_ms, created_by, revoked_ms FROM api_key";

    private const string OrderSelect =
        "SELECT company, order_id, site, gateway, port, fingerprint, command_id, tariff, answer_status, answer_body, session_id, created_ms FROM charge_order";

    private static ApiKeyRecord ReadKey(SqliteDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), NullableString(r, 4), NullableString(r, 5),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)), r.GetString(7), r.IsDBNull(8) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(8)));

    private static OrderRecord ReadOrder(SqliteDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), NullableString(r, 7),
        r.IsDBNull(8) ? null : r.GetInt32(8), NullableString(r, 9), NullableString(r, 10), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(11)));

    private static string? NullableString(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private int Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        lock (_gate)
        {
            using SqliteCommand command = Command(sql, parameters);
            return command.ExecuteNonQuery();
        }
    }

    private List<T> Query<T>(string sql, Func<SqliteDataReader, T> read, params (string Name, object? Value)[] parameters)
    {
        lock (_gate)
        {
            using SqliteCommand command = Command(sql, parameters);
            using SqliteDataReader reader = command.ExecuteReader();
            var rows = new List<T>();
            while (reader.Read())
            {
                rows.Add(read(reader));
            }

            return rows;
        }
    }

    private SqliteCommand Command(string sql, (string Name, object? Value)[] parameters)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        SqliteCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach ((string name, object? value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }
}
