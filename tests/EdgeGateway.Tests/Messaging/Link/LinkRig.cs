using EdgeGateway.Events;
using EdgeGateway.Messaging;
using EdgeGateway.Messaging.Outbox;
using EdgeGateway.Mqtt;
using EdgeGateway.Testing;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Tests.Simulation;
using EdgeGateway.Timekeeping;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeGateway.Tests.Messaging.Link;

/// <summary>
/// A simulated shed whose events reach a real Mosquitto through the gateway's own MQTT link: outbox,
/// connection and link exactly as the service wires them. <see cref="ForwardAsync"/> hands the shed's new
/// events to the link, as the event dispatcher does in the service.
/// </summary>
internal sealed class LinkRig : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private int _forwarded;

    private LinkRig(ShedHarness shed, string dataDirectory, MqttConnection connection, DurableOutbox outbox, MqttLink link)
    {
        Shed = shed;
        DataDirectory = dataDirectory;
        Connection = connection;
        Outbox = outbox;
        Link = link;
    }

    public ShedHarness Shed { get; }

    public string DataDirectory { get; }

    public MqttConnection Connection { get; }

    public DurableOutbox Outbox { get; }

    public MqttLink Link { get; }

    public static async Task<LinkRig> StartAsync(
        MosquittoBroker broker, string? dataDirectory = null, long maxMessages = 200_000, string? siteFile = null, Func<OutboxOptions, OutboxOptions>? outboxOptions = null, ClockSync? clock = null)
    {
        var shed = new ShedHarness(siteFile: siteFile);
        string dir = dataDirectory ?? Directory.CreateTempSubdirectory("edgegateway-link-").FullName;
        MqttLinkOptions options = LinkOptions.For(broker.Uri, $"{shed.Site.Site.Id}-{shed.Site.Site.Gateway}");
        options.MaxBackoff = TimeSpan.FromSeconds(1);
        var connection = new MqttConnection(options, NullLogger<MqttConnection>.Instance);
        var stored = new OutboxOptions { Path = Path.Combine(dir, "outbox.db"), MaxMessages = maxMessages };
        var outbox = DurableOutbox.Open(outboxOptions?.Invoke(stored) ?? stored, out _);
        var link = new MqttLink(shed.Runtime, outbox, connection, NullLogger<MqttLink>.Instance, clock);
        var rig = new LinkRig(shed, dir, connection, outbox, link);
        await link.StartAsync(rig._stop.Token);
        return rig;
    }

    /// <summary>Hands the shed's events since the last call to the link (the dispatcher's job in the service).</summary>
    public async Task ForwardAsync()
    {
        IReadOnlyList<GatewayEvent> events = Shed.Events;
        for (; _forwarded < events.Count; _forwarded++)
        {
            await Link.HandleAsync(events[_forwarded], CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Link.StopAsync(CancellationToken.None);
        Link.Dispose();
        await Connection.DisposeAsync();
        Outbox.Dispose();
        Shed.Dispose();
        _stop.Dispose();
    }
}
