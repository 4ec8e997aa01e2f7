using System.Globalization;
using System.Net;
using EdgeGateway.Hub.Tests.Deploy;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Servers;

namespace EdgeGateway.Hub.Tests.EndToEnd;

/// <summary>
/// The hub's health and metrics against real servers going down and coming back (issue 20): <c>/health/ready</c> is 503
/// with the reason while Mosquitto is stopped or InfluxDB has refused writes past the threshold, and 200 again once they
/// are back; <c>/health/live</c> stays 200; <c>/metrics</c> has every metric the hub's README documents; a gateway's own
/// figures reach its status, the hub's <c>gateway</c> measurement and the gateway's loopback <c>/metrics</c>;
/// <c>/healthz</c> answers loopback only (or a console admin).
/// </summary>
[Trait("Category", "Servers")]
public sealed class HubHealthTests : IDisposable
{
    /// <summary>A bound against a hang on a loaded machine, not a speed.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-hub-health-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Dir(string name) => Directory.CreateDirectory(Path.Combine(_dir, name)).FullName;

    [Fact]
    public async Task Ready_is_503_with_the_reason_while_the_broker_is_stopped_and_200_once_it_is_back_while_live_stays_200()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(MosquittoBrokerOptions.ForHub);
        await using InfluxDbServer influx = await InfluxDbServer.StartNewAsync();
        await influx.CreateDatabaseAsync("edge");
        await using HubProcess hub = await HubProcess.StartAsync(broker, influx.Uri, "v1", "edge", Dir("hub"));
        using HttpClient http = Client(hub);

        await StatusEventuallyAsync(http, "/health/ready", HttpStatusCode.OK);
        await broker.StopAsync();
        string body = await StatusEventuallyAsync(http, "/health/ready", HttpStatusCode.ServiceUnavailable);
        Assert.Contains("\"broker\":{\"status\":\"Unhealthy\",\"reason\":\"the broker is disconnected", body, StringComparison.Ordinal);
        Assert.Contains("\"influxdb\":{\"status\":\"Healthy\"", body, StringComparison.Ordinal);
        using (HttpResponseMessage live = await http.GetAsync(new Uri("/health/live", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        await broker.StartAsync();
        await StatusEventuallyAsync(http, "/health/ready", HttpStatusCode.OK);
    }

    [Fact]
    public async Task With_InfluxDB_stopped_past_the_threshold_ready_is_503_and_metrics_have_every_documented_name_and_the_gateway_its_own()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(MosquittoBrokerOptions.ForHub);
        await using InfluxDbServer influx = await InfluxDbServer.StartNewAsync();
        await influx.CreateDatabaseAsync("edge");
        await using HubProcess hub = await HubProcess.StartAsync(broker, influx.Uri, "v1", "edge", Dir("hub"),
            environment: new Dictionary<string, string> { ["Hub__Readiness__InfluxFailureThreshold"] = "00:00:03" });
        int gatewayMetricsPort = LoopbackPorts.Claim();
        await using ProductProcess gateway = SimulatedGateway.Start(broker, Dir("gw"), speed: "4", duration: "00:05:00",
            environment: new Dictionary<string, string> { ["EDGEGATEWAY_Metrics__PrometheusPort"] = gatewayMetricsPort.ToString(CultureInfo.InvariantCulture) });
        using HttpClient http = Client(hub);

        // Traffic stored: every documented metric that is there from the start, and the write latency, are exported.
        await Eventually(async () => (await hub.HealthAsync()).GetProperty("points_written").GetInt64() > 0, "no point was written");
        string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        (string Name, string Appears)[] documented = DocumentedMetrics();
        Assert.True(documented.Length >= 10, "the README's metric table was not found");
        foreach ((string name, string appears) in documented.Where(m => m.Appears == "always").Append(("edgegateway_hub_write_duration_seconds", "")))
        {
            Assert.True(
                metrics.Split('\n').Any(l => l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal) || l.StartsWith(name + "_bucket{", StringComparison.Ordinal)),
                $"{name} is documented but not in /metrics:\n{metrics}");
        }

        // The gateway's own figures: in its status, stored by the hub, and on its loopback /metrics.
        await Eventually(async () => await influx.CountAsync("edge", "gateway", "rounds") > 0, "no status with figures was stored");
        InfluxQueryResult figures = await influx.QueryAsync("edge", "SELECT last(\"rounds\") AS rounds, last(\"memory_mb\") AS memory_mb, last(\"ports_faulted\") AS ports_faulted FROM \"gateway\"");
        Assert.True(figures.Rows[0]["rounds"].GetInt64() > 0);
        Assert.True(figures.Rows[0]["memory_mb"].GetDouble() > 10, "a .NET process's resident memory is tens of MiB");
        using var gatewayHttp = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{gatewayMetricsPort}"), Timeout = Bound };
        string gatewayMetrics = await gatewayHttp.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        foreach (string name in new[] { "edgegateway_gateway_rounds_total", "edgegateway_gateway_round_duration_seconds_bucket", "edgegateway_gateway_outbox_depth", "edgegateway_gateway_outbox_thinned", "edgegateway_gateway_ports_faulted", "edgegateway_gateway_memory_resident_bytes", "edgegateway_gateway_cpu_time_seconds_total" })
        {
            Assert.True(gatewayMetrics.Split('\n').Any(l => l.StartsWith(name, StringComparison.Ordinal)), $"{name} not in the gateway's /metrics:\n{gatewayMetrics}");
        }

        await StatusEventuallyAsync(http, "/health/ready", HttpStatusCode.OK);
        await influx.StopAsync();
        string body = await StatusEventuallyAsync(http, "/health/ready", HttpStatusCode.ServiceUnavailable);
        Assert.Contains("\"influxdb\":{\"status\":\"Unhealthy\",\"reason\":\"writes to InfluxDB have failed for", body, StringComparison.Ordinal);
        Assert.Contains("\"broker\":{\"status\":\"Healthy\"", body, StringComparison.Ordinal);

        await influx.StartAsync();
        await StatusEventuallyAsync(http, "/health/ready", HttpStatusCode.OK);
    }

