using System.Threading.Channels;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Storage;
using EdgeGateway.Mqtt;
using InfluxDB.Client.Writes;

namespace EdgeGateway.Hub.Ingest;

/// <summary>Publishes a refused message on its dead-letter topic; false when the link is down (the message is then
/// not acknowledged, and the broker delivers it again).</summary>
public interface IDeadLetterSink
{
    Task<bool> PublishAsync(DeadLetter letter, CancellationToken cancellationToken);
}

/// <summary>Takes every alarm message (raised and cleared), and every session end, durably as soon as ingest has read it
/// and before its MQTT acknowledgement: the notification ledger. Must not wait on the network (nor on InfluxDB): the
/// people who act on an alarm hear of it from here, whatever the time-series database is doing. A redelivered message
/// must add nothing.</summary>
public interface IAlarmRecorder
{
    Task RecordAsync(AlarmMessage alarm, CancellationToken cancellationToken);

    /// <summary>A charging session ended (billing and incidents read it from the ledger). Recorders that keep no
    /// sessions need not implement it.</summary>
    Task RecordSessionEndAsync(SessionMessage session, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Takes every stored message durably before its MQTT acknowledgement, after the alarm recorder (the platform
/// API's sessions and webhook outbox). Must not wait on the network.</summary>
public interface IStoredMessageObserver
{
    Task ObserveAsync(ContractMessage message, CancellationToken cancellationToken);
}

/// <summary>How ingest batches, writes and retries.</summary>
public sealed class IngestOptions
{
    /// <summary>Messages received and not yet acknowledged that the hub holds; the MQTT Receive Maximum is set to this,
    /// so the broker never has more in flight to us than we can queue.</summary>
    public int QueueCapacity { get; set; } = 4000;

    /// <summary>Points per write request (InfluxDB's guidance is 5,000–10,000 lines per request).</summary>
    public int MaxBatchPoints { get; set; } = 5000;

    /// <summary>How long a batch waits for more messages once the queue is empty; the latency a quiet hub adds.</summary>
    public TimeSpan BatchLinger { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Write requests in flight at once. Acknowledgements still go out in arrival order (MQTT 5 §4.6).</summary>
    public int WriteConcurrency { get; set; } = 2;

    /// <summary>First wait after a failed write; doubles (with jitter) up to <see cref="MaxRetryDelay"/>, retried forever.</summary>
    public TimeSpan InitialRetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a missing <c>seq</c> may stay missing before it is recorded as lost.</summary>
    public TimeSpan SeqGapGrace { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often missing numbers are checked.</summary>
    public TimeSpan SeqGapCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Alarms and session ends the alarm connection (<c>{client id}-alarms</c>) holds unacknowledged: its queue and its
    /// Receive Maximum. While InfluxDB is down each stays unacknowledged (its point is not written yet) but is notified
    /// at once; a district raises a few alarms and ends a few sessions a minute, so this lasts an outage of hours.
    /// </summary>
    public int AlarmQueueCapacity { get; set; } = 2000;

    /// <summary>The options of the alarm connection's pipeline: its own queue, no linger (an alarm rarely has company),
    /// one write at a time; the rest as these.</summary>
    public IngestOptions ForAlarms() => new()
    {
        QueueCapacity = AlarmQueueCapacity,
        MaxBatchPoints = Math.Min(MaxBatchPoints, 500),
        BatchLinger = TimeSpan.FromMilliseconds(2),
        WriteConcurrency = 1,
        InitialRetryDelay = InitialRetryDelay,
        MaxRetryDelay = MaxRetryDelay,
        SeqGapGrace = SeqGapGrace,
        SeqGapCheckInterval = SeqGapCheckInterval,
        AlarmQueueCapacity = AlarmQueueCapacity,
    };
}

/// <summary>
/// The hub's path from MQTT to InfluxDB with nothing lost and nothing counted twice:
/// <list type="number">
/// <item>the MQTT handler reads each message (<see cref="ContractMessageReader"/>) and queues it in a bounded channel —
/// when the channel is full the handler waits, MQTTnet stops reading, and the broker holds further messages
/// (the hub's Receive Maximum equals the channel's capacity, so the window and the queue are the same size);</item>
/// <item>one loop cuts the queue into batches of up to <see cref="IngestOptions.MaxBatchPoints"/> and writes up to
/// <see cref="IngestOptions.WriteConcurrency"/> of them at once; a failed write is retried with back-off forever
/// (InfluxDB down: nothing is acknowledged, the broker keeps everything, and ingest resumes where it stopped);</item>
/// <item>a batch the database refuses (HTTP 400) is split until the refused points are alone; those are dead-lettered;</item>
/// <item>an alarm or session end goes to the notification ledger (<see cref="IAlarmRecorder"/>) as soon as it is read,
/// before it is queued: it is notified whatever InfluxDB is doing, and its point is written with the rest (a recording
/// that failed then is tried again after the write);</item>
/// <item>after its write, a batch's refused messages go to the dead-letter topic, and only then are its messages
/// acknowledged (recorded and written), batch after batch in arrival order.</item>
/// </list>
/// A message acknowledged is therefore stored; one not acknowledged (hub killed, link lost) is delivered again and
/// written again as the same point (series and timestamp), which InfluxDB keeps once.
/// </summary>
public sealed partial class IngestPipeline : IDisposable
{
    private readonly IPointWriter _writer;
    private readonly IDeadLetterSink _deadLetters;
    private readonly IAlarmRecorder? _alarms;
    private readonly IStoredMessageObserver? _observer;
    private readonly IngestOptions _options;
    private readonly IngestStats _stats;
    private readonly TimeProvider _time;
    private readonly ILogger<IngestPipeline> _logger;
    private readonly ContractMessageReader _reader;
    private readonly Channel<Item> _queue;
    private readonly SemaphoreSlim _writeSlots;
    private readonly string _hubId;
    private readonly bool _checksGaps;
    private DateTimeOffset _nextGapCheck;

    public IngestPipeline(
        IPointWriter writer,
        IDeadLetterSink deadLetters,
        IAlarmRecorder? alarms,
        IngestOptions options,
        IngestStats stats,
        string hubId,
        TimeProvider time,
        ILogger<IngestPipeline> logger,
        HubLimits? limits = null,
        IStoredMessageObserver? observer = null,
        SeqTracker? sharedSeq = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _writer = writer;
        _deadLetters = deadLetters;
        _alarms = alarms;
        _observer = observer;
        _options = options;
        _stats = stats;
        _hubId = hubId;
        _time = time;
        _logger = logger;
        _reader = new ContractMessageReader(time, limits);
        // A pipeline that shares another's tracker (the alarm connection's shares ingest's: one seq per gateway across
        // all its topics) leaves checking for gaps to the tracker's owner.
        _checksGaps = sharedSeq is null;
        Seq = sharedSeq ?? new SeqTracker(options.SeqGapGrace);
        _queue = Channel.CreateBounded<Item>(new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _writeSlots = new SemaphoreSlim(options.WriteConcurrency, options.WriteConcurrency);
    }

    public SeqTracker Seq { get; }

    /// <summary>Raised for each message stored (site, gateway, seq), before its acknowledgement: <see cref="HubPeers"/>
    /// tells the other instances of a shared group.</summary>
    public event Action<string, string, long>? Stored;

    /// <summary>Whether this instance writes and logs the seq gaps it finds (false for all but one instance of a shared
    /// group; the others only trim their trackers).</summary>
    public bool RecordsGaps { get; set; } = true;

    /// <summary>Reads a message and queues it; waits while the queue is full (that wait is the back-pressure on the broker).</summary>
    public async ValueTask EnqueueAsync(MqttIncomingMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        DateTimeOffset now = _time.GetUtcNow();
        IngestDecision decision = _reader.Read(message.Topic, message.Payload.Span);
        PointData? point = null;
        switch (decision)
        {
            case IngestDecision.Accept accept:
                point = ContractPoints.From(accept.Message, now, accept.GatewayTs, accept.ClockProblem);
                if (accept.Message is StatusMessage { ClockStep: { } step } status)
                {
                    LogClockStep(status.Site, status.Gateway, step.StepMs, step.Corrected, step.SentCount, step.SentFirstSeq, step.SentLastSeq);
                }

                break;
            case IngestDecision.Reject reject:
                LogRejected(message.Topic, DeadLetter.WireName(reject.Reason), reject.Detail);
                break;
        }

        _stats.OnReceived();
        bool recorded = decision is IngestDecision.Accept { Message: var read } && await TryRecordAsync(read, message.Topic, cancellationToken);
        await _queue.Writer.WriteAsync(new Item(message, decision, point, now) { Recorded = recorded }, cancellationToken);
    }

    /// <summary>Records an alarm or session end in the ledger at once; false when it is not one, or not recorded yet
    /// (tried again when its batch settles, and not acknowledged before).</summary>
    private async Task<bool> TryRecordAsync(ContractMessage message, string topic, CancellationToken cancellationToken)
    {
        if (_alarms is null || message is not (AlarmMessage or SessionMessage))
        {
            return false;
        }

        try
        {
            await RecordAsync(message, cancellationToken);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // The recorder is the ledger (SQLite) or whatever hooks into it; its failure only defers the recording.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogRecordDeferred(exception, topic);
            return false;
        }
    }

    private Task RecordAsync(ContractMessage message, CancellationToken cancellationToken) => message switch
    {
        AlarmMessage alarm => _alarms!.RecordAsync(alarm, cancellationToken),
        SessionMessage session => _alarms!.RecordSessionEndAsync(session, cancellationToken),
        _ => Task.CompletedTask,
    };

    /// <summary>Runs until cancelled. Messages still queued or in flight then are not acknowledged: the broker keeps them.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Task previous = Task.CompletedTask;
        var inFlight = new List<Task>();
        _nextGapCheck = _time.GetUtcNow() + _options.SeqGapCheckInterval;

        try
        {
            while (await WaitForWorkAsync(cancellationToken))
            {
                List<Item> batch = await TakeBatchAsync(cancellationToken);
                if (batch.Count > 0)
                {
                    await _writeSlots.WaitAsync(cancellationToken);
                    var settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    inFlight.Add(ProcessAsync(batch, previous, settled, cancellationToken));
                    previous = settled.Task;
                    inFlight.RemoveAll(t => t.IsCompleted);
                }

                await RecordGapsAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        try
        {
            await Task.WhenAll(inFlight);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<bool> WaitForWorkAsync(CancellationToken cancellationToken)
    {
        if (!_checksGaps)
        {
            return await _queue.Reader.WaitToReadAsync(cancellationToken);
        }

        // Wake for queued messages, or at the next gap check when the queue stays empty.
        TimeSpan untilCheck = _nextGapCheck - _time.GetUtcNow();
        if (untilCheck <= TimeSpan.Zero || _queue.Reader.TryPeek(out _))
        {
            return true;
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(untilCheck);
        try
        {
            return await _queue.Reader.WaitToReadAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return true;
        }
    }

    private async Task<List<Item>> TakeBatchAsync(CancellationToken cancellationToken)
    {
        var batch = new List<Item>();
        bool lingered = false;
        while (batch.Count < _options.MaxBatchPoints)
        {
            if (_queue.Reader.TryRead(out Item? item))
            {
                batch.Add(item);
                continue;
            }

            if (batch.Count == 0 || lingered)
            {
                break;
            }

            // A short linger turns a trickle of single messages into one request.
            lingered = true;
            await Task.Delay(_options.BatchLinger, _time, cancellationToken);
        }

        return batch;
    }

    private async Task ProcessAsync(List<Item> batch, Task previous, TaskCompletionSource settled, CancellationToken cancellationToken)
    {
        try
        {
            try
            {
                await WriteAsync([.. batch.Where(i => i.Point is not null)], cancellationToken);
            }
            finally
            {
                _writeSlots.Release();
            }

            foreach (Item item in batch)
            {
                await SettleAsync(item, cancellationToken);
            }

            // Acknowledge in arrival order: this batch only after every earlier batch.
            await previous;
            foreach (Item item in batch)
            {
                bool acknowledged = item.Acknowledgeable && await item.Message.AcknowledgeAsync(cancellationToken);
                _stats.OnSettled(acknowledged);
            }

            settled.SetResult();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            settled.TrySetCanceled(cancellationToken);
        }
#pragma warning disable CA1031 // A batch must never take the pipeline down; its messages stay unacknowledged and come back.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogBatchFailed(exception, batch.Count);
            settled.TrySetException(exception);
        }
    }

    /// <summary>Writes the points, retrying transient failures forever; points the database refuses are marked rejected.</summary>
    private async Task WriteAsync(List<Item> items, CancellationToken cancellationToken)
    {
        if (items.Count == 0)
        {
            return;
        }

        int attempt = 0;
        while (true)
        {
            try
            {
                long started = _time.GetTimestamp();
                await _writer.WriteAsync([.. items.Select(i => i.Point!)], cancellationToken);
                _stats.OnWriteSucceeded(_time.GetElapsedTime(started));
                Seq.Release(this, _time.GetUtcNow());
                _stats.OnBatchWritten(items.Count);
                if (attempt > 0)
                {
                    LogWriteRecovered(_writer.Describe, attempt);
                }

                return;
            }
            catch (PointWriteException exception) when (exception.Transient)
            {
                _stats.OnWriteFailed();
                _stats.OnWriteFailing(_time.GetTimestamp());
                Seq.Hold(this);
                attempt++;
                TimeSpan delay = Backoff(attempt);
                LogWriteFailed(_writer.Describe, items.Count, attempt, exception.Message, delay);
                await Task.Delay(delay, _time, cancellationToken);
            }
            catch (PointWriteException exception)
            {
                _stats.OnWriteFailed();
                if (items.Count == 1)
                {
                    items[0].Refuse(RejectReason.RejectedByDatabase, exception.Message);
                    LogRejected(items[0].Message.Topic, DeadLetter.WireName(RejectReason.RejectedByDatabase), exception.Message);
                    return;
                }

                // Halve until the refused points are alone; the rest are written.
                int half = items.Count / 2;
                await WriteAsync(items[..half], cancellationToken);
                await WriteAsync(items[half..], cancellationToken);
                return;
            }
        }
    }

    private async Task SettleAsync(Item item, CancellationToken cancellationToken)
    {
        switch (item.Decision)
        {
            case IngestDecision.Accept accept when item.Point is not null:
                _stats.OnAccepted();
                // Stamped now, when it is stored, not when it was received: an alarm received during an outage and
                // stored after it opens its hole now, and the numbers below it (telemetry, still in the broker's backlog)
                // get the whole grace to arrive. Stamped with its receipt, that hole was already older than the grace.
                Seq.Observe(accept.Topic.Site, accept.Topic.Gateway, accept.Message.Seq, _time.GetUtcNow());
                if (accept.Message.Seq > 0)
                {
                    Stored?.Invoke(accept.Topic.Site, accept.Topic.Gateway, accept.Message.Seq);
                }

                if (!item.Recorded && _alarms is not null)
                {
                    await RecordAsync(accept.Message, cancellationToken);
                }

                if (_observer is not null)
                {
                    await _observer.ObserveAsync(accept.Message, cancellationToken);
                }

                break;
            case IngestDecision.Reject reject:
                _stats.OnRejected(reject.Reason);
                var letter = DeadLetter.For(reject.Reason, reject.Detail, item.Message.Topic, item.Message.Payload, item.ReceivedAt, _hubId);
                item.Acknowledgeable = await _deadLetters.PublishAsync(letter, cancellationToken);
                break;
            default:
                _stats.OnIgnored();
                break;
        }
    }

    private async Task RecordGapsAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset now = _time.GetUtcNow();
        if (!_checksGaps || now < _nextGapCheck)
        {
            return;
        }

        _nextGapCheck = now + _options.SeqGapCheckInterval;
        IReadOnlyList<SeqGap> gaps = Seq.TakeGaps(now);
        if (gaps.Count == 0 || !RecordsGaps)
        {
            return;
        }

        foreach (SeqGap gap in gaps)
        {
            LogSeqGap(gap.Site, gap.Gateway, gap.From, gap.To, gap.Count);
            _stats.OnSeqMissing(gap.Count);
        }

        List<PointData> points = [.. gaps.Select(g => ContractPoints.SeqGap(g.Site, g.Gateway, g.From, g.To, now))];
        int attempt = 0;
        while (true)
        {
            try
            {
                await _writer.WriteAsync(points, cancellationToken);
                return;
            }
            catch (PointWriteException exception) when (exception.Transient && attempt < 3)
            {
                attempt++;
                await Task.Delay(Backoff(attempt), _time, cancellationToken);
            }
            catch (PointWriteException exception)
            {
                // The gap is in the log and the metric; the record in the database is the one thing given up on here.
                LogGapRecordFailed(exception.Message);
                return;
            }
        }
    }

    /// <summary>The wait after the <paramref name="attempt"/>-th failed write: the product's one back-off policy.</summary>
    private TimeSpan Backoff(int attempt) => new ExponentialBackoff(_options.InitialRetryDelay, _options.MaxRetryDelay).Delay(attempt - 1);

    public void Dispose() => _writeSlots.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a message on {Topic}: {Reason}: {Detail}")]
    private partial void LogRejected(string topic, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record the message on {Topic} in the notification ledger as it arrived; trying again once it is written, and not acknowledging it before")]
    private partial void LogRecordDeferred(Exception exception, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway {Site}/{Gateway}: its wall clock stepped by {StepMs} ms; {Corrected} unsent messages were restamped, {Sent} sent before the step (seq {FirstSeq}..{LastSeq}) are stored off by the step")]
    private partial void LogClockStep(string site, string gateway, long stepMs, long corrected, long sent, long? firstSeq, long? lastSeq);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Write of {Points} points to {Database} failed (attempt {Attempt}): {Detail}; retrying in {Delay}; nothing acknowledged meanwhile")]
    private partial void LogWriteFailed(string database, int points, int attempt, string detail, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "Writes to {Database} succeed again after {Attempts} failed attempts")]
    private partial void LogWriteRecovered(string database, int attempts);

    [LoggerMessage(Level = LogLevel.Error, Message = "An ingest batch of {Messages} messages failed; they stay unacknowledged and will be delivered again")]
    private partial void LogBatchFailed(Exception exception, int messages);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway {Site}/{Gateway}: seq {From}..{To} never arrived ({Count} messages lost)")]
    private partial void LogSeqGap(string site, string gateway, long from, long to, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record a seq gap in the database: {Detail}")]
    private partial void LogGapRecordFailed(string detail);

    private sealed class Item(MqttIncomingMessage message, IngestDecision decision, PointData? point, DateTimeOffset receivedAt)
    {
        public MqttIncomingMessage Message { get; } = message;

        public IngestDecision Decision { get; private set; } = decision;

        public PointData? Point { get; private set; } = point;

        public DateTimeOffset ReceivedAt { get; } = receivedAt;

        public bool Acknowledgeable { get; set; } = true;

        /// <summary>Recorded in the ledger as it was read (an alarm or session end).</summary>
        public bool Recorded { get; init; }

        public void Refuse(RejectReason reason, string detail)
        {
            Decision = new IngestDecision.Reject(reason, detail);
            Point = null;
        }
    }
}
