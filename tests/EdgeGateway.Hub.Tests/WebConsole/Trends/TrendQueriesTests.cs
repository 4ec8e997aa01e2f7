using EdgeGateway.Hub.Storage;
using EdgeGateway.Hub.WebConsole.Trends;
using EdgeGateway.Testing.Servers;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeGateway.Hub.Tests.WebConsole.Trends;

/// <summary>The trend queries against a real InfluxDB 1.6 holding <see cref="TrendSeed"/>, each number worked out by hand.</summary>
[Trait("Category", "Servers")]
public sealed class TrendQueriesTests(SeededInflux influx) : IClassFixture<SeededInflux>
{
    private static readonly TrendRange Nov2To4 = new(new DateOnly(2026, 11, 2), new DateOnly(2026, 11, 4));
    private static readonly TrendRange Nov2To15 = new(new DateOnly(2026, 11, 2), new DateOnly(2026, 11, 15));
    private static readonly string[] Nov2To4Days = ["2026-11-02", "2026-11-03", "2026-11-04"];

    [Fact]
    public async Task Energy_per_day_sums_session_energy_in_kWh_on_the_CST_day_each_session_ended()
    {
        TrendData data = await ReadAsync(TrendCatalog.EnergyPerDay, Nov2To4);

        // A: 2 Nov 300 Wh (ended 23:30 CST); 3 Nov 150 Wh (ended 00:30 CST, 16:30 UTC on 2 Nov) + 500 Wh; the 1000 Wh
        // session ending 5 Nov 00:10 CST (4 Nov in UTC) is outside the range.
        AssertSeries(data, TrendSeed.SiteA, 0.3, 0.65, 0);
        AssertSeries(data, TrendSeed.SiteB, 0.1, 0, 0);
        AssertSeries(data, TrendSeed.QuotedSite, 0.007, 0, 0);
        Assert.Equal([TrendSeed.SiteA, TrendSeed.QuotedSite, TrendSeed.SiteB], data.Series.Select(s => s.Site!));
        Assert.All(data.Series, s => Assert.Equal(Nov2To4Days, s.Points.Select(p => p.X)));
    }

    [Fact]
    public async Task The_day_after_the_range_counts_a_session_that_ended_after_CST_midnight_but_before_UTC_midnight()
    {
        TrendData data = await ReadAsync(TrendCatalog.EnergyPerDay, new TrendRange(new DateOnly(2026, 11, 5), new DateOnly(2026, 11, 5)));

        AssertSeries(data, TrendSeed.SiteA, 1.0);
        Assert.Single(data.Series);
    }

    [Fact]
    public async Task Sessions_per_day_counts_sessions_by_the_CST_day_they_ended_with_zero_on_days_without_any()
    {
        TrendData data = await ReadAsync(TrendCatalog.SessionsPerDay, Nov2To4);

        AssertSeries(data, TrendSeed.SiteA, 1, 2, 0);
        AssertSeries(data, TrendSeed.SiteB, 1, 0, 0);
    }

    [Fact]
    public async Task Session_length_is_the_mean_duration_in_minutes_and_no_value_on_days_without_sessions()
    {
        TrendData data = await ReadAsync(TrendCatalog.SessionLength, Nov2To4);

        // A: 2 Nov 90 min; 3 Nov (40 + 120) / 2 = 80 min.
        AssertSeries(data, TrendSeed.SiteA, 90, 80, null);
        AssertSeries(data, TrendSeed.SiteB, 30, null, null);
    }

    [Fact]
    public async Task Session_length_leaves_out_protection_cuts_at_the_start_which_are_counted_on_their_own()
    {
        var nov20 = new TrendRange(new DateOnly(2026, 11, 20), new DateOnly(2026, 11, 20));

        TrendData length = await ReadAsync(TrendCatalog.SessionLength, nov20);
        TrendData cut = await ReadAsync(TrendCatalog.SessionsCutAtStart, nov20);
        TrendData all = await ReadAsync(TrendCatalog.SessionsPerDay, nov20);

        // (60 + 10 + 20 s) / 3 sessions = 23.444 min: the 2 s overload and the 1 s short circuit are not sessions;
        // the over-temperature cut after 10 min and the user's stop after 20 s are.
        AssertSeries(length, TrendSeed.SiteA, 23.444);
        AssertSeries(cut, TrendSeed.SiteA, 2);
        AssertSeries(all, TrendSeed.SiteA, 5);
        Assert.Single(cut.Series);
    }

