using System.Globalization;
using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Ingest;
using EdgeGateway.Hub.Storage;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Hub.WebConsole.History;

/// <summary>A port's history: power and voltage over time, its sessions and its alarms (newest first).</summary>
internal sealed record PortHistory(IReadOnlyList<PowerPoint> Series, IReadOnlyList<SessionView> Sessions, IReadOnlyList<AlarmRecord> Alarms);

/// <summary>A bin's history: fill, weight and temperature over time, and its alarms (newest first).</summary>
internal sealed record BinHistory(IReadOnlyList<FillPoint> Series, IReadOnlyList<AlarmRecord> Alarms);

/// <summary>Why history could not be read: no InfluxDB configured, or what InfluxDB (or reaching it) said.</summary>
internal sealed class HistoryUnavailableException(string message, bool notConfigured, Exception? inner = null) : Exception(message, inner)
{
    public bool NotConfigured { get; } = notConfigured;
}

/// <summary>
/// What the console reads from InfluxDB (the hub's own storage schema, README "Storage schema") over InfluxQL:
/// a port's or bin's recent series, sessions and alarms; the alarm history; the alarms still active at start. Every
/// value from a request goes through <see cref="InfluxQlClient.Literal"/>; numbers are formatted here.
/// </summary>
internal sealed class ConsoleHistory : IDisposable
{
    /// <summary>About this many points per series: enough for a chart as wide as a screen, small enough to send.</summary>
    private const int SeriesPoints = 720;

    private readonly InfluxQlClient? _client;

