using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;

namespace EdgeGateway.Events;

/// <summary>Something the gateway decided or observed. Every consumer (log, live view, MQTT link) reads the same stream.</summary>
public abstract record GatewayEvent(DateTimeOffset At);

/// <summary>
/// A port moved between states. <paramref name="Port"/> is the port as it was at the change, with the power of the
/// reading the change was decided on: the telemetry sent with a state change must not depend on when a consumer looks
/// (a 500 ms overload would otherwise reach the chart only if the consumer happened to read before the next round).
/// </summary>
public sealed record PortStateChanged(DateTimeOffset At, string PortId, PortState From, PortState To, string Reason, PortSnapshot Port) : GatewayEvent(At);

/// <summary>An alarm was raised; raised again with the same id when it starts flapping (<see cref="Alarm.Flapping"/>).</summary>
public sealed record AlarmRaised(DateTimeOffset At, Alarm Alarm) : GatewayEvent(At);

/// <summary>A raised alarm cleared (its condition is gone, or an operator reset the port).</summary>
public sealed record AlarmCleared(DateTimeOffset At, Alarm Alarm, string Reason) : GatewayEvent(At)
{
    /// <summary><see cref="Reason"/> as a reason code (the alarm message's <c>clear_code</c>); null where none was given.</summary>
    public ContractReason? Code { get; init; }
}

/// <summary>A charging session began.</summary>
public sealed record SessionStarted(DateTimeOffset At, string SessionId, string PortId, string RequestedBy) : GatewayEvent(At)
{
    /// <summary>The order, card, limit and tariff the start carried, if any.</summary>
    public ChargeOrder? Order { get; init; }
}

/// <summary>A charging session ended.</summary>
public sealed record SessionClosed(DateTimeOffset At, ChargingSession Session) : GatewayEvent(At);

/// <summary>A bin was emptied (a sudden drop in fill), with how full it was when collected.</summary>
public sealed record BinCollected(DateTimeOffset At, string BinId, double FillPctBefore, double? WeightKgBefore) : GatewayEvent(At);

/// <summary>A command was applied or refused.</summary>
public sealed record CommandHandled(DateTimeOffset At, PortCommand Command, CommandResult Result) : GatewayEvent(At);

/// <summary>
/// A raised alarm. <see cref="Id"/> is stable from raise to clear. <see cref="Source"/> is
/// <c>port:{id}</c>, <c>shed</c>, or the failed shed sensor (<c>thermometer:{id}</c>, <c>vt</c>, <c>smoke</c>).
/// </summary>
public sealed record Alarm(
    string Id,
    AlarmKind Kind,
    AlarmSeverity Severity,
    string Source,
    double? Value,
    double? Threshold,
    string? Unit,
    DateTimeOffset RaisedAt,
    string Detail)
{
    /// <summary>Raised and cleared too often (<see cref="EdgeGateway.Alarms.AlarmFlapGuard"/>): held raised until its condition stays away.</summary>
    public bool Flapping { get; init; }

    /// <summary>The detail as a catalogue reason code with its parameters (<see cref="Detail"/> is its English text).</summary>
    public EdgeGateway.Contracts.Mqtt.ContractReason? Reason { get; init; }
}

/// <summary>A closed charging session.</summary>
public sealed record ChargingSession(
    string Id,
    string PortId,
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt,
    double EnergyWh,
    double PeakPowerW,
    SessionEndReason EndReason)
{
    public TimeSpan Duration => EndedAt - StartedAt;

    /// <summary>The order, card, limit and tariff the session was started with, if any.</summary>
    public ChargeOrder? Order { get; init; }

    /// <summary>What the session cost at its tariff (fen); null without one.</summary>
    public long? CostFen { get; init; }
}

/// <summary>Where events go. Implementations never block: the sampling thread publishes.</summary>
public interface IGatewayEventSink
{
    void Publish(GatewayEvent gatewayEvent);
}
