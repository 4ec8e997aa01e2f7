using System.Text;
using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Messaging.Outbox;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Servers;

namespace EdgeGateway.Hub.Tests.EndToEnd;

/// <summary>
/// A gateway that booted without a clock (1970) and whose clock NTP then sets, through the gateway's own outbox, to a real
/// hub on Mosquitto and InfluxDB: nothing is dead-lettered; what went out before the step is stored at its receive time
/// with the gateway's stamp beside it; what was still in the outbox is stored at the true time the gateway made it; the
/// step is recorded on the gateway's point.
/// </summary>
[Trait("Category", "Servers")]
public sealed class ClockStepTests : IDisposable
{
    private const string Site = "s1";
    private const string Gateway = "g1";
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-hub-clock-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Messages_made_before_the_first_synchronisation_are_stored_at_true_time_or_at_receive_time_and_never_dead_lettered()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(MosquittoBrokerOptions.ForHub);
        await using InfluxDbServer influx = await InfluxDbServer.StartNewAsync();
        await influx.CreateDatabaseAsync("edge");
        await using HubProcess hub = await HubProcess.StartAsync(broker, influx.Uri, "v1", "edge", Path.Combine(_dir, "hub"));
        await using ProbeClient link = await ProbeClient.ConnectAsync(broker, clientId: "g1-stand-in");

        // Booted three minutes into 1970: the board's monotonic clock runs true, its wall clock is decades behind.
        var clock = new BoardClock { WallOffset = DateTimeOffset.UnixEpoch.AddMinutes(3) - DateTimeOffset.UtcNow };
        using var outbox = DurableOutbox.Open(
            new OutboxOptions { Path = Path.Combine(_dir, "outbox.db"), StampClock = clock, BootId = "boot-1" }, out _);

        DateTimeOffset beforeSync = clock.GetUtcNow();
        DateTimeOffset madeAt = DateTimeOffset.UtcNow; // the true time the two telemetry messages are made
        outbox.Append([Telemetry(clock.GetUtcNow()), Telemetry(clock.GetUtcNow())]);
        DateTimeOffset firstSent = DateTimeOffset.UtcNow;
        await PublishAsync(outbox, link, 1); // seq 1 goes out on the unset clock

        clock.WallOffset = TimeSpan.Zero; // NTP's first synchronisation

        // A session that started before the step and ended after it: made after the step, its start stays on the old clock.
        outbox.Append([Session(beforeSync, clock.GetUtcNow())]);
        await PublishAsync(outbox, link, int.MaxValue);
        ClockStep step = Assert.Single(outbox.CorrectClock());
        outbox.Append([StatusWith(step, clock.GetUtcNow())]);
        await PublishAsync(outbox, link, int.MaxValue);

        List<long> seqs = await StoredPoints.WaitForAsync(() => StoredPoints.SeqsAsync(influx, "edge", Gateway), 4, TimeSpan.FromSeconds(90));
        Assert.True(seqs.Count == 4, $"stored seqs {string.Join(",", seqs)}; hub output:\n{hub.Process.Output}");
        Assert.Equal(0, (await hub.HealthAsync()).GetProperty("rejected").GetInt64());

        IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> ports =
            (await influx.QueryAsync("edge", "SELECT seq, gateway_ts, clock_problem FROM port WHERE gateway = 'g1'")).Rows;
        IReadOnlyDictionary<string, JsonElement> sentEarly = Assert.Single(ports, r => r["seq"].GetInt64() == 1);
        IReadOnlyDictionary<string, JsonElement> corrected = Assert.Single(ports, r => r["seq"].GetInt64() == 2);

