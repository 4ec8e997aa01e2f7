using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Hub.Ingest;
using EdgeGateway.Hub.Storage;
using EdgeGateway.Mqtt;
using InfluxDB.Client.Writes;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Protocol;

namespace EdgeGateway.Hub.Tests.Ingest;

/// <summary>
/// The hub's two lanes (telemetry, alarms) share one seq tracker. After an InfluxDB outage an alarm received during it
/// is stored before the telemetry numbered below it, which the broker still holds behind the telemetry lane's full
/// window: a hole that is no loss. A district run recorded 8 such false gaps (docs/measurements.md).
/// </summary>
public sealed class SeqGapAfterOutageTests
{
    private const string Site = "s1";

    [Fact]
    public async Task An_alarm_received_during_an_outage_opens_its_hole_when_it_is_stored_not_when_it_arrived()
    {
        var clock = new WallClock(ContractTime.Truncate(DateTimeOffset.UtcNow));
        var writer = new OutageWriter();
        var stats = new IngestStats();
        // One batch of one message at a time, so that two telemetry messages in an outage fill the lane: the first in
        // its retried write, the second taken and waiting for the write slot — where the lane checks nothing.
        var options = new IngestOptions
        {
            QueueCapacity = 1, MaxBatchPoints = 1, WriteConcurrency = 1, BatchLinger = TimeSpan.FromMilliseconds(1),
            InitialRetryDelay = TimeSpan.FromMilliseconds(1), MaxRetryDelay = TimeSpan.FromMilliseconds(5),
            SeqGapGrace = TimeSpan.FromMinutes(2), SeqGapCheckInterval = TimeSpan.FromSeconds(1),
        };
        using IngestPipeline telemetry = new(writer, new AlarmRecordedOnReadTests.NoDeadLetters(), null, options, stats, "hub-test", clock, NullLogger<IngestPipeline>.Instance);
        using IngestPipeline alarms = new(writer, new AlarmRecordedOnReadTests.NoDeadLetters(), null, options.ForAlarms(), stats, "hub-test", clock, NullLogger<IngestPipeline>.Instance, sharedSeq: telemetry.Seq);
        using var stop = new CancellationTokenSource();
        Task[] lanes = [telemetry.RunAsync(stop.Token), alarms.RunAsync(stop.Token)];

        await Acknowledged(telemetry, Telemetry("g1", 1, clock));

        // InfluxDB goes away. The telemetry lane fills; gateway g1's alarm 3 arrives on the alarm lane.
        writer.Down = true;
        Task other1 = await Enqueued(telemetry, Telemetry("g2", 1, clock));
        Task other2 = await Enqueued(telemetry, Telemetry("g2", 2, clock));
        Task other3 = await Enqueued(telemetry, Telemetry("g2", 3, clock)); // in once g2/2 was taken
        Task alarm = await Enqueued(alarms, Alarm("g1", 3, clock));

        clock.Advance(TimeSpan.FromMinutes(10)); // a long outage
        writer.Down = false;
        await Task.WhenAll(other1, other2, other3, alarm).WaitAsync(TimeSpan.FromSeconds(60)); // a hang bound

        // Stored: g1/3. g1/2 is still held by the broker behind the full window. A check well within the grace:
        clock.Advance(TimeSpan.FromSeconds(30));
        await Acknowledged(telemetry, Telemetry("g2", 4, clock));
        await Acknowledged(telemetry, Telemetry("g2", 5, clock)); // taken after the check that followed g2/4
        Assert.Equal(0, stats.SeqMissing);

        await Acknowledged(telemetry, Telemetry("g1", 2, clock));
        clock.Advance(TimeSpan.FromMinutes(5));
        await Acknowledged(telemetry, Telemetry("g2", 6, clock));
        await Acknowledged(telemetry, Telemetry("g2", 7, clock));
        Assert.Equal(0, stats.SeqMissing);
        Assert.Equal(0, telemetry.Seq.Outstanding);

        // A number really lost is still found, a grace period after it was missed.
        await Acknowledged(telemetry, Telemetry("g1", 5, clock));
        clock.Advance(TimeSpan.FromMinutes(3));
        await Acknowledged(telemetry, Telemetry("g2", 8, clock));
        await Acknowledged(telemetry, Telemetry("g2", 9, clock));
        Assert.Equal(1, stats.SeqMissing);

        await stop.CancelAsync();
        await Task.WhenAll(lanes);
    }

    private static async Task Acknowledged(IngestPipeline pipeline, ContractMessage message) =>
        await (await Enqueued(pipeline, message)).WaitAsync(TimeSpan.FromSeconds(60)); // a hang bound

    /// <summary>Queues the message (one at a time: the queue has a single writer); returns its acknowledgement.</summary>
    private static async Task<Task> Enqueued(IngestPipeline pipeline, ContractMessage message)
    {
        var acknowledged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await pipeline.EnqueueAsync(Message(message, acknowledged), CancellationToken.None);
        return acknowledged.Task;
    }

    private static PortTelemetryMessage Telemetry(string gateway, long seq, TimeProvider clock) => new()
    {
        Seq = seq, Ts = ContractTime.Truncate(clock.GetUtcNow()), Site = Site, Gateway = gateway, Port = "p1",
        State = PortState.Idle, RelayClosed = false, VoltageV = 230, CurrentA = 0, PowerW = 0, PowerFactor = 0,
        SessionEnergyWh = 0, SessionS = 0, LifetimeEnergyWh = 10, MeasuredTs = ContractTime.Truncate(clock.GetUtcNow()),
    };

    private static AlarmMessage Alarm(string gateway, long seq, TimeProvider clock) =>
        Notifications.Alarms.Raised("alm-" + seq, "port_overload", AlarmSeverity.Major, site: Site, gateway: gateway, source: "port:p1", at: ContractTime.Truncate(clock.GetUtcNow())) with { Seq = seq };

    private static MqttIncomingMessage Message(ContractMessage message, TaskCompletionSource acknowledged)
    {
        string topic = message switch
        {
            PortTelemetryMessage t => ContractTopics.PortTelemetry(t.Site, t.Gateway, t.Port),
            AlarmMessage a => ContractTopics.Alarms(a.Site, a.Gateway),
            _ => throw new ArgumentOutOfRangeException(nameof(message)),
        };
        byte[] payload = message switch
        {
            PortTelemetryMessage t => System.Text.Encoding.UTF8.GetBytes(ContractJson.SerializeToString(t)),
            AlarmMessage a => System.Text.Encoding.UTF8.GetBytes(ContractJson.SerializeToString(a)),
            _ => [],
        };
        return new(topic, payload, MqttQualityOfServiceLevel.AtLeastOnce, false, null, null, null, [])
        {
            AcknowledgeAsync = _ =>
            {
                acknowledged.TrySetResult();
                return Task.FromResult(true);
            },
        };
    }

    /// <summary>The wall clock the test moves (receipts, checks, grace); timers and back-offs run in real time, in milliseconds.</summary>
    private sealed class WallClock(DateTimeOffset start) : TimeProvider
    {
        private long _ticks = start.UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }

    /// <summary>InfluxDB that refuses every write, transiently, while down.</summary>
    private sealed class OutageWriter : IPointWriter
    {
        private volatile bool _down;

        public bool Down { get => _down; set => _down = value; }

        public string Describe => "outage";

        public Task WriteAsync(IReadOnlyList<PointData> points, CancellationToken cancellationToken) =>
            _down ? Task.FromException(new PointWriteException("connection refused (test)", transient: true)) : Task.CompletedTask;
    }
}
