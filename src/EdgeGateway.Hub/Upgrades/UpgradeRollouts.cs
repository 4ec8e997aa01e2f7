using System.Globalization;
using System.Security.Cryptography;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.WebConsole.Dashboard;
using EdgeGateway.Hub.WebConsole.Store;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Hub.Upgrades;

/// <summary>
/// Drives the rollouts: every <see cref="UpgradeOptions.CheckInterval"/> each running rollout's current stage is looked
/// at (<see cref="RolloutProgress"/>, against the board's retained statuses), the <c>upgrade</c> command is sent over the
/// console's MQTT link (request/response, the gateway's reply recorded with its reason code), and every decision —
/// sent, accepted, refused, applied, failed, stage advanced, paused, completed, and the admins' start, pause and resume —
/// is written to the rollout database and the console's audit log. The command's id is fixed per rollout and gateway,
/// so a gateway that gets it twice (a resend, a second hub instance) applies it once.
/// </summary>
internal sealed partial class UpgradeRollouts(
    RolloutStore store, BundleStore bundles, LiveDashboard board, ConsoleLink link, ConsoleStore audit, IOptions<UpgradeOptions> options, TimeProvider time, ILogger<UpgradeRollouts> logger)
    : BackgroundService
{
    /// <summary>Who the audit log names for the hub's own decisions.</summary>
    public const string HubUser = "(hub)";

    private readonly RolloutProgress _progress = new(time, options.Value.ApplyDeadline);
    private readonly SemaphoreSlim _turn = new(1, 1);

    /// <summary>Starts a rollout of <paramref name="bundle"/> to <paramref name="stages"/>; audited as <paramref name="by"/>.</summary>
    public async Task<Rollout> StartAsync(OfferedBundle bundle, IReadOnlyList<(string Site, string Gateway, int Stage)> stages, string by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(stages);
        DateTimeOffset now = time.GetUtcNow();
        var rollout = new Rollout(
            Guid.CreateVersion7(now).ToString("N"), bundle.Version, RolloutState.Running, 0, stages.Max(s => s.Stage) + 1, now, by, null,
            [.. stages.Select(s => new GatewayUpgrade(s.Site, s.Gateway, s.Stage, GatewayUpgradeState.Pending, null, NewToken()))]);
        await _turn.WaitAsync(cancellationToken);
        try
        {
            store.Add(rollout);
        }
        finally
        {
            _turn.Release();
        }

        Audit(by, "upgrade_rollout_start", rollout.Id, string.Create(CultureInfo.InvariantCulture, $"version {rollout.Version}; {rollout.Gateways.Count} gateways in {rollout.Stages} stages"), "ok");
        return rollout;
    }

    /// <summary>Pauses a running rollout (an admin's); false when it is not running.</summary>
    public Task<bool> PauseAsync(string id, string by, CancellationToken cancellationToken) =>
        ChangeAsync(id, by, "upgrade_rollout_pause", r => r.State == RolloutState.Running, r => store.SetRollout(r.Id, RolloutState.Paused, r.Stage, "paused by " + by), cancellationToken);

    /// <summary>Resumes a paused rollout: the current stage's failed and refused gateways are sent the command again.</summary>
    public Task<bool> ResumeAsync(string id, string by, CancellationToken cancellationToken) =>
        ChangeAsync(id, by, "upgrade_rollout_resume", r => r.State == RolloutState.Paused, r =>
        {
            DateTimeOffset now = time.GetUtcNow();
            foreach (GatewayUpgrade gateway in r.Gateways.Where(g => g.Stage == r.Stage && g.IsFailure))
            {
                store.SetGateway(r.Id, gateway.Site, gateway.Gateway, GatewayUpgradeState.Pending, "resumed by " + by + "; was: " + gateway.Reason, now);
            }

            _progress.Forget(r.Id);
            store.SetRollout(r.Id, RolloutState.Running, r.Stage, null);
        }, cancellationToken);

    /// <summary>Looks at every running rollout once (the loop's body; tests call it directly).</summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken);
        try
        {
            foreach (Rollout rollout in store.All().Where(r => r.State == RolloutState.Running))
            {
                await StepAsync(rollout, cancellationToken);
            }
        }
        finally
        {
            _turn.Release();
        }
    }

    public override void Dispose()
    {
        _turn.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CheckInterval, time);
        do
        {
            try
            {
                await CheckAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // a failing check (the database, the broker) is logged and tried again at the next tick
            catch (Exception exception)
#pragma warning restore CA1031
            {
                LogCheckFailed(exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task<bool> ChangeAsync(string id, string by, string action, Func<Rollout, bool> allowed, Action<Rollout> change, CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken);
        try
        {
            Rollout? rollout = store.Find(id);
            if (rollout is null || !allowed(rollout))
            {
                Audit(by, action, id.Length > 64 ? id[..64] : id, null, rollout is null ? "not_found" : "refused: the rollout is " + RolloutWire.Name(rollout.State));
                return false;
            }

            change(rollout);
            Audit(by, action, id, "version " + rollout.Version, "ok");
            return true;
        }
        finally
        {
            _turn.Release();
        }
    }

    private async Task StepAsync(Rollout rollout, CancellationToken cancellationToken)
    {
        IReadOnlyList<RolloutDecision> decisions = _progress.Decide(rollout, (site, gateway) =>
            board.StatusOf(site, gateway) is { } status ? new GatewayReport(status.Version, status.LastError) : null);
        var sends = new List<Task>();
        foreach (RolloutDecision decision in decisions)
        {
            DateTimeOffset now = time.GetUtcNow();
            switch (decision)
            {
                case RolloutDecision.Send send:
                    sends.Add(SendAsync(rollout, send.Gateway, cancellationToken));
                    break;
                case RolloutDecision.Mark mark:
                    store.SetGateway(rollout.Id, mark.Gateway.Site, mark.Gateway.Gateway, mark.State, mark.Reason, now);
                    Audit(HubUser, "upgrade_" + RolloutWire.Name(mark.State), $"{mark.Gateway.Site}/{mark.Gateway.Gateway}", $"rollout {rollout.Id}; version {rollout.Version}", mark.Reason);
                    break;
                case RolloutDecision.Pause pause:
                    store.SetRollout(rollout.Id, RolloutState.Paused, rollout.Stage, "paused at the first failure: " + pause.Reason);
                    Audit(HubUser, "upgrade_rollout_pause", rollout.Id, "version " + rollout.Version, "paused at the first failure: " + pause.Reason);
                    LogPaused(rollout.Id, pause.Reason);
                    break;
                case RolloutDecision.Advance advance:
                    store.SetRollout(rollout.Id, RolloutState.Running, advance.Stage, null);
                    Audit(HubUser, "upgrade_rollout_advance", rollout.Id, "version " + rollout.Version, string.Create(CultureInfo.InvariantCulture, $"stage {advance.Stage + 1} of {rollout.Stages}"));
                    break;
                case RolloutDecision.Complete:
                    store.SetRollout(rollout.Id, RolloutState.Completed, rollout.Stage, null);
                    Audit(HubUser, "upgrade_rollout_complete", rollout.Id, "version " + rollout.Version, "every gateway reports " + rollout.Version);
                    break;
            }
        }

        await Task.WhenAll(sends);
    }

    /// <summary>Sends the command (durably marked sent first) and records the reply; a broker that is down leaves the
    /// gateway pending for the next check, a gateway that does not answer stays sent (its deadline decides).</summary>
    private async Task SendAsync(Rollout rollout, GatewayUpgrade gateway, CancellationToken cancellationToken)
    {
        string target = $"{gateway.Site}/{gateway.Gateway}";
        OfferedBundle? bundle = bundles.Find(rollout.Version);
        if (bundle is null)
        {
            store.SetGateway(rollout.Id, gateway.Site, gateway.Gateway, GatewayUpgradeState.Failed, $"bundle {rollout.Version} is no longer offered", time.GetUtcNow());
            Audit(HubUser, "upgrade_failed", target, $"rollout {rollout.Id}; version {rollout.Version}", "the bundle is no longer offered (removed, or its signature no longer verifies)");
            return;
        }

        var request = new CommandRequest
        {
            Id = "up-" + gateway.Token[..24],
            Operator = rollout.CreatedBy,
            Version = bundle.Version,
            Url = DownloadUrl(gateway.Token, bundle.FileName),
            Sha256 = bundle.Sha256,
            Signature = bundle.Signature,
        };
        store.SetGateway(rollout.Id, gateway.Site, gateway.Gateway, GatewayUpgradeState.Sent, null, time.GetUtcNow());
        _progress.Sent(rollout.Id, gateway);
        CommandOutcome outcome = await link.RequestAsync(gateway.Site, gateway.Gateway, ContractCommands.Upgrade, request, options.Value.ReplyTimeout, cancellationToken);
        DateTimeOffset now = time.GetUtcNow();
        string detail = $"rollout {rollout.Id}; version {rollout.Version}";
        switch (outcome.Kind)
        {
            case CommandOutcomeKind.Replied:
                CommandReply reply = outcome.Reply!;
                string reason = reply.Reason is { } code ? $"{code.Code}: {reply.Message}" : reply.Message;
                GatewayUpgradeState state = reply.Ok ? GatewayUpgradeState.Accepted : GatewayUpgradeState.Refused;
                store.SetGateway(rollout.Id, gateway.Site, gateway.Gateway, state, reason, now);
                Audit(HubUser, reply.Ok ? "upgrade_accepted" : "upgrade_refused", target, detail, reason);
                break;
            case CommandOutcomeKind.NoReply:
                Audit(HubUser, "upgrade_sent", target, detail, "no_reply: the deadline decides");
                break;
            default:
                store.SetGateway(rollout.Id, gateway.Site, gateway.Gateway, GatewayUpgradeState.Pending, "the MQTT broker is not reachable: sent again at the next check", now);
                Audit(HubUser, "upgrade_sent", target, detail, "failed: the MQTT broker is not reachable");
                break;
        }
    }

    private string DownloadUrl(string token, string fileName) =>
        options.Value.GatewayBaseUrl!.TrimEnd('/') + UpgradeEndpoints.DownloadPrefix + token + "/" + fileName;

    /// <summary>A download token: 192 random bits, URL-safe (it names one gateway's download of one rollout).</summary>
    private static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');

    private void Audit(string user, string action, string target, string? detail, string result) =>
        audit.Audit(new AuditEntry(time.GetUtcNow(), user, user == HubUser ? null : "admin", action, target, detail, result.Length > 500 ? result[..500] : result));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upgrade rollout {Rollout} paused at the first failure: {Reason}")]
    private partial void LogPaused(string rollout, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Checking the upgrade rollouts failed; tried again at the next check")]
    private partial void LogCheckFailed(Exception exception);
}
