using System.Text.Json.Serialization;
using EdgeGateway.Contracts.Ports;

namespace EdgeGateway.Contracts.Mqtt;

/// <summary><c>edge/v1/{site}/{gw}/ports/{port}/telemetry</c>: periodic (default every 10 s) and immediately on a state change.</summary>
public sealed record PortTelemetryMessage : ContractMessage
{
    public required string Port { get; init; }

    public required PortState State { get; init; }

    public required bool RelayClosed { get; init; }

    [JsonPropertyName("voltage_v")]
    [JsonRequired]
    public double? VoltageV { get; init; }

    [JsonPropertyName("current_a")]
    [JsonRequired]
    public double? CurrentA { get; init; }

    [JsonPropertyName("power_w")]
    [JsonRequired]
    public double? PowerW { get; init; }

    /// <summary>0..1.</summary>
    [JsonRequired]
    public double? PowerFactor { get; init; }

    /// <summary>Energy of the open session; 0 when no session is open.</summary>
    [JsonPropertyName("session_energy_wh")]
    public required double SessionEnergyWh { get; init; }

    /// <summary>Seconds the open session has lasted; null when no session is open.</summary>
    [JsonPropertyName("session_s")]
    [JsonRequired]
    public long? SessionS { get; init; }

    [JsonPropertyName("lifetime_energy_wh")]
    public required double LifetimeEnergyWh { get; init; }

    /// <summary>When the meter was last read successfully.</summary>
    [JsonRequired]
    public DateTimeOffset? MeasuredTs { get; init; }

    [JsonRequired]
    public string? Fault { get; init; }

    /// <summary>
    /// <see cref="Fault"/> as a reason code with its parameters (a bus or sensor error text stays a parameter), for
    /// readers to render in their language; absent while there is no fault and from gateways that predate it. Added
    /// within v1.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ContractReason? FaultCode { get; init; }

    /// <summary>Why the port is locked out (until an operator resets it), if it is.</summary>
    [JsonRequired]
    public string? Lockout { get; init; }
}

/// <summary><c>edge/v1/{site}/{gw}/ports/{port}/state</c>, retained, on change.</summary>
public sealed record PortStateMessage : ContractMessage
{
    public required string Port { get; init; }

    public required PortState State { get; init; }

    /// <summary>The state before the change; null for the first state after start-up.</summary>
    [JsonRequired]
    public PortState? PreviousState { get; init; }

    /// <summary>Why the state changed.</summary>
    public required string Reason { get; init; }

    [JsonRequired]
    public string? Fault { get; init; }

    /// <summary>
    /// <see cref="Fault"/> as a reason code with its parameters (a bus or sensor error text stays a parameter), for
    /// readers to render in their language; absent while there is no fault and from gateways that predate it. Added
    /// within v1.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ContractReason? FaultCode { get; init; }

    [JsonRequired]
    public string? Lockout { get; init; }

    /// <summary>The running session (energy, cost) while one is open, else null; absent from gateways that predate it.</summary>
    public PortSessionState? Session { get; init; }
}

/// <summary><c>edge/v1/{site}/{gw}/sessions</c>, QoS 1: one message per closed charging session.</summary>
public sealed record SessionMessage : ContractMessage
{
    public required string SessionId { get; init; }

    public required string Port { get; init; }

    public required DateTimeOffset StartedTs { get; init; }

    public required DateTimeOffset EndedTs { get; init; }

    [JsonPropertyName("duration_s")]
    public required double DurationS { get; init; }

    [JsonPropertyName("energy_wh")]
    public required double EnergyWh { get; init; }

    [JsonPropertyName("peak_power_w")]
    public required double PeakPowerW { get; init; }

    public required SessionEndReason EndReason { get; init; }

    /// <summary>The platform's order the session was started for; absent from gateways that predate it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? OrderId { get; init; }

    /// <summary>The card that paid; absent from gateways that predate it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Card { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ChargeLimit? Limit { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ChargeTariff? Tariff { get; init; }

    /// <summary>What the session cost at its tariff (fen), never more than a prepaid amount; null without a tariff.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? CostFen { get; init; }
}

/// <summary>
/// <c>edge/v1/{site}/{gw}/sessions/resumed</c>, QoS 1: a session open when the gateway went down carries on after the
/// restart (断电续充) with the same <see cref="SessionId"/>. The session is still reported once, on <c>sessions</c>, when it
/// ends; this records the outage.
/// </summary>
public sealed record SessionResumedMessage : ContractMessage
{
    public required string SessionId { get; init; }

    public required string Port { get; init; }

    public required DateTimeOffset StartedTs { get; init; }

    /// <summary>How long the port was without its gateway (s).</summary>
    [JsonPropertyName("offline_s")]
    public required double OfflineS { get; init; }

    /// <summary>The session's energy when it resumed (the journal's last write before the outage).</summary>
    [JsonPropertyName("energy_wh")]
    public required double EnergyWh { get; init; }

    [JsonPropertyName("peak_power_w")]
    public required double PeakPowerW { get; init; }
}
