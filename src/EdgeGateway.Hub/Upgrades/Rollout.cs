using System.Globalization;

namespace EdgeGateway.Hub.Upgrades;

/// <summary>Where a rollout stands.</summary>
internal enum RolloutState
{
    /// <summary>Its current stage's gateways are sent the command and watched.</summary>
    Running,

    /// <summary>Stopped by an admin or by the first failure: nothing more is sent until an admin resumes it.</summary>
    Paused,

    /// <summary>Every gateway of every stage reported the target version.</summary>
    Completed,
}

/// <summary>Where one gateway of a rollout stands.</summary>
internal enum GatewayUpgradeState
{
    /// <summary>Its stage has not been reached, or it was not sent yet.</summary>
    Pending,

    /// <summary>The command was published; no reply yet.</summary>
    Sent,

    /// <summary>The gateway replied that it takes the upgrade (<c>upgrade_accepted</c>).</summary>
    Accepted,

    /// <summary>The gateway replied that it does not, with its reason code.</summary>
    Refused,

    /// <summary>Its retained status reports the target version.</summary>
    Applied,

    /// <summary>It failed after accepting (its status's <c>last_error</c>), or still reports another version past the
    /// deadline: apply-signed-bundle.sh rolled it back, or it never came up.</summary>
    Failed,
}

/// <summary>One gateway of a rollout.</summary>
internal sealed record GatewayUpgrade(string Site, string Gateway, int Stage, GatewayUpgradeState State, string? Reason, string Token, DateTimeOffset? UpdatedTs = null)
{
    public bool IsFailure => State is GatewayUpgradeState.Refused or GatewayUpgradeState.Failed;

    public bool IsDone => State is GatewayUpgradeState.Applied || IsFailure;
}

/// <summary>A staged rollout of one bundle version to a set of gateways.</summary>
internal sealed record Rollout(
    string Id, string Version, RolloutState State, int Stage, int Stages, DateTimeOffset CreatedTs, string CreatedBy, string? Note, IReadOnlyList<GatewayUpgrade> Gateways);

/// <summary>What a gateway's retained status says now (the console's board has it).</summary>
internal sealed record GatewayReport(string? Version, string? LastError);

/// <summary>A step <see cref="RolloutProgress.Decide"/> asks for.</summary>
internal abstract record RolloutDecision
{
    /// <summary>Send the <c>upgrade</c> command to the gateway.</summary>
    public sealed record Send(GatewayUpgrade Gateway) : RolloutDecision;

    /// <summary>Record the gateway's new state.</summary>
    public sealed record Mark(GatewayUpgrade Gateway, GatewayUpgradeState State, string Reason) : RolloutDecision;

    /// <summary>Every gateway of the stage applied the version: the next stage starts.</summary>
    public sealed record Advance(int Stage) : RolloutDecision;

    /// <summary>The first failure of the stage: the rollout stops here.</summary>
    public sealed record Pause(string Reason) : RolloutDecision;

    /// <summary>The last stage applied the version.</summary>
    public sealed record Complete : RolloutDecision;
}

/// <summary>
/// Decides a running rollout's next steps from its gateways' states and their retained status (pure: no I/O, time from
/// the injected <see cref="TimeProvider"/>'s monotonic clock). A gateway of the current stage is applied once its status
/// reports the target version; a sent one fails when its status says <c>upgrade VERSION failed: …</c> or still reports
/// another version <see cref="ApplyDeadline"/> after it was sent (timed from when this process sent it, or first saw
/// it sent: a hub restart extends a deadline, never shortens it). The first failure pauses the rollout; a stage whose
/// gateways all applied advances it.
/// </summary>
internal sealed class RolloutProgress(TimeProvider time, TimeSpan applyDeadline)
{
    private readonly Dictionary<(string Rollout, string Site, string Gateway), long> _sent = [];

    public TimeSpan ApplyDeadline => applyDeadline;

