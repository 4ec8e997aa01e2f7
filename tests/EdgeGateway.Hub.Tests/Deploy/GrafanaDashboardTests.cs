using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Storage;
using EdgeGateway.Hub.Tests.WebConsole.Trends;
using EdgeGateway.Testing.Servers;

namespace EdgeGateway.Hub.Tests.Deploy;

/// <summary>
/// deploy/grafana's dashboards, without a Grafana (none runs on this machine): every InfluxQL panel query, with
/// Grafana's macros expanded as Grafana expands them, runs against a real InfluxDB 1.6 holding contract messages
/// stored exactly as the hub stores them, and answers with data; a day's energy is the sum of that China-time day's
/// sessions; every Prometheus query names only metrics the hub's README documents (which
/// <c>HubHealthTests</c> checks against a live <c>/metrics</c>); every panel uses one of the import's data sources.
/// </summary>
[Trait("Category", "Servers")]
public sealed partial class GrafanaDashboardTests(SeededInflux influx) : IClassFixture<SeededInflux>, IAsyncLifetime
{
    private static readonly string[] Dashboards = ["deploy/grafana/edgegateway-district.json", "deploy/grafana/edgegateway-operator.json"];

    // Status and bin telemetry besides the trend seed, so that the operator's panels and the bin panel have rows.
    private static readonly ContractMessage[] Extra =
    [
        Status(TrendSeed.SiteA, 1, online: true, outbox: 0, TrendSeed.Cst(11, 2, 9)),
        Status(TrendSeed.SiteA, 2, online: true, outbox: 40, TrendSeed.Cst(11, 2, 10)),
        Status(TrendSeed.SiteA, 0, online: false, outbox: 0, TrendSeed.Cst(11, 2, 11)),
        Status(TrendSeed.SiteB, 3, online: true, outbox: 2, TrendSeed.Cst(11, 3, 9)),
        new BinTelemetryMessage
        {
            Seq = 4, Ts = TrendSeed.Cst(11, 3, 9), Site = TrendSeed.SiteA, Gateway = "gw-01", Bin = "B1", Class = "recyclable", FillPct = 72,
            LidOpen = false, Tilted = false,
        },
    ];

