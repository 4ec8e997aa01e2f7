using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;
using EdgeGateway.Contracts.Mqtt;

namespace EdgeGateway.Hub.WebConsole;

/// <summary><c>{"error": code, "message": text in the user's language}</c>, every error the console answers.</summary>
internal sealed record ConsoleError(string Error, string Message)
{
    public const string NotFoundCode = "not_found";
    public const string InvalidCommandCode = "invalid_command";
    public const string InvalidRequestCode = "invalid_request";
    public const string NoReplyCode = "no_reply";
    public const string BrokerUnreachableCode = "broker_unreachable";
    public const string AntiforgeryCode = "antiforgery";
    public const string UnauthorizedCode = "unauthorized";
    public const string ForbiddenCode = "forbidden";
    public const string AlreadyAcknowledgedCode = "already_acknowledged";
    public const string InvalidTransitionCode = "invalid_transition";
}

/// <summary><c>GET /api/me</c>.</summary>
/// <remarks><c>company</c>: the user's company id, <c>district</c>, or null (an admin); <c>may_act</c>: false for
/// district staff (the pages hide commands and acknowledgements).</remarks>
internal sealed record MeView(string Name, string DisplayName, string Role, string Language, string? Company, string? CompanyName, bool MayAct);

/// <summary><c>GET /api/registry</c>: the companies, each with its sites.</summary>
internal sealed record RegistryView(IReadOnlyList<CompanyView> Companies);

internal sealed record CompanyView(string Id, string Name, string? NameEn, IReadOnlyList<string> Channels, IReadOnlyList<SiteView> Sites);

internal sealed record SiteView(string Id, string Name, string? NameEn, string? Address, string Company);

/// <summary><c>PUT /api/registry/companies/{id}</c>.</summary>
internal sealed record CompanyRequest(string? Name, string? NameEn, IReadOnlyList<string>? Channels);

/// <summary><c>PUT /api/registry/sites/{id}</c>.</summary>
internal sealed record SiteRequest(string? Name, string? NameEn, string? Address, string? Company);

/// <summary><c>GET /api/board</c>.</summary>
internal sealed record DashboardView(DateTimeOffset GeneratedTs, IReadOnlyList<GatewayView> Gateways);

/// <summary>A gateway on the board (also the data of an SSE <c>gateway</c> event).</summary>
internal sealed record GatewayView(
    string Site,
    string Gateway,
    bool Online,
    DateTimeOffset? LastSeenTs,
    string? Version,
    long? UptimeS,
    int? OutboxDepth,
    IReadOnlyList<PortView> Ports,
    IReadOnlyList<BinView> Bins,
    int ActiveAlarms,
    bool NeedsAttention,
    string? SiteName = null);

/// <summary>A charging port on the board.</summary>
internal sealed record PortView(
    string Port,
    string? State,
    bool? RelayClosed,
    double? PowerW,
    double? VoltageV,
    double? CurrentA,
    double? PowerFactor,
    long? SessionS,
    double? SessionEnergyWh,
    string? Fault,
    string? Lockout,
    DateTimeOffset? LastSeenTs,
    bool NeedsAttention,
    IReadOnlyDictionary<string, string>? FaultText = null);

/// <summary>A bin on the board.</summary>
internal sealed record BinView(
    string Bin,
    string? Class,
    double? FillPct,
    DateTimeOffset? ForecastFullTs,
    bool NearlyFull,
    bool ContainerFull,
    double? TemperatureC,
    bool LidOpen,
    bool Tilted,
    string? Fault,
    DateTimeOffset? LastSeenTs,
    bool NeedsAttention,
    IReadOnlyDictionary<string, string>? FaultText = null);

/// <summary>The alarm object of API.md "Alarms".</summary>
internal sealed record AlarmView(
    string AlarmId,
    string Site,
    string Gateway,
    string Kind,
    string KindText,
    string Severity,
    string Source,
    string? Port,
    string? Bin,
    double? Value,
    double? Threshold,
    string? Unit,
    DateTimeOffset RaisedTs,
    DateTimeOffset? ClearedTs,
    string? Detail,
    string? ClearReason,
    bool Acknowledged,
    string? AcknowledgedBy,
    DateTimeOffset? AcknowledgedTs,
    string? AckComment,
    bool Flapping,
    string? SiteName = null,
    string? AcknowledgedByUser = null);

internal sealed record AlarmList(IReadOnlyList<AlarmView> Alarms);

internal sealed record AlarmHistoryView(IReadOnlyList<AlarmView> Alarms, bool HistoryAvailable, string? HistoryMessage);

internal sealed record PowerPoint(DateTimeOffset Ts, double? PowerW, double? VoltageV);

internal sealed record FillPoint(DateTimeOffset Ts, double? FillPct, double? WeightKg, double? TemperatureC);

internal sealed record SessionView(
    string? SessionId,
    DateTimeOffset? StartedTs,
    DateTimeOffset? EndedTs,
    double? DurationS,
    double? EnergyWh,
    double? PeakPowerW,
    string? EndReason,
    string? OrderId,
    string? Card,
    long? CostFen);

