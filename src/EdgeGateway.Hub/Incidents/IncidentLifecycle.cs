namespace EdgeGateway.Hub.Incidents;

/// <summary>Why a transition was refused (rendered in the reader's language by <see cref="IncidentText"/>).</summary>
internal enum IncidentRefusalCode
{
    /// <summary>The incident is not in a state this transition starts from.</summary>
    WrongState,

    /// <summary>Assigning to a user the console does not have.</summary>
    UnknownAssignee,

    /// <summary>Assigning to a user who is not maintenance staff.</summary>
    AssigneeNotMaintenance,

    /// <summary>Assigning to a user of another company than the one that runs the site.</summary>
    AssigneeOfAnotherCompany,

    /// <summary>On site / resolve by someone who is not the assignee (nor an admin).</summary>
    NotTheAssignee,

    /// <summary>A resolution code not in the list.</summary>
    UnknownResolution,

    /// <summary>Resolution "other" without a comment saying what was done.</summary>
    CommentRequired,

    /// <summary>A comment over <see cref="IncidentLifecycle.MaxCommentLength"/> characters.</summary>
    CommentTooLong,
}

/// <summary>A refused transition: why, the transition (<paramref name="Transition"/>), the state it met, and a subject
/// (the user or code it named).</summary>
internal sealed record IncidentRefusal(IncidentRefusalCode Code, string Transition, IncidentState State, string? Subject = null);

/// <summary>A transition's outcome: the steps to append (empty with a refusal).</summary>
internal sealed record IncidentDecision(IReadOnlyList<IncidentStep> Steps, IncidentRefusal? Refusal)
{
    public static IncidentDecision Refuse(IncidentRefusal refusal) => new([], refusal);

    public static IncidentDecision Take(params IncidentStep[] steps) => new(steps, null);
}

/// <summary>
/// The incident lifecycle as pure code: opened → acknowledged (a manager, a comment) → assigned (to maintenance staff of
/// the company that runs the site) → on site → resolved (a code from a fixed list and a comment) → closed (by a
/// manager, or by itself once the gateway's clear arrived and the resolution is recorded); a closed incident is reopened
/// when the same source raises the same kind within <see cref="IncidentOptions.ReopenWindow"/> of the close. Each call
/// decides one transition from the incident as it is, stamping steps with the wall clock (UTC) of the injected
/// <see cref="TimeProvider"/>; the store applies it in one transaction, so two people acting at once are decided in turn.
/// </summary>
internal sealed class IncidentLifecycle(TimeProvider time, TimeSpan reopenWindow)
{
    public const int MaxCommentLength = 500;

    public const string Acknowledge = "acknowledge";
    public const string Assign = "assign";
    public const string ArriveOnSite = "on_site";
    public const string Resolve = "resolve";
    public const string Close = "close";

    public TimeSpan ReopenWindow { get; } = reopenWindow;

    /// <summary>The step that opens an incident for a notifiable alarm.</summary>
    public IncidentStep Open() => new(IncidentWire.Opened, time.GetUtcNow(), IncidentWire.System);

    /// <summary>Acknowledged by <paramref name="by"/> (the endpoint lets managers and admins only): from opened.</summary>
    public IncidentDecision AcknowledgeBy(Incident incident, IncidentActor by, string? comment)
    {
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentNullException.ThrowIfNull(by);
        return Checked(Acknowledge, incident, comment)
            ?? (incident.State != IncidentState.Opened
                ? IncidentDecision.Refuse(new IncidentRefusal(IncidentRefusalCode.WrongState, Acknowledge, incident.State))
                : IncidentDecision.Take(new IncidentStep(IncidentWire.Acknowledged, time.GetUtcNow(), by.Name, Trim(comment))));
    }

    /// <summary>Assigned (or reassigned) to <paramref name="assignee"/> — maintenance staff of the incident's company —
    /// from acknowledged, assigned or on site; null: a user the console does not have (<paramref name="assigneeName"/>).</summary>
    public IncidentDecision AssignTo(Incident incident, IncidentActor by, string assigneeName, IncidentActor? assignee, string? comment)
    {
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentNullException.ThrowIfNull(by);
        if (Checked(Assign, incident, comment) is { } refused)
        {
            return refused;
        }

        if (incident.State is not (IncidentState.Acknowledged or IncidentState.Assigned or IncidentState.OnSite))
        {
            return IncidentDecision.Refuse(new IncidentRefusal(IncidentRefusalCode.WrongState, Assign, incident.State));
        }

        IncidentRefusalCode? problem = assignee is null ? IncidentRefusalCode.UnknownAssignee
            : assignee.Role != "maintenance" ? IncidentRefusalCode.AssigneeNotMaintenance
            : incident.Company is null || !string.Equals(assignee.Company, incident.Company, StringComparison.Ordinal) ? IncidentRefusalCode.AssigneeOfAnotherCompany
            : null;
        return problem is { } code
            ? IncidentDecision.Refuse(new IncidentRefusal(code, Assign, incident.State, assigneeName))
            : IncidentDecision.Take(new IncidentStep(IncidentWire.Assigned, time.GetUtcNow(), by.Name, Trim(comment), assignee!.Name));
    }