    public async Task InitializeAsync()
    {
        // ... and a seq gap the hub gave up on, and a message whose clock the hub found implausible.
        IEnumerable<string> lines = Extra.Select(m => ContractPoints.From(m, m.Ts).ToLineProtocol())
            .Append(ContractPoints.SeqGap(TrendSeed.SiteB, "gw-01", 7, 9, TrendSeed.Cst(11, 3, 10)).ToLineProtocol())
            .Append(ContractPoints.From(Extra[3] with { Seq = 10, Ts = TrendSeed.Cst(11, 3, 11) }, TrendSeed.Cst(11, 3, 11), TrendSeed.Cst(11, 3, 4), "ts").ToLineProtocol());
        await influx.Server.WriteLinesAsync(TrendSeed.Database, string.Join("\n", lines), precision: "ns");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Every_InfluxQL_panel_query_runs_against_the_hub_schema_and_answers_with_rows()
    {
        var empty = new List<string>();
        foreach ((string dashboard, string panel, string query) in Targets("influxdb"))
        {
            string expanded = Expand(query);
            InfluxQueryResult result;
            try
            {
                result = await influx.Server.QueryAsync(TrendSeed.Database, expanded);
            }
            catch (InfluxDbException e)
            {
                throw new Xunit.Sdk.XunitException($"{dashboard} «{panel}»: InfluxDB refused {expanded}: {e.Message}");
            }

            if (result.Rows.Count == 0)
            {
                empty.Add($"{dashboard} «{panel}»: {expanded}");
            }
        }

        Assert.True(empty.Count == 0, "queries that found nothing in data that has every measurement:\n" + string.Join("\n", empty));
    }

    [Fact]
    public async Task Energy_per_day_sums_the_sessions_that_ended_on_each_China_time_day()
    {
        string query = Targets("influxdb").Single(t => t.Panel.Contains("Energy per day", StringComparison.Ordinal)).Query;

        InfluxQueryResult result = await influx.Server.QueryAsync(TrendSeed.Database, Expand(query));

        // TrendSeed: site A's sessions ended 2 Nov 23:30 (300 Wh), 3 Nov 00:30 and 10:00 (150 + 500 Wh), 4 Nov 00:10 CST (1000 Wh).
        var days = result.Series.Single(s => s.Tags["site"] == TrendSeed.SiteA).Rows
            .ToDictionary(r => DateTimeOffset.FromUnixTimeMilliseconds(r["time"].GetInt64()).ToOffset(TimeSpan.FromHours(8)), r => r["sum"].GetDouble());
        Assert.Equal(
            new Dictionary<DateTimeOffset, double> { [TrendSeed.Cst(11, 2, 0)] = 0.3, [TrendSeed.Cst(11, 3, 0)] = 0.65, [TrendSeed.Cst(11, 5, 0)] = 1.0 },
            days.ToDictionary(d => d.Key, d => Math.Round(d.Value, 6)));
    }

    [Fact]
    public void Every_Prometheus_query_names_only_metrics_the_hub_documents()
    {
        HashSet<string> documented = [.. File.ReadAllLines(DeployScripts.PathOf("src/EdgeGateway.Hub/README.md"))
            .Where(l => l.StartsWith("| `edgegateway_hub_", StringComparison.Ordinal))
            .Select(l => l.Split('`')[1])];
        var targets = Targets("prometheus").ToList();
        Assert.NotEmpty(targets);
        foreach ((string dashboard, string panel, string expr) in targets)
        {
            MatchCollection names = MetricName().Matches(expr);
            Assert.NotEmpty(names);
            foreach (string name in names.Select(m => m.Value))
            {
                string family = name.EndsWith("_bucket", StringComparison.Ordinal) ? name[..^"_bucket".Length] : name;
                Assert.True(documented.Contains(family), $"{dashboard} «{panel}» uses {name}, which the hub does not document (README metric table)");
            }
        }
    }

    [Fact]
    public void Every_panel_uses_a_data_source_the_import_asks_for_and_the_dashboards_have_distinct_uids()
    {
        var uids = new HashSet<string>();
        foreach (string path in Dashboards)
        {
            using var document = JsonDocument.Parse(File.ReadAllText(DeployScripts.PathOf(path)));
            JsonElement root = document.RootElement;
            Assert.True(uids.Add(root.GetProperty("uid").GetString()!), $"{path}: uid repeated");
            HashSet<string> inputs = [.. root.GetProperty("__inputs").EnumerateArray().Select(i => "${" + i.GetProperty("name").GetString() + "}")];
            foreach (JsonElement panel in root.GetProperty("panels").EnumerateArray())
            {
                foreach (JsonElement target in panel.GetProperty("targets").EnumerateArray())
                {
                    string uid = target.GetProperty("datasource").GetProperty("uid").GetString()!;
                    Assert.True(inputs.Contains(uid), $"{path} «{panel.GetProperty("title").GetString()}»: data source {uid} is not among the import's inputs");
                }
            }
        }
    }

    /// <summary>Grafana's InfluxQL macros as it expands them: the dashboard's range (here November 2026), an interval,
    /// and the site variable at "All" (its <c>allValue</c>, <c>.*</c>).</summary>
    private static string Expand(string query) => query
        .Replace("$timeFilter", "time >= '2026-11-01T00:00:00Z' AND time < '2026-11-20T00:00:00Z'", StringComparison.Ordinal)
        .Replace("$__interval", "1h", StringComparison.Ordinal)
        .Replace("$site", ".*", StringComparison.Ordinal);

    private static IEnumerable<(string Dashboard, string Panel, string Query)> Targets(string type)
    {
        foreach (string path in Dashboards)
        {
            using var document = JsonDocument.Parse(File.ReadAllText(DeployScripts.PathOf(path)));
            var found = new List<(string, string, string)>();
            foreach (JsonElement panel in document.RootElement.GetProperty("panels").EnumerateArray())
            {
                foreach (JsonElement target in panel.GetProperty("targets").EnumerateArray())
                {
                    if (target.GetProperty("datasource").GetProperty("type").GetString() == type)
                    {
                        string text = target.GetProperty(type == "influxdb" ? "query" : "expr").GetString()!;
                        found.Add((Path.GetFileName(path), panel.GetProperty("title").GetString()!, text));
                    }
                }
            }

            foreach ((string, string, string) target in found)
            {
                yield return target;
            }
        }
    }

    private static StatusMessage Status(string site, long seq, bool online, int outbox, DateTimeOffset ts) => new()
    {
        Seq = seq, Ts = ts, Site = site, Gateway = "gw-01", Online = online, Version = "1.0.0",
        UptimeS = seq * 3600, OutboxDepth = outbox,
        Figures = online ? new GatewayFigures { Rounds = seq * 7200, RoundMsMean = 480, RoundMsMax = 520, ThinnedTotal = 0, PortsFaulted = 0, CpuPct = 18, MemoryMb = 70 } : null,
    };

    [GeneratedRegex("edgegateway_hub_[a-z_]+")]
    private static partial Regex MetricName();
}
