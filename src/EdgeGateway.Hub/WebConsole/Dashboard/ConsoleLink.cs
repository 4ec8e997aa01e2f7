using System.Collections.Concurrent;
using System.Security.Cryptography;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Ingest;
using EdgeGateway.Hub.WebConsole.History;
using EdgeGateway.Hub.WebConsole.Store;
using EdgeGateway.Mqtt;
using Microsoft.Extensions.Options;
using MQTTnet.Protocol;

namespace EdgeGateway.Hub.WebConsole.Dashboard;

/// <summary>How a command ended: the gateway's reply, no reply in time, or not sent at all.</summary>
internal enum CommandOutcomeKind
{
    Replied,
    NoReply,
    BrokerUnreachable,
}

internal sealed record CommandOutcome(CommandOutcomeKind Kind, CommandReply? Reply = null);

/// <summary>
/// The console's own MQTT connection (<c>{client id}-console</c>; not shared, no session kept: the board is rebuilt from
/// retained messages at each connect): it feeds the <see cref="LiveDashboard"/> with every gateway's status, port and bin
/// telemetry and states, alarms and alarm acknowledgements, sends commands as MQTT 5 requests and matches their replies
/// on <c>edge/v1/_hub/replies/{client id}</c> by correlation data. The handler only parses and updates memory: it
/// never waits on a browser, a database or a command.
/// </summary>
internal sealed partial class ConsoleLink : BackgroundService
{
    public const string RepliesRoot = ContractTopics.Root + "/_hub/replies/";

    /// <summary>Alarms raised this long ago and not cleared are loaded from InfluxDB at start.</summary>
    private const int ActiveAlarmDays = 7;

    private static readonly TimeSpan ReconcileRetry = TimeSpan.FromSeconds(30);

    private readonly LiveDashboard _board;
    private readonly ConsoleStore _store;
    private readonly ConsoleHistory _history;
    private readonly ConsoleUserDirectory _users;
    private readonly TimeProvider _time;
    private readonly ILogger<ConsoleLink> _logger;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<CommandReply>> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _reconcileWanted = new(0, 1);