    /// <summary>The assignee (or an admin) is at the shed: from assigned.</summary>
    public IncidentDecision OnSiteBy(Incident incident, IncidentActor by, string? comment)
    {
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentNullException.ThrowIfNull(by);
        return Checked(ArriveOnSite, incident, comment)
            ?? (incident.State != IncidentState.Assigned ? IncidentDecision.Refuse(new IncidentRefusal(IncidentRefusalCode.WrongState, ArriveOnSite, incident.State))
            : NotTheAssignee(ArriveOnSite, incident, by)
            ?? IncidentDecision.Take(new IncidentStep(IncidentWire.OnSite, time.GetUtcNow(), by.Name, Trim(comment))));
    }

    /// <summary>What was done (<paramref name="code"/>, from <see cref="IncidentWire.Resolutions"/>; "other" needs a comment),
    /// by the assignee or an admin, from assigned or on site; closes at once when the gateway's clear is already in.</summary>
    public IncidentDecision ResolveBy(Incident incident, IncidentActor by, string? code, string? comment)
    {
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentNullException.ThrowIfNull(by);
        if (Checked(Resolve, incident, comment) is { } refused)
        {
            return refused;
        }

        if (incident.State is not (IncidentState.Assigned or IncidentState.OnSite))
        {
            return IncidentDecision.Refuse(new IncidentRefusal(IncidentRefusalCode.WrongState, Resolve, incident.State));
        }

        if (NotTheAssignee(Resolve, incident, by) is { } notAssignee)
        {
            return notAssignee;
        }

        if (!IncidentWire.TryParseResolution(code, out IncidentResolution resolution))
        {
            return IncidentDecision.Refuse(new IncidentRefusal(IncidentRefusalCode.UnknownResolution, Resolve, incident.State, code ?? ""));
        }

        if (resolution == IncidentResolution.Other && Trim(comment) is null)
        {
            return IncidentDecision.Refuse(new IncidentRefusal(IncidentRefusalCode.CommentRequired, Resolve, incident.State));
        }

        DateTimeOffset now = time.GetUtcNow();
        var resolved = new IncidentStep(IncidentWire.Resolved, now, by.Name, Trim(comment), IncidentWire.Name(resolution));
        return incident.AlarmClearedAt is null ? IncidentDecision.Take(resolved) : IncidentDecision.Take(resolved, AutomaticClose(now));
    }

    /// <summary>Closed by a manager (or admin) once the resolution is recorded.</summary>
    public IncidentDecision CloseBy(Incident incident, IncidentActor by, string? comment)
    {
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentNullException.ThrowIfNull(by);
        return Checked(Close, incident, comment)
            ?? (incident.State != IncidentState.Resolved
                ? IncidentDecision.Refuse(new IncidentRefusal(IncidentRefusalCode.WrongState, Close, incident.State))
                : IncidentDecision.Take(new IncidentStep(IncidentWire.Closed, time.GetUtcNow(), by.Name, Trim(comment))));
    }

    /// <summary>The gateway cleared <paramref name="alarmId"/> at <paramref name="clearedAt"/>: a fact of the current
    /// round only (the clear of an alarm a reopen replaced says nothing now), recorded once; closes a resolved incident.</summary>
    public IReadOnlyList<IncidentStep> AlarmCleared(Incident incident, string alarmId, DateTimeOffset clearedAt)
    {
        ArgumentNullException.ThrowIfNull(incident);
        if (incident.IsClosed || incident.AlarmClearedAt is not null || !string.Equals(incident.CurrentAlarmId, alarmId, StringComparison.Ordinal))
        {
            return [];
        }

        var cleared = new IncidentStep(IncidentWire.AlarmCleared, clearedAt, IncidentWire.System, Detail: alarmId);
        return incident.State == IncidentState.Resolved ? [cleared, AutomaticClose(time.GetUtcNow())] : [cleared];
    }

    /// <summary>Whether a raise of the same kind at the same source reopens <paramref name="incident"/> now: it is closed,
    /// and closed at most <see cref="ReopenWindow"/> ago (wall clock: the close may have been on another instance, or
    /// before a restart, so there is no monotonic clock to compare with).</summary>
    public bool Reopens(Incident incident)
    {
        ArgumentNullException.ThrowIfNull(incident);
        return incident.IsClosed && time.GetUtcNow() - incident.Closing.At <= ReopenWindow;
    }

    /// <summary>The step that reopens an incident for the new alarm <paramref name="alarmId"/>.</summary>
    public IncidentStep Reopen(string alarmId) => new(IncidentWire.Reopened, time.GetUtcNow(), IncidentWire.System, Detail: alarmId);

    private static IncidentStep AutomaticClose(DateTimeOffset at) => new(IncidentWire.Closed, at, IncidentWire.System, Detail: "alarm_cleared_and_resolved");

    private static IncidentDecision? NotTheAssignee(string transition, Incident incident, IncidentActor by) =>
        by.IsAdmin || string.Equals(by.Name, incident.Assignee, StringComparison.OrdinalIgnoreCase)
            ? null
            : IncidentDecision.Refuse(new IncidentRefusal(IncidentRefusalCode.NotTheAssignee, transition, incident.State, incident.Assignee));

    /// <summary>Refuses any transition of a comment too long.</summary>
    private static IncidentDecision? Checked(string transition, Incident incident, string? comment) =>
        Trim(comment) is { } trimmed && trimmed.EnumerateRunes().Count() > MaxCommentLength
            ? IncidentDecision.Refuse(new IncidentRefusal(IncidentRefusalCode.CommentTooLong, transition, incident.State))
            : null;

    private static string? Trim(string? comment) => string.IsNullOrWhiteSpace(comment) ? null : comment.Trim();
}
