using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EdgeGateway.Testing.Servers;

namespace EdgeGateway.Hub.Tests.Deploy;

/// <summary>
/// deploy/influxdb/provision-v1.sh against a real influxd 1.6: the database, its retention policies, the continuous
/// queries and the users are there afterwards (SHOW queries); a second run with other retentions changes them and
/// nothing else; the aggregates the continuous queries compute are right (their SELECT run now, by --backfill-days);
/// and with authentication on, the first admin is created and the hub and reader users can do what they must, no more.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Trait("Category", "Servers")]
public sealed class InfluxDbV1ProvisioningTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-deploy-influx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File(string name) => Path.Combine(_dir, name);

    private Task<ScriptResult> ProvisionAsync(InfluxDbServer influx, params string[] extra) => DeployScripts.RunAsync("deploy/influxdb/provision-v1.sh",
        ["--url", influx.Uri.ToString(), "--database", "edge", "--hub-password-file", File("hub-password"), "--reader-password-file", File("reader-password"), .. extra],
        TimeSpan.FromSeconds(60));

    [Fact]
    public async Task The_database_retention_policies_continuous_queries_and_users_are_there_afterwards_and_a_second_run_changes_only_what_changed()
    {
        await using InfluxDbServer influx = await InfluxDbServer.StartNewAsync();

        (await ProvisionAsync(influx)).AssertSucceeded("provision-v1.sh");

        Assert.Contains((await influx.QueryAsync("", "SHOW DATABASES")).Rows, row => row["name"].GetString() == "edge");
        var policies = (await influx.QueryAsync("edge", "SHOW RETENTION POLICIES ON edge")).Rows
            .ToDictionary(r => r["name"].GetString()!);
        Assert.Equal("9600h0m0s", policies["autogen"]["duration"].GetString()); // 400 days
        Assert.True(policies["autogen"]["default"].GetBoolean());
        Assert.Equal("0s", policies["trends"]["duration"].GetString()); // INF
        Assert.False(policies["trends"]["default"].GetBoolean());

        Dictionary<string, string> queries = await ContinuousQueriesAsync(influx);
        Assert.Equal(["alarm_1h", "bin_1h", "gateway_1h", "port_1h", "port_charging_1h", "session_1h"], queries.Keys.Order());
        Assert.Contains("RESAMPLE EVERY 1h FOR 6h", queries["port_1h"], StringComparison.Ordinal);
        Assert.Contains("INTO edge.trends.session_1h FROM edge.autogen.session", queries["session_1h"], StringComparison.Ordinal);
        Assert.Contains("GROUP BY time(1h), *", queries["port_1h"], StringComparison.Ordinal);

        var users = (await influx.QueryAsync("", "SHOW USERS")).Rows.ToDictionary(r => r["user"].GetString()!, r => r["admin"].GetBoolean());
        Assert.Equal(new Dictionary<string, bool> { ["edge-hub"] = false, ["edge-reader"] = false }, users);
        Assert.Equal("ALL PRIVILEGES", (await influx.QueryAsync("", "SHOW GRANTS FOR \"edge-hub\"")).Rows.Single()["privilege"].GetString());
        Assert.Equal("READ", (await influx.QueryAsync("", "SHOW GRANTS FOR \"edge-reader\"")).Rows.Single()["privilege"].GetString());
        string hubPassword = await System.IO.File.ReadAllTextAsync(File("hub-password"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, System.IO.File.GetUnixFileMode(File("hub-password")));

        // Again, with other retentions and a longer resampling window: those change; passwords and the rest stay.
        ScriptResult again = (await ProvisionAsync(influx, "--raw-retention", "90d", "--trends-retention", "1825d", "--resample-for", "12h"))
            .AssertSucceeded("provision-v1.sh, second run");
        Assert.DoesNotContain("created", again.All, StringComparison.Ordinal);
        policies = (await influx.QueryAsync("edge", "SHOW RETENTION POLICIES ON edge")).Rows.ToDictionary(r => r["name"].GetString()!);
        Assert.Equal("2160h0m0s", policies["autogen"]["duration"].GetString());
        Assert.Equal("43800h0m0s", policies["trends"]["duration"].GetString());
        Assert.Equal(2, policies.Count);
        queries = await ContinuousQueriesAsync(influx);
        Assert.Equal(6, queries.Count);
        Assert.All(queries.Values, q => Assert.Contains("RESAMPLE EVERY 1h FOR 12h", q, StringComparison.Ordinal));
        Assert.Equal(hubPassword, await System.IO.File.ReadAllTextAsync(File("hub-password")));
    }

    [Fact]
    public async Task The_continuous_queries_aggregate_an_hour_of_points_by_gateway_and_port_into_the_trends_policy()
    {
        await using InfluxDbServer influx = await InfluxDbServer.StartNewAsync();
        (await ProvisionAsync(influx, "--no-users")).AssertSucceeded("provision-v1.sh");

        // Two hours ago, within one hour: four port readings (two charging), a session, a raised and a cleared alarm.
        long hour = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 3600 - 2) * 3600;
        string At(int minute) => ((hour + (minute * 60)) * 1000).ToString(CultureInfo.InvariantCulture);
        string tags = "site=linzi-demo-001,gateway=gw-01";
        await influx.WriteLinesAsync("edge", string.Join('\n',
            $"port,{tags},port=P01 seq=1i,state=\"charging\",power_w=100,voltage_v=220,lifetime_energy_wh=1000 {At(1)}",
            $"port,{tags},port=P01 seq=2i,state=\"charging\",power_w=200,voltage_v=230,lifetime_energy_wh=1003 {At(11)}",
            $"port,{tags},port=P01 seq=3i,state=\"complete\",power_w=0,voltage_v=225,lifetime_energy_wh=1005 {At(21)}",
            $"port,{tags},port=P01 seq=4i,state=\"idle\",power_w=0,voltage_v=225,lifetime_energy_wh=1005 {At(31)}",
            $"session,{tags},port=P01,end_reason=complete seq=5i,energy_wh=5,duration_s=1200,peak_power_w=210 {At(21)}",
            $"alarm,{tags},kind=port_overload,event=raised,source=port:P01,port=P01 seq=6i,alarm_id=\"a1\" {At(5)}",
            $"alarm,{tags},kind=port_overload,event=cleared,source=port:P01,port=P01 seq=7i,alarm_id=\"a1\" {At(40)}"));

        (await ProvisionAsync(influx, "--no-users", "--backfill-days", "1")).AssertSucceeded("provision-v1.sh --backfill-days 1");

        IReadOnlyDictionary<string, JsonElement> port = (await influx.QueryAsync("edge", "SELECT * FROM trends.port_1h")).Rows.Single();
        Assert.Equal(hour * 1000, port["time"].GetInt64());
        Assert.Equal("P01", port["port"].GetString());
        Assert.Equal("gw-01", port["gateway"].GetString());
        Assert.Equal(75, port["power_w_mean"].GetDouble());
        Assert.Equal(200, port["power_w_max"].GetDouble());
        Assert.Equal(5, port["energy_wh"].GetDouble());
        Assert.Equal(4, port["samples"].GetInt64());
        Assert.Equal(2, port["charging_samples"].GetInt64());

        IReadOnlyDictionary<string, JsonElement> session = (await influx.QueryAsync("edge", "SELECT * FROM trends.session_1h")).Rows.Single();
        Assert.Equal(1, session["sessions"].GetInt64());
        Assert.Equal(5, session["energy_wh"].GetDouble());
        IReadOnlyDictionary<string, JsonElement> alarm = (await influx.QueryAsync("edge", "SELECT * FROM trends.alarm_1h")).Rows.Single();
        Assert.Equal(1, alarm["raised"].GetInt64());
        Assert.Equal("port_overload", alarm["kind"].GetString());
    }

    [Fact]
    public async Task With_authentication_on_the_first_admin_is_created_the_hub_user_writes_and_reads_and_the_reader_only_reads()
    {
        await using InfluxDbServer influx = await InfluxDbServer.StartNewAsync();
        await influx.StopAsync();
        string conf = await System.IO.File.ReadAllTextAsync(influx.ConfigFile);
        await System.IO.File.WriteAllTextAsync(influx.ConfigFile, conf.Replace("auth-enabled = false", "auth-enabled = true", StringComparison.Ordinal));
        await influx.StartAsync();

        (await ProvisionAsync(influx, "--admin-user", "admin", "--admin-password-file", File("admin-password"))).AssertSucceeded("provision-v1.sh with auth");
        Assert.True(System.IO.File.Exists(File("admin-password")));
        // Again: the admin signs in now (no second creation).
        ScriptResult again = (await ProvisionAsync(influx, "--admin-user", "admin", "--admin-password-file", File("admin-password"))).AssertSucceeded("provision-v1.sh with auth, again");
        Assert.DoesNotContain("created", again.All, StringComparison.Ordinal);

        using var http = new HttpClient { BaseAddress = influx.Uri };
        async Task<(HttpStatusCode Status, string Body)> AsAsync(string user, string passwordFile, HttpMethod method, string path)
        {
            using var request = new HttpRequestMessage(method, path);
            string password = (await System.IO.File.ReadAllTextAsync(File(passwordFile))).Trim();
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
            if (method == HttpMethod.Post)
            {
                request.Content = new StringContent("gateway,site=s,gateway=g seq=1i", Encoding.UTF8, "text/plain");
            }

            using HttpResponseMessage response = await http.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(HttpStatusCode.NoContent, (await AsAsync("edge-hub", "hub-password", HttpMethod.Post, "/write?db=edge")).Status);
        (HttpStatusCode status, string body) = await AsAsync("edge-hub", "hub-password", HttpMethod.Get, "/query?db=edge&q=SELECT%20count(seq)%20FROM%20gateway");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("\"count\"", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await AsAsync("edge-reader", "reader-password", HttpMethod.Post, "/write?db=edge")).Status);
        (status, body) = await AsAsync("edge-reader", "reader-password", HttpMethod.Get, "/query?db=edge&q=SELECT%20count(seq)%20FROM%20gateway");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("\"count\"", body, StringComparison.Ordinal);
        // Neither may administer.
        (_, body) = await AsAsync("edge-hub", "hub-password", HttpMethod.Get, "/query?q=DROP%20DATABASE%20edge");
        Assert.Contains("error", body, StringComparison.Ordinal);
    }

    private static async Task<Dictionary<string, string>> ContinuousQueriesAsync(InfluxDbServer influx) =>
        (await influx.QueryAsync("", "SHOW CONTINUOUS QUERIES")).Rows
            .Where(r => r.ContainsKey("name"))
            .ToDictionary(r => r["name"].GetString()!, r => r["query"].GetString()!);
}