    public ConsoleLink(IOptions<HubOptions> options, LiveDashboard board, ConsoleStore store, ConsoleHistory history, ConsoleUserDirectory users, TimeProvider time, ILogger<MqttConnection> linkLogger, ILogger<ConsoleLink> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        HubOptions hub = options.Value;
        _board = board;
        _store = store;
        _history = history;
        _users = users;
        _time = time;
        _logger = logger;
        RepliesTopic = RepliesRoot + hub.ClientId;
        MqttLinkOptions link = hub.LinkOptions(HubOptions.ConsoleConnection, acknowledgeOnReceipt: true, receiveMaximum: hub.Ingest.QueueCapacity);
        link.SessionExpiry = TimeSpan.Zero; // the board is rebuilt from retained messages; nothing must queue for it
        Connection = new MqttConnection(link, linkLogger);
        foreach (string filter in Filters)
        {
            Connection.Subscribe(filter, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        Connection.Subscribe(RepliesTopic, MqttQualityOfServiceLevel.AtLeastOnce);
    }

    /// <summary>What the board shows, and the acknowledgements made from anywhere.</summary>
    public static IReadOnlyList<string> Filters { get; } =
    [
        ContractTopics.Root + "/+/+/status",
        ContractTopics.Root + "/+/+/ports/+/telemetry",
        ContractTopics.Root + "/+/+/ports/+/state",
        ContractTopics.Root + "/+/+/bins/+/telemetry",
        ContractTopics.Root + "/+/+/bins/+/state",
        ContractTopics.Root + "/+/+/alarms",
        ContractTopics.Root + "/+/+/cmd/" + ContractCommands.AlarmAck,
    ];

    public MqttConnection Connection { get; }

    /// <summary>Where gateways send the replies to this console's commands.</summary>
    public string RepliesTopic { get; }

    /// <summary>
    /// Sends a command and waits up to <paramref name="timeout"/> for the gateway's reply. The request expires at the
    /// broker after the same time: a gateway that is offline now must not reset a port when it comes back hours later.
    /// </summary>
    public async Task<CommandOutcome> RequestAsync(string site, string gateway, string command, CommandRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        byte[] correlation = RandomNumberGenerator.GetBytes(16);
        string key = Convert.ToHexString(correlation);
        var reply = new TaskCompletionSource<CommandReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[key] = reply;
        try
        {
            bool sent = await Connection.PublishAsync(
                ContractTopics.Command(site, gateway, command),
                ContractJson.Serialize(Issue(request)),
                retain: false,
                MqttQualityOfServiceLevel.AtLeastOnce,
                new MqttPublishProperties
                {
                    ResponseTopic = RepliesTopic,
                    CorrelationData = correlation,
                    ContentType = "application/json",
                    MessageExpiryInterval = (uint)Math.Max(1, Math.Ceiling(timeout.TotalSeconds)),
                },
                cancellationToken);
            if (!sent)
            {
                return new CommandOutcome(CommandOutcomeKind.BrokerUnreachable);
            }

            try
            {
                return new CommandOutcome(CommandOutcomeKind.Replied, await reply.Task.WaitAsync(timeout, _time, cancellationToken));
            }
            catch (TimeoutException)
            {
                return new CommandOutcome(CommandOutcomeKind.NoReply);
            }
        }
        finally
        {
            _pending.TryRemove(key, out _);
        }
    }

    /// <summary>Sends a command without waiting for a reply (an acknowledgement: the console records it either way).</summary>
    public Task<bool> SendAsync(string site, string gateway, string command, CommandRequest request, CancellationToken cancellationToken) =>
        Connection.PublishAsync(
            ContractTopics.Command(site, gateway, command),
            ContractJson.Serialize(Issue(request)),
            retain: false,
            MqttQualityOfServiceLevel.AtLeastOnce,
            new MqttPublishProperties { ContentType = "application/json" },
            cancellationToken);

    /// <summary>Every command the console sends carries an id and its issue time: the gateway applies an id once and
    /// refuses a command older than its window (src/EdgeGateway.Contracts/README.md, Commands).</summary>
    private CommandRequest Issue(CommandRequest request)
    {
        DateTimeOffset now = _time.GetUtcNow();
        return request with { Id = request.Id ?? Guid.CreateVersion7(now).ToString(), IssuedTs = request.IssuedTs ?? ContractTime.Truncate(now) };
    }

    public override void Dispose()
    {
        Connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _reconcileWanted.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _users.Announce();
        Connection.MessageHandler = OnMessageAsync;
        Connection.Connected += OnConnected;
        try
        {
            Task link = Connection.RunAsync(stoppingToken);
            await ReconcileAlarmsAsync(stoppingToken);
            await link;
        }
        finally
        {
            Connection.Connected -= OnConnected;
        }
    }

    private void OnConnected(object? sender, MqttLinkConnectedEventArgs e)
    {
        LogConnected(Connection.IsConnected);

        // Alarms raised or cleared while the console was not connected (no session is kept) come from InfluxDB.
        try
        {
            _reconcileWanted.Release();
        }
        catch (SemaphoreFullException)
        {
            // A reconciliation is already due.
        }
    }

    private Task OnMessageAsync(MqttIncomingMessage message)
    {
        if (message.Topic == RepliesTopic)
        {
            if (message.CorrelationData is { } correlation
                && _pending.TryGetValue(Convert.ToHexString(correlation.Span), out TaskCompletionSource<CommandReply>? pending)
                && ContractJson.TryDeserialize(message.Payload.Span, out CommandReply? reply, out _))
            {
                pending.TrySetResult(reply!);
            }

            return Task.CompletedTask;
        }

        if (!ContractTopics.TryParse(message.Topic, out ContractTopic topic))
        {
            return Task.CompletedTask;
        }

        if (topic.Kind == ContractTopicKind.Command)
        {
            ObserveAcknowledgement(topic, message.Payload.Span);
        }
        else
        {
            _board.Apply(topic, message.Payload.Span);
        }

        return Task.CompletedTask;
    }

    /// <summary>An <c>alarm_ack</c> sent by anyone (this console, another hub instance's console): shown on the board and
    /// kept in this console's store, so that a second acknowledgement is refused here too.</summary>
    private void ObserveAcknowledgement(ContractTopic topic, ReadOnlySpan<byte> payload)
    {
        if (topic.CommandName != ContractCommands.AlarmAck
            || !ContractJson.TryDeserializeCommand(payload, out CommandRequest? request, out _)
            || request is not { AlarmId: { Length: > 0 } alarmId, Operator: { Length: > 0 } by }
            || _board.FindAlarm(topic.Site, topic.Gateway, alarmId) is not { Ack: null })
        {
            return;
        }

        // The command names the login (an id); people read the display name, which every instance finds in its own user
        // directory (the instances of a hub share it). Not carried in the command: a gateway refuses fields it does not know.
        var ack = new AlarmAck(alarmId, topic.Site, topic.Gateway, by, null, _time.GetUtcNow(), request.Comment, _users.Find(by)?.DisplayName);
        _store.TryAcknowledge(ack);
        _board.Acknowledge(_store.FindAck(topic.Site, topic.Gateway, alarmId) ?? ack);
    }

    private async Task ReconcileAlarmsAsync(CancellationToken stoppingToken)
    {
        if (!_history.IsConfigured)
        {
            LogNoAlarmHistory();
            return;
        }

        bool wanted = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!wanted)
            {
                try
                {
                    await _reconcileWanted.WaitAsync(stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            try
            {
                List<AlarmRecord> alarms = await _history.RecentAlarmsAsync(ActiveAlarmDays, stoppingToken);
                Dictionary<(string Site, string Gateway, string AlarmId), AlarmAck> acks = _store.FindAcks(alarms.Select(a => (a.Site, a.Gateway, a.AlarmId)));
                int changed = _board.Reconcile(alarms.Select(a => acks.TryGetValue((a.Site, a.Gateway, a.AlarmId), out AlarmAck? ack) ? a with { Ack = ack } : a));
                int active = alarms.Count(a => a.IsActive);
                LogReconciled(active, changed);
                wanted = false;
            }
            catch (HistoryUnavailableException exception)
            {
                LogReconcileFailed(exception.Message, ReconcileRetry);
                try
                {
                    await Task.Delay(ReconcileRetry, _time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Console link up (connected: {Connected}); the board fills from retained messages")]
    private partial void LogConnected(bool connected);

    [LoggerMessage(Level = LogLevel.Information, Message = "Console: {Active} alarms active in InfluxDB's last days; {Changed} added to or cleared on the board")]
    private partial void LogReconciled(int active, int changed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Console: could not read active alarms from InfluxDB ({Reason}); retrying in {RetryIn}")]
    private partial void LogReconcileFailed(string reason, TimeSpan retryIn);

    [LoggerMessage(Level = LogLevel.Information, Message = "Console: no InfluxDB configured; active alarms are those raised while the hub runs")]
    private partial void LogNoAlarmHistory();
}
