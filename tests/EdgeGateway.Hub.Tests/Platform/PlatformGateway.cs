using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Network;
using MQTTnet;

namespace EdgeGateway.Hub.Tests.Platform;

/// <summary>
/// A test-side gateway made of contract messages, for the hub side of the platform API only: it says it is online (or
/// offline), has ports, and answers <c>port_start</c> and <c>port_stop</c> per the contract of issue 18 (a session id on
/// an accepted start) with what <see cref="Answer"/> returns, or not at all. The real gateway's enforcement of limits is
/// the gateway's helper's work; once merged, the end-to-end test switches to it.
/// </summary>
internal sealed class PlatformGateway : IAsyncDisposable
{
    private readonly ProbeClient _probe;
    private readonly CancellationTokenSource _stop = new();
    private readonly string[] _ports;
    private Task _loop = Task.CompletedTask;
    private long _seq;

    private PlatformGateway(ProbeClient probe, string site, string gateway, string[] ports)
    {
        _probe = probe;
        Site = site;
        Gateway = gateway;
        _ports = ports;
    }

    public string Site { get; }

    public string Gateway { get; }

    /// <summary>Every command received, in order.</summary>
    public ConcurrentQueue<(string Command, CommandRequest Request)> Received { get; } = new();

    /// <summary>The reply to a command; null: no reply (a gateway that does not answer). Accepts with a new session id by default.</summary>
    public Func<string, CommandRequest, CommandReply?> Answer { get; set; } = (command, request) => CommandReply.Applied(command, DateTimeOffset.UtcNow, $"{request.Port} {command} done") with
    {
        SessionId = command == ContractCommands.PortStart ? Guid.NewGuid().ToString() : null,
    };

    public static async Task<PlatformGateway> StartAsync(MosquittoBroker broker, string site, string gateway, bool online = true, params string[] ports)
    {
        var fake = new PlatformGateway(await ProbeClient.ConnectAsync(broker, clientId: "platform-gw-" + Guid.NewGuid().ToString("N")[..6]), site, gateway, ports);
        DateTimeOffset now = ContractTime.Truncate(DateTimeOffset.UtcNow);
        await fake.PublishAsync(ContractTopics.Status(site, gateway), new StatusMessage
        {
            Seq = fake.Next(), Ts = now, Site = site, Gateway = gateway, Online = online, Version = "0.1.0-test", UptimeS = 5, OutboxDepth = 0,
        }, retain: true);
        foreach (string port in ports)
        {
            await fake.StateAsync(port, PortState.Idle, retain: true);
        }

        await fake._probe.SubscribeAsync(ContractTopics.CommandFilter(site, gateway));
        fake._loop = fake.AnswerAsync(fake._stop.Token);
        return fake;
    }

    public IEnumerable<CommandRequest> Commands(string command) => Received.Where(r => r.Command == command).Select(r => r.Request);

    /// <summary>The port charges: its state and a telemetry message with the session's energy and time so far.</summary>
    public async Task ChargingAsync(string port, double energyWh, long sessionS)
    {
        await StateAsync(port, PortState.Charging, retain: true);
        await PublishAsync(ContractTopics.PortTelemetry(Site, Gateway, port), new PortTelemetryMessage
        {
            Seq = Next(), Ts = ContractTime.Truncate(DateTimeOffset.UtcNow), Site = Site, Gateway = Gateway, Port = port, State = PortState.Charging,
            RelayClosed = true, VoltageV = 230, CurrentA = 0.5, PowerW = 115, PowerFactor = 1, SessionEnergyWh = energyWh, SessionS = sessionS,
            LifetimeEnergyWh = 1000 + energyWh, MeasuredTs = ContractTime.Truncate(DateTimeOffset.UtcNow),
        });
    }

    /// <summary>The session closes: its record on <c>sessions</c>, as a gateway without cost reporting sends it, and the port idle.</summary>
    public async Task EndSessionAsync(string port, string sessionId, double energyWh, TimeSpan duration, string? orderId)
    {
        DateTimeOffset ended = ContractTime.Truncate(DateTimeOffset.UtcNow);
        await PublishAsync(ContractTopics.Sessions(Site, Gateway), new SessionMessage
        {
            Seq = Next(), Ts = ended, Site = Site, Gateway = Gateway, SessionId = sessionId, Port = port, StartedTs = ended - duration, EndedTs = ended,
            DurationS = duration.TotalSeconds, EnergyWh = energyWh, PeakPowerW = 120, EndReason = SessionEndReason.Complete, OrderId = orderId,
        });
        await StateAsync(port, PortState.Idle, retain: true);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        // Retained messages outlive the client: take them back.
        await _probe.PublishAsync(ContractTopics.Status(Site, Gateway), "", retain: true);
        foreach (string port in _ports)
        {
            await _probe.PublishAsync(ContractTopics.PortState(Site, Gateway, port), "", retain: true);
        }

        await _probe.DisposeAsync();
        _stop.Dispose();
    }

    private async Task AnswerAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            MqttApplicationMessage? message = await _probe.TryNextAsync(TimeSpan.FromMilliseconds(200));
            if (message is null || !ContractTopics.TryParse(message.Topic, out ContractTopic topic) || topic.Kind != ContractTopicKind.Command)
            {
                continue;
            }

            if (!ContractJson.TryDeserialize(message.Payload.ToArray(), out CommandRequest? request, out string? error))
            {
                throw new InvalidOperationException($"the hub sent an unreadable command: {error}");
            }

            Received.Enqueue((topic.CommandName!, request!));
            if (Answer(topic.CommandName!, request!) is { } reply && message.ResponseTopic is { } responseTopic)
            {
                await _probe.PublishAsync(responseTopic, ContractJson.SerializeToString(reply), correlationData: message.CorrelationData);
            }
        }
    }

    /// <summary>The retained state of <paramref name="port"/> charging a session the gateway started on its own (from the
    /// console, a card or a scenario), as a gateway publishes it: with the running session.</summary>
    public Task SessionRunningAsync(string port, string sessionId, string? card, double energyWh) =>
        PublishAsync(ContractTopics.PortState(Site, Gateway, port), new PortStateMessage
        {
            Seq = Next(), Ts = ContractTime.Truncate(DateTimeOffset.UtcNow), Site = Site, Gateway = Gateway, Port = port, State = PortState.Charging,
            PreviousState = PortState.Idle, Reason = "charging",
            Session = new PortSessionState { Id = sessionId, Card = card, StartedTs = ContractTime.Truncate(DateTimeOffset.UtcNow), EnergyWh = energyWh },
        }, retain: true);

    private Task StateAsync(string port, PortState state, bool retain) =>
        PublishAsync(ContractTopics.PortState(Site, Gateway, port), new PortStateMessage
        {
            Seq = Next(), Ts = ContractTime.Truncate(DateTimeOffset.UtcNow), Site = Site, Gateway = Gateway, Port = port, State = state, Reason = "test",
        }, retain);

    private long Next() => Interlocked.Increment(ref _seq);

    private async Task PublishAsync<T>(string topic, T message, bool retain = false)
        where T : class
    {
        MqttClientPublishResult result = await _probe.PublishAsync(topic, Encoding.UTF8.GetString(ContractJson.Serialize(message)), retain: retain);
        Assert.True(result.IsSuccess, $"publish to {topic}: {result.ReasonCode}");
    }
}
