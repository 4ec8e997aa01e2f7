using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Events;

/// <summary>Writes every event to the structured log (journald under systemd).</summary>
public sealed partial class EventJournal(ILogger<EventJournal> logger) : IGatewayEventSubscriber
{
    public ValueTask HandleAsync(GatewayEvent gatewayEvent, CancellationToken cancellationToken)
    {
        switch (gatewayEvent)
        {
            case AlarmRaised { Alarm: var a }:
                if (a.Severity >= AlarmSeverity.Major)
                {
                    LogAlarmRaisedSevere(a.Kind, a.Severity, a.Source, a.Value, a.Threshold, a.Unit, a.Id, a.Detail);
                }
                else
                {
                    LogAlarmRaised(a.Kind, a.Severity, a.Source, a.Value, a.Threshold, a.Unit, a.Id, a.Detail);
                }

                break;
            case AlarmCleared c:
                LogAlarmCleared(c.Alarm.Kind, c.Alarm.Source, c.Alarm.Id, c.Reason);
                break;
            case PortStateChanged s:
                LogPortState(s.PortId, s.From, s.To, s.Reason);
                break;
            case SessionStarted s:
                LogSessionStarted(s.PortId, s.SessionId, s.RequestedBy);
                break;
            case SessionClosed { Session: var s }:
                LogSessionClosed(s.PortId, s.Id, s.Duration, s.EnergyWh, s.PeakPowerW, s.EndReason);
                break;
            case SessionResumed r:
                LogSessionResumed(r.PortId, r.SessionId, r.Offline, r.EnergyWh);
                break;
            case SessionSuspended s:
                LogSessionSuspended(s.PortId, s.SessionId, s.EnergyWh);
                break;
            case BinCollected b:
                LogBinCollected(b.BinId, b.FillPctBefore, b.WeightKgBefore);
                break;
            case CommandHandled c:
                LogCommand(c.Command.Kind, c.Command.PortId, c.Command.By, c.Result.Accepted, c.Result.Message);
                break;
        }

        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "ALARM {Kind} ({Severity}) at {Source}: {Value} {Unit} vs limit {Threshold} — {Detail} [id {AlarmId}]")]
    private partial void LogAlarmRaisedSevere(AlarmKind kind, AlarmSeverity severity, string source, double? value, double? threshold, string? unit, string alarmId, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Notice {Kind} ({Severity}) at {Source}: {Value} {Unit} vs limit {Threshold} — {Detail} [id {AlarmId}]")]
    private partial void LogAlarmRaised(AlarmKind kind, AlarmSeverity severity, string source, double? value, double? threshold, string? unit, string alarmId, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Alarm {Kind} at {Source} cleared: {Reason} [id {AlarmId}]")]
    private partial void LogAlarmCleared(AlarmKind kind, string source, string alarmId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Port {PortId}: {From} → {To} ({Reason})")]
    private partial void LogPortState(string portId, PortState from, PortState to, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Port {PortId}: session {SessionId} started by {RequestedBy}")]
    private partial void LogSessionStarted(string portId, string sessionId, string requestedBy);

    [LoggerMessage(Level = LogLevel.Information, Message = "Port {PortId}: session {SessionId} closed after {Duration}, {EnergyWh:0.0} Wh, peak {PeakW:0} W, end {EndReason}")]
    private partial void LogSessionClosed(string portId, string sessionId, TimeSpan duration, double energyWh, double peakW, SessionEndReason endReason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Port {PortId}: session {SessionId} resumed after {Offline} offline, at {EnergyWh:0.0} Wh")]
    private partial void LogSessionResumed(string portId, string sessionId, TimeSpan offline, double energyWh);

    [LoggerMessage(Level = LogLevel.Information, Message = "Port {PortId}: session {SessionId} suspended at {EnergyWh:0.0} Wh (relay open; resumes if the gateway is back within the resume window)")]
    private partial void LogSessionSuspended(string portId, string sessionId, double energyWh);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bin {BinId} collected at {FillPct:0} % ({WeightKg} kg)")]
    private partial void LogBinCollected(string binId, double fillPct, double? weightKg);

    [LoggerMessage(Level = LogLevel.Information, Message = "Command {Kind} on {PortId} by {By}: accepted={Accepted} ({Result})")]
    private partial void LogCommand(PortCommandKind kind, string portId, string by, bool accepted, string result);
}
