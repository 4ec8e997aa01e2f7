using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Servers;

namespace EdgeGateway.Hub.Tests.EndToEnd;

/// <summary>
/// Faults while a gateway publishes: InfluxDB stopped and started again, the hub killed with SIGKILL and started
/// again. Messages are acknowledged only after they are stored, so the broker keeps (and redelivers) everything not
/// yet stored, and a redelivered message is the same point: the stored numbers equal the sent numbers, once each.
/// </summary>
[Trait("Category", "Servers")]
public sealed class IngestFaultTests : IDisposable
{
    private const string Gw = SimulatedGateway.Gateway;
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-hub-faults-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Dir(string name) => Directory.CreateDirectory(Path.Combine(_dir, name)).FullName;

    [Fact]
    public async Task InfluxDB_stopped_and_the_hub_killed_during_ingest_lose_nothing_and_double_nothing()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(MosquittoBrokerOptions.ForHub);
        await using InfluxDbServer influx = await InfluxDbServer.StartNewAsync();
        await influx.CreateDatabaseAsync("edge");
        await using SentMessages sent = await SentMessages.SubscribeAsync(broker, SimulatedGateway.Site, Gw);
        await using HubProcess hub = await HubProcess.StartAsync(broker, influx.Uri, "v1", "edge", Dir("hub"));
        await using ProductProcess gateway = SimulatedGateway.Start(broker, Dir("gw"), speed: "4", duration: "00:02:00");
        await gateway.WaitForLineAsync("MQTT connected", TimeSpan.FromSeconds(120));

        await Task.Delay(TimeSpan.FromSeconds(4));
        await influx.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(5));
        long failuresDuringOutage = (await hub.HealthAsync()).GetProperty("write_failures").GetInt64();
        await influx.StartAsync();
        await Task.Delay(TimeSpan.FromSeconds(4));

        await hub.KillAsync();
        await Task.Delay(TimeSpan.FromSeconds(4));
        await hub.RestartAsync();

        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(240)));
        await sent.DrainAsync(TimeSpan.FromSeconds(2));
        List<long> stored = await StoredPoints.WaitForAsync(() => StoredPoints.SeqsAsync(influx, "edge", Gw), sent.BySeq.Count, TimeSpan.FromSeconds(60));

        Assert.True(failuresDuringOutage > 0, "the hub never noticed InfluxDB was down");
        Assert.True(sent.BySeq.Count > 100, $"the gateway sent only {sent.BySeq.Count} messages");
        Assert.Equal(stored.Count, stored.Distinct().Count()); // no doubles
        Assert.Equal(sent.BySeq.Keys.Order(), stored.Order()); // no losses
        long first = sent.BySeq.Keys.Min();
        Assert.Equal(Enumerable.Range((int)first, sent.BySeq.Count).Select(i => (long)i), stored.Order()); // no gaps

        hub.AssertNoErrorsLogged();
    }
}
