using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Ingest;
using EdgeGateway.Hub.Notifications;
using EdgeGateway.Hub.Tenants;

namespace EdgeGateway.Hub.Incidents;

/// <summary>
/// Ingest's <see cref="IAlarmRecorder"/>: the notification ledger first (<see cref="AlarmNotifier"/>), then the
/// incidents — a notifiable raise (<see cref="NotificationPlan.IsNotifiable"/>, the rule the notifications use) opens
/// one (or reopens a recent one of the same source and kind), a clear records the gateway's clear on its incident.
/// Both are durable before this returns, and both ignore a repeat, so a message the broker delivers again (to this
/// instance or the other) adds nothing; if either throws, ingest does not acknowledge the message. Where ingest calls
/// its recorder does not matter here (a decorator of the recorder, not a step of the pipeline).
/// </summary>
internal sealed partial class IncidentRecorder(
    AlarmNotifier notifier, IncidentStore store, IncidentLifecycle lifecycle, ILogger<IncidentRecorder> logger, TenantRegistry? tenants = null) : IAlarmRecorder
{
    public async Task RecordAsync(AlarmMessage alarm, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alarm);
        await notifier.RecordAsync(alarm, cancellationToken);
        Record(alarm);
    }

    /// <summary>The incidents' part of <see cref="RecordAsync"/>.</summary>
    internal void Record(AlarmMessage alarm)
    {
        if (alarm.Event == AlarmEvent.Cleared)
        {
            IReadOnlyList<IncidentStep> steps = store.RecordClear(alarm.Site, alarm.Gateway, alarm.AlarmId, alarm.ClearedTs ?? alarm.Ts, lifecycle);
            if (steps.Count > 0)
            {
                bool closed = steps[^1].Action == IncidentWire.Closed;
                LogCleared(alarm.Site, alarm.Gateway, alarm.AlarmId, closed);
            }

            return;
        }

        if (!notifier.Plan.IsNotifiable(alarm))
        {
            return;
        }

        string? company = tenants?.Current.CompanyOf(alarm.Site);
        IncidentOpening opening = store.RecordRaise(alarm, company, lifecycle);
        if (opening != IncidentOpening.Duplicate)
        {
            LogOpened(alarm.Site, alarm.Gateway, alarm.AlarmId, alarm.Kind, opening);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Incident of alarm {Site}/{Gateway}/{AlarmId} ({Kind}): {Opening}")]
    private partial void LogOpened(string site, string gateway, string alarmId, string kind, IncidentOpening opening);

    [LoggerMessage(Level = LogLevel.Information, Message = "Incident of alarm {Site}/{Gateway}/{AlarmId}: the gateway cleared the alarm (closed automatically: {Closed})")]
    private partial void LogCleared(string site, string gateway, string alarmId, bool closed);
}
