using System.Diagnostics.CodeAnalysis;

namespace EdgeGateway.Hub.Incidents;

/// <summary>Where an incident is in its life (wire names: <see cref="IncidentWire"/>).</summary>
public enum IncidentState
{
    Opened,
    Acknowledged,
    Assigned,
    OnSite,
    Resolved,
    Closed,
}

/// <summary>What the maintenance user did (a fixed list, so that the district can count it), plus a free comment.</summary>
public enum IncidentResolution
{
    ResetPort,
    ReplacedCharger,
    RemovedHeater,
    ClearedBin,
    Other,
}

/// <summary>The wire names of states, steps and resolutions (API, database, pages).</summary>
internal static class IncidentWire
{
    public const string Opened = "opened";
    public const string Acknowledged = "acknowledged";
    public const string Assigned = "assigned";
    public const string OnSite = "on_site";
    public const string Resolved = "resolved";
    public const string Closed = "closed";

    /// <summary>A step only: the same port, bin or sensor raised the same kind again soon after the close.</summary>
    public const string Reopened = "reopened";

    /// <summary>A step only: the gateway's own clear of the alarm (a fact apart from the human resolution).</summary>
    public const string AlarmCleared = "alarm_cleared";

    /// <summary>The acting user of the steps no person took (opening, the gateway's clear, the automatic close).</summary>
    public const string System = "system";

    public static IReadOnlyList<string> States { get; } = [Opened, Acknowledged, Assigned, OnSite, Resolved, Closed];

    public static IReadOnlyList<string> Resolutions { get; } = ["reset_port", "replaced_charger", "removed_heater", "cleared_bin", "other"];

    public static string Name(IncidentState state) => States[(int)state];

    public static string Name(IncidentResolution resolution) => Resolutions[(int)resolution];

    public static bool TryParseState(string? text, out IncidentState state) => TryParse(States, text, out state);

    public static bool TryParseResolution(string? text, out IncidentResolution resolution) => TryParse(Resolutions, text, out resolution);

    private static bool TryParse<T>(IReadOnlyList<string> names, string? text, out T value)
        where T : struct, Enum
    {
        int index = text is null ? -1 : IndexOf(names, text);
        value = index < 0 ? default : (T)Enum.ToObject(typeof(T), index);
        return index >= 0;
    }

    private static int IndexOf(IReadOnlyList<string> names, string text)
    {
        for (int i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], text, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>An incident's identity: the site, gateway and id of the alarm that opened it (an alarm id is unique only
/// within its gateway).</summary>
internal readonly record struct IncidentKey(string Site, string Gateway, string AlarmId)
{
    public override string ToString() => $"{Site}/{Gateway}/{AlarmId}";
}

/// <summary>One step of an incident, as it happened: what, when (wall clock, UTC), by whom (a console user, or
/// <see cref="IncidentWire.System"/>), a comment, and what the step is about (the assignee, the resolution code, the alarm id).</summary>
internal sealed record IncidentStep(string Action, DateTimeOffset At, string User, string? Comment = null, string? Detail = null);

/// <summary>Who acts, or is assigned: a console user's name, role and company (null for an admin; <c>district</c>).</summary>
internal sealed record IncidentActor(string Name, string Role, string? Company)
{
    public bool IsAdmin => Role == "admin";
}

/// <summary>
/// An alarm handled to closure: what opened it (the alarm's site, gateway, id, kind, severity and source, and the
/// company that ran the site then) and its steps, oldest first. Everything else is read from the steps, so that the
/// steps are the one record of what happened (a reopen starts a new round: acknowledgement, assignment and resolution
/// are those since the last opening).
/// </summary>
internal sealed class Incident
{
    public Incident(IncidentKey key, string? company, string kind, string severity, string source, IReadOnlyList<IncidentStep> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        if (steps.Count == 0 || steps[0].Action != IncidentWire.Opened)
        {
            throw new ArgumentException("an incident's first step is its opening", nameof(steps));
        }

        Key = key;
        Company = company;
        Kind = kind;
        Severity = severity;
        Source = source;
        Steps = steps;
        OpenedAt = steps[0].At;
        CurrentAlarmId = key.AlarmId;
        foreach (IncidentStep step in steps)
        {
            Fold(step);
        }
    }

    public IncidentKey Key { get; }

    public string? Company { get; }

    public string Kind { get; }

    public string Severity { get; }

    public string Source { get; }

    public IReadOnlyList<IncidentStep> Steps { get; }

    public IncidentState State { get; private set; }

    public DateTimeOffset OpenedAt { get; }

    /// <summary>The alarm of the current round: the opening alarm, or the one that last reopened the incident.</summary>
    public string CurrentAlarmId { get; private set; }

    public IncidentStep? Acknowledgement { get; private set; }

    public string? Assignee { get; private set; }

    public IncidentStep? Assignment { get; private set; }

    public IncidentStep? OnSite { get; private set; }

    public IncidentStep? Resolution { get; private set; }

    public IncidentResolution? ResolutionCode { get; private set; }

    /// <summary>When the gateway cleared the current round's alarm (its own fact: the condition is gone).</summary>
    public DateTimeOffset? AlarmClearedAt { get; private set; }

    public IncidentStep? Closing { get; private set; }

    public int Reopenings { get; private set; }

    /// <summary>The first acknowledgement ever (the district's time to acknowledge counts from the opening).</summary>
    public DateTimeOffset? FirstAcknowledgedAt { get; private set; }

    [MemberNotNullWhen(true, nameof(Closing))]
    public bool IsClosed => State == IncidentState.Closed;

    /// <summary>The incident with <paramref name="added"/> appended.</summary>
    public Incident With(IEnumerable<IncidentStep> added) => new(Key, Company, Kind, Severity, Source, [.. Steps, .. added]);

    private void Fold(IncidentStep step)
    {
        switch (step.Action)
        {
            case IncidentWire.Opened:
                State = IncidentState.Opened;
                break;
            case IncidentWire.Reopened:
                State = IncidentState.Opened;
                CurrentAlarmId = step.Detail ?? CurrentAlarmId;
                Acknowledgement = Assignment = OnSite = Resolution = Closing = null;
                Assignee = null;
                ResolutionCode = null;
                AlarmClearedAt = null;
                Reopenings++;
                break;
            case IncidentWire.Acknowledged:
                State = IncidentState.Acknowledged;
                Acknowledgement = step;
                FirstAcknowledgedAt ??= step.At;
                break;
            case IncidentWire.Assigned:
                State = IncidentState.Assigned;
                Assignment = step;
                Assignee = step.Detail;
                OnSite = null;
                break;
            case IncidentWire.OnSite:
                State = IncidentState.OnSite;
                OnSite = step;
                break;
            case IncidentWire.Resolved:
                State = IncidentState.Resolved;
                Resolution = step;
                ResolutionCode = IncidentWire.TryParseResolution(step.Detail, out IncidentResolution code) ? code : IncidentResolution.Other;
                break;
            case IncidentWire.AlarmCleared:
                AlarmClearedAt = step.At;
                break;
            case IncidentWire.Closed:
                State = IncidentState.Closed;
                Closing = step;
                break;
        }
    }
}