    /// <summary>The command to the gateway was published now: its deadline runs from here.</summary>
    public void Sent(string rollout, GatewayUpgrade gateway)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        _sent[(rollout, gateway.Site, gateway.Gateway)] = time.GetTimestamp();
    }

    /// <summary>The steps <paramref name="rollout"/> needs now, in order: sends and marks, then at most one of pause, advance or complete.</summary>
    public IReadOnlyList<RolloutDecision> Decide(Rollout rollout, Func<string, string, GatewayReport?> report)
    {
        ArgumentNullException.ThrowIfNull(rollout);
        ArgumentNullException.ThrowIfNull(report);
        var decisions = new List<RolloutDecision>();
        if (rollout.State != RolloutState.Running)
        {
            return decisions;
        }

        string failedPrefix = $"upgrade {rollout.Version} failed:";
        var stage = new List<GatewayUpgrade>();
        foreach (GatewayUpgrade gateway in rollout.Gateways.Where(g => g.Stage == rollout.Stage))
        {
            GatewayUpgrade now = gateway;
            GatewayReport? status = report(gateway.Site, gateway.Gateway);
            if (!gateway.IsDone && string.Equals(status?.Version, rollout.Version, StringComparison.Ordinal))
            {
                now = gateway with { State = GatewayUpgradeState.Applied, Reason = $"reports {rollout.Version}" };
            }
            else if (gateway.State == GatewayUpgradeState.Pending)
            {
                decisions.Add(new RolloutDecision.Send(gateway));
            }
            else if (gateway.State is GatewayUpgradeState.Sent or GatewayUpgradeState.Accepted)
            {
                (string, string, string) key = (rollout.Id, gateway.Site, gateway.Gateway);
                if (!_sent.TryGetValue(key, out long sentAt))
                {
                    _sent[key] = sentAt = time.GetTimestamp();
                }

                if (status?.LastError is { } error && error.StartsWith(failedPrefix, StringComparison.Ordinal))
                {
                    now = gateway with { State = GatewayUpgradeState.Failed, Reason = error };
                }
                else if (time.GetElapsedTime(sentAt) >= applyDeadline)
                {
                    now = gateway with
                    {
                        State = GatewayUpgradeState.Failed,
                        Reason = string.Create(CultureInfo.InvariantCulture,
                            $"still {status?.Version ?? "no version"} {applyDeadline.TotalMinutes:0.#} min after the command: rolled back or not up"),
                    };
                }
            }

            if (now.State != gateway.State)
            {
                decisions.Add(new RolloutDecision.Mark(gateway, now.State, now.Reason!));
            }

            stage.Add(now);
        }

        if (stage.FirstOrDefault(g => g.IsFailure) is { } failed)
        {
            decisions.Add(new RolloutDecision.Pause($"{failed.Site}/{failed.Gateway}: {failed.Reason}"));
        }
        else if (stage.All(g => g.State == GatewayUpgradeState.Applied))
        {
            decisions.Add(rollout.Stage + 1 >= rollout.Stages ? new RolloutDecision.Complete() : new RolloutDecision.Advance(rollout.Stage + 1));
        }

        return decisions;
    }

    /// <summary>Forgets the deadlines of <paramref name="rollout"/>'s gateways (a resume sends them again).</summary>
    public void Forget(string rollout)
    {
        foreach ((string, string, string) key in _sent.Keys.Where(k => k.Rollout == rollout).ToList())
        {
            _sent.Remove(key);
        }
    }
}

/// <summary>How the gateways of a new rollout are split into stages.</summary>
internal static class RolloutStages
{
    /// <summary>
    /// <paramref name="gateways"/> (in this order) split by cumulative <paramref name="percentages"/> (ascending, the last
    /// 100; e.g. 10, 50, 100: the first tenth, then up to half, then the rest; each stage at least one gateway), or by
    /// explicit <paramref name="lists"/> of <c>site/gw</c> (each gateway in one list only). Null with the stages, or why not.
    /// </summary>
    public static IReadOnlyList<(string Site, string Gateway, int Stage)>? Assign(
        IReadOnlyList<(string Site, string Gateway)> gateways, IReadOnlyList<int>? percentages, IReadOnlyList<IReadOnlyList<string>>? lists, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(gateways);
        var assigned = new List<(string, string, int)>();
        if (lists is { Count: > 0 })
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int index = 0; index < lists.Count; index++)
            {
                if (lists[index].Count == 0)
                {
                    problem = "stages: a stage names no gateway";
                    return null;
                }

                foreach (string name in lists[index])
                {
                    string[] parts = name.Split('/');
                    if (parts.Length != 2 || !seen.Add(name))
                    {
                        problem = $"stages: '{name}' is not a site/gateway, or is named twice";
                        return null;
                    }

                    assigned.Add((parts[0], parts[1], index));
                }
            }

            problem = null;
            return assigned;
        }

        if (gateways.Count == 0)
        {
            problem = "no gateway to upgrade";
            return null;
        }

        IReadOnlyList<int> steps = percentages is { Count: > 0 } ? percentages : [100];
        if (steps[^1] != 100 || steps.Any(p => p is < 1 or > 100) || steps.Zip(steps.Skip(1)).Any(pair => pair.First >= pair.Second))
        {
            problem = "percentages: ascending, each 1 to 100, the last 100 (e.g. 10, 50, 100)";
            return null;
        }

        int from = 0;
        int stage = 0;
        foreach (int percentage in steps)
        {
            int to = Math.Min(gateways.Count, Math.Max(from + 1, (int)Math.Ceiling(gateways.Count * percentage / 100.0)));
            if (to > from)
            {
                for (int i = from; i < to; i++)
                {
                    assigned.Add((gateways[i].Site, gateways[i].Gateway, stage));
                }

                stage++;
                from = to;
            }
        }

        problem = null;
        return assigned;
    }
}

/// <summary>The states as the API and the audit log write them.</summary>
internal static class RolloutWire
{
    public static string Name(RolloutState state) => state switch
    {
        RolloutState.Running => "running",
        RolloutState.Paused => "paused",
        _ => "completed",
    };

    public static string Name(GatewayUpgradeState state) => state switch
    {
        GatewayUpgradeState.Pending => "pending",
        GatewayUpgradeState.Sent => "sent",
        GatewayUpgradeState.Accepted => "accepted",
        GatewayUpgradeState.Refused => "refused",
        GatewayUpgradeState.Applied => "applied",
        _ => "failed",
    };
}
