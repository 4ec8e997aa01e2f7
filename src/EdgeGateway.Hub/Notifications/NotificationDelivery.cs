using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Mqtt;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Hub.Notifications;

/// <summary>
/// Sends the notices <see cref="AlarmNotifier"/> recorded: one loop per channel, so a failing channel holds back only
/// itself, each with up to <see cref="NotificationOptions.ChannelConcurrency"/> requests under way (one while its last
/// attempt failed), so a slow or hanging request holds back only the later notices of its own alarm: those of one alarm
/// go one after another in recording order, the others in recording order as slots free. A failed attempt (connection refused, timeout, non-2xx,
/// a platform error code) is retried after an exponential backoff with jitter, capped at
/// <see cref="NotificationOptions.MaxBackoff"/>, for as long as it takes: a notice is never dropped. A reminder whose
/// alarm was acknowledged or cleared meanwhile is cancelled instead of sent.
/// </summary>
/// <remarks>
/// Scheduling uses the injected <see cref="TimeProvider"/>; only the per-request timeout is real time. Logs name the
/// channel, never its URL or secret.
/// </remarks>
internal sealed partial class NotificationDelivery : BackgroundService
{
    /// <summary>The named <see cref="HttpClient"/> (registered without HttpClientFactory's request logging).</summary>
    public const string HttpClientName = "EdgeGateway.Hub.Notifications";

    /// <summary>Sent and cancelled jobs, and alarm states, are kept this long, then pruned.</summary>
    internal static readonly TimeSpan KeepFor = TimeSpan.FromDays(30);

    /// <summary>A loop with nothing scheduled still looks again this often (a safety net; recording wakes it at once).</summary>
    private static readonly TimeSpan LongestWait = TimeSpan.FromHours(1);

    private readonly AlarmNotifier _notifier;
    private readonly IHttpClientFactory _httpClients;
    private readonly TimeProvider _time;
    private readonly ILogger<NotificationDelivery> _logger;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _waiting = new(StringComparer.Ordinal);

    public NotificationDelivery(AlarmNotifier notifier, IHttpClientFactory httpClients, TimeProvider time, ILogger<NotificationDelivery> logger)
    {
        ArgumentNullException.ThrowIfNull(notifier);
        ArgumentNullException.ThrowIfNull(httpClients);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _notifier = notifier;
        _httpClients = httpClients;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// The channels whose loops are waiting, each with when it will look again on its own (recording a notice wakes it
    /// sooner); a loop at work is absent. A clock moved only while every channel waits, and never past the earliest of
    /// these, moves the deliveries exactly as real time would: tests that drive a fake clock rely on it.
    /// </summary>
    internal IReadOnlyDictionary<string, DateTimeOffset> Waiting => _waiting;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ReportJobsOfUnknownChannels();
        foreach (InterruptedJob job in _notifier.Ledger.InterruptedAtOpen)
        {
            LogInterrupted(job.Notice, job.AlarmId, job.Channel, job.AttemptStarted);
        }

        Task[] loops = [.. _notifier.Plan.Channels.Select(channel => DeliverAsync(channel, stoppingToken)), PruneAsync(stoppingToken)];
        await Task.WhenAll(loops);
    }

