namespace EdgeGateway.Hub.Ingest;

/// <summary>
/// What <see cref="HubPeers"/> tells whoever holds reminders for critical alarms: an alarm was cleared or acknowledged,
/// on whichever instance it was seen. Ingest defines it so that it need not know who sends reminders (Notifications does).
/// </summary>
public interface IAlarmReminders
{
    /// <summary>An operator acknowledged <paramref name="alarmId"/>: no reminder for it from now on.</summary>
    Task ObserveAcknowledgedAsync(string alarmId, string operatorName, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary><paramref name="alarmId"/> cleared: no reminder for it from now on.</summary>
    Task ObserveClearedAsync(string alarmId, DateTimeOffset at, CancellationToken cancellationToken);
}
