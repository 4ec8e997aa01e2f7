using EdgeGateway.Bins;
using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Reasons;
using EdgeGateway.Events;
using EdgeGateway.Protection;
using EdgeGateway.Upgrading;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Commands;

/// <summary>
/// What an operator or the platform can ask of the shed (<see cref="ContractCommands"/>): port commands, alarm
/// acknowledgements, a republish of every retained state and a reload of the site file. It takes a parsed request and
/// answers with a <see cref="CommandReply"/>; the transport (the MQTT link today, HTTP or the platform later) only
/// decodes the request and delivers the reply.
/// </summary>
public sealed partial class ShedCommands
{
    private readonly ShedProtection _protection;
    private readonly RecyclingStation? _station;
    private readonly Action<DateTimeOffset> _republishRetainedState;
    private readonly Func<bool?> _clockSynchronized;
    private readonly CommandReplayGuard _replays;
    private readonly BundleUpgrader? _upgrader;
    private readonly ILogger _logger;

    /// <param name="site">The site file the gateway started with; a reload replaces it.</param>
    /// <param name="protection">Where port commands and new thresholds go.</param>
    /// <param name="station">The site's bins, if it has any: a reload gives them their new thresholds.</param>
    /// <param name="republishRetainedState">What the <c>snapshot</c> command does: the transport republishes every retained state.</param>
    /// <param name="logger">The transport's logger: acknowledgements are logged where the transport logs its commands.</param>
    /// <param name="clockSynchronized">Whether the wall clock is synchronised (null: cannot tell): a command's age is judged only then.</param>
    /// <param name="replays">The ids applied already (a journal in the data directory keeps them across restarts); in memory only when null.</param>
    /// <param name="upgrader">Who takes an <c>upgrade</c>; null refuses every upgrade (the fleet simulator, tests).</param>
    public ShedCommands(
        SiteConfiguration site, ShedProtection protection, RecyclingStation? station, Action<DateTimeOffset> republishRetainedState, ILogger logger,
        Func<bool?>? clockSynchronized = null, CommandReplayGuard? replays = null, BundleUpgrader? upgrader = null)
    {
        _upgrader = upgrader;
        _clockSynchronized = clockSynchronized ?? (() => null);
        Site = site;
        _protection = protection;
        _station = station;
        _republishRetainedState = republishRetainedState;
        _logger = logger;
        _replays = replays ?? new CommandReplayGuard();
        if (_replays.JournalProblem is { } problem)
        {
            LogReplayJournalProblem(problem);
        }
    }

    /// <summary>The site file in force: the one the gateway started with, or the last one reloaded.</summary>
    public SiteConfiguration Site { get; private set; }

    /// <summary>The reply to a command nobody knows.</summary>
    public static CommandReply Unknown(string name, DateTimeOffset now) =>
        ReasonText.Reply(name.Length == 0 ? "(unknown)" : name, now, false, ReasonCatalogue.UnknownCommand(name, string.Join(", ", ContractCommands.All)));

    /// <summary>
    /// Applies a command once: a replay of an id already applied gets its first reply again, and a command issued longer
    /// ago than <c>mqtt.commandMaxAgeSeconds</c> is refused while the wall clock is synchronised.
    /// </summary>
    public async Task<CommandReply> ExecuteAsync(string name, CommandRequest request, DateTimeOffset now)
    {
        if (!ContractCommands.IsKnown(name))
        {
            return Unknown(name, now);
        }

        if (!ContractCommands.TryValidate(name, request, out string? error))
        {
            return ReasonText.Reply(name, now, false, ReasonCatalogue.InvalidCommand(error!));
        }

        if (_replays.TryGetReply(request.Id, out CommandReply? first))
        {
            LogReplay(name, request.Id!);
            return first!;
        }

        var maxAge = TimeSpan.FromSeconds(Site.Mqtt?.CommandMaxAgeSeconds ?? MqttSiteSettings.DefaultCommandMaxAgeSeconds);
        if (CommandReplayGuard.Expired(request, now, maxAge, _clockSynchronized()) is { } expired)
        {
            return ReasonText.Reply(name, now, false, ReasonCatalogue.InvalidCommand(expired));
        }

        CommandReply reply = await ApplyAsync(name, request, now);
        _replays.Remember(request.Id, reply);
        return reply;
    }

