using System.Globalization;
using System.Security.Cryptography;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Persistence;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Hub.Cards;

/// <summary>A prepaid card as the hub keeps it; <see cref="BalanceFen"/> is the sum of its ledger.</summary>
internal sealed record Card(
    string Uid, string Reference, string Company, long BalanceFen, bool Blocked,
    DateTimeOffset IssuedAt, string IssuedBy, DateTimeOffset UpdatedAt, string UpdatedBy);

/// <summary>One change of a card's balance: the ledger is append-only and a card's balance is its sum.</summary>
internal sealed record CardLedgerEntry(
    long Seq, string Reference, string Kind, long AmountFen, long BalanceFen, DateTimeOffset At, string By,
    string? Site, string? Gateway, string? SessionId, string? Comment);

/// <summary>A card session the hub reconciled: applied to a card, or unmatched (kept, with the reason, for a person).</summary>
internal sealed record CardSpend(
    string Site, string Gateway, string SessionId, string? Company, string Card, long CostFen, bool Applied, string? Reason, DateTimeOffset At);

/// <summary>What a console change of a card did.</summary>
internal enum CardChangeOutcome
{
    Done,
    NotFound,
    DuplicateUid,
    DuplicateReference,

    /// <summary>The balance would leave ±<see cref="ChargeLimit.MaxAmountFen"/> (what a card list may carry).</summary>
    BalanceLimit,
}

/// <summary>What reconciling one card session did.</summary>
internal enum CardSpendOutcome
{
    /// <summary>Deducted from the card now.</summary>
    Applied,

    /// <summary>Recorded as unmatched now (unknown card, another company's card, no company, no cost).</summary>
    Unmatched,

    /// <summary>This (site, gateway, session id) was reconciled before: nothing done.</summary>
    Duplicate,
}

/// <summary>A list the store numbered for one gateway: its revision and the bytes to publish.</summary>
internal sealed record NumberedCardList(string Site, string Gateway, long Revision, byte[] Payload);

/// <summary>
/// The prepaid cards (刷卡充电), in one SQLite file (<see cref="CardOptions.Path"/>) that every hub instance on the host
/// opens: <c>card</c> (one row per card: UID, reference, company, balance, blocked), <c>card_ledger</c> (append-only: every
/// issue, top-up, session spend and adjustment with the balance after it), <c>card_session</c> (every card session
/// reconciled, keyed by site, gateway and session id: the key that makes a spend apply once, whichever instance and
/// however often the record comes), and <c>card_list</c> (per gateway the last list's revision, content hash and bytes).
/// Every change is one <c>BEGIN IMMEDIATE</c> transaction that reads, decides and writes, so two instances are decided
/// one after the other.
/// </summary>
internal sealed class CardStore : IDisposable
{
    /// <summary>SQLite <c>application_id</c> of a card database ("EGCA").</summary>
    internal const int ApplicationId = 0x45474341;

    internal const int SchemaVersion = 1;

