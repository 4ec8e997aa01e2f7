using EdgeGateway.Messaging;
using EdgeGateway.Messaging.Outbox;
using EdgeGateway.Mqtt;
using EdgeGateway.Testing;
using EdgeGateway.Tests.Simulation;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeGateway.Tests.Messaging.Link;

/// <summary>
/// A simulated shed with a one-second telemetry period, run on the test's thread, and its MQTT link to a broker that
/// never answers: the outbox keeps everything the link appends. Started once the link's first report is in the outbox
/// (its shed-time telemetry schedule starts with it).
/// </summary>
internal sealed class OfflineShedLink : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-offline-link-").FullName;
    private readonly CancellationTokenSource _stop = new();
    private readonly MqttConnection _connection;

    private OfflineShedLink(string clientId)
    {
        Shed = new ShedHarness(ShedHarness.SiteYaml.Replace("temperaturePeriodSeconds: 1", "temperaturePeriodSeconds: 1\n  telemetryPeriodSeconds: 1", StringComparison.Ordinal));
        Outbox = DurableOutbox.Open(new OutboxOptions { Path = Path.Combine(_dir, "outbox.db"), MaxMessages = 100_000 }, out _);
        _connection = new MqttConnection(LinkOptions.For(new Uri("mqtt://127.0.0.1:9"), clientId), NullLogger<MqttConnection>.Instance);
        Link = new MqttLink(Shed.Runtime, Outbox, _connection, NullLogger<MqttLink>.Instance);
    }

    public ShedHarness Shed { get; }

    public DurableOutbox Outbox { get; }

    public MqttLink Link { get; }

    public static async Task<OfflineShedLink> StartAsync(string clientId)
    {
        var rig = new OfflineShedLink(clientId);
        await rig.Link.StartAsync(rig._stop.Token);
        await WaitForAsync(() => rig.Messages("/ports/P1/telemetry").Count > 0);
        return rig;
    }

    /// <summary>The messages in the outbox whose topic ends with <paramref name="topicSuffix"/>, in order.</summary>
    public List<OutboxRecord> Messages(string topicSuffix) =>
        [.. Outbox.PeekBatch(100_000).Where(r => r.Topic.EndsWith(topicSuffix, StringComparison.Ordinal))];

    /// <summary>Waits for what the link's loop appends (within a tenth of a second); a generous deadline only bounds a failure.</summary>
    public static async Task WaitForAsync(Func<bool> condition)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Link.StopAsync(CancellationToken.None);
        Link.Dispose();
        await _connection.DisposeAsync();
        Outbox.Dispose();
        Shed.Dispose();
        _stop.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
