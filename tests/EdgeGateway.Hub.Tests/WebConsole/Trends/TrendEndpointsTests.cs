using System.Net;
using System.Text;
using System.Text.Json;
using EdgeGateway.Hub.Storage;
using EdgeGateway.Testing.Servers;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Hub.Tests.WebConsole.Trends;

/// <summary>The trend endpoints over HTTP, against a real InfluxDB 1.6 holding <see cref="TrendSeed"/>.</summary>
[Trait("Category", "Servers")]
public sealed class TrendEndpointsTests(SeededInflux influx) : IClassFixture<SeededInflux>
{
    private const string Nov2To4 = "from=2026-11-02&to=2026-11-04";

    public static TheoryData<string> TrendPaths { get; } = new()
    {
        "/api/trends/sites",
        "/api/trends/energy_per_day?" + Nov2To4,
        "/api/trends/energy_per_day.csv?" + Nov2To4,
    };

    [Theory]
    [InlineData("viewer")]
    [InlineData("manager")]
    [InlineData("admin")]
    public async Task Viewer_manager_and_admin_may_read_every_trend_endpoint(string role)
    {
        await using TrendHost host = await TrendHost.StartAsync(influx.Settings);

        foreach (string path in TrendPaths)
        {
            using HttpResponseMessage response = await host.GetAsync(path, role);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Theory]
    [InlineData("maintenance")]
    [InlineData("someone-else")]
    public async Task Maintenance_and_other_roles_are_forbidden(string role)
    {
        await using TrendHost host = await TrendHost.StartAsync(influx.Settings);

        foreach (string path in TrendPaths)
        {
            using HttpResponseMessage response = await host.GetAsync(path, role);

            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
    }

    [Fact]
    public async Task Without_a_signed_in_user_every_trend_endpoint_answers_401()
    {
        await using TrendHost host = await TrendHost.StartAsync(influx.Settings);

        foreach (string path in TrendPaths)
        {
            using HttpResponseMessage response = await host.GetAsync(path, role: null);

            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task A_trend_answers_the_API_shape_in_snake_case_with_a_point_for_every_day()
    {
        await using TrendHost host = await TrendHost.StartAsync(influx.Settings);

        using HttpResponseMessage response = await host.GetAsync("/api/trends/energy_per_day?" + Nov2To4 + "&sites=linzi-demo-001");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        JsonElement json = await JsonAsync(response);
        Assert.Equal(["name", "unit", "from", "to", "series", "available", "message"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("energy_per_day", json.GetProperty("name").GetString());
        Assert.Equal("kWh", json.GetProperty("unit").GetString());
        Assert.Equal("2026-11-02", json.GetProperty("from").GetString());
        Assert.Equal("2026-11-04", json.GetProperty("to").GetString());
        Assert.True(json.GetProperty("available").GetBoolean());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("message").ValueKind);
        JsonElement series = Assert.Single(json.GetProperty("series").EnumerateArray());
        Assert.Equal("linzi-demo-001", series.GetProperty("site").GetString());
        Assert.Equal(JsonValueKind.Null, series.GetProperty("kind").ValueKind);
        Assert.Equal(
            [("2026-11-02", 0.3), ("2026-11-03", 0.65), ("2026-11-04", 0.0)],
            series.GetProperty("points").EnumerateArray().Select(p => (p.GetProperty("x").GetString()!, p.GetProperty("y").GetDouble())));
    }

    [Fact]
    public async Task A_day_without_a_mean_has_y_null()
    {
        await using TrendHost host = await TrendHost.StartAsync(influx.Settings);

        JsonElement json = await JsonAsync(await host.GetAsync("/api/trends/session_length?" + Nov2To4 + "&sites=zibo-east-002"));

        JsonElement[] points = [.. json.GetProperty("series")[0].GetProperty("points").EnumerateArray()];
        Assert.Equal(30, points[0].GetProperty("y").GetDouble());
        Assert.Equal(JsonValueKind.Null, points[1].GetProperty("y").ValueKind);
    }

    [Theory]
    [InlineData(null, "垃圾桶满溢")]
    [InlineData("zh-CN", "垃圾桶满溢")]
    [InlineData("en", "Bin overflow")]
    public async Task Alarms_per_week_series_are_keyed_by_kind_with_site_null_and_the_kind_named_in_the_users_language(string? language, string name)
    {
        await using TrendHost host = await TrendHost.StartAsync(influx.Settings);

        JsonElement json = await JsonAsync(await host.GetAsync("/api/trends/alarms_per_week?from=2026-11-02&to=2026-11-15", language: language));

        JsonElement overflow = json.GetProperty("series").EnumerateArray().Single(s => s.GetProperty("kind").GetString() == "bin_overflow");
        Assert.Equal(JsonValueKind.Null, overflow.GetProperty("site").ValueKind);
        Assert.Equal(name, overflow.GetProperty("kind_text").GetString());
        Assert.Equal(["2026-W45", "2026-W46"], overflow.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("x").GetString()));
        Assert.Equal([2.0, 1.0], overflow.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("y").GetDouble()));
    }

    [Fact]
    public async Task Sites_with_quotes_pass_through_the_query_string_and_match_exactly()
    {
        await using TrendHost host = await TrendHost.StartAsync(influx.Settings);

        string sites = Uri.EscapeDataString(TrendSeed.QuotedSite + ", " + TrendSeed.SiteB + ",,x' OR site =~ /.*/ OR site = 'y");
        JsonElement json = await JsonAsync(await host.GetAsync($"/api/trends/sessions_per_day?{Nov2To4}&sites={sites}"));

        Assert.True(json.GetProperty("available").GetBoolean());
        Assert.Equal([TrendSeed.QuotedSite, TrendSeed.SiteB], json.GetProperty("series").EnumerateArray().Select(s => s.GetProperty("site").GetString()));
    }

    [Fact]
    public async Task Sites_lists_the_stored_sites()
    {
        await using TrendHost host = await TrendHost.StartAsync(influx.Settings);

        JsonElement json = await JsonAsync(await host.GetAsync("/api/trends/sites"));

        Assert.Equal([TrendSeed.SiteA, TrendSeed.QuotedSite, TrendSeed.SiteB], json.GetProperty("sites").EnumerateArray().Select(s => s.GetString()));
        Assert.True(json.GetProperty("available").GetBoolean());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("message").ValueKind);
    }

    [Fact]
    public async Task Without_from_and_to_the_range_is_the_last_14_CST_days_ending_today_in_China()
    {
        // 02:00 on 5 Nov in China is still 4 Nov in UTC.
        var time = new FakeTimeProvider(TrendSeed.Cst(11, 5, 2));
        await using TrendHost host = await TrendHost.StartAsync(influx.Settings, time);

        JsonElement json = await JsonAsync(await host.GetAsync("/api/trends/energy_per_day?sites=linzi-demo-001"));

        Assert.Equal("2026-10-23", json.GetProperty("from").GetString());
        Assert.Equal("2026-11-05", json.GetProperty("to").GetString());
        JsonElement[] points = [.. json.GetProperty("series")[0].GetProperty("points").EnumerateArray()];
        Assert.Equal(14, points.Length);
        Assert.Equal(("2026-11-05", 1.0), (points[^1].GetProperty("x").GetString(), points[^1].GetProperty("y").GetDouble()));
    }

    [Theory]
    [InlineData("from=2026-11-05&to=2026-11-04", "invalid_range")]
    [InlineData("from=2025-11-03&to=2026-11-04", "invalid_range")]
    [InlineData("from=2026-11-4&to=2026-11-05", "invalid_range")]
    [InlineData("from=2026/11/04", "invalid_range")]
    [InlineData("from=2026-02-30", "invalid_range")]
    public async Task A_reversed_too_long_or_malformed_range_answers_400(string query, string error)
    {
        await using TrendHost host = await TrendHost.StartAsync(influx.Settings);

        foreach (string path in new[] { "/api/trends/energy_per_day?", "/api/trends/energy_per_day.csv?" })
        {
            using HttpResponseMessage response = await host.GetAsync(path + query);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            JsonElement json = await JsonAsync(response);
            Assert.Equal(error, json.GetProperty("error").GetString());
            Assert.False(string.IsNullOrEmpty(json.GetProperty("message").GetString()));
        }
    }

    [Fact]
    public async Task More_than_100_sites_or_a_site_name_over_200_characters_answers_400_invalid_sites()
    {
        await using TrendHost host = await TrendHost.StartAsync(influx.Settings);
        string manySites = string.Join(",", Enumerable.Range(0, 101).Select(i => "site-" + i));

        using HttpResponseMessage many = await host.GetAsync($"/api/trends/energy_per_day?sites={manySites}");
        using HttpResponseMessage longName = await host.GetAsync($"/api/trends/energy_per_day?sites={new string('x', 201)}");
        using HttpResponseMessage hundred = await host.GetAsync($"/api/trends/energy_per_day?sites={string.Join(",", Enumerable.Range(0, 100).Select(i => "site-" + i))}");

        Assert.Equal(HttpStatusCode.BadRequest, many.StatusCode);
        Assert.Equal("invalid_sites", (await JsonAsync(many)).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, longName.StatusCode);
        Assert.Equal(HttpStatusCode.OK, hundred.StatusCode);
    }

    [Fact]
    public async Task A_range_of_exactly_366_days_is_accepted()
    {
        await using TrendHost host = await TrendHost.StartAsync(influx.Settings);

        JsonElement json = await JsonAsync(await host.GetAsync("/api/trends/sessions_per_day?from=2025-11-05&to=2026-11-05&sites=zibo-east-002"));

        Assert.Equal(366, json.GetProperty("series")[0].GetProperty("points").GetArrayLength());
    }

    [Fact]
    public async Task The_refusal_message_is_in_the_users_language()
    {
        await using TrendHost host = await TrendHost.StartAsync(influx.Settings);

        JsonElement chinese = await JsonAsync(await host.GetAsync("/api/trends/energy_per_day?from=2026-11-05&to=2026-11-04"));
        JsonElement english = await JsonAsync(await host.GetAsync("/api/trends/energy_per_day?from=2026-11-05&to=2026-11-04", language: "en"));

        Assert.Equal("开始日期晚于结束日期", chinese.GetProperty("message").GetString());
        Assert.Equal("from is after to", english.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("/api/trends/no_such_trend")]
    [InlineData("/api/trends/no_such_trend.csv")]
    [InlineData("/api/trends/Energy_Per_Day")]
    public async Task An_unknown_trend_answers_404_not_found(string path)
    {
        await using TrendHost host = await TrendHost.StartAsync(influx.Settings);

        using HttpResponseMessage response = await host.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("not_found", (await JsonAsync(response)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task The_CSV_is_UTF8_with_a_BOM_a_Chinese_header_by_default_and_one_row_per_site_and_day()
    {
        await using TrendHost host = await TrendHost.StartAsync(influx.Settings);

        using HttpResponseMessage response = await host.GetAsync("/api/trends/energy_per_day.csv?" + Nov2To4);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("energy_per_day_2026-11-02_2026-11-04.csv", response.Content.Headers.ContentDisposition?.FileName);
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, body[..3]);
        Assert.Equal(
            "站点,日期,用电量（kWh）\r\n"
            + "linzi-demo-001,2026-11-02,0.3\r\nlinzi-demo-001,2026-11-03,0.65\r\nlinzi-demo-001,2026-11-04,0\r\n"
            + "\"o'brien \"\"yard\"\"\",2026-11-02,0.007\r\n\"o'brien \"\"yard\"\"\",2026-11-03,0\r\n\"o'brien \"\"yard\"\"\",2026-11-04,0\r\n"
            + "zibo-east-002,2026-11-02,0.1\r\nzibo-east-002,2026-11-03,0\r\nzibo-east-002,2026-11-04,0\r\n",
            Encoding.UTF8.GetString(body[3..]));
    }

    [Fact]
    public async Task The_CSV_header_is_English_with_cookie_lang_en_and_a_missing_mean_is_an_empty_cell()
    {
        await using TrendHost host = await TrendHost.StartAsync(influx.Settings);

        using HttpResponseMessage response = await host.GetAsync("/api/trends/session_length.csv?" + Nov2To4 + "&sites=zibo-east-002", language: "en");

        string text = Encoding.UTF8.GetString((await response.Content.ReadAsByteArrayAsync())[3..]);
        Assert.Equal("Site,Date,Mean session length (min)\r\nzibo-east-002,2026-11-02,30\r\nzibo-east-002,2026-11-03,\r\nzibo-east-002,2026-11-04,\r\n", text);
    }

    [Fact]
    public async Task The_alarms_per_week_CSV_names_each_kind_and_its_code()
    {
        await using TrendHost host = await TrendHost.StartAsync(influx.Settings);

        using HttpResponseMessage response = await host.GetAsync("/api/trends/alarms_per_week.csv?from=2026-11-02&to=2026-11-15&sites=zibo-east-002");

        string text = Encoding.UTF8.GetString((await response.Content.ReadAsByteArrayAsync())[3..]);
        Assert.Equal(
            "告警类型,类型代码,周（ISO）,告警次数\r\n"
            + "垃圾桶满溢,bin_overflow,2026-W45,1\r\n垃圾桶满溢,bin_overflow,2026-W46,0\r\n"
            + "烟雾报警,smoke,2026-W45,0\r\n烟雾报警,smoke,2026-W46,1\r\n",
            text);
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        using (response)
        {
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return document.RootElement.Clone();
        }
    }
}

/// <summary>The trend endpoints with nothing at <c>Hub:Influx:Url</c>.</summary>
[Trait("Category", "Servers")]
public sealed class TrendEndpointsWithoutInfluxTests
{
    private static readonly Uri Nowhere = TrendSeed.Nowhere();

    [Theory]
    [InlineData(null, "趋势需要 InfluxDB（InfluxQL /query）：请设置 Hub:Influx:Url")]
    [InlineData("en", "Trends need InfluxDB (InfluxQL over /query): set Hub:Influx:Url")]
    public async Task Every_trend_answers_200_available_false_saying_what_is_needed(string? language, string message)
    {
        await using TrendHost host = await TrendHost.StartAsync(TrendSeed.Settings(Nowhere));

        foreach (string name in new[] { "energy_per_day", "sessions_per_day", "session_length", "sessions_cut_at_start", "utilisation", "start_hour_profile", "alarms_per_week", "bin_overflows", "fill_at_collection" })
        {
            using HttpResponseMessage response = await host.GetAsync($"/api/trends/{name}?from=2026-11-02&to=2026-11-04", language: language);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.False(json.RootElement.GetProperty("available").GetBoolean());
            Assert.StartsWith(message, json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Equal(0, json.RootElement.GetProperty("series").GetArrayLength());
            Assert.Equal(name, json.RootElement.GetProperty("name").GetString());
        }
    }

    [Fact]
    public async Task Sites_answers_200_with_no_sites_and_available_false()
    {
        await using TrendHost host = await TrendHost.StartAsync(TrendSeed.Settings(Nowhere));

        using HttpResponseMessage response = await host.GetAsync("/api/trends/sites");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(0, json.RootElement.GetProperty("sites").GetArrayLength());
        Assert.False(json.RootElement.GetProperty("available").GetBoolean());
        Assert.Contains("Hub:Influx:Url", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_CSV_answers_503_with_the_reason_instead_of_an_empty_file()
    {
        await using TrendHost host = await TrendHost.StartAsync(TrendSeed.Settings(Nowhere));

        using HttpResponseMessage response = await host.GetAsync("/api/trends/energy_per_day.csv?from=2026-11-02&to=2026-11-04", language: "en");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("trends_unavailable", json.RootElement.GetProperty("error").GetString());
        Assert.StartsWith("Trends need InfluxDB", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "趋势需要 InfluxDB（InfluxQL /query）：请设置 Hub:Influx:Url")]
    [InlineData("en", "Trends need InfluxDB (InfluxQL over /query): set Hub:Influx:Url")]
    public async Task With_InfluxDB_switched_off_a_trend_answers_available_false_naming_the_setting(string? language, string message)
    {
        InfluxSettings off = TrendSeed.Settings(Nowhere);
        off.Enabled = false;
        await using TrendHost host = await TrendHost.StartAsync(off);

        using HttpResponseMessage response = await host.GetAsync("/api/trends/utilisation", language: language);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(json.RootElement.GetProperty("available").GetBoolean());
        Assert.StartsWith(message, json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("--influx-url none", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_without_InfluxQL_answers_available_false_naming_the_problem()
    {
        await using VictoriaMetricsServer victoria = await VictoriaMetricsServer.StartNewAsync();
        await using TrendHost host = await TrendHost.StartAsync(TrendSeed.Settings(victoria.Uri));

        using HttpResponseMessage response = await host.GetAsync("/api/trends/energy_per_day?from=2026-11-02&to=2026-11-04", language: "en");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(json.RootElement.GetProperty("available").GetBoolean());
        Assert.Contains("does not answer InfluxQL queries", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
