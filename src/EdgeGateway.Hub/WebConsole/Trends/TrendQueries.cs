using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Hub.Storage;

namespace EdgeGateway.Hub.WebConsole.Trends;

/// <summary>
/// The console's usage trends, read with InfluxQL over <c>/query</c> from the hub's storage schema
/// (src/EdgeGateway.Hub/README.md, "Storage schema"). Every query and what it means is in README.md in this folder.
/// Site names from a request only ever enter a query through <see cref="InfluxQlClient.Literal"/>, times through
/// <see cref="InfluxQlClient.Time"/>; everything else in a query is a constant of this class.
/// </summary>
internal sealed partial class TrendQueries : IDisposable
{
    /// <summary>Day buckets: <c>time(1d)</c> starts days at 00:00 UTC; -8h starts them at 00:00 China Standard Time (16:00 UTC).</summary>
    internal const string ByDay = "time(1d, -8h)";

    /// <summary>Week buckets: <c>time(1w)</c> starts weeks on Thursday 00:00 UTC (the Unix epoch's weekday); -80h
    /// (3 days 8 hours) starts them on Monday 00:00 China Standard Time (Sunday 16:00 UTC), as ISO weeks do.</summary>
    internal const string ByWeek = "time(1w, -80h)";

    /// <summary>How long after a collection fill_at_collection still looks for the first <c>bin_state</c> reporting it.</summary>
    internal static readonly TimeSpan CollectionReportWindow = TimeSpan.FromDays(1);

    private const string Charging = "charging";

    /// <summary>
    /// A session that protection cut within this long of its start (an overload, a short circuit, a resistive load …
    /// seen in the first seconds) was no charge: it is left out of <c>session_length</c> and counted by
    /// <c>sessions_cut_at_start</c> instead (README.md in this folder).
    /// </summary>
    internal static readonly TimeSpan CutAtStart = TimeSpan.FromSeconds(60);

    /// <summary>The end reasons that are protection cutting a session (not the user, the charger or an operator).</summary>
    internal static readonly IReadOnlyList<SessionEndReason> ProtectionCuts =
    [
        SessionEndReason.Overload, SessionEndReason.ShortCircuit, SessionEndReason.MaliciousLoad, SessionEndReason.ShedOverload,
        SessionEndReason.OverTemperature, SessionEndReason.Smoke, SessionEndReason.SensorFault, SessionEndReason.RelayFault,
    ];

    /// <summary><c>/^(overload|short_circuit|…)$/</c> over the <c>end_reason</c> tag (wire names are [a-z_]: nothing to escape).</summary>
    private static readonly string ProtectionCutPattern = $"/^({string.Join('|', ProtectionCuts.Select(r => r.WireName()))})$/";

    private static readonly string CutSeconds = CutAtStart.TotalSeconds.ToString(CultureInfo.InvariantCulture);

    private static readonly TrendProblem Disabled =
        new(TrendProblemKind.NotConfigured, "Hub:Influx:Enabled is false (--influx-url none): no InfluxDB to query");

    /// <summary>Null when <c>Hub:Influx:Enabled</c> is false: every answer is then <see cref="Disabled"/>, nothing is asked.</summary>
    private readonly InfluxQlClient? _client;
    private readonly ILogger<TrendQueries> _logger;

    public TrendQueries(InfluxSettings influx, IHttpClientFactory httpClients, ILogger<TrendQueries> logger)
    {
        ArgumentNullException.ThrowIfNull(influx);
        ArgumentNullException.ThrowIfNull(httpClients);
        _client = influx.Enabled ? new InfluxQlClient(httpClients.CreateClient(InfluxQlClient.HttpClientName), influx) : null;
        _logger = logger;
    }

    /// <summary>The InfluxQL that lists every site with stored points.</summary>
    internal static string SitesQuery { get; } =
        "SHOW TAG VALUES FROM " + string.Join(", ", ContractPoints.Measurements) + " WITH KEY = \"site\"";

    /// <summary>Every site any of the hub's measurements has a point for, sorted.</summary>
    public async Task<TrendSites> SitesAsync(CancellationToken cancellationToken)
    {
        if (_client is null)
        {
            return new TrendSites([], Disabled);
        }

        try
        {
            IReadOnlyList<InfluxQlRow> rows = await _client.QueryAsync(SitesQuery, cancellationToken);
            var sites = new SortedSet<string>(StringComparer.Ordinal);
            foreach (InfluxQlRow row in rows)
            {
                if (!ContractPoints.Measurements.Contains(row.Measurement, StringComparer.Ordinal) || row.Text("value") is not { } site)
                {
                    throw NotInfluxQl(row);
                }

                sites.Add(site);
            }

            return new TrendSites([.. sites], null);
        }
        catch (Exception exception) when (Problem(exception) is { } problem)
        {
            LogUnavailable("sites", problem.Kind, problem.Detail);
            return new TrendSites([], problem);
        }
    }

