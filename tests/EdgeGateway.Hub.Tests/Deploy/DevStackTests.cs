using System.Globalization;
using System.Net;
using System.Text.Json;
using EdgeGateway.Testing.Network;

namespace EdgeGateway.Hub.Tests.Deploy;

/// <summary>
/// deploy/dev/up.sh brings the whole stack up from nothing in a temporary state directory on free loopback ports —
/// Mosquitto (production configuration, TLS, accounts), InfluxDB 1.x (provisioned), the hub with its console, two
/// simulated gateways over TLS — and the console shows both gateways' ports; deploy/dev/down.sh stops every process
/// up.sh started (their pids gone, their ports free).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Trait("Category", "Servers")]
public sealed class DevStackTests : IDisposable
{
    private static readonly (string Site, string Gateway)[] Gateways = [("linzi-demo-001", "gw-01"), ("zhangdian-demo-002", "gw-02")];
    private readonly string _state = Directory.CreateTempSubdirectory("edgegateway-deploy-dev-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    [Fact]
    public async Task Up_starts_the_stack_with_two_gateways_whose_ports_the_console_shows_and_down_stops_every_process_it_started()
    {
        int[] ports = [LoopbackPorts.Claim(), LoopbackPorts.Claim(), LoopbackPorts.Claim(), LoopbackPorts.Claim()];
        Assert.Equal(4, ports.Distinct().Count());
        (int mqtt, int influx, int influxRpc, int http) = (ports[0], ports[1], ports[2], ports[3]);
        string[] stateArgs = ["--state-dir", _state];
        try
        {
            ScriptResult up = await DeployScripts.RunAsync("deploy/dev/up.sh",
            [
                .. stateArgs, "--mqtt-port", P(mqtt), "--influx-port", P(influx), "--influx-rpc-port", P(influxRpc), "--http-port", P(http),
                "--history-hours", "0", "--no-build", "--configuration", DeployScripts.BuildConfiguration, "--no-install", "--timeout", "300",
            ], TimeSpan.FromMinutes(6));
            up.AssertSucceeded("up.sh");
            Assert.Contains($"http://127.0.0.1:{P(http)}", up.Output, StringComparison.Ordinal);

            Dictionary<string, int> pids = Directory.GetFiles(Path.Combine(_state, "pids"), "*.pid")
                .ToDictionary(f => Path.GetFileNameWithoutExtension(f), f => int.Parse(File.ReadAllText(f).Trim(), CultureInfo.InvariantCulture));
            Assert.Equal(["gateway-1", "gateway-2", "hub", "influxd", "mosquitto"], pids.Keys.Order());
            Assert.All(pids.Values, pid => Assert.True(Running(pid), $"process {pid} is not running"));
            Assert.All(ports, port => Assert.True(DeployScripts.Listening(port), $"nothing listens on {port}"));

            // Once up, up.sh refuses to start a second stack on the same state.
            ScriptResult twice = await DeployScripts.RunAsync("deploy/dev/up.sh", [.. stateArgs, "--no-build", "--no-install"], TimeSpan.FromSeconds(120));
            Assert.NotEqual(0, twice.ExitCode);
            Assert.Contains("down.sh", twice.Error, StringComparison.Ordinal);

            await AssertBothGatewaysPortsShownAsync(http, influx);

            ScriptResult down = await DeployScripts.RunAsync("deploy/dev/down.sh", stateArgs, TimeSpan.FromMinutes(5));
            down.AssertSucceeded("down.sh");
            Assert.All(pids, p => Assert.False(Running(p.Value), $"{p.Key} ({p.Value}) still runs after down.sh"));
            Assert.All(ports, port => Assert.False(DeployScripts.Listening(port), $"port {port} is still open after down.sh"));
            Assert.Empty(Directory.GetFiles(Path.Combine(_state, "pids")));
            // The gateways stopped cleanly (they close their sessions and open every relay on SIGTERM).
            Assert.Contains("every relay open", await File.ReadAllTextAsync(Path.Combine(_state, "logs", "gateway-1.log")), StringComparison.Ordinal);
        }
        finally
        {
            await DeployScripts.RunAsync("deploy/dev/down.sh", [.. stateArgs, "--grace", "5"], TimeSpan.FromMinutes(1));
        }
    }

    /// <summary>
    /// Through the console's board (/api/board, signed in as the district's manager, who sees both companies) when the hub has the console; a hub without
    /// it answers 404 there, and then the ports are read from InfluxDB, where the hub stored what the console would show.
    /// </summary>
    private async Task AssertBothGatewaysPortsShownAsync(int http, int influx)
    {
        var cookies = new CookieContainer();
        using var handler = new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{P(http)}"), Timeout = TimeSpan.FromSeconds(10) };

        using (HttpResponseMessage anonymous = await client.GetAsync(new Uri("/api/board", UriKind.Relative)))
        {
            if (anonymous.StatusCode == HttpStatusCode.NotFound)
            {
                await AssertPortsStoredAsync(influx, client);
                return;
            }

            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        string password = (await File.ReadAllTextAsync(Path.Combine(_state, "hub", "console-password"))).Trim();
        using (HttpResponseMessage page = await client.GetAsync(new Uri("/login", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }

        string token = cookies.GetCookies(client.BaseAddress!)["XSRF-TOKEN"]?.Value ?? throw new InvalidOperationException("no XSRF-TOKEN cookie from /login");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = "district", // the district's manager: both companies' sheds, read-only
            ["password"] = password,
            ["__RequestVerificationToken"] = token,
            ["returnUrl"] = "/",
        });
        using (HttpResponseMessage login = await client.PostAsync(new Uri("/login", UriKind.Relative), form))
        {
            Assert.True(login.StatusCode is HttpStatusCode.SeeOther or HttpStatusCode.Found, $"sign-in answered {login.StatusCode}");
            Assert.DoesNotContain("error", login.Headers.Location?.ToString() ?? "", StringComparison.Ordinal);
        }

        string last = "";
        await DeployScripts.WaitUntilAsync(async () =>
        {
            last = await client.GetStringAsync(new Uri("/api/board", UriKind.Relative));
            using var board = JsonDocument.Parse(last);
            return Gateways.All(g => board.RootElement.GetProperty("gateways").EnumerateArray().Any(b =>
                b.GetProperty("site").GetString() == g.Site && b.GetProperty("gateway").GetString() == g.Gateway
                && b.GetProperty("ports").GetArrayLength() == 20));
        }, TimeSpan.FromSeconds(60), () => "the board does not show both gateways' 20 ports: " + last);
    }

    private static async Task AssertPortsStoredAsync(int influx, HttpClient hub)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{P(influx)}"), Timeout = TimeSpan.FromSeconds(10) };
        string last = "";
        await DeployScripts.WaitUntilAsync(async () =>
        {
            foreach ((string site, string gateway) in Gateways)
            {
                string q = Uri.EscapeDataString($"SHOW TAG VALUES FROM port WITH KEY = \"port\" WHERE site = '{site}' AND gateway = '{gateway}'");
                last = await client.GetStringAsync(new Uri($"/query?db=edge&q={q}", UriKind.Relative));
                using var answer = JsonDocument.Parse(last);
                JsonElement result = answer.RootElement.GetProperty("results")[0];
                if (!result.TryGetProperty("series", out JsonElement series) || series[0].GetProperty("values").GetArrayLength() != 20)
                {
                    return false;
                }
            }

            return true;
        }, TimeSpan.FromSeconds(60), () => "InfluxDB does not hold both gateways' 20 ports: " + last);

        using var health = JsonDocument.Parse(await hub.GetStringAsync(new Uri("/healthz", UriKind.Relative)));
        Assert.True(health.RootElement.GetProperty("broker_connected").GetBoolean());
        Assert.Equal(0, health.RootElement.GetProperty("rejected").GetInt64());
    }

    /// <summary>The process exists and is not a zombie (an exited child nobody has reaped yet).</summary>
    private static bool Running(int pid)
    {
        string stat = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat";
        try
        {
            string text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string P(int port) => port.ToString(CultureInfo.InvariantCulture);
}