    private async Task<CommandReply> ApplyAsync(string name, CommandRequest request, DateTimeOffset now)
    {
        string by = request.Operator ?? "platform";
        switch (name)
        {
            case ContractCommands.PortStart:
            case ContractCommands.PortStop:
            case ContractCommands.PortEnable:
            case ContractCommands.PortDisable:
            case ContractCommands.PortReset:
                PortCommandKind kind = name switch
                {
                    ContractCommands.PortStart => PortCommandKind.Start,
                    ContractCommands.PortStop => PortCommandKind.Stop,
                    ContractCommands.PortEnable => PortCommandKind.Enable,
                    ContractCommands.PortDisable => PortCommandKind.Disable,
                    _ => PortCommandKind.Reset,
                };
                // A start's order and limit go to protection with it: protection refuses a start it must not make and
                // enforces the limit itself, on the sampling path.
                ChargeOrder? order = kind == PortCommandKind.Start && (request.OrderId is not null || request.Card is not null || request.Limit is not null || request.Tariff is not null)
                    ? new ChargeOrder(request.OrderId, request.Card, request.Limit, request.Tariff)
                    : null;
                CommandResult result = await _protection.SubmitAsync(new PortCommand(kind, request.Port!, by, request.Reason, order));
                CommandReply reply = result.Reason is { } reason
                    ? CommandReply.Of(name, now, result.Accepted, reason, result.Message)
                    : result.Accepted ? CommandReply.Applied(name, now, result.Message) : CommandReply.Refused(name, now, result.Message);
                return reply with { SessionId = result.SessionId };
            case ContractCommands.AlarmAck:
                LogAlarmAcknowledged(request.AlarmId!, by, request.Comment);
                return ReasonText.Reply(name, now, true, ReasonCatalogue.AlarmAcknowledged(request.AlarmId!, by));
            case ContractCommands.Upgrade:
                (bool accepted, ContractReason why) = _upgrader?.Offer(request, _protection.ConfigurationApplied) ?? (false, ReasonCatalogue.UpgradeNotConfigured("upgrades are not set up on this gateway"));
                return ReasonText.Reply(name, now, accepted, why);
            case ContractCommands.Snapshot:
                _republishRetainedState(now);
                return ReasonText.Reply(name, now, true, ReasonCatalogue.SnapshotRepublished());
            default:
                return await ReloadAsync(name, now);
        }
    }

    /// <summary>
    /// Re-reads the site file. Thresholds (port, shed, bin) apply at once, on the sampling threads; a
    /// changed wiring needs a restart and is refused with what changed. The outbox is never touched.
    /// </summary>
    private async Task<CommandReply> ReloadAsync(string name, DateTimeOffset now)
    {
        SiteFileLoadResult load = SiteFileLoader.Load(Site.SourceFile);
        if (!load.IsValid)
        {
            return ReasonText.Reply(name, now, false, ReasonCatalogue.SiteFileInvalid(string.Join("; ", load.Problems.Take(5))));
        }

        SiteConfiguration reloaded = load.Configuration!;
        if (WiringComparer.FirstDifference(Site, reloaded) is { } difference)
        {
            return ReasonText.Reply(name, now, false, ReasonCatalogue.WiringChanged(difference));
        }

        await _protection.UpdateThresholdsAsync(reloaded.ShedProtection, reloaded.Ports.ToDictionary(p => p.Id, p => p.Protection, StringComparer.Ordinal));
        _station?.UpdateThresholds(reloaded.Bins.ToDictionary(b => b.Id, b => b.Thresholds, StringComparer.Ordinal));
        Site = reloaded;
        return ReasonText.Reply(name, now, true, ReasonCatalogue.ThresholdsReloaded());
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Command {Command} id {Id} was applied already: answered with its first reply, not applied again")]
    private partial void LogReplay(string command, string id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Command ids applied before: {Problem}")]
    private partial void LogReplayJournalProblem(string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Alarm {AlarmId} acknowledged by {Operator}: {Comment}")]
    private partial void LogAlarmAcknowledged(string alarmId, string @operator, string? comment);
}