        // Sent before the step: stored when the hub received it, the gateway's 1970 stamp kept beside it.
        Assert.InRange(sentEarly["time"].GetInt64(), firstSent.ToUnixTimeMilliseconds() - 1000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        Assert.StartsWith("1970-01-01T00:03", sentEarly["gateway_ts"].GetString(), StringComparison.Ordinal);
        Assert.StartsWith("ts 1970-01-01T00:03", sentEarly["clock_problem"].GetString(), StringComparison.Ordinal);

        // Still in the outbox at the step: restamped by the gateway, stored at the true time it was made.
        Assert.InRange(corrected["time"].GetInt64(), madeAt.ToUnixTimeMilliseconds() - 1000, firstSent.ToUnixTimeMilliseconds() + 1000);
        Assert.Equal(JsonValueKind.Null, corrected["gateway_ts"].ValueKind);
        Assert.Equal(JsonValueKind.Null, corrected["clock_problem"].ValueKind);

        IReadOnlyDictionary<string, JsonElement> session = Assert.Single((await influx.QueryAsync("edge", "SELECT seq, clock_problem FROM session WHERE gateway = 'g1'")).Rows);
        Assert.StartsWith("started_ts 1970-01-01T00:03", session["clock_problem"].GetString(), StringComparison.Ordinal);

        IReadOnlyDictionary<string, JsonElement> stepPoint = Assert.Single(
            (await influx.QueryAsync("edge", "SELECT clock_step_ms, clock_step_corrected, clock_step_sent, clock_step_sent_first_seq, clock_step_sent_last_seq FROM gateway WHERE gateway = 'g1' AND clock_step_ms > 0")).Rows);
        Assert.InRange(stepPoint["clock_step_ms"].GetInt64(), (long)(madeAt - DateTimeOffset.UnixEpoch.AddMinutes(3)).TotalMilliseconds - 2000, (long)(DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch.AddMinutes(3)).TotalMilliseconds + 2000);
        Assert.Equal((1L, 1L, 1L, 1L), (stepPoint["clock_step_corrected"].GetInt64(), stepPoint["clock_step_sent"].GetInt64(), stepPoint["clock_step_sent_first_seq"].GetInt64(), stepPoint["clock_step_sent_last_seq"].GetInt64()));
        Assert.Contains("wall clock stepped", hub.Process.Output, StringComparison.Ordinal);
        hub.AssertNoErrorsLogged();
    }

    /// <summary>The drain's part: peek, publish with QoS 1, acknowledge.</summary>
    private static async Task PublishAsync(DurableOutbox outbox, ProbeClient link, int max)
    {
        foreach (OutboxRecord record in outbox.PeekBatch(max))
        {
            outbox.Publishing(record);
            await link.PublishAsync(record.Topic, Encoding.UTF8.GetString(record.Payload.Span), retain: record.Retain);
            outbox.Acknowledge([record.Id]);
        }
    }

    private static OutboxItem Telemetry(DateTimeOffset at) => new(ContractTopics.PortTelemetry(Site, Gateway, "p1"), MessageClass.Telemetry, false, seq => ContractJson.Serialize(new PortTelemetryMessage
    {
        Seq = seq, Ts = at, Site = Site, Gateway = Gateway, Port = "p1", State = PortState.Charging, RelayClosed = true,
        VoltageV = 230, CurrentA = 0.5, PowerW = 110, PowerFactor = 0.95, SessionEnergyWh = 1, SessionS = 30, LifetimeEnergyWh = 10, MeasuredTs = at,
    }));

    private static OutboxItem Session(DateTimeOffset started, DateTimeOffset ended) => new(ContractTopics.Sessions(Site, Gateway), MessageClass.Session, false, seq => ContractJson.Serialize(new SessionMessage
    {
        Seq = seq, Ts = ended, Site = Site, Gateway = Gateway, SessionId = "sess-1", Port = "p1", StartedTs = started, EndedTs = ended,
        DurationS = 40, EnergyWh = 1.2, PeakPowerW = 110, EndReason = SessionEndReason.Complete,
    }));

    private static OutboxItem StatusWith(ClockStep step, DateTimeOffset at) => new(ContractTopics.Status(Site, Gateway), MessageClass.Status, true, seq => ContractJson.Serialize(new StatusMessage
    {
        Seq = seq, Ts = at, Site = Site, Gateway = Gateway, Online = true, Version = "1.0.0", UptimeS = 60, OutboxDepth = 0, ClockSynced = true,
        ClockStep = new ClockStepReport
        {
            StepMs = (long)step.Step.TotalMilliseconds, DetectedTs = step.DetectedAt, Corrected = step.Corrected, SentCount = step.SentCount,
            SentFirstSeq = step.SentFirstSeq, SentLastSeq = step.SentLastSeq,
        },
    }));

    /// <summary>A board's clocks: monotonic time runs true (the system's), the wall clock is off by <see cref="WallOffset"/> until NTP sets it.</summary>
    private sealed class BoardClock : TimeProvider
    {
        public TimeSpan WallOffset { get; set; }

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + WallOffset;
    }
}
