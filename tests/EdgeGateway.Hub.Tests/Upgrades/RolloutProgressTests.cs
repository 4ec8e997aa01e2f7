using EdgeGateway.Hub.Upgrades;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Hub.Tests.Upgrades;

/// <summary>
/// The staged rollout's decisions as pure logic on a <see cref="FakeTimeProvider"/>: the current stage's gateways are
/// sent the command, applied when their status reports the target version, failed when their status says the upgrade
/// failed or still reports the old version past the deadline (timed on the monotonic clock); the first failure pauses,
/// a stage all applied advances, the last completes; and how percentages and lists make stages.
/// </summary>
public sealed class RolloutProgressTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(20);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Pending_gateways_of_the_current_stage_only_are_sent()
    {
        var progress = new RolloutProgress(_time, Deadline);
        Rollout rollout = Of(Gw("a", 0), Gw("b", 0), Gw("c", 1));

        IReadOnlyList<RolloutDecision> decisions = progress.Decide(rollout, Reports(("a", "0.1.0", null)));

        Assert.Equal(["a", "b"], decisions.OfType<RolloutDecision.Send>().Select(s => s.Gateway.Gateway));
        Assert.Equal(2, decisions.Count);
    }

    [Fact]
    public void A_stage_whose_gateways_all_report_the_version_advances_and_the_last_completes()
    {
        var progress = new RolloutProgress(_time, Deadline);
        Rollout first = Of(Gw("a", 0, GatewayUpgradeState.Accepted), Gw("b", 0, GatewayUpgradeState.Applied), Gw("c", 1));

        IReadOnlyList<RolloutDecision> decisions = progress.Decide(first, Reports(("a", "0.2.0", null), ("b", "0.2.0", null)));

        Assert.Equal(GatewayUpgradeState.Applied, Assert.IsType<RolloutDecision.Mark>(decisions[0]).State);
        Assert.Equal(1, Assert.IsType<RolloutDecision.Advance>(decisions[^1]).Stage);

        Rollout last = first with { Stage = 1, Gateways = [.. first.Gateways.Select(g => g with { State = GatewayUpgradeState.Applied })] };
        Assert.IsType<RolloutDecision.Complete>(Assert.Single(progress.Decide(last, Reports(("c", "0.2.0", null)))));
    }

    [Fact]
    public void A_gateway_still_on_the_old_version_past_the_deadline_fails_and_pauses_the_rollout_and_not_a_moment_before()
    {
        var progress = new RolloutProgress(_time, Deadline);
        Rollout rollout = Of(Gw("a", 0, GatewayUpgradeState.Sent), Gw("b", 0, GatewayUpgradeState.Applied), Gw("c", 1));
        progress.Sent(rollout.Id, rollout.Gateways[0]);
        Func<string, string, GatewayReport?> oldVersion = Reports(("a", "0.1.0", null));

        _time.Advance(Deadline - TimeSpan.FromSeconds(1));
        Assert.Empty(progress.Decide(rollout, oldVersion));

        _time.Advance(TimeSpan.FromSeconds(1));
        IReadOnlyList<RolloutDecision> decisions = progress.Decide(rollout, oldVersion);
        RolloutDecision.Mark failed = Assert.IsType<RolloutDecision.Mark>(decisions[0]);
        Assert.Equal(GatewayUpgradeState.Failed, failed.State);
        Assert.Contains("still 0.1.0 20 min after the command", failed.Reason, StringComparison.Ordinal);
        Assert.StartsWith("site-1/a: still 0.1.0", Assert.IsType<RolloutDecision.Pause>(decisions[^1]).Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(decisions, d => d is RolloutDecision.Send or RolloutDecision.Advance);
    }

    [Fact]
    public void The_wall_clock_jumping_does_not_make_a_deadline_pass()
    {
        var progress = new RolloutProgress(new WallClockOnly(_time), Deadline);
        Rollout rollout = Of(Gw("a", 0, GatewayUpgradeState.Accepted));
        progress.Sent(rollout.Id, rollout.Gateways[0]);

        _time.SetUtcNow(_time.GetUtcNow().AddDays(1));

        Assert.Empty(progress.Decide(rollout, Reports(("a", "0.1.0", null))));
    }

    [Fact]
    public void A_failure_the_gateway_reports_in_its_status_fails_it_at_once_but_another_versions_failure_does_not()
    {
        var progress = new RolloutProgress(_time, Deadline);
        Rollout rollout = Of(Gw("a", 0, GatewayUpgradeState.Accepted), Gw("b", 0, GatewayUpgradeState.Accepted));
        IReadOnlyList<RolloutDecision> decisions = progress.Decide(rollout, Reports(
            ("a", "0.1.0", "upgrade 0.2.0 failed: upgrade_signature_invalid: the bundle's signature does not verify"),
            ("b", "0.1.0", "upgrade 0.1.5 failed: upgrade_digest_mismatch: an older attempt")));

        RolloutDecision.Mark mark = Assert.IsType<RolloutDecision.Mark>(Assert.Single(decisions, d => d is RolloutDecision.Mark));
        Assert.Equal("a", mark.Gateway.Gateway);
        Assert.Equal(GatewayUpgradeState.Failed, mark.State);
        Assert.Contains("upgrade_signature_invalid", Assert.IsType<RolloutDecision.Pause>(decisions[^1]).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refusal_pauses_and_a_paused_rollout_decides_nothing()
    {
        var progress = new RolloutProgress(_time, Deadline);
        Rollout rollout = Of(Gw("a", 0, GatewayUpgradeState.Refused, "upgrade_no_space: not enough disk space"), Gw("b", 0));

        IReadOnlyList<RolloutDecision> decisions = progress.Decide(rollout, Reports());
        Assert.Contains(decisions, d => d is RolloutDecision.Pause pause && pause.Reason.Contains("upgrade_no_space", StringComparison.Ordinal));

        Assert.Empty(progress.Decide(rollout with { State = RolloutState.Paused }, Reports()));
    }

    [Theory]
    [InlineData(new[] { 10, 50, 100 }, 20, new[] { 2, 8, 10 })]
    [InlineData(new[] { 1, 100 }, 5, new[] { 1, 4 })]
    [InlineData(new[] { 50, 100 }, 1, new[] { 1 })]
    [InlineData(new[] { 100 }, 3, new[] { 3 })]
    public void Percentages_split_the_gateways_into_cumulative_stages_of_at_least_one(int[] percentages, int count, int[] sizes)
    {
        (string, string)[] gateways = [.. Enumerable.Range(1, count).Select(i => ("site-1", $"gw-{i:00}"))];

        IReadOnlyList<(string Site, string Gateway, int Stage)>? stages = RolloutStages.Assign(gateways, percentages, null, out string? problem);

        Assert.Null(problem);
        Assert.Equal(sizes, stages!.GroupBy(s => s.Stage).OrderBy(g => g.Key).Select(g => g.Count()));
        Assert.Equal(gateways.Select(g => g.Item2), stages!.Select(s => s.Gateway));
    }

    [Theory]
    [InlineData(new[] { 50 })]
    [InlineData(new[] { 50, 50, 100 })]
    [InlineData(new[] { 0, 100 })]
    public void Percentages_that_do_not_end_at_100_or_do_not_rise_are_refused(int[] percentages)
    {
        Assert.Null(RolloutStages.Assign([("s", "g")], percentages, null, out string? problem));
        Assert.StartsWith("percentages:", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Explicit_lists_are_the_stages_and_a_gateway_named_twice_is_refused()
    {
        IReadOnlyList<(string Site, string Gateway, int Stage)>? stages = RolloutStages.Assign([], null, [["s1/a"], ["s1/b", "s2/c"]], out string? problem);
        Assert.Null(problem);
        Assert.Equal([("s1", "a", 0), ("s1", "b", 1), ("s2", "c", 1)], stages!);

        Assert.Null(RolloutStages.Assign([], null, [["s1/a"], ["s1/a"]], out problem));
        Assert.Contains("named twice", problem, StringComparison.Ordinal);
    }

    private static GatewayUpgrade Gw(string gateway, int stage, GatewayUpgradeState state = GatewayUpgradeState.Pending, string? reason = null) =>
        new("site-1", gateway, stage, state, reason, "token-" + gateway);

    private static Rollout Of(params GatewayUpgrade[] gateways) =>
        new("r1", "0.2.0", RolloutState.Running, 0, gateways.Max(g => g.Stage) + 1, DateTimeOffset.UnixEpoch, "admin", null, gateways);

    private static Func<string, string, GatewayReport?> Reports(params (string Gateway, string Version, string? LastError)[] reports) =>
        (_, gateway) => reports.Where(r => r.Gateway == gateway).Select(r => new GatewayReport(r.Version, r.LastError)).FirstOrDefault();

    /// <summary>A clock whose monotonic reading never moves while its wall clock may: a deadline must read the former.</summary>
    private sealed class WallClockOnly(FakeTimeProvider wall) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => wall.GetUtcNow();

        public override long GetTimestamp() => 0;
    }
}