    /// <summary>
    /// A trend over a range, for the given sites (none: all). A site without points in the range has no series;
    /// every series has a point for every day, week or hour of the range.
    /// </summary>
    public async Task<TrendData> ReadAsync(TrendDefinition trend, TrendRange range, IReadOnlyList<string> sites, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trend);
        ArgumentNullException.ThrowIfNull(sites);
        if (_client is null)
        {
            return TrendData.Unavailable(Disabled);
        }

        string query = InfluxQl(trend, range, sites);
        try
        {
            IReadOnlyList<InfluxQlRow> rows = await _client.QueryAsync(query, cancellationToken);
            string measurement = Measurement(trend);
            foreach (InfluxQlRow row in rows)
            {
                if (!string.Equals(row.Measurement, measurement, StringComparison.Ordinal) || !row.Values.ContainsKey("time"))
                {
                    throw NotInfluxQl(row);
                }
            }

            IReadOnlyList<TrendSeries> series = trend.Name switch
            {
                "utilisation" => UtilisationSeries(rows, range),
                "start_hour_profile" => StartHourSeries(rows),
                "fill_at_collection" => FillAtCollectionSeries(rows, range),
                _ => BucketSeries(trend, rows, range),
            };
            return new TrendData(series, null);
        }
        catch (Exception exception) when (Problem(exception) is { } problem)
        {
            LogUnavailable(trend.Name, problem.Kind, problem.Detail);
            return TrendData.Unavailable(problem);
        }
    }

    /// <summary>The InfluxQL a trend runs (one or two statements).</summary>
    internal static string InfluxQl(TrendDefinition trend, TrendRange range, IReadOnlyList<string> sites)
    {
        ArgumentNullException.ThrowIfNull(trend);
        DateTimeOffset start = range.Start;
        DateTimeOffset end = range.End;
        return trend.Name switch
        {
            "energy_per_day" =>
                $"SELECT sum(energy_wh) / 1000 AS y FROM session {Where(start, end, sites)} GROUP BY {ByDay}, site fill(none)",
            "sessions_per_day" =>
                $"SELECT count(duration_s) AS y FROM session {Where(start, end, sites)} GROUP BY {ByDay}, site fill(none)",
            "session_length" =>
                $"SELECT mean(duration_s) / 60 AS y FROM session {Where(start, end, sites, $"(duration_s >= {CutSeconds} OR end_reason !~ {ProtectionCutPattern})")} GROUP BY {ByDay}, site fill(none)",
            "sessions_cut_at_start" =>
                $"SELECT count(duration_s) AS y FROM session {Where(start, end, sites, $"duration_s < {CutSeconds} AND end_reason =~ {ProtectionCutPattern}")} GROUP BY {ByDay}, site fill(none)",
            "utilisation" =>
                $"SELECT count(state) AS total FROM port {Where(start, end, sites)} GROUP BY {ByDay}, site fill(none); "
                + $"SELECT count(state) AS charging FROM port {Where(start, end, sites, "state = " + InfluxQlClient.Literal(Charging))} GROUP BY {ByDay}, site fill(none)",
            "start_hour_profile" =>
                $"SELECT started_ts, duration_s FROM session {Where(start, end, sites)} GROUP BY site",
            "alarms_per_week" =>
                $"SELECT count(alarm_id) AS y FROM alarm {Where(start, end, sites, "event = 'raised'")} GROUP BY {ByWeek}, kind fill(none)",
            "bin_overflows" =>
                $"SELECT count(alarm_id) AS y FROM alarm {Where(start, end, sites, "event = 'raised' AND kind = 'bin_overflow'")} GROUP BY {ByWeek}, site fill(none)",
            "fill_at_collection" =>
                $"SELECT last_collected_ts, fill_at_last_collection_pct FROM bin_state {Where(start, end + CollectionReportWindow, sites)} GROUP BY site, gateway, bin",
            _ => throw new ArgumentException($"no query for trend {trend.Name}", nameof(trend)),
        };
    }

    public void Dispose() => _client?.Dispose();

    private static string Measurement(TrendDefinition trend) => trend.Name switch
    {
        "utilisation" => ContractPoints.Port,
        "alarms_per_week" or "bin_overflows" => ContractPoints.Alarm,
        "fill_at_collection" => ContractPoints.BinState,
        _ => ContractPoints.Session,
    };

    /// <summary><c>WHERE [condition AND] time &gt;= start AND time &lt; end [AND (site = '…' OR …)]</c>.</summary>
    private static string Where(DateTimeOffset start, DateTimeOffset end, IReadOnlyList<string> sites, string? condition = null)
    {
        var where = new StringBuilder("WHERE ");
        if (condition is not null)
        {
            where.Append(condition).Append(" AND ");
        }

        where.Append("time >= ").Append(InfluxQlClient.Time(start)).Append(" AND time < ").Append(InfluxQlClient.Time(end));
        if (sites.Count > 0)
        {
            where.Append(" AND (").AppendJoin(" OR ", sites.Select(site => "site = " + InfluxQlClient.Literal(site))).Append(')');
        }

        return where.ToString();
    }

    /// <summary>Series of <c>y</c> per day or week bucket, keyed by the site or kind tag.</summary>
    private static IReadOnlyList<TrendSeries> BucketSeries(TrendDefinition trend, IReadOnlyList<InfluxQlRow> rows, TrendRange range)
    {
        string tag = trend.Key == TrendSeriesKey.Kind ? "kind" : "site";
        var values = new SortedDictionary<string, Dictionary<string, double>>(StringComparer.Ordinal);
        foreach (InfluxQlRow row in rows)
        {
            string key = row.Tag(tag) ?? "";
            if (row.Number("y") is { } y)
            {
                Bucket(values, key)[X(trend.Axis, row.Time)] = y;
            }
        }

        return [.. values.Select(pair => Series(trend, pair.Key, Points(trend, range, pair.Value)))];
    }

    /// <summary>Charging telemetry points over all telemetry points, per site and day, in percent.</summary>
    private static List<TrendSeries> UtilisationSeries(IReadOnlyList<InfluxQlRow> rows, TrendRange range)
    {
        var totals = new SortedDictionary<string, Dictionary<string, double>>(StringComparer.Ordinal);
        var charging = new Dictionary<string, Dictionary<string, double>>(StringComparer.Ordinal);
        foreach (InfluxQlRow row in rows)
        {
            string site = row.Tag("site") ?? "";
            string day = X(TrendAxis.Day, row.Time);
            if (row.Number("total") is { } total)
            {
                Bucket(totals, site)[day] = total;
            }
            else if (row.Number("charging") is { } count)
            {
                Bucket(charging, site)[day] = count;
            }
        }

        var series = new List<TrendSeries>();
        foreach ((string site, Dictionary<string, double> perDay) in totals)
        {
            Dictionary<string, double> charged = charging.GetValueOrDefault(site) ?? [];
            var shares = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach ((string day, double total) in perDay)
            {
                if (total > 0)
                {
                    shares[day] = 100 * charged.GetValueOrDefault(day) / total;
                }
            }

            series.Add(Series(TrendCatalog.Utilisation, site, Points(TrendCatalog.Utilisation, range, shares)));
        }

        return series;
    }

    /// <summary>Sessions per hour of the day (CST) they started, from <c>started_ts</c> (or the point's time minus
    /// <c>duration_s</c> where <c>started_ts</c> is not a contract timestamp).</summary>
    private static IReadOnlyList<TrendSeries> StartHourSeries(IReadOnlyList<InfluxQlRow> rows)
    {
        var counts = new SortedDictionary<string, Dictionary<string, double>>(StringComparer.Ordinal);
        foreach (InfluxQlRow row in rows)
        {
            DateTimeOffset started;
            if (ContractTime.TryParse(row.Text("started_ts"), out DateTimeOffset parsed))
            {
                started = parsed;
            }
            else if (row.Number("duration_s") is { } duration && double.IsFinite(duration) && duration >= 0)
            {
                started = row.Time - TimeSpan.FromSeconds(duration);
            }
            else
            {
                continue;
            }

            Dictionary<string, double> perHour = Bucket(counts, row.Tag("site") ?? "");
            string hour = X(TrendAxis.HourOfDay, started);
            perHour[hour] = perHour.GetValueOrDefault(hour) + 1;
        }

        return [.. counts.Select(pair => Series(TrendCatalog.StartHourProfile, pair.Key, Points(TrendCatalog.StartHourProfile, default, pair.Value)))];
    }

    /// <summary>
    /// Mean fill at collection per site and day of the collection (CST). Each <c>bin_state</c> message repeats the
    /// last collection's time and fill, so the collections are the distinct (gateway, bin, <c>last_collected_ts</c>):
    /// each counts once, with the fill of the first message that reported it.
    /// </summary>
    private static IReadOnlyList<TrendSeries> FillAtCollectionSeries(IReadOnlyList<InfluxQlRow> rows, TrendRange range)
    {
        var collections = new Dictionary<(string Site, string Gateway, string Bin, DateTimeOffset At), double>();
        foreach (InfluxQlRow row in rows.OrderBy(row => row.Time))
        {
            if (ContractTime.TryParse(row.Text("last_collected_ts"), out DateTimeOffset collected)
                && row.Number("fill_at_last_collection_pct") is { } fill
                && DayInRange(TrendRange.DayOf(collected), range))
            {
                collections.TryAdd((row.Tag("site") ?? "", row.Tag("gateway") ?? "", row.Tag("bin") ?? "", collected), fill);
            }
        }

        var sums = new SortedDictionary<string, Dictionary<string, (double Sum, int Count)>>(StringComparer.Ordinal);
        foreach (((string site, _, _, DateTimeOffset at), double fill) in collections)
        {
            if (!sums.TryGetValue(site, out Dictionary<string, (double Sum, int Count)>? perDay))
            {
                perDay = new Dictionary<string, (double Sum, int Count)>(StringComparer.Ordinal);
                sums[site] = perDay;
            }

            string day = X(TrendAxis.Day, at);
            (double sum, int count) = perDay.GetValueOrDefault(day);
            perDay[day] = (sum + fill, count + 1);
        }

        return [.. sums.Select(pair => Series(
            TrendCatalog.FillAtCollection,
            pair.Key,
            Points(TrendCatalog.FillAtCollection, range, pair.Value.ToDictionary(day => day.Key, day => day.Value.Sum / day.Value.Count, StringComparer.Ordinal))))];
    }

    private static bool DayInRange(DateOnly day, TrendRange range) => day >= range.From && day <= range.To;

    private static Dictionary<string, double> Bucket<TMap>(TMap map, string key)
        where TMap : IDictionary<string, Dictionary<string, double>>
    {
        if (!map.TryGetValue(key, out Dictionary<string, double>? bucket))
        {
            bucket = new Dictionary<string, double>(StringComparer.Ordinal);
            map[key] = bucket;
        }

        return bucket;
    }

    private static TrendSeries Series(TrendDefinition trend, string key, IReadOnlyList<TrendPoint> points) =>
        trend.Key == TrendSeriesKey.Kind ? new TrendSeries(null, key, null, points) : new TrendSeries(key, null, null, points);

    /// <summary>A point for every x of the range, in order: the value where there is one, else 0 or null (<see cref="TrendGap"/>).</summary>
    private static TrendPoint[] Points(TrendDefinition trend, TrendRange range, Dictionary<string, double> values)
    {
        double? gap = trend.Gap == TrendGap.Zero ? 0 : null;
        return [.. Xs(trend.Axis, range).Select(x => new TrendPoint(x, values.TryGetValue(x, out double y) ? Math.Round(y, 3) : gap))];
    }

    /// <summary>Every x value of a range: its days, the ISO weeks it touches, or the 24 hours.</summary>
    internal static IEnumerable<string> Xs(TrendAxis axis, TrendRange range)
    {
        switch (axis)
        {
            case TrendAxis.HourOfDay:
                for (int hour = 0; hour < 24; hour++)
                {
                    yield return hour.ToString("D2", CultureInfo.InvariantCulture);
                }

                break;
            case TrendAxis.Week:
                for (DateOnly monday = TrendRange.MondayOf(range.From); monday <= range.To; monday = monday.AddDays(7))
                {
                    yield return TrendRange.WeekLabel(monday);
                }

                break;
            default:
                for (DateOnly day = range.From; day <= range.To; day = day.AddDays(1))
                {
                    yield return TrendRange.DayText(day);
                }

                break;
        }
    }

    /// <summary>The x value an instant falls on (CST).</summary>
    private static string X(TrendAxis axis, DateTimeOffset instant) => axis switch
    {
        TrendAxis.HourOfDay => instant.ToOffset(TrendRange.ChinaOffset).Hour.ToString("D2", CultureInfo.InvariantCulture),
        TrendAxis.Week => TrendRange.WeekLabel(TrendRange.MondayOf(TrendRange.DayOf(instant))),
        _ => TrendRange.DayText(TrendRange.DayOf(instant)),
    };

    private static InvalidDataException NotInfluxQl(InfluxQlRow row) =>
        new($"/query answered with series '{row.Measurement}' (columns {string.Join(", ", row.Values.Keys)}), not InfluxQL results for the hub's measurements");

    /// <summary>What keeps a query from being answered; null for anything else (a bug, cancellation: not caught).</summary>
    private static TrendProblem? Problem(Exception exception) => exception switch
    {
        InfluxQlException { Unreachable: true } e => new TrendProblem(TrendProblemKind.Unreachable, e.Message),
        InfluxQlException e => new TrendProblem(TrendProblemKind.Refused, e.Message, e.Message),
        InvalidDataException e => new TrendProblem(TrendProblemKind.NotInfluxQl, e.Message),
        JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException =>
            new TrendProblem(TrendProblemKind.NotInfluxQl, "/query answered with something other than InfluxQL results: " + exception.Message),
        _ => null,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trend {Trend} unavailable ({Problem}): {Detail}")]
    private partial void LogUnavailable(string trend, TrendProblemKind problem, string detail);
}
