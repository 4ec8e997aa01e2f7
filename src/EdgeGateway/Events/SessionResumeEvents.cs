namespace EdgeGateway.Events;

/// <summary>
/// A session open when the gateway went down carries on after the restart (断电续充): same id, its energy continuing
/// from <paramref name="EnergyWh"/> (the last journal write before the outage). Published once the port's relay has
/// closed again; <paramref name="Offline"/> is how long the port was without its gateway. Also published when a
/// session paused by smoke or over-temperature resumes after the alarm clears (where the site allows it):
/// <paramref name="Offline"/> is then how long it was paused.
/// </summary>
public sealed record SessionResumed(DateTimeOffset At, string SessionId, string PortId, DateTimeOffset StartedAt, TimeSpan Offline, double EnergyWh, double PeakPowerW) : GatewayEvent(At);

/// <summary>
/// The gateway stopped cleanly (systemctl stop or restart, an upgrade) with this session open: its relay is open but
/// the session is not closed, so a restart within the resume window carries it on. Nothing is reported to the hub:
/// the session is reported once, when it really ends.
/// </summary>
public sealed record SessionSuspended(DateTimeOffset At, string SessionId, string PortId, DateTimeOffset StartedAt, double EnergyWh, double PeakPowerW) : GatewayEvent(At);
