using EdgeGateway.Hub.Incidents;
using EdgeGateway.Testing.Http;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Servers;

namespace EdgeGateway.Hub.Tests.EndToEnd;

/// <summary>
/// Two hub instances in one MQTT 5 shared-subscription group ($share/hub/edge/v1/#) on a real Mosquitto: they split
/// the messages, one is killed with SIGKILL midway and comes back (as systemd's Restart= brings it back), and still
/// every message is stored once, every alarm notified once, and every notifiable alarm opens one incident in the
/// incident database the two share (Hub:Incidents:Path), whichever instance recorded it.
/// </summary>
[Trait("Category", "Servers")]
public sealed class SharedSubscriptionTests : IDisposable
{
    private const string Gw = SimulatedGateway.Gateway;
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-hub-shared-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Dir(string name) => Directory.CreateDirectory(Path.Combine(_dir, name)).FullName;

    [Fact]
    public async Task Two_instances_share_the_load_and_one_killed_midway_loses_nothing_and_notifies_each_alarm_once_with_one_incident_each()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(MosquittoBrokerOptions.ForHub);
        await using InfluxDbServer influx = await InfluxDbServer.StartNewAsync();
        await influx.CreateDatabaseAsync("edge");
        await using LoopbackReceiver webhook = await LoopbackReceiver.StartAsync();
        string settings = Path.Combine(_dir, "hub.json");
        string incidents = Path.Combine(_dir, "shared", "incidents.db");
        await File.WriteAllTextAsync(settings, $$"""
            {
              "Hub": { "Incidents": { "Path": "{{incidents}}" } },
              "Notifications": {
                "Channels": { "ops": { "Type": "Webhook", "Url": "{{webhook.Url("/alarms")}}" } },
                "Routes": [ { "Sites": [ "*" ], "MinSeverity": "info", "Channels": [ "ops" ] } ],
                "InitialBackoff": "00:00:00.200"
              }
            }
            """);
        await using SentMessages sent = await SentMessages.SubscribeAsync(broker, SimulatedGateway.Site, Gw);
        // The production grace (2 min) for a seq its peer stored: the other tests' 20 s was once too short on a machine
        // at load average 80, where a peer's report took longer and 12 seqs stored by the peer were counted as lost.
        var grace = new Dictionary<string, string> { ["Hub__Ingest__SeqGapGrace"] = "00:02:00" };
        await using HubProcess a = await HubProcess.StartAsync(broker, influx.Uri, "v1", "edge", Dir("hub-a"), "hub-a", sharedGroup: "hub", settingsFile: settings, environment: grace);
        await using HubProcess b = await HubProcess.StartAsync(broker, influx.Uri, "v1", "edge", Dir("hub-b"), "hub-b", sharedGroup: "hub", settingsFile: settings, environment: grace);

        await using (ProductProcess gateway = SimulatedGateway.Start(broker, Dir("gw"), speed: "4", duration: "00:02:00"))
        {
            await gateway.WaitForLineAsync("MQTT connected", TimeSpan.FromSeconds(120));
            await Task.Delay(TimeSpan.FromSeconds(8));
            await a.KillAsync();
            await Task.Delay(TimeSpan.FromSeconds(6));
            await a.RestartAsync();
            Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(240)));
        }

        await sent.DrainAsync(TimeSpan.FromSeconds(2));
        List<long> stored = await StoredPoints.WaitForAsync(() => StoredPoints.SeqsAsync(influx, "edge", Gw), sent.BySeq.Count, TimeSpan.FromSeconds(60));
        Assert.Equal(stored.Count, stored.Distinct().Count());
        Assert.Equal(sent.BySeq.Keys.Order(), stored.Order());

        // Both instances took a share (b ran throughout; a's counters restarted with it).
        long byB = (await b.HealthAsync()).GetProperty("accepted").GetInt64();
        Assert.InRange(byB, 1, sent.BySeq.Count - 1);

        // Each saw only its share, yet neither took the other's numbers for losses: they told each other what they stored.
        // Waits until neither has a number outstanding (each seen, or given up on after the grace) before judging.
        DateTime settled = DateTime.UtcNow.AddMinutes(4);
        while (((await a.HealthAsync()).GetProperty("seq_outstanding").GetInt64() > 0 || (await b.HealthAsync()).GetProperty("seq_outstanding").GetInt64() > 0)
            && DateTime.UtcNow < settled)
        {
            await Task.Delay(500);
        }

        Assert.Equal(0, (await a.HealthAsync()).GetProperty("seq_missing").GetInt64());
        Assert.Equal(0, (await b.HealthAsync()).GetProperty("seq_missing").GetInt64());

        // Every notifiable alarm raised: one "raised" notice, whichever instance stored it.
        string[] notifiable = ["port_overload", "shed_overload", "port_short_circuit", "port_malicious_load", "smoke", "over_temperature", "bin_fire", "bin_overflow"];
        string[] raised = [.. sent.On("/alarms")
            .Where(body => body.GetProperty("event").GetString() == "raised" && notifiable.Contains(body.GetProperty("kind").GetString()))
            .Select(body => body.GetProperty("alarm_id").GetString()!)];
        Assert.NotEmpty(raised);
        DateTime until = DateTime.UtcNow.AddSeconds(30);
        while (Notices(webhook, "raised").Count < raised.Length && DateTime.UtcNow < until)
        {
            await Task.Delay(200);
        }

        await Task.Delay(TimeSpan.FromSeconds(2)); // room for a duplicate to show up, if there were one
        Assert.Equal(raised.Order(), Notices(webhook, "raised").Order());

        // Every notifiable raise (a notified kind, major or critical) opened one incident, whichever instance had it.
        string[] opening = [.. sent.On("/alarms")
            .Where(body => body.GetProperty("event").GetString() == "raised" && notifiable.Contains(body.GetProperty("kind").GetString())
                && body.GetProperty("severity").GetString() is "major" or "critical")
            .Select(body => body.GetProperty("alarm_id").GetString()!)
            .Distinct()];
        Assert.NotEmpty(opening);
        using (var store = IncidentStore.Open(incidents))
        {
            List<Incident> all = store.List(new IncidentFilter());
            Assert.Equal(opening.Order(), all.Select(i => i.Key.AlarmId).Order());
            Assert.All(all, i => Assert.Single(i.Steps, s => s.Action == IncidentWire.Opened));
        }

        a.AssertNoErrorsLogged();
        b.AssertNoErrorsLogged();
    }

    private static List<string> Notices(LoopbackReceiver webhook, string notice) =>
        [.. webhook.On("/alarms").Select(r => r.Json)
            .Where(body => body.GetProperty("notice").GetString() == notice)
            .Select(body => body.GetProperty("alarm").GetProperty("alarm_id").GetString()!)];
}
