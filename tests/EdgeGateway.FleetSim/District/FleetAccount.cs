using System.Globalization;
using System.Text.Json;
using EdgeGateway.FleetSim.Fleet;
using EdgeGateway.Testing.Http;
using EdgeGateway.Testing.Servers;

namespace EdgeGateway.FleetSim.District;

/// <summary>One gateway's messages: what its outbox numbered, what its bound thinned, what InfluxDB holds.</summary>
internal sealed record GatewayAccount(string Key, long Sent, long Thinned, long Stored, long StoredDistinct, long LeftInOutbox)
{
    /// <summary>Numbers neither stored nor reported thinned.</summary>
    public long Lost => Math.Max(0, Sent - Thinned - StoredDistinct - LeftInOutbox);

    public long Duplicated => Stored - StoredDistinct;
}

/// <summary>
/// The exact accounting at the end of a scenario: every seq of every gateway (from each outbox's own counter) against
/// the points InfluxDB holds (<c>count(seq)</c> and <c>count(distinct(seq))</c> per gateway over every measurement),
/// every alarm and session the gateways raised or closed (from their event streams) against the stored ones, and
/// every notifiable alarm against the notices the webhook received. A notice received more than once is doubled
/// unless the hubs logged, for that alarm, at least as many attempts whose outcome they could not know — one under way
/// when a hub stopped (a SIGKILL between the receiver's answer and the ledger's commit), or one the receiver did not
/// answer within the request timeout (it may have taken the request all the same) — as there are repeats: those are
/// the at-least-once rule, each carried with the same idempotency key (<see cref="Repeats"/>).
/// </summary>
internal sealed partial record FleetAccount(
    IReadOnlyList<GatewayAccount> Gateways,
    int AlarmsRaised,
    int AlarmsStored,
    IReadOnlyList<string> AlarmsMissing,
    int ClearsRaised,
    IReadOnlyList<string> ClearsMissing,
    int Sessions,
    IReadOnlyList<string> SessionsMissing,
    int Notifiable,
    IReadOnlyList<string> NoticesMissing,
    IReadOnlyList<string> NoticesDuplicated,
    IReadOnlyList<string> NoticesResent,
    long HubRecordedMissing)
{
    /// <summary>The measurements that carry a gateway's numbered messages (the hub's README, "Schema").</summary>
    public static readonly string[] Measurements = ["port", "port_state", "bin", "bin_state", "alarm", "session", "gateway"];

    /// <summary>Kinds the hub notifies by default (Notifications README).</summary>
    public static readonly string[] NotifiableKinds = ["port_overload", "shed_overload", "port_short_circuit", "port_malicious_load", "smoke", "over_temperature", "bin_fire", "bin_overflow"];

    public long Sent => Gateways.Sum(g => g.Sent);

    public long Thinned => Gateways.Sum(g => g.Thinned);

    public long Stored => Gateways.Sum(g => g.StoredDistinct);

    public long Lost => Gateways.Sum(g => g.Lost);

    public long Duplicated => Gateways.Sum(g => g.Duplicated);

    public long LeftInOutbox => Gateways.Sum(g => g.LeftInOutbox);

    /// <summary>Nothing lost, nothing doubled, every alarm, clear, session and notice where it belongs.</summary>
    public bool IsExact => Lost == 0 && Duplicated == 0 && AlarmsMissing.Count == 0 && ClearsMissing.Count == 0
        && SessionsMissing.Count == 0 && NoticesMissing.Count == 0 && NoticesDuplicated.Count == 0;

    public static async Task<FleetAccount> TakeAsync(
        InfluxDbServer influx, string database, FleetLedger ledger, LoopbackReceiver webhook, IReadOnlyDictionary<string, int> uncertainAttempts, DateTimeOffset since, CancellationToken cancellationToken)
    {
        string window = string.Create(CultureInfo.InvariantCulture, $"time >= {since.AddHours(-1).ToUnixTimeMilliseconds()}ms");
        var stored = new Dictionary<string, (long N, long Distinct)>(StringComparer.Ordinal);
        foreach (string measurement in Measurements)
        {
            // The Last Will carries seq 0 (composed at connect time); it is not a numbered message.
            InfluxQueryResult counts = await influx.QueryAsync(database,
                $"SELECT count(\"seq\") AS n, count(distinct(\"seq\")) AS d FROM \"{measurement}\" WHERE {window} AND \"seq\" > 0 GROUP BY \"site\", \"gateway\"", longQuery: true, cancellationToken);
            foreach (InfluxSeries series in counts.Series)
            {
                string key = $"{series.Tags["site"]}/{series.Tags["gateway"]}";
                IReadOnlyDictionary<string, JsonElement> row = series.Rows[0];
                (long n, long d) = stored.GetValueOrDefault(key);
                stored[key] = (n + row["n"].GetInt64(), d + row["d"].GetInt64());
            }
        }

        var gateways = new List<GatewayAccount>();
        foreach (FleetLedger.Gateway gateway in ledger.Gateways)
        {
            (long n, long d) = stored.GetValueOrDefault(gateway.Key);
            long sent = gateway.Outbox?.LastSeq ?? 0;
            long thinned = (gateway.Outbox?.ThinnedTotal ?? 0) + (gateway.Outbox?.SupersededStatesTotal ?? 0);
            gateways.Add(new GatewayAccount(gateway.Key, sent, thinned, n, d, gateway.Outbox?.Depth ?? 0));
        }

        HashSet<string> raisedStored = await IdsAsync(influx, database, $"SELECT \"alarm_id\" FROM \"alarm\" WHERE {window} AND \"event\" = 'raised'", "alarm_id", cancellationToken);
        HashSet<string> clearedStored = await IdsAsync(influx, database, $"SELECT \"alarm_id\" FROM \"alarm\" WHERE {window} AND \"event\" = 'cleared'", "alarm_id", cancellationToken);
        HashSet<string> sessionsStored = await IdsAsync(influx, database, $"SELECT \"session_id\" FROM \"session\" WHERE {window}", "session_id", cancellationToken);
        string[] raised = [.. ledger.Gateways.SelectMany(g => g.AlarmsRaised)];
        string[] cleared = [.. ledger.Gateways.SelectMany(g => g.AlarmsCleared)];
        string[] sessions = [.. ledger.Gateways.SelectMany(g => g.Sessions)];

        string[] notifiable = [.. ledger.Gateways.SelectMany(g => g.Kinds).Where(k => NotifiableKinds.Contains(k.Value, StringComparer.Ordinal)).Select(k => k.Key)];
        var notices = RaisedNotices(webhook).GroupBy(n => n.AlarmId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        (IReadOnlyList<string> doubled, IReadOnlyList<string> resent) = Repeats(notices, uncertainAttempts);

        InfluxQueryResult gaps = await influx.QueryAsync(database, $"SELECT sum(\"seq_missing\") AS missing FROM \"gateway\" WHERE {window}", longQuery: true, cancellationToken);
        long hubMissing = gaps.Rows.Count == 0 || gaps.Rows[0]["missing"].ValueKind != JsonValueKind.Number ? 0 : gaps.Rows[0]["missing"].GetInt64();

        return new FleetAccount(
            gateways,
            raised.Length,
            raised.Count(raisedStored.Contains),
            [.. raised.Where(id => !raisedStored.Contains(id))],
            cleared.Length,
            [.. cleared.Where(id => !clearedStored.Contains(id))],
            sessions.Length,
            [.. sessions.Where(id => !sessionsStored.Contains(id))],
            notifiable.Length,
            [.. notifiable.Where(id => !notices.ContainsKey(id))],
            doubled,
            resent,
            hubMissing);
    }

    /// <summary>
    /// The alarms whose raised notice arrived more than once, split: <c>Resent</c> where every repeat is matched by an
    /// attempt of unknown outcome the hubs logged for that alarm (<paramref name="uncertainAttempts"/>), <c>Doubled</c>
    /// where there are more repeats than that — a notice sent again after an attempt the hub knew had failed or had
    /// succeeded is a defect.
    /// </summary>
    public static (IReadOnlyList<string> Doubled, IReadOnlyList<string> Resent) Repeats(IReadOnlyDictionary<string, int> received, IReadOnlyDictionary<string, int> uncertainAttempts)
    {
        var doubled = new List<string>();
        var resent = new List<string>();
        foreach ((string alarm, int count) in received.Where(r => r.Value > 1).OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            (count - 1 <= uncertainAttempts.GetValueOrDefault(alarm) ? resent : doubled).Add(alarm);
        }

        return (doubled, resent);
    }

    /// <summary>
    /// Per alarm, the attempts at its raised notice whose outcome the hub could not know, from the hubs' log lines
    /// (NotificationDelivery): "was being sent when the hub stopped", and "failed (attempt N): no answer within".
    /// </summary>
    public static Dictionary<string, int> UncertainAttempts(IEnumerable<string> hubLines) =>
        hubLines.Select(line => UncertainAttempt().Match(line))
            .Where(match => match.Success)
            .GroupBy(match => match.Groups["alarm"].Value, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    [System.Text.RegularExpressions.GeneratedRegex(@"Notice Raised of alarm (?<alarm>\S+) via channel \S+ (was being sent when the hub stopped|failed \(attempt \d+\): no answer within)")]
    private static partial System.Text.RegularExpressions.Regex UncertainAttempt();

    /// <summary>The "raised" notices the webhook received: alarm id and arrival (wall clock).</summary>
    public static IEnumerable<(string AlarmId, DateTimeOffset ReceivedAt)> RaisedNotices(LoopbackReceiver webhook) =>
        webhook.On("/alarms")
            .Select(r => (Request: r, Body: r.Json))
            .Where(x => x.Body.GetProperty("notice").GetString() == "raised")
            .Select(x => (x.Body.GetProperty("alarm").GetProperty("alarm_id").GetString()!, x.Request.ReceivedAt));

    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"sent {Sent}, thinned {Thinned}, stored {Stored}, lost {Lost}, duplicated {Duplicated}, left in outboxes {LeftInOutbox}; " +
        $"alarms {AlarmsRaised} raised / {AlarmsStored} stored / {AlarmsMissing.Count} missing; clears {ClearsRaised} / {ClearsMissing.Count} missing; " +
        $"sessions {Sessions} / {SessionsMissing.Count} missing; notices {Notifiable} due / {NoticesMissing.Count} missing / {NoticesDuplicated.Count} doubled / {NoticesResent.Count} resent after an attempt of unknown outcome (a killed hub, no answer in time); hub-recorded gaps {HubRecordedMissing}");

    private static async Task<HashSet<string>> IdsAsync(InfluxDbServer influx, string database, string query, string column, CancellationToken cancellationToken)
    {
        InfluxQueryResult result = await influx.QueryAsync(database, query, longQuery: true, cancellationToken);
        return [.. result.Rows.Where(r => r[column].ValueKind == JsonValueKind.String).Select(r => r[column].GetString()!)];
    }
}
