using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;
using EdgeGateway.Contracts.Mqtt;

namespace EdgeGateway.Hub.Platform;

/// <summary>
/// <c>POST …/ports/{port}/start</c>: the platform's order and what ends the session — energy (Wh), duration
/// (minutes) or a prepaid amount in 元 (at most two decimals) at the site's tariff, any combination.
/// </summary>
internal sealed record StartRequest(string? OrderId, string? Card, StartLimit? Limit);

/// <summary>The limit of a start as the API takes it: money in 元 (converted to fen for the gateway).</summary>
internal sealed record StartLimit(double? EnergyWh, double? DurationMin, decimal? AmountYuan);

/// <summary>A start the gateway accepted (also what the same order answers when asked again).</summary>
internal sealed record StartAnswer(
    string OrderId, string Site, string Gateway, string Port, bool Accepted, string? SessionId, string Message, ChargeLimit Limit, ChargeTariff? Tariff);

/// <summary>A stop the gateway accepted.</summary>
internal sealed record StopAnswer(string Site, string Gateway, string Port, bool Stopped, string Message);

/// <summary><c>GET …/ports/{port}</c>: the port as its gateway last reported it, and its running session.</summary>
internal sealed record PortAnswer(
    string Site, string Gateway, string Port, string? State, bool GatewayOnline, string? Fault, string? Lockout, DateTimeOffset? LastSeenTs, RunningSession? Session);

/// <summary>The session running on a port: energy and time so far (the gateway's telemetry), the order that started it
/// and its cost so far by the order's tariff (an estimate by the same rule as the gateway's session record, which is the bill).</summary>
internal sealed record RunningSession(string? SessionId, string? OrderId, double EnergyWh, long? DurationS, long? CostFen);

/// <summary><c>GET …/sessions</c>.</summary>
internal sealed record SessionList(IReadOnlyList<SessionItem> Sessions, bool Truncated);

internal sealed record SessionItem(
    string Site, string Gateway, string Port, string SessionId, string? OrderId, string? Card, DateTimeOffset StartedTs, DateTimeOffset EndedTs,
    double DurationS, double EnergyWh, long? CostFen, string EndReason, ChargeLimit? Limit);

/// <summary>A problem answer (RFC 9457) as the start stores it for the order's later askers, with the gateway's words.</summary>
internal sealed record StoredProblem(string Type, string Title, int Status, string Detail, string? OrderId, string? Code);

/// <summary><c>POST /api/platform/keys</c>: a new key of <see cref="Company"/>, optionally with a webhook.</summary>
internal sealed record ApiKeyRequest(string? Company, string? Name, string? WebhookUrl);

/// <summary>A new key: the token and the webhook secret are in this answer only.</summary>
internal sealed record ApiKeyCreated(string Id, string Company, string Name, string Key, string? WebhookUrl, string? WebhookSecret);

internal sealed record ApiKeyView(string Id, string Company, string Name, string? WebhookUrl, DateTimeOffset CreatedTs, string CreatedBy, DateTimeOffset? RevokedTs);

internal sealed record ApiKeyList(IReadOnlyList<ApiKeyView> Keys);

/// <summary>A webhook's body: <see cref="EventId"/> is the same on every attempt (a receiver drops repeats by it).</summary>
internal sealed record WebhookEvent
{
    public required string EventId { get; init; }

    /// <summary>session_started, session_ended, start_refused, fault.</summary>
    public required string Type { get; init; }

    public required DateTimeOffset Ts { get; init; }

    public required string Site { get; init; }

    public required string Gateway { get; init; }

    public string? Port { get; init; }

    public string? SessionId { get; init; }

    public string? OrderId { get; init; }

    public string? Card { get; init; }

    public DateTimeOffset? StartedTs { get; init; }

    public DateTimeOffset? EndedTs { get; init; }

    public double? DurationS { get; init; }

    public double? EnergyWh { get; init; }

    public long? CostFen { get; init; }

    public string? EndReason { get; init; }

    public ChargeLimit? Limit { get; init; }

    public ChargeTariff? Tariff { get; init; }

    /// <summary>start_refused: the gateway's reason.</summary>
    public string? Reason { get; init; }

    /// <summary>fault: the alarm.</summary>
    public string? AlarmId { get; init; }

    public string? Kind { get; init; }

    public string? Severity { get; init; }

    public string? Detail { get; init; }

    public DateTimeOffset? RaisedTs { get; init; }
}

/// <summary>The platform API's JSON: snake_case like the contract, nulls left out, Chinese kept readable.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    Converters = [typeof(ContractTimeConverter)])]
[JsonSerializable(typeof(StartRequest))]
[JsonSerializable(typeof(StartAnswer))]
[JsonSerializable(typeof(StopAnswer))]
[JsonSerializable(typeof(PortAnswer))]
[JsonSerializable(typeof(SessionList))]
[JsonSerializable(typeof(StoredProblem))]
[JsonSerializable(typeof(ApiKeyRequest))]
[JsonSerializable(typeof(ApiKeyCreated))]
[JsonSerializable(typeof(ApiKeyList))]
[JsonSerializable(typeof(WebhookEvent))]
[JsonSerializable(typeof(ChargeTariff))]
[JsonSerializable(typeof(ChargeLimit))]
[JsonSerializable(typeof(IReadOnlyCollection<string>))]
internal sealed partial class PlatformJson : JsonSerializerContext
{
    /// <summary>The API's options: the generated ones with Chinese left readable.</summary>
    public static PlatformJson Api => ApiContext.Instance;

    // Its own class: a static initializer beside the generated Default could run before Default is set.
    private static class ApiContext
    {
        public static readonly PlatformJson Instance = new(new JsonSerializerOptions(Default.Options) { Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) });
    }
}
