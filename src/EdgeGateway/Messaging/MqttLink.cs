using System.Collections.Concurrent;
using System.Diagnostics;
using EdgeGateway.Bins;
using EdgeGateway.Commands;
using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Reasons;
using EdgeGateway.Diagnostics;
using EdgeGateway.Events;
using EdgeGateway.Messaging.Outbox;
using EdgeGateway.Mqtt;
using EdgeGateway.Protection;
using EdgeGateway.Timekeeping;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet.Protocol;

namespace EdgeGateway.Messaging;

/// <summary>
/// The gateway's MQTT link: every event that matters and every telemetry period goes into the durable
/// outbox first; a drain loop publishes the outbox (alarms and sessions first) with QoS 1 and removes a
/// message only once the broker acknowledged it; commands come in on <c>cmd/+</c> and are answered on
/// the request's MQTT 5 response topic with its correlation data.
/// </summary>
public sealed partial class MqttLink : BackgroundService, IGatewayEventSubscriber
{
    /// <summary>How long a stopping link keeps publishing what its outbox still holds.</summary>
    internal static readonly TimeSpan FinalDrainBound = TimeSpan.FromSeconds(3);

    private readonly ILinkedShed _runtime;
    private readonly ShedCommands _commands;
    private readonly DurableOutbox _outbox;
    private readonly MqttConnection _connection;
    private readonly OutboxDrain _drain;
    private readonly ContractMapper _map;
    private readonly ClockSync? _clock;
    private readonly GatewayMeters? _meters;
    private readonly ILogger<MqttLink> _logger;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly SemaphoreSlim _wake = new(0);
    private string? _undoneUpgrade;
    private readonly Dictionary<string, BinSnapshot> _lastBinState = new(StringComparer.Ordinal);
    private readonly Terminal.CardListInbox? _cardLists;

    // Telemetry that fell due on a simulated shed's clock (stamp and port snapshot of that instant), for the loop to append.
    private readonly ConcurrentQueue<(DateTimeOffset At, ShedSnapshot Ports)> _dueTelemetry = new();
    private volatile bool _telemetryStopped;
    private string? _bufferFullAlarm;
    private bool _diskFull;
    private DateTimeOffset _bufferFullSince;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;

    /// <param name="runtime">The shed.</param>
    /// <param name="outbox">Its durable outbox.</param>
    /// <param name="connection">The MQTT connection.</param>
    /// <param name="logger">The log.</param>
    /// <param name="clock">Whether the wall clock is synchronised, for the status message's <c>clock_synced</c>; null reports null (cannot tell).</param>
    /// <param name="meters">The gateway's own figures for its status (and the outbox's for <c>/metrics</c>); null sends none (the fleet simulator).</param>
    /// <param name="cardLists">Where the hub's card lists go when the shed has a card terminal; null: the link does not subscribe to them.</param>
    /// <param name="upgrader">Who takes the <c>upgrade</c> command; its failures after the reply go into the status's <c>last_error</c>. Null refuses upgrades.</param>
    public MqttLink(ILinkedShed runtime, DurableOutbox outbox, MqttConnection connection, ILogger<MqttLink> logger, ClockSync? clock = null, GatewayMeters? meters = null, Terminal.CardListInbox? cardLists = null, Upgrading.BundleUpgrader? upgrader = null)
    {
        _cardLists = cardLists;
        _clock = clock;
        _meters = meters;
        meters?.Observe("edgegateway.gateway.outbox.depth", "{message}", "Messages in the outbox, not yet acknowledged by the broker.", () => outbox.Stats.Depth);
        meters?.Observe("edgegateway.gateway.outbox.thinned", "{message}", "Telemetry thinned by a full outbox since it was created.", () => outbox.Stats.ThinnedTotal);
        _runtime = runtime;
        _commands = new ShedCommands(runtime.Site, runtime.Protection, runtime.Station, RepublishRetainedState, logger, () => _clock?.IsSynchronized(),
            new CommandReplayGuard(Path.Combine(outbox.DataDirectory, CommandReplayGuard.FileName)), upgrader);
        if (upgrader is not null)
        {
            upgrader.Failed = ReportUpgradeFailure;
            _undoneUpgrade = upgrader.TakeUndoneUpgrade();
        }

        _outbox = outbox;
        _connection = connection;
        _drain = new OutboxDrain(outbox, connection);
        _logger = logger;
        _map = new ContractMapper(runtime.Site);
        _connection.Subscribe(ContractTopics.CommandFilter(_map.Site, _map.Gateway), MqttQualityOfServiceLevel.AtLeastOnce);
        if (cardLists is not null)
        {
            _connection.Subscribe(ContractTopics.Cards(_map.Site, _map.Gateway), MqttQualityOfServiceLevel.AtLeastOnce);
        }

        _connection.MessageHandler = OnCommandAsync;
        _connection.Connected += (_, _) =>
        {
            // A rollback of the installation is reported in the first online status of this life, whatever the
            // connection attempts before it left in last_error.
            if (Interlocked.Exchange(ref _undoneUpgrade, null) is { } undone)
            {
                _lastError = undone;
                _lastErrorAt = _runtime.Time.GetUtcNow();
            }

            Append([_map.StatusItem(Status(online: true))]);
            _wake.Release();
        };
        _connection.Disconnected += (_, e) =>
        {
            _lastError = e.Reason;
            _lastErrorAt = _runtime.Time.GetUtcNow();
        };
    }

