using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;

namespace EdgeGateway.Events;

/// <summary>A consistent picture of one port, taken on the sampling thread at the end of a round.</summary>
public sealed record PortSnapshot(
    string Id,
    PortState State,
    bool RelayClosed,
    double? VoltageV,
    double? CurrentA,
    double? PowerW,
    double? PowerFactor,
    DateTimeOffset? SessionStartedAt,
    double SessionEnergyWh,
    double LifetimeEnergyWh,
    DateTimeOffset? LastMeasuredAt,
    string? Fault,
    string? Lockout)
{
    /// <summary>The open session's id (null when none is open): the session journal keys its energy by it.</summary>
    public string? SessionId { get; init; }

    /// <summary>The open session's highest power so far.</summary>
    public double SessionPeakPowerW { get; init; }

    /// <summary>The last reading's shape residual (<c>PortMeasurement.ShapeResidual</c>), for the live view and the load bench.</summary>
    public double? ShapeResidual { get; init; }

    /// <summary>The open session's order, card, limit and tariff, if its start carried any.</summary>
    public ChargeOrder? SessionOrder { get; init; }

    /// <summary><see cref="Fault"/> as a reason code (<c>fault_code</c>); null without a fault.</summary>
    public ContractReason? FaultCode { get; init; }

    /// <summary>The open session's cost so far at its tariff (fen); null without one.</summary>
    public long? SessionCostFen { get; init; }
}
