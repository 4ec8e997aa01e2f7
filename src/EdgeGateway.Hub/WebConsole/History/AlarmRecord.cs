using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.WebConsole.Store;

namespace EdgeGateway.Hub.WebConsole.History;

/// <summary>An alarm as the console knows it (from MQTT or InfluxDB), with its acknowledgement; shown through <see cref="View"/>.</summary>
internal sealed record AlarmRecord(
    string AlarmId,
    string Site,
    string Gateway,
    string Kind,
    AlarmSeverity Severity,
    string Source,
    double? Value,
    double? Threshold,
    string? Unit,
    DateTimeOffset RaisedTs,
    DateTimeOffset? ClearedTs,
    string? Detail,
    string? ClearReason,
    AlarmAck? Ack = null,
    bool Flapping = false,
    ContractReason? Reason = null,
    ContractReason? ClearCode = null)
{
    /// <summary>Most severe first, then newest first (API.md: the active list's order).</summary>
    public static readonly IComparer<AlarmRecord> SeverityThenNewest = Comparer<AlarmRecord>.Create((a, b) =>
    {
        int bySeverity = b.Severity.CompareTo(a.Severity);
        if (bySeverity != 0)
        {
            return bySeverity;
        }

        int byTime = b.RaisedTs.CompareTo(a.RaisedTs);
        return byTime != 0 ? byTime : string.CompareOrdinal(a.AlarmId, b.AlarmId);
    });

    /// <summary>The port of a <c>port:{id}</c> source.</summary>
    public string? Port => Part("port:");

    /// <summary>The bin of a <c>bin:{id}</c> source.</summary>
    public string? Bin => Part("bin:");

    public bool IsActive => ClearedTs is null;

    public static AlarmRecord From(AlarmMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new AlarmRecord(
            message.AlarmId,
            message.Site,
            message.Gateway,
            message.Kind,
            message.Severity,
            message.Source,
            message.Value,
            message.Threshold,
            message.Unit,
            message.RaisedTs,
            message.Event == AlarmEvent.Cleared ? message.ClearedTs ?? message.Ts : null,
            message.Detail,
            message.ClearReason,
            Flapping: message.Flapping,
            Reason: message.Reason,
            ClearCode: message.ClearCode);
    }

    public AlarmView View(ConsoleText text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new AlarmView(
            AlarmId,
            Site,
            Gateway,
            Kind,
            text.KindText(Kind),
            SeverityName(Severity),
            Source,
            Port,
            Bin,
            Value,
            Threshold,
            Unit,
            RaisedTs,
            ClearedTs,
            Detail is null ? null : ReasonText.For(text.Display).Render(Reason, Detail),
            ClearReason is null ? null : ReasonText.For(text.Display).Render(ClearCode, ClearReason),
            Ack is not null,
            Ack?.ShownName,
            Ack?.At,
            Ack?.Comment,
            Flapping,
            AcknowledgedByUser: Ack?.User);
    }

    /// <summary>The contract's wire name of a severity.</summary>
    public static string SeverityName(AlarmSeverity severity) => severity switch
    {
        AlarmSeverity.Critical => "critical",
        AlarmSeverity.Major => "major",
        AlarmSeverity.Warning => "warning",
        _ => "info",
    };

    /// <summary>A severity by its wire name; info for anything else (a stored alarm missing its severity is still shown).</summary>
    public static AlarmSeverity ParseSeverity(string? name) => name switch
    {
        "critical" => AlarmSeverity.Critical,
        "major" => AlarmSeverity.Major,
        "warning" => AlarmSeverity.Warning,
        _ => AlarmSeverity.Info,
    };

    private string? Part(string prefix) =>
        Source.StartsWith(prefix, StringComparison.Ordinal) && Source.Length > prefix.Length ? Source[prefix.Length..] : null;
}