    [Fact]
    public async Task Utilisation_is_the_share_of_telemetry_points_reporting_charging_per_site_and_CST_day()
    {
        TrendData data = await ReadAsync(TrendCatalog.Utilisation, Nov2To4);

        // A, 2 Nov: 3 of 10 (the 23:59 point included); 3 Nov: 1 of 2 (the 00:01 CST point is 16:01 UTC on 2 Nov).
        AssertSeries(data, TrendSeed.SiteA, 30, 50, null);
        // B: charging, idle, idle, fault.
        AssertSeries(data, TrendSeed.SiteB, 25, null, null);
    }

    [Fact]
    public async Task Start_hour_profile_counts_sessions_by_the_CST_hour_of_started_ts_for_all_24_hours()
    {
        TrendData data = await ReadAsync(TrendCatalog.StartHourProfile, Nov2To4);

        TrendSeries a = SeriesOf(data, TrendSeed.SiteA);
        Assert.Equal(Enumerable.Range(0, 24).Select(h => h.ToString("D2")), a.Points.Select(p => p.X));
        Assert.Equal(Hours((8, 1), (22, 1), (23, 1)), a.Points.Select(p => p.Y));
        Assert.Equal(Hours((7, 1)), SeriesOf(data, TrendSeed.SiteB).Points.Select(p => p.Y));
    }

    [Fact]
    public async Task Alarms_per_week_counts_raised_alarms_per_kind_per_ISO_week_starting_Monday_00_00_CST()
    {
        TrendData data = await ReadAsync(TrendCatalog.AlarmsPerWeek, Nov2To15);

        // bin_overflow: W45 A (Sunday 23:30 CST) and B; W46 A (Monday 00:30 CST = Sunday in UTC). The one on
        // Monday 16 Nov 00:10 CST is after the range; clears are not counted.
        Assert.Equal(["bin_overflow", "port_overload", "smoke"], data.Series.Select(s => s.Kind!));
        Assert.All(data.Series, s => Assert.Null(s.Site));
        AssertKind(data, "bin_overflow", 2, 1);
        AssertKind(data, "port_overload", 1, 0);
        AssertKind(data, "smoke", 0, 1);
        Assert.Equal(["2026-W45", "2026-W46"], data.Series[0].Points.Select(p => p.X));
    }

    [Fact]
    public async Task Alarms_per_week_with_a_site_filter_counts_only_that_sites_alarms()
    {
        TrendData data = await ReadAsync(TrendCatalog.AlarmsPerWeek, Nov2To15, TrendSeed.SiteA);

        Assert.Equal(["bin_overflow", "port_overload"], data.Series.Select(s => s.Kind!));
        AssertKind(data, "bin_overflow", 1, 1);
        AssertKind(data, "port_overload", 1, 0);
    }

    [Fact]
    public async Task A_range_starting_mid_week_still_labels_points_by_the_whole_ISO_week_and_counts_only_days_in_range()
    {
        // Wednesday 4 Nov to Tuesday 10 Nov: W45 holds only the Sunday 23:30 overflow of A (B's was on 3 Nov).
        TrendData data = await ReadAsync(TrendCatalog.BinOverflows, new TrendRange(new DateOnly(2026, 11, 4), new DateOnly(2026, 11, 10)));

        Assert.Equal(["2026-W45", "2026-W46"], SeriesOf(data, TrendSeed.SiteA).Points.Select(p => p.X));
        AssertSeries(data, TrendSeed.SiteA, 1, 1);
        Assert.Single(data.Series);
    }

    [Fact]
    public async Task Bin_overflows_counts_raised_bin_overflow_alarms_per_site_per_ISO_week()
    {
        TrendData data = await ReadAsync(TrendCatalog.BinOverflows, Nov2To15);

        AssertSeries(data, TrendSeed.SiteA, 1, 1);
        AssertSeries(data, TrendSeed.SiteB, 1, 0);
        Assert.Equal(2, data.Series.Count);
    }

