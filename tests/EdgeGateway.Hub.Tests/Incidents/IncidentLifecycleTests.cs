using EdgeGateway.Hub.Incidents;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Hub.Tests.Incidents;

/// <summary>
/// The incident lifecycle as pure code on a fake clock: every transition, every refusal with its reason, the automatic
/// close (the gateway's clear and the resolution, in either order), and the reopen window.
/// </summary>
public sealed class IncidentLifecycleTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);
    private static readonly IncidentActor Manager = new("li", "manager", "acme");
    private static readonly IncidentActor Fixer = new("wang", "maintenance", "acme");
    private static readonly IncidentActor OtherFixer = new("zhao", "maintenance", "acme");
    private static readonly IncidentActor OtherCompanyFixer = new("beta-maintenance", "maintenance", "beta");
    private static readonly IncidentActor Admin = new("admin", "admin", null);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly IncidentLifecycle _lifecycle;

    public IncidentLifecycleTests() => _lifecycle = new IncidentLifecycle(_time, TimeSpan.FromHours(24));

    [Fact]
    public void An_incident_goes_from_opened_to_closed_each_step_stamped_with_its_time_and_user_and_closes_itself_once_cleared_and_resolved()
    {
        Incident incident = Opened();
        incident = Take(incident, _lifecycle.AcknowledgeBy(incident, Manager, "  on my way  "), minutes: 3);
        Assert.Equal(IncidentState.Acknowledged, incident.State);
        Assert.Equal("on my way", incident.Acknowledgement!.Comment);
        incident = Take(incident, _lifecycle.AssignTo(incident, Manager, "wang", Fixer, null), minutes: 1);
        Assert.Equal((IncidentState.Assigned, "wang"), (incident.State, incident.Assignee));
        incident = Take(incident, _lifecycle.OnSiteBy(incident, Fixer, null), minutes: 20);
        Assert.Equal(IncidentState.OnSite, incident.State);
        incident = Take(incident, _lifecycle.ResolveBy(incident, Fixer, "removed_heater", "a heater on P03"), minutes: 15);
        Assert.Equal((IncidentState.Resolved, IncidentResolution.RemovedHeater), (incident.State, incident.ResolutionCode));

        DateTimeOffset cleared = _time.GetUtcNow().AddSeconds(-30);
        incident = incident.With(_lifecycle.AlarmCleared(incident, incident.Key.AlarmId, cleared));

        Assert.Equal(IncidentState.Closed, incident.State);
        Assert.Equal(cleared, incident.AlarmClearedAt);
        Assert.Equal(
            [
                (IncidentWire.Opened, Start, IncidentWire.System),
                (IncidentWire.Acknowledged, Start, "li"),
                (IncidentWire.Assigned, Start.AddMinutes(3), "li"),
                (IncidentWire.OnSite, Start.AddMinutes(4), "wang"),
                (IncidentWire.Resolved, Start.AddMinutes(24), "wang"),
                (IncidentWire.AlarmCleared, cleared, IncidentWire.System),
                (IncidentWire.Closed, Start.AddMinutes(39), IncidentWire.System),
            ],
            incident.Steps.Select(s => (s.Action, s.At, s.User)));
    }

    [Fact]
    public void The_gateway_s_clear_alone_does_not_close_an_incident_and_a_resolution_after_it_closes_at_once()
    {
        Incident incident = Assigned();
        incident = incident.With(_lifecycle.AlarmCleared(incident, incident.Key.AlarmId, Start.AddMinutes(2)));
        Assert.Equal(IncidentState.Assigned, incident.State);
        Assert.Equal(Start.AddMinutes(2), incident.AlarmClearedAt);

        // The same clear again (a redelivery) is recorded once.
        Assert.Empty(_lifecycle.AlarmCleared(incident, incident.Key.AlarmId, Start.AddMinutes(2)));

        incident = Take(incident, _lifecycle.ResolveBy(incident, Fixer, "reset_port", null), minutes: 5);
        Assert.Equal(IncidentState.Closed, incident.State);
        Assert.Equal(IncidentWire.System, incident.Closing!.User);
    }

    [Fact]
    public void A_manager_closes_a_resolved_incident_whose_alarm_has_not_cleared()
    {
        Incident incident = Assigned();
        incident = Take(incident, _lifecycle.ResolveBy(incident, Fixer, "other", "customer unplugged it"), minutes: 5);
        Assert.Equal(IncidentState.Resolved, incident.State);
        Assert.Equal("customer unplugged it", incident.Resolution!.Comment);

        incident = Take(incident, _lifecycle.CloseBy(incident, Manager, "checked by phone"), minutes: 1);

        Assert.Equal(IncidentState.Closed, incident.State);
        Assert.Equal(("li", "checked by phone"), (incident.Closing!.User, incident.Closing.Comment));
        Assert.Null(incident.AlarmClearedAt);
    }

    [Fact]
    public void Transitions_out_of_order_are_refused_with_the_state_they_met()
    {
        Incident opened = Opened();
        AssertRefused(_lifecycle.AssignTo(opened, Manager, "wang", Fixer, null), IncidentRefusalCode.WrongState, IncidentState.Opened);
        AssertRefused(_lifecycle.OnSiteBy(opened, Fixer, null), IncidentRefusalCode.WrongState, IncidentState.Opened);
        AssertRefused(_lifecycle.ResolveBy(opened, Fixer, "reset_port", null), IncidentRefusalCode.WrongState, IncidentState.Opened);
        AssertRefused(_lifecycle.CloseBy(opened, Manager, null), IncidentRefusalCode.WrongState, IncidentState.Opened);

        Incident acknowledged = opened.With(_lifecycle.AcknowledgeBy(opened, Manager, null).Steps);
        AssertRefused(_lifecycle.AcknowledgeBy(acknowledged, Manager, null), IncidentRefusalCode.WrongState, IncidentState.Acknowledged);

        Incident closed = Closed();
        AssertRefused(_lifecycle.AcknowledgeBy(closed, Manager, null), IncidentRefusalCode.WrongState, IncidentState.Closed);
        AssertRefused(_lifecycle.AssignTo(closed, Manager, "wang", Fixer, null), IncidentRefusalCode.WrongState, IncidentState.Closed);
        AssertRefused(_lifecycle.ResolveBy(closed, Fixer, "reset_port", null), IncidentRefusalCode.WrongState, IncidentState.Closed);
        AssertRefused(_lifecycle.CloseBy(closed, Manager, null), IncidentRefusalCode.WrongState, IncidentState.Closed);
    }

    [Fact]
    public void An_assignment_goes_to_maintenance_staff_of_the_company_that_runs_the_site_only()
    {
        Incident incident = Opened();
        incident = incident.With(_lifecycle.AcknowledgeBy(incident, Manager, null).Steps);

        AssertRefused(_lifecycle.AssignTo(incident, Manager, "beta-maintenance", OtherCompanyFixer, null), IncidentRefusalCode.AssigneeOfAnotherCompany, IncidentState.Acknowledged, "beta-maintenance");
        AssertRefused(_lifecycle.AssignTo(incident, Manager, "li", Manager, null), IncidentRefusalCode.AssigneeNotMaintenance, IncidentState.Acknowledged, "li");
        AssertRefused(_lifecycle.AssignTo(incident, Manager, "nobody", null, null), IncidentRefusalCode.UnknownAssignee, IncidentState.Acknowledged, "nobody");

        // Reassigned while assigned: the new assignee is the one who may go on site.
        incident = incident.With(_lifecycle.AssignTo(incident, Manager, "wang", Fixer, null).Steps);
        incident = incident.With(_lifecycle.AssignTo(incident, Manager, "zhao", OtherFixer, "wang is off today").Steps);
        Assert.Equal("zhao", incident.Assignee);
        AssertRefused(_lifecycle.OnSiteBy(incident, Fixer, null), IncidentRefusalCode.NotTheAssignee, IncidentState.Assigned, "zhao");
        AssertRefused(_lifecycle.ResolveBy(incident, Fixer, "reset_port", null), IncidentRefusalCode.NotTheAssignee, IncidentState.Assigned, "zhao");
        Assert.Null(_lifecycle.OnSiteBy(incident, Admin, null).Refusal);
    }

    [Fact]
    public void A_resolution_needs_a_code_from_the_list_and_other_needs_a_comment_and_comments_have_a_limit()
    {
        Incident incident = Assigned();
        AssertRefused(_lifecycle.ResolveBy(incident, Fixer, "kicked_it", null), IncidentRefusalCode.UnknownResolution, IncidentState.Assigned, "kicked_it");
        AssertRefused(_lifecycle.ResolveBy(incident, Fixer, null, null), IncidentRefusalCode.UnknownResolution, IncidentState.Assigned, "");
        AssertRefused(_lifecycle.ResolveBy(incident, Fixer, "other", "   "), IncidentRefusalCode.CommentRequired, IncidentState.Assigned);
        AssertRefused(_lifecycle.ResolveBy(incident, Fixer, "reset_port", new string('字', IncidentLifecycle.MaxCommentLength + 1)), IncidentRefusalCode.CommentTooLong, IncidentState.Assigned);
        Assert.Null(_lifecycle.ResolveBy(incident, Fixer, "reset_port", new string('字', IncidentLifecycle.MaxCommentLength)).Refusal);
    }

    [Fact]
    public void Every_refusal_reads_as_a_sentence_in_both_languages()
    {
        foreach (IncidentRefusalCode code in Enum.GetValues<IncidentRefusalCode>())
        {
            foreach (string transition in new[] { IncidentLifecycle.Acknowledge, IncidentLifecycle.Assign, IncidentLifecycle.ArriveOnSite, IncidentLifecycle.Resolve, IncidentLifecycle.Close })
            {
                var refusal = new IncidentRefusal(code, transition, IncidentState.Closed, "wang");
                string chinese = IncidentText.Refusal(refusal, chinese: true);
                string english = IncidentText.Refusal(refusal, chinese: false);
                Assert.NotEqual(chinese, english);
                Assert.Contains(chinese, c => c is >= '\u4e00' and <= '\u9fff');
                Assert.DoesNotContain(english, c => c is >= '\u4e00' and <= '\u9fff');
            }
        }

        Assert.Equal(
            "cannot assign: 'beta-maintenance' does not belong to the company that runs this shed",
            IncidentText.Refusal(new IncidentRefusal(IncidentRefusalCode.AssigneeOfAnotherCompany, IncidentLifecycle.Assign, IncidentState.Acknowledged, "beta-maintenance"), chinese: false));
    }

    [Fact]
    public void A_closed_incident_is_reopened_by_a_raise_within_the_window_after_its_close_and_not_after()
    {
        Incident closed = Closed();
        DateTimeOffset closedAt = closed.Closing!.At;

        _time.SetUtcNow(closedAt + TimeSpan.FromHours(1));
        Incident reopened = closed.With([_lifecycle.Reopen("alarm-2")]);
        Assert.Equal(IncidentState.Opened, reopened.State);
        Assert.Equal(("alarm-2", 1), (reopened.CurrentAlarmId, reopened.Reopenings));
        Assert.Null(reopened.Assignee);
        Assert.Null(reopened.AlarmClearedAt);
        Assert.Equal(Start, reopened.FirstAcknowledgedAt);

        // The clear of the alarm the reopen replaced says nothing about the new round; the new alarm's clear does.
        Assert.Empty(_lifecycle.AlarmCleared(reopened, reopened.Key.AlarmId, _time.GetUtcNow()));
        Assert.Single(_lifecycle.AlarmCleared(reopened, "alarm-2", _time.GetUtcNow()));

        _time.SetUtcNow(closedAt + TimeSpan.FromHours(24));
        Assert.True(_lifecycle.Reopens(closed));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(_lifecycle.Reopens(closed));
        Assert.False(_lifecycle.Reopens(reopened));
    }

    [Fact]
    public void A_zero_window_never_reopens()
    {
        var lifecycle = new IncidentLifecycle(_time, TimeSpan.Zero);
        Incident closed = Closed();
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(lifecycle.Reopens(closed));
    }

    private Incident Opened() => new(new IncidentKey("acme-site", "gw-01", "alarm-1"), "acme", "port_overload", "major", "port:P03", [_lifecycle.Open()]);

    private Incident Assigned()
    {
        Incident incident = Opened();
        incident = Take(incident, _lifecycle.AcknowledgeBy(incident, Manager, null), minutes: 1);
        return Take(incident, _lifecycle.AssignTo(incident, Manager, "wang", Fixer, null), minutes: 1);
    }

    private Incident Closed()
    {
        Incident incident = Assigned();
        incident = Take(incident, _lifecycle.ResolveBy(incident, Fixer, "reset_port", null), minutes: 1);
        return Take(incident, _lifecycle.CloseBy(incident, Manager, null), minutes: 1);
    }

    /// <summary>Applies a decision that must not be refused, then lets <paramref name="minutes"/> pass.</summary>
    private Incident Take(Incident incident, IncidentDecision decision, int minutes)
    {
        Assert.Null(decision.Refusal);
        Assert.NotEmpty(decision.Steps);
        Incident changed = incident.With(decision.Steps);
        _time.Advance(TimeSpan.FromMinutes(minutes));
        return changed;
    }

    private static void AssertRefused(IncidentDecision decision, IncidentRefusalCode code, IncidentState state, string? subject = null)
    {
        Assert.Empty(decision.Steps);
        Assert.NotNull(decision.Refusal);
        Assert.Equal(code, decision.Refusal.Code);
        Assert.Equal(state, decision.Refusal.State);
        if (subject is not null)
        {
            Assert.Equal(subject, decision.Refusal.Subject);
        }
    }
}
