using EdgeGateway.Hub.Persistence;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Hub.Upgrades;

/// <summary>
/// The rollouts, in one SQLite file (<see cref="UpgradeOptions.Path"/>) that every hub instance on the host may open:
/// <c>rollout</c> (one row per rollout: version, state, current stage) and <c>rollout_gateway</c> (one row per gateway:
/// its stage, state, reason and download token). Each change is one statement, durable when it returns (WAL, synchronous
/// FULL): a hub restart resumes every rollout where it stood.
/// </summary>
internal sealed class RolloutStore : IDisposable
{
    /// <summary>SQLite <c>application_id</c> of a rollout database ("EGUP").</summary>
    internal const int ApplicationId = 0x45475550;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS rollout (
            id         TEXT    NOT NULL PRIMARY KEY,
            version    TEXT    NOT NULL,
            state      TEXT    NOT NULL,
            stage      INTEGER NOT NULL,
            stages     INTEGER NOT NULL,
            created_ms INTEGER NOT NULL,
            created_by TEXT    NOT NULL,
            note       TEXT
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS rollout_gateway (
            rollout_id TEXT    NOT NULL,
            site       TEXT    NOT NULL,
            gateway    TEXT    NOT NULL,
            stage      INTEGER NOT NULL,
            state      TEXT    NOT NULL,
            reason     TEXT,
            token      TEXT    NOT NULL UNIQUE,
            updated_ms INTEGER,
            PRIMARY KEY (rollout_id, site, gateway)
        ) WITHOUT ROWID;
        """;

    private static readonly SqliteFileFormat Format = new()
    {
        Kind = "rollout database",
        ApplicationId = ApplicationId,
        SchemaVersion = 1,
        Schema = Schema,
        BusyTimeoutSeconds = 10,
    };

    private readonly Lock _gate = new();
    private readonly SqliteConnection _connection;

    private RolloutStore(SqliteConnection connection) => _connection = connection;

    /// <summary>Opens (or creates) the rollout database at <paramref name="path"/>.</summary>
    public static RolloutStore Open(string path) => Format.Open(path, (_, connection) => new RolloutStore(connection));

    public void Add(Rollout rollout)
    {
        ArgumentNullException.ThrowIfNull(rollout);
        lock (_gate)
        {
            using SqliteTransaction tx = _connection.BeginTransaction(deferred: false);
            Execute(tx, "INSERT INTO rollout VALUES ($id, $version, $state, $stage, $stages, $created, $by, $note)",
                ("$id", rollout.Id), ("$version", rollout.Version), ("$state", Wire(rollout.State)), ("$stage", rollout.Stage), ("$stages", rollout.Stages),
                ("$created", rollout.CreatedTs.ToUnixTimeMilliseconds()), ("$by", rollout.CreatedBy), ("$note", rollout.Note));
            foreach (GatewayUpgrade gateway in rollout.Gateways)
            {
                Execute(tx, "INSERT INTO rollout_gateway VALUES ($id, $site, $gw, $stage, $state, $reason, $token, NULL)",
                    ("$id", rollout.Id), ("$site", gateway.Site), ("$gw", gateway.Gateway), ("$stage", gateway.Stage), ("$state", Wire(gateway.State)),
                    ("$reason", gateway.Reason), ("$token", gateway.Token));
            }

            tx.Commit();
        }
    }

    /// <summary>Every rollout, newest first, with its gateways.</summary>
    public IReadOnlyList<Rollout> All()
    {
        lock (_gate)
        {
            var gateways = new Dictionary<string, List<GatewayUpgrade>>(StringComparer.Ordinal);
            using (SqliteCommand command = _connection.CreateCommand())
            {
                command.CommandText = "SELECT rollout_id, site, gateway, stage, state, reason, token, updated_ms FROM rollout_gateway ORDER BY rollout_id, stage, site, gateway";
                using SqliteDataReader reader = command.ExecuteReader();
                while (reader.Read())
                {
                    string id = reader.GetString(0);
                    if (!gateways.TryGetValue(id, out List<GatewayUpgrade>? list))
                    {
                        gateways[id] = list = [];
                    }

                    list.Add(new GatewayUpgrade(reader.GetString(1), reader.GetString(2), reader.GetInt32(3), Enum.Parse<GatewayUpgradeState>(reader.GetString(4), ignoreCase: true),
                        reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetString(6), reader.IsDBNull(7) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7))));
                }
            }

            var rollouts = new List<Rollout>();
            using (SqliteCommand command = _connection.CreateCommand())
            {
                command.CommandText = "SELECT id, version, state, stage, stages, created_ms, created_by, note FROM rollout ORDER BY created_ms DESC, id";
                using SqliteDataReader reader = command.ExecuteReader();
                while (reader.Read())
                {
                    string id = reader.GetString(0);
                    rollouts.Add(new Rollout(id, reader.GetString(1), Enum.Parse<RolloutState>(reader.GetString(2), ignoreCase: true), reader.GetInt32(3), reader.GetInt32(4),
                        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)), reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7),
                        gateways.TryGetValue(id, out List<GatewayUpgrade>? list) ? list : []));
                }
            }

            return rollouts;
        }
    }

    public Rollout? Find(string id) => All().FirstOrDefault(r => r.Id == id);

    /// <summary>The rollout and gateway a download token was given to; null when no gateway has it.</summary>
    public (Rollout Rollout, GatewayUpgrade Gateway)? FindToken(string token)
    {
        foreach (Rollout rollout in All())
        {
            if (rollout.Gateways.FirstOrDefault(g => string.Equals(g.Token, token, StringComparison.Ordinal)) is { } gateway)
            {
                return (rollout, gateway);
            }
        }

        return null;
    }

    public void SetGateway(string rollout, string site, string gateway, GatewayUpgradeState state, string? reason, DateTimeOffset at)
    {
        lock (_gate)
        {
            Execute(null, "UPDATE rollout_gateway SET state = $state, reason = $reason, updated_ms = $at WHERE rollout_id = $id AND site = $site AND gateway = $gw",
                ("$state", Wire(state)), ("$reason", reason), ("$at", at.ToUnixTimeMilliseconds()), ("$id", rollout), ("$site", site), ("$gw", gateway));
        }
    }

    public void SetRollout(string rollout, RolloutState state, int stage, string? note)
    {
        lock (_gate)
        {
            Execute(null, "UPDATE rollout SET state = $state, stage = $stage, note = $note WHERE id = $id",
                ("$state", Wire(state)), ("$stage", stage), ("$note", note), ("$id", rollout));
        }
    }

    public void Dispose() => _connection.Dispose();

    private static string Wire<T>(T value)
        where T : struct, Enum => value.ToString();

    private void Execute(SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        using SqliteCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        foreach ((string name, object? value) in parameters)
        {
            command.Parameters.AddWithValue(name, value is int i ? (long)i : value ?? DBNull.Value);
        }

        command.ExecuteNonQuery();
    }
}
