using System.Text.Json;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Servers;

namespace EdgeGateway.Hub.Tests.EndToEnd;

/// <summary>
/// A wire tapped before the port meters, end to end: the gateway (real binary, the supply meter demo shed, its DDSU666
/// simulated on a pty) raises <c>unmetered_load</c> over Mosquitto, and the hub stores it and the supply's readings in
/// InfluxDB.
/// </summary>
[Trait("Category", "Servers")]
public sealed class UnmeteredLoadEndToEndTests : IDisposable
{
    private const string Site = "linzi-demo-supply";
    private const string Gw = SimulatedGateway.Gateway;
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-unmetered-e2e-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Dir(string name) => Directory.CreateDirectory(Path.Combine(_dir, name)).FullName;

    [Fact]
    public async Task A_tapped_wire_raises_unmetered_load_and_the_alarm_and_the_supply_readings_land_in_InfluxDB()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(MosquittoBrokerOptions.ForHub);
        await using InfluxDbServer influx = await InfluxDbServer.StartNewAsync();
        await influx.CreateDatabaseAsync("edge");
        await using SentMessages sent = await SentMessages.SubscribeAsync(broker, Site, Gw);
        await using HubProcess hub = await HubProcess.StartAsync(broker, influx.Uri, "v1", "edge", Dir("hub"));

        // The 500 W tap starts at 0:15 of shed time; with the site's 20 s debounce and 2 s polls the alarm is due by 0:39.
        await using (ProductProcess gateway = SimulatedGateway.Start(broker, Dir("gw"), speed: "15", duration: "00:00:50", scenario: "unmetered-load", site: "demo-supply-meter"))
        {
            Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(120)));
        }

        await sent.DrainAsync(TimeSpan.FromSeconds(2));
        List<long> stored = await StoredPoints.WaitForAsync(() => StoredPoints.SeqsAsync(influx, "edge", Gw), sent.BySeq.Count, TimeSpan.FromSeconds(60));
        Assert.Equal(sent.BySeq.Keys.Order(), stored.Order());

        JsonElement raised = Assert.Single(sent.On("/alarms"), b => b.GetProperty("kind").GetString() == "unmetered_load");
        Assert.InRange(raised.GetProperty("value").GetDouble(), 400, 600);
        InfluxQueryResult alarms = await influx.QueryAsync("edge", $"SELECT seq, value, threshold, source FROM alarm WHERE gateway = '{Gw}' AND kind = 'unmetered_load'");
        IReadOnlyDictionary<string, JsonElement> row = Assert.Single(alarms.Rows);
        Assert.Equal(raised.GetProperty("seq").GetInt64(), row["seq"].GetInt64());
        Assert.Equal(raised.GetProperty("value").GetDouble(), row["value"].GetDouble());
        Assert.Equal("shed", row["source"].GetString());

        // The supply's readings ride on the status: before the tap they agree with the ports, after it 500 W more.
        InfluxQueryResult supply = await influx.QueryAsync("edge", $"SELECT supply_power_w, supply_ports_power_w, supply_unmetered_w FROM gateway WHERE gateway = '{Gw}' AND supply_power_w > 0");
        Assert.NotEmpty(supply.Rows);
        Assert.Contains(supply.Rows, r => r["supply_unmetered_w"].GetDouble() is > 400 and < 600);
        Assert.All(supply.Rows, r => Assert.Equal(r["supply_power_w"].GetDouble() - r["supply_ports_power_w"].GetDouble(), r["supply_unmetered_w"].GetDouble(), 0.2));

        hub.AssertNoErrorsLogged();
    }
}
