namespace EdgeGateway.Hub.Ingest;

/// <summary>
/// What <see cref="HubPeers"/> tells whoever holds reminders for critical alarms: an alarm was cleared or acknowledged,
/// on whichever instance it was seen. Ingest defines it so that it need not know who sends reminders (Notifications does).
/// </summary>
public interface IAlarmReminders
{
    /// <summary>An operator acknowledged the gateway's <paramref name="alarmId"/> (an alarm id names an alarm only within
    /// its gateway): no reminder for it from now on.</summary>
    Task ObserveAcknowledgedAsync(string site, string gateway, string alarmId, string operatorName, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>The gateway's <paramref name="alarmId"/> cleared: no reminder for it from now on.</summary>
    Task ObserveClearedAsync(string site, string gateway, string alarmId, DateTimeOffset at, CancellationToken cancellationToken);
}
