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
/// An alarm (and a session end) reaches the notification ledger as the pipeline reads it, not after the database has
/// taken its point: a write that hangs delays its acknowledgement, never its notice. Recorded once, also when the
/// recording is retried after the write.
/// </summary>
public sealed class AlarmRecordedOnReadTests
{
    private static readonly DateTimeOffset Now = ContractTime.Truncate(DateTimeOffset.UtcNow);

    private static readonly AlarmMessage Alarm =
        Notifications.Alarms.Raised("alm-read-1", "port_overload", AlarmSeverity.Major, site: "s1", gateway: "g1", source: "port:p1", at: Now) with { Seq = 7 };

    private static readonly SessionMessage SessionEnd = new()
    {
        Seq = 8, Ts = Now, Site = "s1", Gateway = "g1", SessionId = "ses-read-1", Port = "p1", StartedTs = Now.AddMinutes(-10), EndedTs = Now,
        DurationS = 600, EnergyWh = 12, PeakPowerW = 200, EndReason = SessionEndReason.Complete,
    };

    [Fact]
    public async Task An_alarm_and_a_session_end_are_recorded_while_their_write_hangs_and_acknowledged_once_written()
    {
        var writer = new HeldWriter();
        var recorder = new ListRecorder();
        using IngestPipeline pipeline = Pipeline(writer, recorder);
        using var stop = new CancellationTokenSource();
        Task run = pipeline.RunAsync(stop.Token);
        var alarmAcked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sessionAcked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        await pipeline.EnqueueAsync(Message(ContractTopics.Alarms("s1", "g1"), ContractJson.SerializeToString(Alarm), alarmAcked), stop.Token);
        await pipeline.EnqueueAsync(Message(ContractTopics.Sessions("s1", "g1"), ContractJson.SerializeToString(SessionEnd), sessionAcked), stop.Token);

        // Nothing is written yet (the database hangs), and both are in the ledger already.
        Assert.Equal(0, writer.Written);
        Assert.Equal(["alm-read-1"], recorder.AlarmIds);
        Assert.Equal(["ses-read-1"], recorder.SessionIds);
        Assert.False(alarmAcked.Task.IsCompleted, "acknowledged before its point was written");

        writer.Release();
        await Task.WhenAll(alarmAcked.Task, sessionAcked.Task).WaitAsync(TimeSpan.FromSeconds(60)); // a hang bound
        Assert.Equal(2, writer.Written);
        Assert.Equal(["alm-read-1"], recorder.AlarmIds); // not recorded a second time when it settled
        Assert.Equal(["ses-read-1"], recorder.SessionIds);

        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_recording_that_fails_as_the_alarm_is_read_is_retried_after_the_write_and_only_then_acknowledged()
    {
        var writer = new HeldWriter();
        var recorder = new ListRecorder { FailuresLeft = 1 };
        using IngestPipeline pipeline = Pipeline(writer, recorder);
        using var stop = new CancellationTokenSource();
        Task run = pipeline.RunAsync(stop.Token);
        var acked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        await pipeline.EnqueueAsync(Message(ContractTopics.Alarms("s1", "g1"), ContractJson.SerializeToString(Alarm), acked), stop.Token);
        Assert.Empty(recorder.AlarmIds);

        writer.Release();
        await acked.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(["alm-read-1"], recorder.AlarmIds);

        await stop.CancelAsync();
        await run;
    }

    private static IngestPipeline Pipeline(IPointWriter writer, IAlarmRecorder recorder) =>
        new(writer, new NoDeadLetters(), recorder, new IngestOptions(), new IngestStats(), "hub-test", TimeProvider.System, NullLogger<IngestPipeline>.Instance);

    private static MqttIncomingMessage Message(string topic, string payload, TaskCompletionSource acknowledged) =>
        new(topic, System.Text.Encoding.UTF8.GetBytes(payload), MqttQualityOfServiceLevel.AtLeastOnce, false, null, null, null, [])
        {
            AcknowledgeAsync = _ =>
            {
                acknowledged.TrySetResult();
                return Task.FromResult(true);
            },
        };

    /// <summary>A database that takes no point until released (InfluxDB stalled).</summary>
    private sealed class HeldWriter : IPointWriter
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _written;

        public string Describe => "held";

        public int Written => Volatile.Read(ref _written);

        public void Release() => _released.TrySetResult();

        public async Task WriteAsync(IReadOnlyList<PointData> points, CancellationToken cancellationToken)
        {
            await _released.Task.WaitAsync(cancellationToken);
            Interlocked.Add(ref _written, points.Count);
        }
    }

    private sealed class ListRecorder : IAlarmRecorder
    {
        private readonly Lock _gate = new();
        private readonly List<string> _alarms = [];
        private readonly List<string> _sessions = [];

        public int FailuresLeft { get; set; }

        public List<string> AlarmIds
        {
            get
            {
                lock (_gate)
                {
                    return [.. _alarms];
                }
            }
        }

        public List<string> SessionIds
        {
            get
            {
                lock (_gate)
                {
                    return [.. _sessions];
                }
            }
        }

        public Task RecordAsync(AlarmMessage alarm, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                if (FailuresLeft > 0)
                {
                    FailuresLeft--;
                    throw new InvalidOperationException("ledger unavailable (test)");
                }

                _alarms.Add(alarm.AlarmId);
            }

            return Task.CompletedTask;
        }

        public Task RecordSessionEndAsync(SessionMessage session, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                _sessions.Add(session.SessionId);
            }

            return Task.CompletedTask;
        }
    }

    internal sealed class NoDeadLetters : IDeadLetterSink
    {
        public Task<bool> PublishAsync(DeadLetter letter, CancellationToken cancellationToken) => Task.FromResult(true);
    }
}