    /// <summary>The retained offline status the broker publishes when the gateway vanishes (its Last Will).</summary>
    public static byte[] Will(ILinkedShed runtime)
    {
        var map = new ContractMapper(runtime.Site);

        // A will is fixed at connect time, before any seq it could carry: the contract gives it seq 0.
        return ContractJson.Serialize(map.Status(online: false, runtime.Time.GetUtcNow(), TimeSpan.Zero, 0, "connection lost", null));
    }

    public ValueTask HandleAsync(GatewayEvent gatewayEvent, CancellationToken cancellationToken)
    {
        OutboxItem[] items = [.. _map.ForEvent(gatewayEvent)];
        if (items.Length > 0)
        {
            Append(items);
            _wake.Release();
        }

        return ValueTask.CompletedTask;
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_outbox.Stats.Recovery is { } recovery)
        {
            _lastError = recovery;
            _lastErrorAt = _runtime.Time.GetUtcNow();
            LogOutboxRecovered(recovery);
        }

        // The connection outlives the stop request by one bounded final drain: what was appended just before a stop
        // (the last telemetry, a port state change at shutdown) is published now, not at the next start. QoS 1 is
        // at least once either way; the final drain only keeps the wait short.
        using var connectionStop = new CancellationTokenSource();
        Task connection = _connection.RunAsync(connectionStop.Token);
        try
        {
            Task telemetry = TelemetryLoopAsync(stoppingToken);
            Task drain = DrainLoopAsync(stoppingToken);
            await Task.WhenAll(telemetry, drain);
        }
        finally
        {
            if (_runtime.PowerLost)
            {
                // A Pi without power sends no DISCONNECT and drains nothing: the broker sees the link die and publishes
                // the will. Disconnect with Will Message (MQTT 5.0 §3.14.2.1, reason 0x04) is that, in one process.
                _connection.PublishWillOnStop = true;
            }
            else
            {
                await FinalDrainAsync();
            }

            await connectionStop.CancelAsync();
            await connection;
        }
    }

    /// <summary>
    /// On stop, publishes what the outbox still holds while the link is up, for at most <see cref="FinalDrainBound"/>
    /// (well inside systemd's TimeoutStopSec=15 of deploy/gateway/edgegateway.service). What is not acknowledged by
    /// then stays in the outbox for the next start.
    /// </summary>
    private async Task FinalDrainAsync()
    {
        if (!_connection.IsConnected || _outbox.Stats.Depth == 0)
        {
            return;
        }

        using var bound = new CancellationTokenSource(FinalDrainBound);
        try
        {
            int sent = await _drain.DrainAsync(null, bound.Token);
            LogFinalDrain(sent, _outbox.Stats.Depth);
        }
        catch (OperationCanceledException)
        {
            LogFinalDrainCut(FinalDrainBound.TotalSeconds, _outbox.Stats.Depth);
        }
    }

    private async Task TelemetryLoopAsync(CancellationToken stoppingToken)
    {
        // Telemetry periods are in shed time: a simulated shed at 60× reports sixty times as often.
        // The period is counted on the monotonic clock: a wall clock stepped back an hour must not silence telemetry for an hour.
        TimeSpan period = _runtime.Site.Sampling.TelemetryPeriod;
        if (_runtime.ShedClock is { } shedClock)
        {
            try
            {
                await ShedTimeTelemetryLoopAsync(shedClock, period, stoppingToken);
            }
            finally
            {
                _telemetryStopped = true;
            }

            return;
        }

        long origin = _runtime.Time.GetTimestamp();
        TimeSpan next = TimeSpan.Zero;
        bool first = true;
        while (!stoppingToken.IsCancellationRequested && !_runtime.PowerLost)
        {
            TimeSpan since = _runtime.Time.GetElapsedTime(origin);
            if (since >= next)
            {
                DateTimeOffset now = _runtime.Time.GetUtcNow();
                // The first report goes at once; the second after this gateway's own phase within the period, so that
                // a district's gateways that started together (a power cut ending, a broker coming back) do not
                // publish in lockstep: 645 sheds × 29 messages in the same second is a burst the broker must queue.
                next = since + (first ? TelemetryPhase(_map.Site, _map.Gateway, period) : period);
                first = false;
                Append(TelemetryItems(now));
                _wake.Release();
            }

            if (!await ReportClockStepsAndPauseAsync(stoppingToken))
            {
                return;
            }
        }
    }

    /// <summary>
    /// Telemetry on a simulated shed: due on the shed's own clock, each period of shed time, whatever the speed. The
    /// clock stops at each due instant on the sampling thread, which only takes the stamp and the port snapshot (no
    /// disk, no waiting); this loop turns them into outbox items. Polling real time instead, a shed run as fast as the
    /// CPU allows reported once per 100 ms of real time, minutes of shed time apart.
    /// </summary>
    private async Task ShedTimeTelemetryLoopAsync(Hardware.Simulation.SimulatedClock clock, TimeSpan period, CancellationToken stoppingToken)
    {
        void DueAt(TimeSpan at) => clock.ScheduleAt(at, () =>
        {
            // A link that stopped (a power cut ended its life) reports nothing more and stops asking.
            if (_telemetryStopped)
            {
                return;
            }

            _dueTelemetry.Enqueue((clock.GetUtcNow(), _runtime.Protection.Snapshot));
            DueAt(at + period);
        });

        // The first report goes at once, the second after the gateway's phase (see TelemetryLoopAsync's real-time twin).
        Append(TelemetryItems(clock.GetUtcNow()));
        _wake.Release();
        DueAt(clock.Elapsed + TelemetryPhase(_map.Site, _map.Gateway, period));
        while (!stoppingToken.IsCancellationRequested && !_runtime.PowerLost)
        {
            bool any = false;
            while (_dueTelemetry.TryDequeue(out (DateTimeOffset At, ShedSnapshot Ports) due))
            {
                Append(TelemetryItems(due.At, due.Ports));
                any = true;
            }

            if (any)
            {
                _wake.Release();
            }

            if (!await ReportClockStepsAndPauseAsync(stoppingToken))
            {
                return;
            }
        }
    }

    /// <summary>Between two looks at what is due: reports clock steps, then waits 100 ms; false once the link is stopping.</summary>
    private async Task<bool> ReportClockStepsAndPauseAsync(CancellationToken stoppingToken)
    {
        ReportClockSteps();
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), stoppingToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>A stable offset in (0, period] from the gateway's identity (FNV-1a), the same at every start.</summary>
    internal static TimeSpan TelemetryPhase(string site, string gateway, TimeSpan period)
    {
        uint hash = 2166136261;
        foreach (char c in site + "/" + gateway)
        {
            hash = (hash ^ c) * 16777619;
        }

        return TimeSpan.FromTicks(1 + (long)(hash % (ulong)Math.Max(1, period.Ticks)));
    }

    private List<OutboxItem> TelemetryItems(DateTimeOffset now, ShedSnapshot? ports = null)
    {
        var items = new List<OutboxItem>();
        foreach (PortSnapshot port in (ports ?? _runtime.Protection.Snapshot).Ports)
        {
            items.Add(_map.PortTelemetry(port, now));

            // The retained state of a charging port carries its running session (energy, cost): renewed once a
            // telemetry period, never per sample.
            if (port.SessionId is not null)
            {
                items.Add(_map.PortStateNow(port, now, "session running"));
            }
        }

        if (_runtime.Station is { } station)
        {
            foreach (BinSnapshot bin in station.Snapshot)
            {
                items.Add(_map.BinTelemetry(bin, now));

                // Bin state is retained and sent on change.
                if (!_lastBinState.TryGetValue(bin.Id, out BinSnapshot? last) || StateDiffers(last, bin))
                {
                    _lastBinState[bin.Id] = bin;
                    items.Add(_map.BinState(bin, BinThresholdsFor(bin.Id), now));
                }
            }
        }

        items.Add(_map.StatusItem(Status(_connection.IsConnected)));
        return items;
    }

    private static bool StateDiffers(BinSnapshot a, BinSnapshot b) =>
        a.NearlyFull != b.NearlyFull || a.ContainerFull != b.ContainerFull || a.ContainerEmpty != b.ContainerEmpty
        || a.LidOpen != b.LidOpen || a.Tilted != b.Tilted || a.Fault != b.Fault || a.LastCollectedAt != b.LastCollectedAt
        || Math.Abs((a.FillPct ?? -100) - (b.FillPct ?? -100)) >= 5;

    private Configuration.BinThresholds BinThresholdsFor(string id) =>
        _commands.Site.Bins.FirstOrDefault(b => b.Id == id)?.Thresholds ?? _commands.Site.BinThresholds;

    private async Task DrainLoopAsync(CancellationToken stoppingToken)
    {
        // One drain publishes until the outbox is empty, keeping the PUBLISH window full across batches (OutboxDrain
        // says why that matters); thinning is reported between batches, as before.
        while (!stoppingToken.IsCancellationRequested && !_runtime.PowerLost)
        {
            await _drain.DrainAsync(ReportThinning, stoppingToken);
            ReportThinning();

            // Empty, no connection, or a publish failed: wait for new messages or a reconnect, at most a second.
            try
            {
                await _wake.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Thinned telemetry is counted and becomes a gateway_buffer_full alarm (never silently lost).</summary>
    private void ReportThinning()
    {
        OutboxStats stats = _outbox.Stats;
        DateTimeOffset now = _runtime.Time.GetUtcNow();
        if (stats.DiskFull != _diskFull)
        {
            // The status message carries it (last_error) until the disk has room again.
            _diskFull = stats.DiskFull;
            LogDiskFull(stats.DiskFull, stats.Unstored);
            if (stats.DiskFull)
            {
                _lastError = $"outbox: disk full, oldest telemetry thinned, {stats.Unstored} messages held in memory";
                _lastErrorAt = now;
            }
        }

        // Messages held in memory on a full disk raise it too, even when no telemetry was there to thin.
        if ((stats.ThinnedSinceLastReport > 0 || stats.Unstored > 0) && _bufferFullAlarm is null)
        {
            OutboxStats report = _outbox.TakeReport();
            _bufferFullAlarm = Guid.CreateVersion7(now).ToString();
            _bufferFullSince = now;
            LogBufferFull(report.ThinnedSinceLastReport, report.ThinnedFirstSeq, report.ThinnedLastSeq);
            Append([_map.BufferFull(_bufferFullAlarm, raised: true, now, now, report.ThinnedTotal, stats.Depth)]);
        }
        else if (_bufferFullAlarm is not null && !stats.BoundReached && stats.Depth == 0)
        {
            Append([_map.BufferFull(_bufferFullAlarm, raised: false, _bufferFullSince, now, stats.ThinnedTotal, stats.Depth)]);
            _bufferFullAlarm = null;
        }
    }

    private StatusMessage Status(bool online, ClockStepReport? clockStep = null)
    {
        OutboxStats outbox = _outbox.Stats;
        return _map.Status(online, _runtime.Time.GetUtcNow(), Stopwatch.GetElapsedTime(_started), outbox.Depth, _lastError, _lastErrorAt, _clock?.IsSynchronized(), clockStep) with
        {
            Figures = _meters?.TakeFigures(outbox.ThinnedTotal, _runtime.Protection.Snapshot.FaultedPorts),
            Supply = ContractMapper.Supply(_runtime.Protection.Snapshot.Supply),
        };
    }

    /// <summary>
    /// A step of the wall clock: the outbox has moved the stamps of what it had not sent (it also looks before each
    /// publish); a status message reports the step and what had gone out before it (contract: <c>clock_step</c>).
    /// </summary>
    private void ReportClockSteps()
    {
        IReadOnlyList<ClockStep> steps;
        try
        {
            steps = _outbox.CorrectClock();
        }
#pragma warning disable CA1031 // as for Append: a failing disk is logged and reported, never takes the link down
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogOutboxFailed(ex);
            return;
        }

        foreach (ClockStep step in steps)
        {
            LogClockStep((long)step.Step.TotalMilliseconds, step.Corrected, step.SentCount, step.SentFirstSeq, step.SentLastSeq);
            Append([_map.StatusItem(Status(_connection.IsConnected, new ClockStepReport
            {
                StepMs = (long)step.Step.TotalMilliseconds,
                DetectedTs = step.DetectedAt,
                Corrected = step.Corrected,
                SentCount = step.SentCount,
                SentFirstSeq = step.SentFirstSeq,
                SentLastSeq = step.SentLastSeq,
            }))]);
            _wake.Release();
        }
    }

    private void Append(IReadOnlyList<OutboxItem> items)
    {
        // After a power cut nothing more reaches the disk: what was not written is lost, as on the board.
        if (_runtime.PowerLost)
        {
            return;
        }

        try
        {
            _outbox.Append(items);
        }
#pragma warning disable CA1031 // a failing disk must not take the link (or the gateway) down; it is logged and reported in status
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _lastError = $"outbox: {ex.Message}";
            _lastErrorAt = _runtime.Time.GetUtcNow();
            LogOutboxFailed(ex);
        }
    }

    private async Task OnCommandAsync(MqttIncomingMessage message)
    {
        DateTimeOffset now = _runtime.Time.GetUtcNow();
        if (_cardLists is not null && message.Topic == ContractTopics.Cards(_map.Site, _map.Gateway))
        {
            // The hub's retained card list: the terminal's loop validates and applies it; it is no command.
            _cardLists.Receive(message.Payload.Span);
            return;
        }

        string name = ContractTopics.TryParse(message.Topic, out ContractTopic topic) && topic.Kind == ContractTopicKind.Command ? topic.CommandName! : "";
        CommandReply reply = await ExecuteAsync(name, message.Payload, now);
        LogCommand(name, reply.Ok, reply.Message);
        if (message.ResponseTopic is { Length: > 0 } responseTopic)
        {
            await _connection.PublishAsync(responseTopic, ContractJson.Serialize(reply), false, MqttQualityOfServiceLevel.AtLeastOnce, new MqttPublishProperties
            {
                CorrelationData = message.CorrelationData,
                ContentType = "application/json",
            });
        }
    }

    /// <summary>Decodes the request; <see cref="ShedCommands"/> decides what it does.</summary>
    private async Task<CommandReply> ExecuteAsync(string name, ReadOnlyMemory<byte> payload, DateTimeOffset now)
    {
        if (!ContractCommands.IsKnown(name))
        {
            return ShedCommands.Unknown(name, now);
        }

        if (!ContractJson.TryDeserializeCommand(payload.Span, out CommandRequest? request, out string? error))
        {
            return ReasonText.Reply(name, now, false, ReasonCatalogue.InvalidCommand(error!));
        }

        return await _commands.ExecuteAsync(name, request!, now);
    }

    /// <summary>An upgrade that failed after its reply: the retained status says so (<c>last_error</c>) at once.</summary>
    private void ReportUpgradeFailure(string failure)
    {
        _lastError = failure;
        _lastErrorAt = _runtime.Time.GetUtcNow();
        Append([_map.StatusItem(Status(_connection.IsConnected))]);
        _wake.Release();
    }

    private void RepublishRetainedState(DateTimeOffset now)
    {
        Append(SnapshotItems(now));
        _wake.Release();
    }

    private List<OutboxItem> SnapshotItems(DateTimeOffset now)
    {
        var items = new List<OutboxItem> { _map.StatusItem(Status(_connection.IsConnected)) };
        foreach (PortSnapshot port in _runtime.Protection.Snapshot.Ports)
        {
            items.Add(_map.PortStateNow(port, now, "snapshot"));
        }

        if (_runtime.Station is { } station)
        {
            foreach (BinSnapshot bin in station.Snapshot)
            {
                items.Add(_map.BinState(bin, BinThresholdsFor(bin.Id), now));
            }
        }

        return items;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: published {Sent} messages still in the outbox; {Left} left for the next start")]
    private partial void LogFinalDrain(int sent, long left);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping: the final publish of the outbox was cut after {Seconds} s; {Left} messages left for the next start")]
    private partial void LogFinalDrainCut(double seconds, long left);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox full: {Thinned} telemetry messages thinned (seq {FirstSeq}..{LastSeq})")]
    private partial void LogBufferFull(long thinned, long? firstSeq, long? lastSeq);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox disk full: {DiskFull} ({Unstored} messages held in memory)")]
    private partial void LogDiskFull(bool diskFull, long unstored);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox recovered at start-up: {Recovery}")]
    private partial void LogOutboxRecovered(string recovery);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The wall clock stepped by {StepMs} ms: {Corrected} unsent messages restamped; {Sent} already sent with the old clock (seq {FirstSeq}..{LastSeq})")]
    private partial void LogClockStep(long stepMs, long corrected, long sent, long? firstSeq, long? lastSeq);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not write to the outbox")]
    private partial void LogOutboxFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Command {Command}: ok={Ok} ({Message})")]
    private partial void LogCommand(string command, bool ok, string message);
}