    public ConsoleHistory(IOptions<HubOptions> options, IHttpClientFactory httpClients)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(httpClients);
        InfluxSettings influx = options.Value.Influx;
        _client = influx.Enabled ? new InfluxQlClient(httpClients.CreateClient(InfluxQlClient.HttpClientName), influx) : null;
    }

    public bool IsConfigured => _client is not null;

    public async Task<PortHistory> PortAsync(string site, string gateway, string port, int hours, CancellationToken cancellationToken)
    {
        string where = Where(site, gateway, "port", port, hours);
        IReadOnlyList<InfluxQlRow> rows = await QueryAsync(
            // The highest power of each interval, not the mean: a short overload must not vanish from the chart.
            $"SELECT max(\"power_w\") AS \"power_w\", mean(\"voltage_v\") AS \"voltage_v\" FROM \"port\" WHERE {where} GROUP BY time({Bucket(hours)}) fill(none); " +
            $"SELECT \"session_id\", \"started_ts\", \"ended_ts\", \"duration_s\", \"energy_wh\", \"peak_power_w\", \"end_reason\", \"order_id\", \"card\", \"cost_fen\" FROM \"session\" WHERE {where} ORDER BY time DESC LIMIT 200; " +
            $"SELECT * FROM \"alarm\" WHERE {where} ORDER BY time DESC LIMIT 400",
            cancellationToken);
        return new PortHistory(
            [.. rows.Where(r => r.Measurement == "port").Select(r => new PowerPoint(r.Time, Round(r.Number("power_w")), Round(r.Number("voltage_v"))))],
            [.. rows.Where(r => r.Measurement == "session").Select(r => new SessionView(
                r.Text("session_id"),
                Timestamp(r.Text("started_ts")),
                Timestamp(r.Text("ended_ts")),
                r.Number("duration_s"),
                r.Number("energy_wh"),
                r.Number("peak_power_w"),
                r.Tag("end_reason"),
                r.Text("order_id"),
                r.Text("card"),
                r.Number("cost_fen") is { } cost ? (long)cost : null))],
            Pair(rows.Where(r => r.Measurement == "alarm")));
    }

    public async Task<BinHistory> BinAsync(string site, string gateway, string bin, int hours, CancellationToken cancellationToken)
    {
        string where = Where(site, gateway, "bin", bin, hours);
        IReadOnlyList<InfluxQlRow> rows = await QueryAsync(
            $"SELECT mean(\"fill_pct\") AS \"fill_pct\", mean(\"weight_kg\") AS \"weight_kg\", mean(\"temperature_c\") AS \"temperature_c\" FROM \"bin\" WHERE {where} GROUP BY time({Bucket(hours)}) fill(none); " +
            $"SELECT * FROM \"alarm\" WHERE {where} ORDER BY time DESC LIMIT 400",
            cancellationToken);
        return new BinHistory(
            [.. rows.Where(r => r.Measurement == "bin").Select(r => new FillPoint(r.Time, Round(r.Number("fill_pct")), Round(r.Number("weight_kg")), Round(r.Number("temperature_c"))))],
            Pair(rows.Where(r => r.Measurement == "alarm")));
    }

    /// <summary>Alarms raised or cleared between <paramref name="from"/> and <paramref name="to"/>, raise and clear paired,
    /// newest first; of <paramref name="site"/> when given, and only of <paramref name="within"/> when given (a company's
    /// sites: none is no alarm, not every alarm).</summary>
    public async Task<List<AlarmRecord>> AlarmsAsync(
        DateTimeOffset from, DateTimeOffset to, string? site, string? kind, int limit, CancellationToken cancellationToken, IReadOnlyList<string>? within = null)
    {
        if (within is not null && (within.Count == 0 || (site is not null && !within.Contains(site, StringComparer.Ordinal))))
        {
            return [];
        }

        string filter = (site is null ? "" : $" AND \"site\" = {InfluxQlClient.Literal(site)}") + (kind is null ? "" : $" AND \"kind\" = {InfluxQlClient.Literal(kind)}")
            + (site is not null || within is null ? "" : " AND (" + string.Join(" OR ", within.Select(s => $"\"site\" = {InfluxQlClient.Literal(s)}")) + ")");
        IReadOnlyList<InfluxQlRow> rows = await QueryAsync(
            string.Create(CultureInfo.InvariantCulture,
                $"SELECT * FROM \"alarm\" WHERE time >= {InfluxQlClient.Time(from)} AND time <= {InfluxQlClient.Time(to)}{filter} ORDER BY time DESC LIMIT {limit * 2}"),
            cancellationToken);
        return [.. Pair(rows).Take(limit)];
    }

    /// <summary>Every alarm raised or cleared in the last <paramref name="days"/> days (raise and clear paired).</summary>
    public async Task<List<AlarmRecord>> RecentAlarmsAsync(int days, CancellationToken cancellationToken) =>
        Pair(await QueryAsync(string.Create(CultureInfo.InvariantCulture, $"SELECT * FROM \"alarm\" WHERE time > now() - {days}d LIMIT 100000"), cancellationToken));

    public void Dispose() => _client?.Dispose();

    /// <summary>Rows of the <c>alarm</c> measurement (a raise and a clear per alarm id) as alarms, newest raise first.</summary>
    internal static List<AlarmRecord> Pair(IEnumerable<InfluxQlRow> rows)
    {
        var byId = new Dictionary<string, AlarmRecord>(StringComparer.Ordinal);
        foreach (InfluxQlRow row in rows)
        {
            if (row.Text("alarm_id") is not { Length: > 0 } id || row.Tag("site") is not { } site || row.Tag("gateway") is not { } gateway)
            {
                continue;
            }

            bool cleared = row.Tag("event") == "cleared";
            var alarm = new AlarmRecord(
                id,
                site,
                gateway,
                row.Tag("kind") ?? "",
                AlarmRecord.ParseSeverity(row.Text("severity")),
                row.Tag("source") ?? "",
                row.Number("value"),
                row.Number("threshold"),
                row.Text("unit"),
                Timestamp(row.Text("raised_ts")) ?? row.Time,
                cleared ? Timestamp(row.Text("cleared_ts")) ?? row.Time : null,
                row.Text("detail"),
                cleared ? row.Text("clear_reason") : null,
                Flapping: row.Tag("event") == "flapping" || row.Flag("flapping") == true,
                Reason: Reason(row.Text("reason")));
            if (byId.TryGetValue(id, out AlarmRecord? other))
            {
                // The raise's detail and value describe the alarm; the clear adds when and why it ended. A flapping
                // update is a second raise of the same alarm: one alarm, marked flapping.
                AlarmRecord raised = cleared ? other : alarm;
                AlarmRecord clear = cleared ? alarm : other;
                bool flapping = alarm.Flapping || other.Flapping;
                alarm = (clear.IsActive ? raised : raised with { ClearedTs = clear.ClearedTs, ClearReason = clear.ClearReason, ClearCode = clear.ClearCode }) with { Flapping = flapping };
            }

            byId[id] = alarm;
        }

        List<AlarmRecord> alarms = [.. byId.Values];
        alarms.Sort((a, b) => b.RaisedTs != a.RaisedTs ? b.RaisedTs.CompareTo(a.RaisedTs) : string.CompareOrdinal(a.AlarmId, b.AlarmId));
        return alarms;
    }

    private static string Where(string site, string gateway, string tag, string value, int hours) => string.Create(
        CultureInfo.InvariantCulture,
        $"\"site\" = {InfluxQlClient.Literal(site)} AND \"gateway\" = {InfluxQlClient.Literal(gateway)} AND {InfluxQlClient.Identifier(tag)} = {InfluxQlClient.Literal(value)} AND time > now() - {hours}h");

    private static string Bucket(int hours) => string.Create(CultureInfo.InvariantCulture, $"{Math.Max(10, hours * 3600 / SeriesPoints)}s");

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 3) : null;

    private static DateTimeOffset? Timestamp(string? text) => ContractTime.TryParse(text, out DateTimeOffset value) ? value : null;

    /// <summary>The stored reason code; none when absent (alarms written before reason codes) or unreadable.</summary>
    private static ContractReason? Reason(string? json) =>
        json is { Length: > 0 } && ContractJson.TryDeserialize(System.Text.Encoding.UTF8.GetBytes(json), out ContractReason? reason, out _) ? reason : null;

    private async Task<IReadOnlyList<InfluxQlRow>> QueryAsync(string influxQl, CancellationToken cancellationToken)
    {
        if (_client is null)
        {
            throw new HistoryUnavailableException("no InfluxDB is configured", notConfigured: true);
        }

        try
        {
            return await _client.QueryAsync(influxQl, cancellationToken);
        }
        catch (InfluxQlException exception)
        {
            throw new HistoryUnavailableException(exception.Message, notConfigured: false, exception);
        }
        catch (JsonException exception)
        {
            // A server that answers /query with something else than InfluxQL's JSON (VictoriaMetrics, a proxy's page).
            throw new HistoryUnavailableException($"the answer to /query is not InfluxQL's JSON: {exception.Message}", notConfigured: false, exception);
        }
    }
}