    internal const string Issue = "issue";
    internal const string TopUp = "top_up";
    internal const string Spend = "spend";
    internal const string Adjustment = "adjustment";

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS card (
            uid         TEXT    NOT NULL PRIMARY KEY,
            company     TEXT    NOT NULL,
            reference   TEXT    NOT NULL,
            balance_fen INTEGER NOT NULL,
            blocked     INTEGER NOT NULL,
            issued_ms   INTEGER NOT NULL,
            issued_by   TEXT    NOT NULL,
            updated_ms  INTEGER NOT NULL,
            updated_by  TEXT    NOT NULL,
            UNIQUE (company, reference)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS card_ledger (
            seq         INTEGER PRIMARY KEY AUTOINCREMENT,
            company     TEXT    NOT NULL,
            reference   TEXT    NOT NULL,
            kind        TEXT    NOT NULL,
            amount_fen  INTEGER NOT NULL,
            balance_fen INTEGER NOT NULL,
            at_ms       INTEGER NOT NULL,
            by_user     TEXT    NOT NULL,
            site        TEXT,
            gateway     TEXT,
            session_id  TEXT,
            comment     TEXT
        );
        CREATE INDEX IF NOT EXISTS card_ledger_by_card ON card_ledger (company, reference, seq);
        CREATE TABLE IF NOT EXISTS card_session (
            seq        INTEGER PRIMARY KEY AUTOINCREMENT,
            site       TEXT    NOT NULL,
            gateway    TEXT    NOT NULL,
            session_id TEXT    NOT NULL,
            company    TEXT,
            card       TEXT    NOT NULL,
            cost_fen   INTEGER NOT NULL,
            applied    INTEGER NOT NULL,
            reason     TEXT,
            at_ms      INTEGER NOT NULL,
            UNIQUE (site, gateway, session_id)
        );
        CREATE INDEX IF NOT EXISTS card_session_by_gateway ON card_session (site, gateway, applied, seq);
        CREATE INDEX IF NOT EXISTS card_session_by_card ON card_session (company, card, seq);
        CREATE TABLE IF NOT EXISTS card_list (
            site     TEXT    NOT NULL,
            gateway  TEXT    NOT NULL,
            revision INTEGER NOT NULL,
            hash     BLOB    NOT NULL,
            payload  BLOB    NOT NULL,
            made_ms  INTEGER NOT NULL,
            PRIMARY KEY (site, gateway)
        ) WITHOUT ROWID;
        """;

    // Shared by processes (not EXCLUSIVE); the wait for the other instance's transaction is bounded by busy_timeout.
    private static readonly SqliteFileFormat Format = new()
    {
        Kind = "card database",
        ApplicationId = ApplicationId,
        SchemaVersion = SchemaVersion,
        Schema = Schema,
        BusyTimeoutSeconds = 10,
    };

    private readonly Lock _gate = new();
    private readonly SqliteConnection _connection;
    private bool _disposed;

    private CardStore(string path, SqliteConnection connection)
    {
        Path = path;
        _connection = connection;
    }

    public string Path { get; }

    /// <summary>Opens (or creates) the card database at <paramref name="path"/>; other processes may have it open too.</summary>
    /// <exception cref="InvalidOperationException">The file is not a card database, or of a newer schema.</exception>
    public static CardStore Open(string path) => Format.Open(path, (fullPath, connection) => new CardStore(fullPath, connection));

    /// <summary>Issues a card with its opening balance (the ledger's first entry). The UID is unique across companies
    /// (one physical card), the reference within the company.</summary>
    public CardChangeOutcome IssueCard(string company, string uid, string reference, long openingFen, string by, DateTimeOffset at)
    {
        lock (_gate)
        {
            using SqliteTransaction tx = _connection.BeginTransaction(deferred: false);
            if (Exists("SELECT 1 FROM card WHERE uid = $a;", uid, null, tx))
            {
                return CardChangeOutcome.DuplicateUid;
            }

            if (Exists("SELECT 1 FROM card WHERE company = $a AND reference = $b;", company, reference, tx))
            {
                return CardChangeOutcome.DuplicateReference;
            }

            using (SqliteCommand insert = Command("""
                INSERT INTO card (uid, company, reference, balance_fen, blocked, issued_ms, issued_by, updated_ms, updated_by)
                VALUES ($uid, $company, $reference, 0, 0, $at, $by, $at, $by);
                """, tx))
            {
                insert.Parameters.AddWithValue("$uid", uid);
                insert.Parameters.AddWithValue("$company", company);
                insert.Parameters.AddWithValue("$reference", reference);
                insert.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
                insert.Parameters.AddWithValue("$by", by);
                insert.ExecuteNonQuery();
            }

            Post(company, reference, Issue, openingFen, at, by, null, null, null, null, tx);
            tx.Commit();
            return CardChangeOutcome.Done;
        }
    }

    /// <summary>Adds <paramref name="amountFen"/> to a card's balance (a top-up: positive; an adjustment: either sign).</summary>
    public CardChangeOutcome Credit(string company, string reference, string kind, long amountFen, string by, DateTimeOffset at, string? comment = null)
    {
        lock (_gate)
        {
            using SqliteTransaction tx = _connection.BeginTransaction(deferred: false);
            long balance;
            using (SqliteCommand read = Command("SELECT balance_fen FROM card WHERE company = $company AND reference = $reference;", tx))
            {
                read.Parameters.AddWithValue("$company", company);
                read.Parameters.AddWithValue("$reference", reference);
                if (read.ExecuteScalar() is not long found)
                {
                    return CardChangeOutcome.NotFound;
                }

                balance = found;
            }

            if (Math.Abs(balance + amountFen) > ChargeLimit.MaxAmountFen)
            {
                return CardChangeOutcome.BalanceLimit;
            }

            Post(company, reference, kind, amountFen, at, by, null, null, null, comment, tx);
            tx.Commit();
            return CardChangeOutcome.Done;
        }
    }

    /// <summary>Blocks or unblocks a card (no ledger entry: no money moves).</summary>
    public CardChangeOutcome SetBlocked(string company, string reference, bool blocked, string by, DateTimeOffset at)
    {
        lock (_gate)
        {
            using SqliteCommand update = Command(
                "UPDATE card SET blocked = $blocked, updated_ms = $at, updated_by = $by WHERE company = $company AND reference = $reference;", null);
            update.Parameters.AddWithValue("$blocked", blocked ? 1 : 0);
            update.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
            update.Parameters.AddWithValue("$by", by);
            update.Parameters.AddWithValue("$company", company);
            update.Parameters.AddWithValue("$reference", reference);
            return update.ExecuteNonQuery() == 0 ? CardChangeOutcome.NotFound : CardChangeOutcome.Done;
        }
    }

    /// <summary>
    /// Reconciles one card session of <paramref name="site"/>'s gateway: once per (site, gateway, session id), in one
    /// transaction with the deduction, so a record delivered again, to this instance or the other, deducts nothing more.
    /// The card must be of <paramref name="company"/> (the company that runs the site); otherwise, or without a cost, the
    /// session is kept as unmatched with the reason. A blocked card is still charged:
    /// the session ran.
    /// </summary>
    public (CardSpendOutcome Outcome, string? Reason) ApplySpend(
        string site, string gateway, string sessionId, string? company, string card, long? costFen, DateTimeOffset at)
    {
        lock (_gate)
        {
            using SqliteTransaction tx = _connection.BeginTransaction(deferred: false);
            if (Exists("SELECT 1 FROM card_session WHERE site = $a AND gateway = $b AND session_id = $c;", site, gateway, tx, sessionId))
            {
                return (CardSpendOutcome.Duplicate, null);
            }

            string? reason = company is null ? "the site is not in the registry: no company"
                : costFen is null ? "the session record carries no cost and the site has no tariff"
                : !Exists("SELECT 1 FROM card WHERE company = $a AND reference = $b;", company, card, tx)
                    ? (Exists("SELECT 1 FROM card WHERE reference = $a;", card, null, tx) ? "the card belongs to another company" : "no such card")
                : null;
            using (SqliteCommand insert = Command("""
                INSERT INTO card_session (site, gateway, session_id, company, card, cost_fen, applied, reason, at_ms)
                VALUES ($site, $gateway, $session, $company, $card, $cost, $applied, $reason, $at);
                """, tx))
            {
                insert.Parameters.AddWithValue("$site", site);
                insert.Parameters.AddWithValue("$gateway", gateway);
                insert.Parameters.AddWithValue("$session", sessionId);
                insert.Parameters.AddWithValue("$company", (object?)company ?? DBNull.Value);
                insert.Parameters.AddWithValue("$card", card);
                insert.Parameters.AddWithValue("$cost", costFen ?? 0);
                insert.Parameters.AddWithValue("$applied", reason is null ? 1 : 0);
                insert.Parameters.AddWithValue("$reason", (object?)reason ?? DBNull.Value);
                insert.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
                insert.ExecuteNonQuery();
            }

            if (reason is null)
            {
                Post(company!, card, Spend, -costFen!.Value, at, "system", site, gateway, sessionId, null, tx);
            }

            tx.Commit();
            return (reason is null ? CardSpendOutcome.Applied : CardSpendOutcome.Unmatched, reason);
        }
    }

    /// <summary>The cards of <paramref name="company"/> (every company's when null), by reference.</summary>
    public List<Card> Cards(string? company)
    {
        lock (_gate)
        {
            return CardsIn(company, null);
        }
    }

    public Card? Find(string company, string reference)
    {
        lock (_gate)
        {
            using SqliteCommand command = Command(CardColumns + " WHERE company = $company AND reference = $reference;", null);
            command.Parameters.AddWithValue("$company", company);
            command.Parameters.AddWithValue("$reference", reference);
            using SqliteDataReader reader = command.ExecuteReader();
            return reader.Read() ? ReadCard(reader) : null;
        }
    }

    /// <summary>A card's ledger, newest first.</summary>
    public List<CardLedgerEntry> Ledger(string company, string reference, int limit = 200)
    {
        lock (_gate)
        {
            using SqliteCommand command = Command("""
                SELECT seq, reference, kind, amount_fen, balance_fen, at_ms, by_user, site, gateway, session_id, comment
                FROM card_ledger WHERE company = $company AND reference = $reference ORDER BY seq DESC LIMIT $limit;
                """, null);
            command.Parameters.AddWithValue("$company", company);
            command.Parameters.AddWithValue("$reference", reference);
            command.Parameters.AddWithValue("$limit", limit);
            var entries = new List<CardLedgerEntry>();
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                entries.Add(new CardLedgerEntry(
                    reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)), reader.GetString(6), Text(reader, 7), Text(reader, 8), Text(reader, 9), Text(reader, 10)));
            }

            return entries;
        }
    }

    /// <summary>The sum of a card's ledger (what its balance must equal).</summary>
    public long LedgerSum(string company, string reference)
    {
        lock (_gate)
        {
            using SqliteCommand command = Command("SELECT COALESCE(SUM(amount_fen), 0) FROM card_ledger WHERE company = $company AND reference = $reference;", null);
            command.Parameters.AddWithValue("$company", company);
            command.Parameters.AddWithValue("$reference", reference);
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Reconciled card sessions, newest first: of one card (<paramref name="card"/>), or the unmatched ones of
    /// <paramref name="sites"/> (every site's when null).</summary>
    public List<CardSpend> Spends(string? company, string? card, bool unmatchedOnly, IReadOnlyList<string>? sites, int limit = 200)
    {
        lock (_gate)
        {
            using SqliteCommand command = Command("", null);
            var conditions = new List<string>();
            if (card is not null)
            {
                conditions.Add("company = $company AND card = $card");
                command.Parameters.AddWithValue("$company", (object?)company ?? DBNull.Value);
                command.Parameters.AddWithValue("$card", card);
            }

            if (unmatchedOnly)
            {
                conditions.Add("applied = 0");
            }

            if (sites is not null)
            {
                var names = new List<string>();
                for (int i = 0; i < sites.Count; i++)
                {
                    string name = "$site" + i.ToString(CultureInfo.InvariantCulture);
                    names.Add(name);
                    command.Parameters.AddWithValue(name, sites[i]);
                }

                conditions.Add(names.Count == 0 ? "0" : $"site IN ({string.Join(", ", names)})");
            }

            command.CommandText = "SELECT site, gateway, session_id, company, card, cost_fen, applied, reason, at_ms FROM card_session"
                + (conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions)) + " ORDER BY seq DESC LIMIT $limit;";
            command.Parameters.AddWithValue("$limit", limit);
            var spends = new List<CardSpend>();
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                spends.Add(new CardSpend(
                    reader.GetString(0), reader.GetString(1), reader.GetString(2), Text(reader, 3), reader.GetString(4), reader.GetInt64(5),
                    reader.GetInt64(6) == 1, Text(reader, 7), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8))));
            }

            return spends;
        }
    }

    /// <summary>
    /// The list of <paramref name="site"/>/<paramref name="gateway"/> now, numbered: <paramref name="compose"/> makes its
    /// content from <paramref name="company"/>'s cards and the gateway's newest applied sessions as this transaction reads
    /// them; a content equal to the last list's keeps its revision (and bytes), another gets the next revision. The read,
    /// the numbering and the write are one <c>BEGIN IMMEDIATE</c> transaction, so revisions only increase, survive
    /// restarts, and two instances never give one revision two contents: the later content has the higher revision.
    /// </summary>
    public (NumberedCardList List, bool Changed) NumberList(
        string site, string gateway, string company, Func<IReadOnlyList<Card>, IReadOnlyList<string>, long, byte[]> compose, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(compose);
        lock (_gate)
        {
            using SqliteTransaction tx = _connection.BeginTransaction(deferred: false);
            List<Card> cards = CardsIn(company, tx);
            List<string> applied = AppliedSessions(site, gateway, CardListMessage.MaxAppliedSessions, tx);
            // The content without revision and time: what decides whether the gateway needs a new list.
            byte[] hash = SHA256.HashData(compose(cards, applied, 0));
            long revision = 0;
            using (SqliteCommand read = Command("SELECT revision, hash, payload FROM card_list WHERE site = $site AND gateway = $gateway;", tx))
            {
                read.Parameters.AddWithValue("$site", site);
                read.Parameters.AddWithValue("$gateway", gateway);
                using SqliteDataReader reader = read.ExecuteReader();
                if (reader.Read())
                {
                    revision = reader.GetInt64(0);
                    if (((byte[])reader.GetValue(1)).AsSpan().SequenceEqual(hash))
                    {
                        return (new NumberedCardList(site, gateway, revision, (byte[])reader.GetValue(2)), false);
                    }
                }
            }

            byte[] payload = compose(cards, applied, revision + 1);
            using (SqliteCommand write = Command("""
                INSERT INTO card_list (site, gateway, revision, hash, payload, made_ms) VALUES ($site, $gateway, $revision, $hash, $payload, $at)
                ON CONFLICT (site, gateway) DO UPDATE SET revision = excluded.revision, hash = excluded.hash, payload = excluded.payload, made_ms = excluded.made_ms;
                """, tx))
            {
                write.Parameters.AddWithValue("$site", site);
                write.Parameters.AddWithValue("$gateway", gateway);
                write.Parameters.AddWithValue("$revision", revision + 1);
                write.Parameters.AddWithValue("$hash", hash);
                write.Parameters.AddWithValue("$payload", payload);
                write.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
                write.ExecuteNonQuery();
            }

            tx.Commit();
            return (new NumberedCardList(site, gateway, revision + 1, payload), true);
        }
    }

    /// <summary>The newest numbered list of a gateway (either instance's), or null when none was ever made.</summary>
    public NumberedCardList? LatestList(string site, string gateway)
    {
        lock (_gate)
        {
            using SqliteCommand read = Command("SELECT revision, payload FROM card_list WHERE site = $site AND gateway = $gateway;", null);
            read.Parameters.AddWithValue("$site", site);
            read.Parameters.AddWithValue("$gateway", gateway);
            using SqliteDataReader reader = read.ExecuteReader();
            return reader.Read() ? new NumberedCardList(site, gateway, reader.GetInt64(0), (byte[])reader.GetValue(1)) : null;
        }
    }

    /// <summary>
    /// SQLite's <c>data_version</c> of this store's connection: it changes when another connection — the other hub
    /// instance on the file — commits, never for this connection's own writes (sqlite.org/pragma.html#pragma_data_version).
    /// </summary>
    public long WrittenByOthers()
    {
        lock (_gate)
        {
            using SqliteCommand read = Command("PRAGMA data_version;", null);
            return (long)read.ExecuteScalar()!;
        }
    }

    /// <summary>Every gateway a list was ever made for.</summary>
    public List<(string Site, string Gateway)> ListedGateways()
    {
        lock (_gate)
        {
            using SqliteCommand read = Command("SELECT site, gateway FROM card_list ORDER BY site, gateway;", null);
            var gateways = new List<(string, string)>();
            using SqliteDataReader reader = read.ExecuteReader();
            while (reader.Read())
            {
                gateways.Add((reader.GetString(0), reader.GetString(1)));
            }

            return gateways;
        }
    }

    /// <summary>The newest <paramref name="limit"/> session ids applied to cards for this gateway, newest first.</summary>
    public List<string> AppliedSessions(string site, string gateway, int limit)
    {
        lock (_gate)
        {
            return AppliedSessions(site, gateway, limit, null);
        }
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

    private const string CardColumns = "SELECT uid, reference, company, balance_fen, blocked, issued_ms, issued_by, updated_ms, updated_by FROM card";

    private List<Card> CardsIn(string? company, SqliteTransaction? tx)
    {
        using SqliteCommand command = Command(CardColumns + (company is null ? "" : " WHERE company = $company") + " ORDER BY company, reference;", tx);
        if (company is not null)
        {
            command.Parameters.AddWithValue("$company", company);
        }

        var cards = new List<Card>();
        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            cards.Add(ReadCard(reader));
        }

        return cards;
    }

    private List<string> AppliedSessions(string site, string gateway, int limit, SqliteTransaction? tx)
    {
        using SqliteCommand command = Command(
            "SELECT session_id FROM card_session WHERE site = $site AND gateway = $gateway AND applied = 1 ORDER BY seq DESC LIMIT $limit;", tx);
        command.Parameters.AddWithValue("$site", site);
        command.Parameters.AddWithValue("$gateway", gateway);
        command.Parameters.AddWithValue("$limit", limit);
        var ids = new List<string>();
        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private static Card ReadCard(SqliteDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4) != 0,
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)), reader.GetString(6),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)), reader.GetString(8));

    private static string? Text(SqliteDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);

    /// <summary>Appends a ledger entry and moves the card's balance by the same amount, in <paramref name="tx"/>.</summary>
    private void Post(string company, string reference, string kind, long amountFen, DateTimeOffset at, string by, string? site, string? gateway, string? sessionId, string? comment, SqliteTransaction tx)
    {
        using (SqliteCommand update = Command("""
            UPDATE card SET balance_fen = balance_fen + $amount, updated_ms = $at, updated_by = $by WHERE company = $company AND reference = $reference;
            """, tx))
        {
            update.Parameters.AddWithValue("$amount", amountFen);
            update.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
            update.Parameters.AddWithValue("$by", by);
            update.Parameters.AddWithValue("$company", company);
            update.Parameters.AddWithValue("$reference", reference);
            update.ExecuteNonQuery();
        }

        using SqliteCommand insert = Command("""
            INSERT INTO card_ledger (company, reference, kind, amount_fen, balance_fen, at_ms, by_user, site, gateway, session_id, comment)
            SELECT $company, $reference, $kind, $amount, balance_fen, $at, $by, $site, $gateway, $session, $comment
            FROM card WHERE company = $company AND reference = $reference;
            """, tx);
        insert.Parameters.AddWithValue("$company", company);
        insert.Parameters.AddWithValue("$reference", reference);
        insert.Parameters.AddWithValue("$kind", kind);
        insert.Parameters.AddWithValue("$amount", amountFen);
        insert.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
        insert.Parameters.AddWithValue("$by", by);
        insert.Parameters.AddWithValue("$site", (object?)site ?? DBNull.Value);
        insert.Parameters.AddWithValue("$gateway", (object?)gateway ?? DBNull.Value);
        insert.Parameters.AddWithValue("$session", (object?)sessionId ?? DBNull.Value);
        insert.Parameters.AddWithValue("$comment", (object?)comment ?? DBNull.Value);
        insert.ExecuteNonQuery();
    }

    private bool Exists(string sql, string a, string? b, SqliteTransaction? tx, string? c = null)
    {
        using SqliteCommand command = Command(sql, tx);
        command.Parameters.AddWithValue("$a", a);
        if (b is not null)
        {
            command.Parameters.AddWithValue("$b", b);
        }

        if (c is not null)
        {
            command.Parameters.AddWithValue("$c", c);
        }

        return command.ExecuteScalar() is not null;
    }

    private SqliteCommand Command(string sql, SqliteTransaction? tx)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        SqliteCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        return command;
    }
}
