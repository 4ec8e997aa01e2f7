using System.Diagnostics;
using System.Globalization;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Testing.Http;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Servers;

namespace EdgeGateway.Hub.Tests.EndToEnd;

/// <summary>
/// An alarm does not wait for InfluxDB: with influxd stalled (SIGSTOP: connections accepted, nothing answered) and the
/// telemetry connection's window full of unwritten telemetry, an alarm published then is notified while the database
/// is still stalled — it arrives on the hub's own alarm connection and is recorded in the ledger as it is read. Once
/// the database answers again, every message is stored once, the alarm's point among them, the alarm notified once,
/// and no number is counted as lost.
/// </summary>
[Trait("Category", "Servers")]
public sealed class AlarmLaneTests : IDisposable
{
    private const string Site = "s1";
    private const string Gw = "g1";
    private const int Window = 20;
    private const int Flood = 100;
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-hub-alarmlane-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task An_alarm_is_notified_while_InfluxDB_is_stalled_and_the_telemetry_window_is_full_and_stored_once_after()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(MosquittoBrokerOptions.ForHub);
        await using InfluxDbServer influx = await InfluxDbServer.StartNewAsync();
        await influx.CreateDatabaseAsync("edge");
        await using LoopbackReceiver webhook = await LoopbackReceiver.StartAsync();
        string settings = Path.Combine(_dir, "hub.json");
        await File.WriteAllTextAsync(settings, $$"""
            {
              "Notifications": {
                "Channels": { "ops": { "Type": "Webhook", "Url": "{{webhook.Url("/alarms")}}" } },
                "Routes": [ { "Sites": [ "*" ], "MinSeverity": "info", "Channels": [ "ops" ] } ],
                "InitialBackoff": "00:00:00.200"
              }
            }
            """);
        var window = new Dictionary<string, string> { ["Hub__Ingest__QueueCapacity"] = Window.ToString(CultureInfo.InvariantCulture) };
        await using HubProcess hub = await HubProcess.StartAsync(
            broker, influx.Uri, "v1", "edge", Directory.CreateDirectory(Path.Combine(_dir, "hub")).FullName, settingsFile: settings, environment: window);
        await using ProbeClient gateway = await ProbeClient.ConnectAsync(broker, clientId: "alarm-lane-gw");

        long seq = 0;
        for (int i = 0; i < 5; i++)
        {
            await gateway.PublishAsync(ContractTopics.PortTelemetry(Site, Gw, "p1"), Telemetry(++seq));
        }

        Assert.Equal(5, (await StoredPoints.WaitForAsync(() => StoredPoints.SeqsAsync(influx, "edge", Gw), 5, TimeSpan.FromSeconds(60))).Count);

        int influxd = influx.ProcessId ?? throw new InvalidOperationException("influxd is not running");
        await SignalAsync("STOP", influxd);
        try
        {
            for (int i = 0; i < Flood; i++)
            {
                await gateway.PublishAsync(ContractTopics.PortTelemetry(Site, Gw, "p1"), Telemetry(++seq));
            }

            AlarmMessage alarm = Notifications.Alarms.Raised("alm-lane-1", "port_overload", AlarmSeverity.Major, site: Site, gateway: Gw, source: "port:p1", at: Now()) with { Seq = ++seq };
            await gateway.PublishAsync(ContractTopics.Alarms(Site, Gw), ContractJson.SerializeToString(alarm));
            DateTimeOffset ended = Now();
            await gateway.PublishAsync(ContractTopics.Sessions(Site, Gw), ContractJson.SerializeToString(new SessionMessage
            {
                Seq = ++seq, Ts = ended, Site = Site, Gateway = Gw, SessionId = "ses-lane-1", Port = "p1", StartedTs = ended.AddMinutes(-10),
                EndedTs = ended, DurationS = 600, EnergyWh = 12, PeakPowerW = 700, EndReason = SessionEndReason.Overload,
            }));

            // Notified with the database still stalled (the deadline only bounds a failure: before, the notice waited for it).
            DateTime until = DateTime.UtcNow.AddSeconds(60);
            while (Notices(webhook).Count == 0 && DateTime.UtcNow < until)
            {
                await Task.Delay(100);
            }

            Assert.Equal(["alm-lane-1"], Notices(webhook));
            // ... and the telemetry was held back meanwhile: the hub took no more than its window of the flood.
            Assert.InRange((await hub.HealthAsync()).GetProperty("received").GetInt64(), 5 + 2, 5 + Window + 2);
        }
        finally
        {
            await SignalAsync("CONT", influxd);
        }

        List<long> stored = await StoredPoints.WaitForAsync(() => StoredPoints.SeqsAsync(influx, "edge", Gw), (int)seq, TimeSpan.FromSeconds(120));
        Assert.Equal(Enumerable.Range(1, (int)seq).Select(i => (long)i), stored.Order()); // every one, once
        InfluxQueryResult alarmPoints = await influx.QueryAsync("edge", "SELECT seq FROM alarm WHERE alarm_id = 'alm-lane-1'");
        Assert.Single(alarmPoints.Rows);

        await Task.Delay(TimeSpan.FromSeconds(2)); // room for a second notice, were there one
        Assert.Equal(["alm-lane-1"], Notices(webhook));

        // The alarm's number was stored before the telemetry numbered below it, which waited for the database: no loss.
        DateTime settled = DateTime.UtcNow.AddSeconds(60);
        while ((await hub.HealthAsync()).GetProperty("seq_outstanding").GetInt64() > 0 && DateTime.UtcNow < settled)
        {
            await Task.Delay(500);
        }

        Assert.Equal(0, (await hub.HealthAsync()).GetProperty("seq_missing").GetInt64());
        hub.AssertNoErrorsLogged();
    }

    private static DateTimeOffset Now() => ContractTime.Truncate(DateTimeOffset.UtcNow);

    private static string Telemetry(long seq) =>
        ContractJson.SerializeToString(new PortTelemetryMessage
        {
            Seq = seq, Ts = Now(), Site = Site, Gateway = Gw, Port = "p1", State = PortState.Charging,
            RelayClosed = true, VoltageV = 230, CurrentA = 0.5, PowerW = 80, PowerFactor = 0.7, SessionEnergyWh = 1,
            SessionS = 60, LifetimeEnergyWh = 10, MeasuredTs = Now(),
        });

    private static List<string> Notices(LoopbackReceiver webhook) =>
        [.. webhook.On("/alarms").Select(r => r.Json)
            .Where(body => body.GetProperty("notice").GetString() == "raised")
            .Select(body => body.GetProperty("alarm").GetProperty("alarm_id").GetString()!)];

    private static async Task SignalAsync(string signal, int pid)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }
}