    private async Task DeliverAsync(NotificationChannel channel, CancellationToken stoppingToken)
    {
        // Off the caller's thread at once: ExecuteAsync starts every loop before awaiting any.
        await Task.Yield();
        var lane = new Lane(channel);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // Taken before looking, so a job recorded while this loop looks still wakes it.
                Task woken = _notifier.Wake.Next;
                TimeSpan? wait;
                try
                {
                    wait = Turn(lane, stoppingToken);
                }
                catch (SqliteException exception)
                {
                    // The ledger failed (disk full, I/O error): nothing is lost, the jobs are still pending and the ended
                    // attempts still under way here; look again later.
                    LogLedgerFailed(channel.Name, exception.Message);
                    wait = _notifier.Options.InitialBackoff;
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // A fault here must not end this channel's deliveries (nor, through the host, ingest); the job stays pending.
                    LogDeliveryFault(channel.Name, exception.GetType().Name, channel.Redact(exception.Message));
                    wait = _notifier.Options.InitialBackoff;
                }

                if (wait != TimeSpan.Zero)
                {
                    await WaitAsync(lane, woken, wait, stoppingToken);
                }
            }
        }
        finally
        {
            // Stopping cancels the requests under way: their jobs keep the "under way" mark, which the next start reports
            // (InterruptedAtOpen) before sending them again.
            foreach (Attempt attempt in lane.UnderWay)
            {
                try
                {
                    await attempt.Request;
                }
                catch (Exception exception) when (exception is OperationCanceledException or HttpRequestException)
                {
                    // Ended by the stop.
                }
            }
        }
    }

    /// <summary>
    /// One turn of a channel's loop, without waiting: records the outcome of every request that ended, picks the jobs that
    /// may start (as many as the channel has free slots: <see cref="NotificationOptions.ChannelConcurrency"/>, one while
    /// its last attempt failed), commits all of it in one ledger transaction, then starts their requests. Returns how
    /// long to wait before the next turn (zero: at once; null: until woken or a request ends).
    /// </summary>
    private TimeSpan? Turn(Lane lane, CancellationToken stoppingToken)
    {
        NotificationChannel channel = lane.Channel;
        NotificationLedger ledger = _notifier.Ledger;
        DateTimeOffset now = _time.GetUtcNow();
        var outcomes = new List<JobOutcome>();
        var ended = new List<(Attempt Attempt, AttemptResult Result, JobOutcome Outcome)>();
        bool failing = lane.Failing;
        foreach (Attempt attempt in lane.UnderWay.Where(attempt => attempt.Request.IsCompleted))
        {
            if (attempt.Request.IsCanceled)
            {
                continue; // only when stopping: the job stays under way in the ledger
            }

            AttemptResult result = attempt.Request.IsCompletedSuccessfully
                ? attempt.Request.Result
                : new AttemptResult(DeliveryResult.Failed(attempt.Request.Exception!.InnerException!.GetType().Name), now, TimeSpan.Zero);
            JobOutcome outcome = result.Delivered.Delivered ? JobOutcome.Sent(attempt.Job.Id, result.After) : Failure(attempt.Job, result.Delivered.Failure, result.After);
            ended.Add((attempt, result, outcome));
            outcomes.Add(outcome);
            failing = !result.Delivered.Delivered;
        }

        int stillUnderWay = lane.UnderWay.Count - ended.Count;
        int slots = (failing ? 1 : _notifier.Options.ChannelConcurrency) - stillUnderWay;
        var starts = new List<(DueJob Job, OutgoingNotice Notice)>();
        var unreadable = new List<(DueJob Job, JobOutcome Outcome)>();
        int cancelled = 0;
        if (slots > 0)
        {
            var underWay = new HashSet<long>(lane.UnderWay.Select(attempt => attempt.Job.Id));
            foreach (DueJob job in ledger.Ready(channel.Name, now, slots + underWay.Count).Where(job => !underWay.Contains(job.Id)))
            {
                if (job.Notice == NoticeKind.Reminder && job.Closed)
                {
                    outcomes.Add(JobOutcome.Cancelled(job.Id, now));
                    cancelled++;
                    LogReminderCancelled(job.AlarmId, channel.Name);
                }
                else if (starts.Count < slots)
                {
                    if (Compose(job, channel, now, out string? error) is { } notice)
                    {
                        starts.Add((job, notice));
                    }
                    else
                    {
                        // Cannot happen for a ledger this hub wrote; kept pending (never dropped) and reported like any failure.
                        JobOutcome outcome = Failure(job, $"unreadable notice in the ledger: {error}", now);
                        outcomes.Add(outcome);
                        unreadable.Add((job, outcome));
                    }
                }
            }
        }

        // One commit for the turn: what ended (only now, after its answer) and what starts (before its request leaves:
        // a hub killed between the receiver's answer and the next commit knows, at its next start, that the notice may
        // have arrived, and says so when it sends it again — at least once, never lost).
        ledger.Advance(outcomes, [.. starts.Select(start => start.Job.Id)], now);
        lane.Failing = failing;
        foreach ((Attempt attempt, AttemptResult result, JobOutcome outcome) in ended)
        {
            lane.UnderWay.Remove(attempt);
            Report(channel, attempt.Job, result, outcome);
        }

        lane.UnderWay.RemoveAll(attempt => attempt.Request.IsCanceled);
        foreach ((DueJob job, JobOutcome outcome) in unreadable)
        {
            ReportFailure(channel, job, outcome, now);
        }

        foreach ((DueJob job, OutgoingNotice notice) in starts)
        {
            lane.UnderWay.Add(new Attempt(job, AttemptAsync(channel, notice, now, stoppingToken)));
        }

        if (ended.Count > 0 || starts.Count > 0 || cancelled > 0 || unreadable.Count > 0)
        {
            return TimeSpan.Zero;
        }

        return Until(ledger.NextEligibleAfter(channel.Name, now), now);
    }

    /// <summary>One request: the answer, when it came, and how long it took (monotonic).</summary>
    private async Task<AttemptResult> AttemptAsync(NotificationChannel channel, OutgoingNotice notice, DateTimeOffset now, CancellationToken stoppingToken)
    {
        using HttpClient http = _httpClients.CreateClient(HttpClientName);
        long requested = _time.GetTimestamp();
        DeliveryResult result = await channel.SendAsync(http, notice, now, _notifier.Options.RequestTimeout, stoppingToken);
        return new AttemptResult(result, _time.GetUtcNow(), _time.GetElapsedTime(requested));
    }

    /// <summary>Metrics and the log line of an attempt whose outcome is committed.</summary>
    private void Report(NotificationChannel channel, DueJob job, AttemptResult result, JobOutcome outcome)
    {
        if (!result.Delivered.Delivered)
        {
            ReportFailure(channel, job, outcome, result.After);
            return;
        }

        _notifier.Metrics.Sent(channel.Name, job.Notice);
        if (_notifier.Arrivals.Delivered(job.Site, job.Gateway, job.AlarmId, job.Notice) is { } arrival)
        {
            TimeSpan delay = _time.GetElapsedTime(arrival.Timestamp);
            _notifier.Metrics.Delivered(job.Notice, delay);
            LogSentAfterArrival(job.Notice, job.AlarmId, channel.Name, job.Attempts + 1, arrival.At, delay.TotalMilliseconds, arrival.Recording.TotalMilliseconds, result.Request.TotalMilliseconds);
        }
        else
        {
            LogSent(job.Notice, job.AlarmId, channel.Name, job.Attempts + 1);
        }
    }

    /// <summary>The notice of <paramref name="job"/> in <paramref name="channel"/>'s language: from its alarm message, or
    /// for an assignment from the <see cref="AssignmentNotice"/> the job carries; null (with why) when that cannot be read.</summary>
    private static OutgoingNotice? Compose(DueJob job, NotificationChannel channel, DateTimeOffset now, out string? error)
    {
        byte[] json = Encoding.UTF8.GetBytes(job.AlarmJson);
        if (job.Notice == NoticeKind.Assigned)
        {
            AssignmentNotice? assignment;
            try
            {
                assignment = JsonSerializer.Deserialize(json, NotificationJson.Default.AssignmentNotice);
                error = assignment is null ? "null" : null;
            }
            catch (JsonException exception)
            {
                (assignment, error) = (null, exception.Message);
            }

            return assignment is null ? null : new OutgoingNotice(job.Notice, job.AlarmId, job.AlarmJson, AlarmNoticeText.ComposeAssignment(assignment, channel.Text));
        }

        return ContractJson.TryDeserialize(json, out AlarmMessage? alarm, out error)
            ? new OutgoingNotice(job.Notice, alarm!.AlarmId, job.AlarmJson, AlarmNoticeText.Compose(alarm, job.Notice, channel.Text, now))
            : null;
    }

    /// <summary>A failed attempt's outcome: the product's one back-off policy — InitialBackoff after the first failure,
    /// doubling to MaxBackoff, a random point in the upper half, so the channels of several hub instances that failed
    /// together do not retry in step.</summary>
    private JobOutcome Failure(DueJob job, string? reason, DateTimeOffset now)
    {
        int attempts = job.Attempts + 1;
        NotificationOptions options = _notifier.Options;
        TimeSpan backoff = new ExponentialBackoff(options.InitialBackoff, options.MaxBackoff).Delay(attempts - 1);
        return JobOutcome.Failed(job.Id, attempts, now + backoff, reason ?? "failed");
    }

    /// <summary>Metrics and the warning of a failed attempt, once its outcome (<see cref="Failure"/>) is committed.</summary>
    private void ReportFailure(NotificationChannel channel, DueJob job, JobOutcome outcome, DateTimeOffset failedAt)
    {
        _notifier.Metrics.Failed(channel.Name, job.Notice);
        LogFailed(job.Notice, job.AlarmId, channel.Name, outcome.Attempts, outcome.Error ?? "failed", outcome.At - failedAt);
    }

    private async Task WaitAsync(Lane lane, Task woken, TimeSpan? wait, CancellationToken stoppingToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        TimeSpan delay = wait is { } w && w < LongestWait ? w : LongestWait;
        DateTimeOffset now = _time.GetUtcNow();
        var elapsed = Task.Delay(delay, _time, stop.Token);
        // Published only once the timer exists, only while no request is under way (a request runs on real time), and
        // withdrawn as soon as the loop wakes, so whoever reads it sees a loop that is truly waiting, and until when.
        if (lane.UnderWay.Count == 0)
        {
            _waiting[lane.Channel.Name] = now + delay;
        }

        try
        {
            // A request that ends wakes the loop too: its outcome is recorded and its slot refilled at once.
            await Task.WhenAny([woken, elapsed, .. lane.UnderWay.Select(attempt => attempt.Request)]);
        }
        finally
        {
            _waiting.TryRemove(lane.Channel.Name, out _);
        }

        // Release the timer when woken first; a cancelled delay is not an error, and WhenAny never throws.
        await stop.CancelAsync();
    }

    private async Task PruneAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                int removed = _notifier.Ledger.Prune(_time.GetUtcNow() - KeepFor);
                if (removed > 0)
                {
                    LogPruned(removed);
                }
            }
            catch (SqliteException exception)
            {
                LogLedgerFailed("(pruning)", exception.Message);
            }

            try
            {
                await Task.Delay(LongestWait, _time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Jobs for a channel removed from the configuration stay pending (never dropped) and are reported at start.</summary>
    private void ReportJobsOfUnknownChannels()
    {
        var known = new HashSet<string>(_notifier.Plan.Channels.Select(channel => channel.Name), StringComparer.Ordinal);
        foreach ((string channel, long count) in _notifier.Ledger.PendingByChannel())
        {
            if (!known.Contains(channel))
            {
                LogUnknownChannel(count, channel);
            }
        }
    }

    private static TimeSpan? Until(DateTimeOffset? due, DateTimeOffset now) => due is { } at ? (at > now ? at - now : TimeSpan.Zero) : null;

    /// <summary>A channel's loop state: its requests under way and whether its last attempt failed. Only its loop touches it.</summary>
    private sealed class Lane(NotificationChannel channel)
    {
        public NotificationChannel Channel { get; } = channel;

        public List<Attempt> UnderWay { get; } = [];

        public bool Failing { get; set; }
    }

    /// <summary>A job's request under way.</summary>
    private sealed record Attempt(DueJob Job, Task<AttemptResult> Request);

    /// <summary>A request's answer, when it came (the scheduling clock) and how long it took (monotonic).</summary>
    private readonly record struct AttemptResult(DeliveryResult Delivered, DateTimeOffset After, TimeSpan Request);

    [LoggerMessage(Level = LogLevel.Information, Message = "Notice {Notice} of alarm {AlarmId} sent via channel {Channel} (attempt {Attempt})")]
    private partial void LogSent(NoticeKind notice, string alarmId, string channel, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Notice {Notice} of alarm {AlarmId} sent via channel {Channel} (attempt {Attempt}); the alarm reached this hub at {ArrivedAt:O}, {DelayMs:0.0} ms before (the ledger took {RecordMs:0.0} ms, the request {RequestMs:0.0} ms)")]
    private partial void LogSentAfterArrival(NoticeKind notice, string alarmId, string channel, int attempt, DateTimeOffset arrivedAt, double delayMs, double recordMs, double requestMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notice {Notice} of alarm {AlarmId} via channel {Channel} failed (attempt {Attempt}): {Reason}; next attempt in {RetryIn}")]
    private partial void LogFailed(NoticeKind notice, string alarmId, string channel, int attempt, string reason, TimeSpan retryIn);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reminder of alarm {AlarmId} via channel {Channel} cancelled: acknowledged or cleared")]
    private partial void LogReminderCancelled(string alarmId, string channel);

    [LoggerMessage(Level = LogLevel.Error, Message = "Notification ledger failed on channel {Channel}: {Reason}; the notices stay pending")]
    private partial void LogLedgerFailed(string channel, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery via channel {Channel} faulted ({ExceptionType}: {Reason}); the notice stays pending")]
    private partial void LogDeliveryFault(string channel, string exceptionType, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notice {Notice} of alarm {AlarmId} via channel {Channel} was being sent when the hub stopped (attempt begun {AttemptStarted:O}); it is sent again and may arrive twice")]
    private partial void LogInterrupted(NoticeKind notice, string alarmId, string channel, DateTimeOffset attemptStarted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} notices are pending for channel {Channel}, which is no longer configured; they stay in the ledger until it is configured again")]
    private partial void LogUnknownChannel(long count, string channel);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Notification ledger pruned: {Removed} rows older than 30 days")]
    private partial void LogPruned(int removed);
}
