using System.Text.Json.Serialization;
using EdgeGateway.Contracts.Alarms;

namespace EdgeGateway.Contracts.Mqtt;

/// <summary>Whether an alarm message announces a raise or a clear.</summary>
public enum AlarmEvent
{
    Raised,
    Cleared,
}

/// <summary>The alarm kind vocabulary on the wire: every <see cref="AlarmKinds"/> wire name plus <see cref="GatewayBufferFull"/>.</summary>
public static class ContractAlarmKinds
{
    /// <summary>Raised by the MQTT link when the outbox is full and telemetry is being thinned (dropped); cleared when it drains.</summary>
    public const string GatewayBufferFull = "gateway_buffer_full";

    public static IReadOnlyList<string> All { get; } =
        [.. Enum.GetValues<AlarmKind>().Select(kind => kind.WireName()), GatewayBufferFull];

    public static bool IsKnown(string? wireName) => wireName is not null && All.Contains(wireName, StringComparer.Ordinal);
}

/// <summary>
/// <c>edge/v1/{site}/{gw}/alarms</c>, QoS 1: one message per raise and one per clear of the same <see cref="AlarmId"/>;
/// an alarm that starts flapping is raised once more, same <see cref="AlarmId"/>, with <see cref="Flapping"/> set.
/// </summary>
public sealed record AlarmMessage : ContractMessage
{
    /// <summary>Stable from raise to clear.</summary>
    public required string AlarmId { get; init; }

    public required AlarmEvent Event { get; init; }

    /// <summary>A wire name from <see cref="ContractAlarmKinds.All"/>.</summary>
    public required string Kind { get; init; }

    public required AlarmSeverity Severity { get; init; }

    /// <summary><c>port:{id}</c>, <c>bin:{id}</c>, <c>shed</c>, a shed sensor (<c>thermometer:{id}</c>, <c>vt</c>, <c>smoke</c>) or <c>gateway</c>.</summary>
    public required string Source { get; init; }

    /// <summary>The measured value that raised the alarm, in <see cref="Unit"/>.</summary>
    [JsonRequired]
    public double? Value { get; init; }

    /// <summary>The limit it crossed, in <see cref="Unit"/>.</summary>
    [JsonRequired]
    public double? Threshold { get; init; }

    /// <summary>Unit of value and threshold: W, A, V, °C, %, s, kg ...</summary>
    [JsonRequired]
    public string? Unit { get; init; }

    public required DateTimeOffset RaisedTs { get; init; }

    /// <summary>Set on the cleared message only.</summary>
    [JsonRequired]
    public DateTimeOffset? ClearedTs { get; init; }

    /// <summary>In English; readers that know <see cref="Reason"/> render that in their own language instead.</summary>
    [JsonPropertyName("detail")]
    public required string Detail { get; init; }

    /// <summary>The detail as a reason code with its parameters; null from gateways that predate it. Added within v1.</summary>
    public ContractReason? Reason { get; init; }

    /// <summary>Why it cleared (condition gone, operator reset); cleared message only.</summary>
    [JsonRequired]
    public string? ClearReason { get; init; }

    /// <summary>
    /// <see cref="ClearReason"/> as a reason code with its parameters, for readers to render in their language; cleared
    /// message only, absent from gateways that predate it (and left out when null, so strict older readers are
    /// unaffected). Added within v1.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ContractReason? ClearCode { get; init; }

    /// <summary>
    /// The alarm was raised and cleared too often and is held raised until its condition stays away (the gateway's flap
    /// policy): a raised message with this set updates the alarm of the same <see cref="AlarmId"/> — not a new alarm —
    /// and a cleared one says the alarm ended as flapping. Absent (false) from gateways that predate it.
    /// </summary>
    public bool Flapping { get; init; }
}
