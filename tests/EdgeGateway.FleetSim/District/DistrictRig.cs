using EdgeGateway.Testing.Http;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Servers;

namespace EdgeGateway.FleetSim.District;

/// <summary>
/// The district's server side on loopback, as deployed: Mosquitto (sessions kept across restarts, no per-client queue
/// cap, deploy/mosquitto's setting), InfluxDB 1.x, one or more hubs (the built EdgeGateway.Hub, on a shared
/// subscription when there are several) notifying a local webhook receiver of every alarm.
/// </summary>
internal sealed class DistrictRig : IAsyncDisposable
{
    public const string Database = "district";

    private readonly string _directory;
    private readonly string _settings;

    private DistrictRig(string directory, string settings, MosquittoBroker broker, InfluxDbServer influx, LoopbackReceiver webhook)
    {
        _directory = directory;
        _settings = settings;
        Broker = broker;
        Influx = influx;
        Webhook = webhook;
    }

    public MosquittoBroker Broker { get; }

    public InfluxDbServer Influx { get; }

    public LoopbackReceiver Webhook { get; }

    public List<HubProcess> Hubs { get; } = [];

    public static async Task<DistrictRig> StartAsync(string directory, int hubs)
    {
        Directory.CreateDirectory(directory);
        MosquittoBroker broker = await MosquittoBroker.StartNewAsync(new MosquittoBrokerOptions
        {
            // Sessions survive a broker restart (persistence) and a hub's session queue is bounded by memory, not by
            // Mosquitto's default 1,000 (deploy/mosquitto/mosquitto.conf).
            ExtraConfiguration = ["max_queued_messages 0"],

            // Not every packet in the log: at district rates the log itself stalled the broker (MosquittoBrokerOptions).
            LogEveryPacket = false,
        });
        InfluxDbServer influx = await InfluxDbServer.StartNewAsync();
        await influx.CreateDatabaseAsync(Database);
        LoopbackReceiver webhook = await LoopbackReceiver.StartAsync(TimeProvider.System);
        string settings = Path.Combine(directory, "hub.json");
        await File.WriteAllTextAsync(settings, $$"""
            {
              "Notifications": {
                "Channels": { "district": { "Type": "Webhook", "Url": "{{webhook.Url("/alarms")}}" } },
                "Routes": [ { "Sites": [ "*" ], "MinSeverity": "info", "Channels": [ "district" ] } ],
                "InitialBackoff": "00:00:00.200"
              }
            }
            """);
        var rig = new DistrictRig(directory, settings, broker, influx, webhook);
        for (int i = 0; i < hubs; i++)
        {
            await rig.AddHubAsync(shared: hubs > 1);
        }

        return rig;
    }

    /// <summary>
    /// Starts another hub instance (hub-a, hub-b, ...). Several share the load on the shared subscription group
    /// "district"; a single one subscribes plainly, as deploy/hub configures it: Mosquitto 2.0.11 does not restore a
    /// shared subscription from its persistence file, so across a broker restart a shared-only hub misses whatever
    /// gateways publish before it has subscribed again (docs/measurements.md, "Scale and reliability").
    /// </summary>
    public async Task<HubProcess> AddHubAsync(bool shared = false)
    {
        string id = $"hub-{(char)('a' + Hubs.Count)}";
        HubProcess hub = await HubProcess.StartAsync(Broker, Influx.Uri, "v1", Database, Path.Combine(_directory, id), id, sharedGroup: shared ? "district" : null, settingsFile: _settings);
        Hubs.Add(hub);
        return hub;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (HubProcess hub in Hubs)
        {
            await hub.DisposeAsync();
        }

        await Webhook.DisposeAsync();
        await Influx.DisposeAsync();
        await Broker.DisposeAsync();
    }
}