    [Fact]
    public async Task Fill_at_collection_counts_each_collection_once_on_the_CST_day_it_happened()
    {
        TrendData data = await ReadAsync(TrendCatalog.FillAtCollection, Nov2To4);

        // A, 2 Nov: collections at 60 % (reported three times), 90 % (reported again on 3 Nov) and 70 %: 73.333;
        // the 1 Nov collection repeated on 2 Nov is not in the range. 3 Nov: the 23:50 collection (95 %), first
        // reported 4 Nov 00:05. A mean of the messages instead would be (99 + 60 * 3 + 90 + 70) / 6 on 2 Nov.
        AssertSeries(data, TrendSeed.SiteA, 73.333, 95, null);
        AssertSeries(data, TrendSeed.SiteB, null, 50, null);
    }

    [Fact]
    public async Task Fill_at_collection_finds_a_collection_on_the_last_day_first_reported_after_midnight()
    {
        TrendData data = await ReadAsync(TrendCatalog.FillAtCollection, new TrendRange(new DateOnly(2026, 11, 3), new DateOnly(2026, 11, 3)));

        AssertSeries(data, TrendSeed.SiteA, 95);
        AssertSeries(data, TrendSeed.SiteB, 50);
    }

    [Fact]
    public async Task A_site_filter_returns_only_the_named_sites_and_an_unknown_site_no_series()
    {
        TrendData data = await ReadAsync(TrendCatalog.SessionsPerDay, Nov2To4, TrendSeed.SiteB, "no-such-site");

        TrendSeries only = Assert.Single(data.Series);
        Assert.Equal(TrendSeed.SiteB, only.Site);
        Assert.Null(data.Problem);
    }

    [Fact]
    public async Task A_site_name_with_quotes_is_matched_exactly_as_a_literal()
    {
        TrendData data = await ReadAsync(TrendCatalog.EnergyPerDay, Nov2To4, TrendSeed.QuotedSite);

        TrendSeries only = Assert.Single(data.Series);
        Assert.Equal(TrendSeed.QuotedSite, only.Site);
        Assert.Equal([0.007, 0, 0], only.Points.Select(p => p.Y));
    }

    [Theory]
    [InlineData("x' OR site =~ /.*/ OR site = 'y")]
    [InlineData(@"x\' OR site =~ /.*/ OR site = \'y")]
    [InlineData("x'); DROP DATABASE edge; SELECT * FROM session WHERE ('")]
    [InlineData("linzi-demo-001' OR site = 'zibo-east-002")]
    public async Task A_site_name_crafted_to_break_out_of_the_literal_matches_nothing_and_breaks_nothing(string site)
    {
        foreach (TrendDefinition trend in TrendCatalog.All)
        {
            TrendData data = await ReadAsync(trend, Nov2To15, site);

            Assert.Null(data.Problem);
            Assert.Empty(data.Series);
        }

        Assert.Equal(TrendSeed.Messages.Count(m => m is Contracts.Mqtt.SessionMessage), await influx.Server.CountAsync(TrendSeed.Database, "session", "seq"));
    }

    [Fact]
    public async Task Sites_lists_every_site_with_stored_points_sorted()
    {
        using var queries = new TrendQueries(influx.Settings, TrendSeed.HttpClients, NullLogger<TrendQueries>.Instance);

        TrendSites sites = await queries.SitesAsync(CancellationToken.None);

        Assert.Null(sites.Problem);
        Assert.Equal([TrendSeed.SiteA, TrendSeed.QuotedSite, TrendSeed.SiteB], sites.Sites);
    }

    [Fact]
    public void Every_request_value_in_a_query_goes_through_the_clients_quoting()
    {
        string query = TrendQueries.InfluxQl(TrendCatalog.EnergyPerDay, Nov2To4, ["a'b", @"c\d"]);

        Assert.Equal(
            "SELECT sum(energy_wh) / 1000 AS y FROM session WHERE time >= '2026-11-01T16:00:00.000Z' AND time < '2026-11-04T16:00:00.000Z' "
            + @"AND (site = 'a\'b' OR site = 'c\\d') GROUP BY time(1d, -8h), site fill(none)",
            query);
    }

    [Fact]
    public async Task A_missing_database_is_reported_as_refused_with_InfluxDBs_message()
    {
        using var queries = new TrendQueries(TrendSeed.Settings(influx.Server.Uri, "no_such_db"), TrendSeed.HttpClients, NullLogger<TrendQueries>.Instance);

        TrendData data = await queries.ReadAsync(TrendCatalog.EnergyPerDay, Nov2To4, [], CancellationToken.None);

        Assert.Equal(TrendProblemKind.Refused, data.Problem?.Kind);
        Assert.Contains("database not found", data.Problem!.ServerMessage, StringComparison.Ordinal);
        Assert.Empty(data.Series);
    }

