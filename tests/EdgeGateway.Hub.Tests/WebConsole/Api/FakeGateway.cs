using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Network;

namespace EdgeGateway.Hub.Tests.WebConsole.Api;

/// <summary>
/// A gateway made of contract messages published by a test client: it says it is online, has one port, and raises
/// alarms on demand, but never answers a command. It gives the tests alarms to acknowledge without touching the real
/// simulated shed, and a gateway that does not reply.
/// </summary>
internal sealed class FakeGateway : IAsyncDisposable
{
    public const string Site = "test-site";
    public const string Gateway = "gw-fake";
    public const string Port = "P01";

    private readonly ProbeClient _probe;
    private long _seq;

    private FakeGateway(ProbeClient probe, string site, string gateway)
    {
        _probe = probe;
        SiteId = site;
        GatewayId = gateway;
    }

    /// <summary>This fake's site (<see cref="Site"/> unless started for another).</summary>
    public string SiteId { get; }

    public string GatewayId { get; }

    public static async Task<FakeGateway> StartAsync(MosquittoBroker broker, string site = Site, string gatewayId = Gateway)
    {
        var gateway = new FakeGateway(await ProbeClient.ConnectAsync(broker, clientId: "fake-gateway-" + Guid.NewGuid().ToString("N")[..6]), site, gatewayId);
        DateTimeOffset now = ContractTime.Truncate(DateTimeOffset.UtcNow);
        await gateway.PublishAsync(ContractTopics.Status(site, gatewayId), new StatusMessage
        {
            Seq = gateway.Next(), Ts = now, Site = site, Gateway = gatewayId, Online = true, Version = "0.1.0-test", UptimeS = 5, OutboxDepth = 0,
        }, retain: true);
        await gateway.PublishAsync(ContractTopics.PortState(site, gatewayId, Port), new PortStateMessage
        {
            Seq = gateway.Next(), Ts = now, Site = site, Gateway = gatewayId, Port = Port, State = PortState.Idle, Reason = "start-up",
        }, retain: true);
        return gateway;
    }

    /// <summary>Raises an alarm on the port (kind port_no_load, info) and returns its id.</summary>
    public async Task<string> RaiseAlarmAsync(string kind = "port_no_load", AlarmSeverity severity = AlarmSeverity.Info)
    {
        string id = Guid.NewGuid().ToString();
        DateTimeOffset now = ContractTime.Truncate(DateTimeOffset.UtcNow);
        await PublishAsync(ContractTopics.Alarms(SiteId, GatewayId), new AlarmMessage
        {
            Seq = Next(), Ts = now, Site = SiteId, Gateway = GatewayId, AlarmId = id, Event = AlarmEvent.Raised, Kind = kind, Severity = severity,
            Source = "port:" + Port, RaisedTs = now, Detail = "raised by the test's fake gateway",
        });
        return id;
    }

    /// <summary>Ends a session on the port paid with <paramref name="card"/> (its reference) costing <paramref name="costFen"/>.</summary>
    public async Task EndCardSessionAsync(string sessionId, string card, long costFen)
    {
        DateTimeOffset now = ContractTime.Truncate(DateTimeOffset.UtcNow);
        await PublishAsync(ContractTopics.Sessions(SiteId, GatewayId), new SessionMessage
        {
            Seq = Next(), Ts = now, Site = SiteId, Gateway = GatewayId, SessionId = sessionId, Port = Port, StartedTs = now.AddMinutes(-20), EndedTs = now,
            DurationS = 1200, EnergyWh = 300, PeakPowerW = 150, EndReason = EdgeGateway.Contracts.Ports.SessionEndReason.Complete, Card = card, CostFen = costFen,
        });
    }

    public async ValueTask DisposeAsync()
    {
        // Retained messages outlive the client: take them back, so that nothing of this gateway is left on the broker.
        await _probe.PublishAsync(ContractTopics.Status(SiteId, GatewayId), "", retain: true);
        await _probe.PublishAsync(ContractTopics.PortState(SiteId, GatewayId, Port), "", retain: true);
        await _probe.DisposeAsync();
    }

    private long Next() => Interlocked.Increment(ref _seq);

    private async Task PublishAsync<T>(string topic, T message, bool retain = false)
        where T : class
    {
        MQTTnet.MqttClientPublishResult result = await _probe.PublishAsync(topic, ContractJson.SerializeToString(message), retain: retain);
        Assert.True(result.IsSuccess, $"publish to {topic}: {result.ReasonCode}");
    }
}