    [Fact]
    public async Task Healthz_answers_loopback_but_not_a_client_a_configured_proxy_forwards_from_elsewhere()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(MosquittoBrokerOptions.ForHub);
        await using HubProcess hub = await HubProcess.StartAsync(broker, new Uri("http://127.0.0.1:9"), "v1", "edge", Dir("hub"),
            environment: new Dictionary<string, string> { ["Console__ForwardedHeaders__KnownProxies__0"] = "127.0.0.1" });
        using HttpClient http = Client(hub);

        using (HttpResponseMessage local = await http.GetAsync(new Uri("/healthz", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, local.StatusCode);
            Assert.Contains("\"broker_connected\"", await local.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var forwarded = new HttpRequestMessage(HttpMethod.Get, new Uri("/healthz", UriKind.Relative));
        forwarded.Headers.Add("X-Forwarded-For", "203.0.113.9");
        using HttpResponseMessage remote = await http.SendAsync(forwarded);
        Assert.Equal(HttpStatusCode.NotFound, remote.StatusCode);
        Assert.DoesNotContain(hub.ClientId, await remote.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>The metric table of src/EdgeGateway.Hub/README.md ("Metrics and health"): name and when it appears.</summary>
    private static (string Name, string Appears)[] DocumentedMetrics() =>
        [.. File.ReadAllLines(DeployScripts.PathOf("src/EdgeGateway.Hub/README.md"))
            .Where(l => l.StartsWith("| `edgegateway_hub_", StringComparison.Ordinal))
            .Select(l => l.Split('|', StringSplitOptions.TrimEntries))
            .Select(cells => (cells[1].Trim('`'), cells[4]))];

    private static HttpClient Client(HubProcess hub) => new()
    {
        BaseAddress = new Uri($"http://127.0.0.1:{hub.HttpPort.ToString(CultureInfo.InvariantCulture)}/"),
        Timeout = TimeSpan.FromSeconds(60),
    };

    private static async Task<string> StatusEventuallyAsync(HttpClient http, string path, HttpStatusCode status)
    {
        string last = "";
        DateTime deadline = DateTime.UtcNow + Bound;
        while (DateTime.UtcNow < deadline)
        {
            using HttpResponseMessage response = await http.GetAsync(new Uri(path, UriKind.Relative));
            last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            if (response.StatusCode == status)
            {
                return last;
            }

            await Task.Delay(200);
        }

        throw new Xunit.Sdk.XunitException($"{path} never answered {(int)status}; last: {last}");
    }

    private static async Task Eventually(Func<Task<bool>> condition, string failure)
    {
        DateTime deadline = DateTime.UtcNow + Bound;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(200);
        }
    }
}