    private async Task<TrendData> ReadAsync(TrendDefinition trend, TrendRange range, params string[] sites)
    {
        using var queries = new TrendQueries(influx.Settings, TrendSeed.HttpClients, NullLogger<TrendQueries>.Instance);
        TrendData data = await queries.ReadAsync(trend, range, sites, CancellationToken.None);
        Assert.Null(data.Problem);
        return data;
    }

    private static TrendSeries SeriesOf(TrendData data, string site) => Assert.Single(data.Series, s => s.Site == site);

    private static void AssertSeries(TrendData data, string site, params double?[] ys)
    {
        Assert.Equal(ys, SeriesOf(data, site).Points.Select(p => p.Y));
    }

    private static void AssertKind(TrendData data, string kind, params double?[] ys) =>
        Assert.Equal(ys, Assert.Single(data.Series, s => s.Kind == kind).Points.Select(p => p.Y));

    private static double?[] Hours(params (int Hour, double Count)[] counts)
    {
        double?[] ys = new double?[24];
        Array.Fill(ys, 0);
        foreach ((int hour, double count) in counts)
        {
            ys[hour] = count;
        }

        return ys;
    }
}

/// <summary>What the trends answer when there is no InfluxQL to ask.</summary>
[Trait("Category", "Servers")]
public sealed class TrendUnavailableTests
{
    private static readonly TrendRange Range = new(new DateOnly(2026, 11, 2), new DateOnly(2026, 11, 4));

    [Fact]
    public async Task Nothing_listening_at_the_InfluxDB_url_is_unreachable_and_every_trend_empty()
    {
        Uri url = TrendSeed.Nowhere();
        using var queries = new TrendQueries(TrendSeed.Settings(url), TrendSeed.HttpClients, NullLogger<TrendQueries>.Instance);

        foreach (TrendDefinition trend in TrendCatalog.All)
        {
            TrendData data = await queries.ReadAsync(trend, Range, [], CancellationToken.None);

            Assert.Equal(TrendProblemKind.Unreachable, data.Problem?.Kind);
            Assert.Empty(data.Series);
        }

        Assert.Equal(TrendProblemKind.Unreachable, (await queries.SitesAsync(CancellationToken.None)).Problem?.Kind);
    }

    [Fact]
    public async Task With_InfluxDB_switched_off_every_trend_is_not_configured()
    {
        InfluxSettings off = TrendSeed.Settings(TrendSeed.Nowhere());
        off.Enabled = false;
        using var queries = new TrendQueries(off, TrendSeed.HttpClients, NullLogger<TrendQueries>.Instance);

        foreach (TrendDefinition trend in TrendCatalog.All)
        {
            TrendData data = await queries.ReadAsync(trend, Range, [], CancellationToken.None);

            Assert.Equal(TrendProblemKind.NotConfigured, data.Problem?.Kind);
            Assert.Empty(data.Series);
        }

        Assert.Equal(TrendProblemKind.NotConfigured, (await queries.SitesAsync(CancellationToken.None)).Problem?.Kind);
    }

    [Fact]
    public async Task VictoriaMetrics_which_answers_every_query_with_a_made_up_database_list_is_not_taken_for_InfluxQL()
    {
        await using VictoriaMetricsServer victoria = await VictoriaMetricsServer.StartNewAsync();
        await victoria.WriteLinesAsync(TrendSeed.LineProtocol(), precision: "ns");
        using var queries = new TrendQueries(TrendSeed.Settings(victoria.Uri), TrendSeed.HttpClients, NullLogger<TrendQueries>.Instance);

        foreach (TrendDefinition trend in TrendCatalog.All)
        {
            TrendData data = await queries.ReadAsync(trend, Range, [], CancellationToken.None);

            Assert.Equal(TrendProblemKind.NotInfluxQl, data.Problem?.Kind);
            Assert.Empty(data.Series);
        }

        TrendSites sites = await queries.SitesAsync(CancellationToken.None);
        Assert.Equal(TrendProblemKind.NotInfluxQl, sites.Problem?.Kind);
        Assert.Empty(sites.Sites);
    }
}
