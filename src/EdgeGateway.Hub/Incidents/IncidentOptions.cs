namespace EdgeGateway.Hub.Incidents;

/// <summary>Incidents (事件处置), section <c>Hub:Incidents</c>: where they are kept and when a closed one is reopened.</summary>
internal sealed class IncidentOptions
{
    public const string Section = "Hub:Incidents";

    /// <summary>The incident database. Relative paths are resolved against <c>Hub:DataDirectory</c>. Every hub instance on
    /// one host must name the same file (one incident per alarm, whichever instance saw it).</summary>
    public string Path { get; set; } = "incidents.db";

    /// <summary>A closed incident is reopened (not a new one) when the same port, bin or sensor raises the same kind
    /// within this long after it was closed.</summary>
    public TimeSpan ReopenWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Problems with these settings, each naming its key; empty when they are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Path))
        {
            problems.Add($"{Section}:Path: empty; name the incident database (every instance on the host the same file)");
        }

        if (ReopenWindow < TimeSpan.Zero || ReopenWindow > TimeSpan.FromDays(30))
        {
            problems.Add($"{Section}:ReopenWindow: between 00:00:00 (never reopen) and 30 days, not {ReopenWindow}");
        }

        return problems;
    }
}
