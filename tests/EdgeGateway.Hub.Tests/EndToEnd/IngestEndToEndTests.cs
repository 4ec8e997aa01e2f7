using System.Text.Json;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Servers;

namespace EdgeGateway.Hub.Tests.EndToEnd;

/// <summary>
/// Gateway (simulated shed, real binary) → Mosquitto → hub (real binary) → InfluxDB 1.x over the v1 API and
/// VictoriaMetrics over the v2 write API: every message the gateway sent is stored once, with the values sent.
/// </summary>
[Trait("Category", "Servers")]
public sealed class IngestEndToEndTests : IDisposable
{
    private const string Gw = SimulatedGateway.Gateway;
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-hub-e2e-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Dir(string name) => Directory.CreateDirectory(Path.Combine(_dir, name)).FullName;

    [Fact]
    public async Task Every_message_a_gateway_sends_is_stored_once_in_InfluxDB_v1_with_the_values_and_times_sent()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(MosquittoBrokerOptions.ForHub);
        await using InfluxDbServer influx = await InfluxDbServer.StartNewAsync();
        await influx.CreateDatabaseAsync("edge");
        await using SentMessages sent = await SentMessages.SubscribeAsync(broker, SimulatedGateway.Site, Gw);
        await using HubProcess hub = await HubProcess.StartAsync(broker, influx.Uri, "v1", "edge", Dir("hub"));

        await using (ProductProcess gateway = SimulatedGateway.Start(broker, Dir("gw"), speed: "6", duration: "00:01:30"))
        {
            Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(240)));
        }

        await sent.DrainAsync(TimeSpan.FromSeconds(2));
        List<long> stored = await StoredPoints.WaitForAsync(() => StoredPoints.SeqsAsync(influx, "edge", Gw), sent.BySeq.Count, TimeSpan.FromSeconds(120));

        Assert.True(sent.BySeq.Count > 100, $"the gateway sent only {sent.BySeq.Count} messages");
        Assert.Equal(sent.BySeq.Keys.Order(), stored.Order());

        // Port telemetry: power, voltage and state at the message's own timestamp.
        Testing.Servers.InfluxQueryResult ports = await influx.QueryAsync("edge", $"SELECT seq, power_w, voltage_v, state FROM port WHERE gateway = '{Gw}'");
        Assert.Equal(sent.On("/telemetry").Count(b => b.TryGetProperty("port", out _)), ports.Rows.Count);
        foreach (IReadOnlyDictionary<string, JsonElement> row in ports.Rows)
        {
            JsonElement body = sent.BySeq[row["seq"].GetInt64()].Body;
            Assert.Equal(StoredPoints.Millis(body), row["time"].GetInt64());
            Assert.Equal(StoredPoints.Number(body.GetProperty("power_w")), StoredPoints.Number(row["power_w"]));
            Assert.Equal(StoredPoints.Number(body.GetProperty("voltage_v")), StoredPoints.Number(row["voltage_v"]));
            Assert.Equal(body.GetProperty("state").GetString(), row["state"].GetString());
        }

        // The overload alarm, with its measured value and limit.
        Testing.Servers.InfluxQueryResult alarms = await influx.QueryAsync("edge", $"SELECT seq, alarm_id, value, threshold FROM alarm WHERE gateway = '{Gw}' AND kind = 'port_overload'");
        Assert.NotEmpty(alarms.Rows);
        foreach (IReadOnlyDictionary<string, JsonElement> row in alarms.Rows)
        {
            JsonElement body = sent.BySeq[row["seq"].GetInt64()].Body;
            Assert.Equal(body.GetProperty("alarm_id").GetString(), row["alarm_id"].GetString());
            Assert.Equal(StoredPoints.Number(body.GetProperty("value")), StoredPoints.Number(row["value"]));
            Assert.Equal(StoredPoints.Number(body.GetProperty("threshold")), StoredPoints.Number(row["threshold"]));
        }

        JsonElement health = await hub.HealthAsync();
        Assert.Equal(0, health.GetProperty("rejected").GetInt64());
        Assert.Equal(0, health.GetProperty("seq_missing").GetInt64());

        hub.AssertNoErrorsLogged();
    }

    [Fact]
    public async Task Every_message_a_gateway_sends_is_stored_once_in_VictoriaMetrics_through_the_v2_write_API()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(MosquittoBrokerOptions.ForHub);
        await using VictoriaMetricsServer vm = await VictoriaMetricsServer.StartNewAsync();
        await using SentMessages sent = await SentMessages.SubscribeAsync(broker, SimulatedGateway.Site, Gw);
        const string Token = "tok-3f9c1b7e-never-logged";
        await using HubProcess hub = await HubProcess.StartAsync(broker, vm.Uri, "v2", "edge", Dir("hub"), extraArgs: ["--influx-token", Token]);

        await using (ProductProcess gateway = SimulatedGateway.Start(broker, Dir("gw"), speed: "6", duration: "00:01:00"))
        {
            Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(240)));
        }

        await sent.DrainAsync(TimeSpan.FromSeconds(2));
        List<long> stored = await StoredPoints.WaitForAsync(() => StoredPoints.SeqsAsync(vm, Gw), sent.BySeq.Count, TimeSpan.FromSeconds(120));

        Assert.True(sent.BySeq.Count > 50, $"the gateway sent only {sent.BySeq.Count} messages");
        Assert.Equal(sent.BySeq.Keys.Order(), stored.Order());

        // Numeric fields come back as {measurement}_{field} series with the tags as labels, at the message's ts.
        IReadOnlyList<VmSeries> power = await vm.ExportAsync($"{{__name__=\"port_power_w\",gateway=\"{Gw}\",port=\"P02\"}}");
        VmSeries p02 = Assert.Single(power);
        var sentPower = sent.On("/ports/P02/telemetry")
            .Where(b => b.GetProperty("power_w").ValueKind == JsonValueKind.Number)
            .ToDictionary(StoredPoints.Millis, b => b.GetProperty("power_w").GetDouble());
        Assert.Equal(sentPower.Count, p02.Values.Count);
        for (int i = 0; i < p02.Values.Count; i++)
        {
            Assert.Equal(sentPower[p02.Timestamps[i]], p02.Values[i], precision: 6);
        }

        Assert.Contains("Writing points to InfluxDB v2 write API", hub.Process.Output);
        Assert.DoesNotContain(Token, hub.Process.Output);

        hub.AssertNoErrorsLogged();
    }
}