/// <summary><c>GET /api/ports/{site}/{gw}/{port}</c>.</summary>
internal sealed record PortDetail(
    string Site,
    string Gateway,
    PortView Port,
    IReadOnlyList<PowerPoint> Series,
    IReadOnlyList<SessionView> Sessions,
    IReadOnlyList<AlarmView> Alarms,
    bool HistoryAvailable,
    string? HistoryMessage);

/// <summary><c>GET /api/bins/{site}/{gw}/{bin}</c>.</summary>
internal sealed record BinDetail(
    string Site,
    string Gateway,
    BinView Bin,
    IReadOnlyList<FillPoint> Series,
    IReadOnlyList<AlarmView> Alarms,
    bool HistoryAvailable,
    string? HistoryMessage);

/// <summary>The gateway's reply to a command, as the console passes it on.</summary>
internal sealed record CommandResultView(bool Ok, string Message);

/// <summary><c>POST /api/alarms/{alarmId}/ack</c> body.</summary>
internal sealed record AckRequest(string? Comment);

internal sealed record AuditEntryView(DateTimeOffset Ts, string User, string? Role, string Action, string? Target, string? Detail, string Result);

internal sealed record AuditList(IReadOnlyList<AuditEntryView> Entries);

/// <summary>An incident (API.md "Incidents"); <c>steps</c> only in the answer about one incident.</summary>
internal sealed record IncidentView(
    string Site,
    string Gateway,
    string AlarmId,
    string? SiteName,
    string? Company,
    string? CompanyName,
    string Kind,
    string KindText,
    string Severity,
    string Source,
    string State,
    string StateText,
    DateTimeOffset OpenedTs,
    long AgeS,
    string CurrentAlarmId,
    DateTimeOffset? AcknowledgedTs,
    string? AcknowledgedBy,
    string? AcknowledgedByName,
    string? Assignee,
    string? AssigneeName,
    DateTimeOffset? OnSiteTs,
    string? Resolution,
    string? ResolutionText,
    string? ResolutionComment,
    DateTimeOffset? ResolvedTs,
    DateTimeOffset? AlarmClearedTs,
    DateTimeOffset? ClosedTs,
    string? ClosedBy,
    int Reopened,
    IReadOnlyList<IncidentStepView>? Steps);

internal sealed record IncidentStepView(string Action, DateTimeOffset Ts, string User, string? UserName, string? Comment, string? Detail);

internal sealed record IncidentList(IReadOnlyList<IncidentView> Incidents);

/// <summary>The body of an incident transition: a comment, the assignee (assign), the resolution code (resolve).</summary>
internal sealed record IncidentRequest(string? Comment, string? Assignee, string? Resolution);

internal sealed record AssigneeView(string Name, string DisplayName);

internal sealed record AssigneeList(IReadOnlyList<AssigneeView> Assignees);

/// <summary><c>GET /api/incidents/stats</c>: durations in seconds.</summary>
internal sealed record IncidentStatsView(DateTimeOffset FromTs, IReadOnlyList<IncidentWeekView> Weeks, IReadOnlyList<IncidentView> OldestOpen);

internal sealed record IncidentWeekView(
    string Company,
    string? CompanyName,
    string Week,
    int Opened,
    int Closed,
    double? AckMedianS,
    double? AckP90S,
    double? CloseMedianS,
    double? CloseP90S,
    IReadOnlyDictionary<string, int> Kinds);

/// <summary>The console's JSON: snake_case, nulls written (the page tells "unknown" from "absent"), contract timestamps.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    Converters = [typeof(ContractTimeConverter)])]
[JsonSerializable(typeof(ConsoleError))]
[JsonSerializable(typeof(MeView))]
[JsonSerializable(typeof(DashboardView))]
[JsonSerializable(typeof(GatewayView))]
[JsonSerializable(typeof(PortView))]
[JsonSerializable(typeof(BinView))]
[JsonSerializable(typeof(AlarmView))]
[JsonSerializable(typeof(AlarmList))]
[JsonSerializable(typeof(AlarmHistoryView))]
[JsonSerializable(typeof(PortDetail))]
[JsonSerializable(typeof(BinDetail))]
[JsonSerializable(typeof(CommandResultView))]
[JsonSerializable(typeof(AckRequest))]
[JsonSerializable(typeof(AuditList))]
[JsonSerializable(typeof(RegistryView))]
[JsonSerializable(typeof(CompanyRequest))]
[JsonSerializable(typeof(SiteRequest))]
[JsonSerializable(typeof(IncidentView))]
[JsonSerializable(typeof(IncidentList))]
[JsonSerializable(typeof(IncidentRequest))]
[JsonSerializable(typeof(AssigneeList))]
[JsonSerializable(typeof(IncidentStatsView))]
internal sealed partial class ConsoleJson : JsonSerializerContext
{
    /// <summary>What the console answers with: Chinese as itself rather than <c>\uXXXX</c> (readable in a browser's network
    /// tab and half the bytes), characters that matter in HTML still escaped.</summary>
    public static ConsoleJson Web => WebContext.Instance;

    // Its own class: a static initializer beside the generated Default could run before Default is set.
    private static class WebContext
    {
        public static readonly ConsoleJson Instance = new(new JsonSerializerOptions(Default.Options) { Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) });
    }
}
