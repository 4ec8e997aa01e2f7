using EdgeGateway.Hub.Tenants;
using System.Diagnostics.Metrics;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Ingest;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Hub.Notifications;

/// <summary>
/// The hub's alarm notifications, ingest side: records, durably and without any network I/O, which notices each alarm
/// message calls for; <see cref="NotificationDelivery"/> sends them.
/// </summary>
/// <remarks>
/// <para>Ingest calls <see cref="RecordAsync"/> (as its <see cref="IAlarmRecorder"/>) for every alarm message (raised and cleared) before it acknowledges the
/// MQTT message: once it returns, the notices survive a crash; if it throws, the message must not be acknowledged, so
/// the broker redelivers it. A redelivery — to this instance, also after a restart on the same ledger file — adds
/// nothing: one notice per alarm id and event per channel.</para>
/// <para>The watch subscription, seen by every hub instance, calls <see cref="ObserveAcknowledgedAsync"/> and
/// <see cref="ObserveClearedAsync"/>: they cancel pending reminders, and remember the state so that a raise recorded
/// later on this instance gets none.</para>
/// </remarks>
internal sealed partial class AlarmNotifier : IAlarmRecorder, IAlarmReminders, IDisposable
{
    private readonly NotificationLedger _ledger;
    private readonly TimeProvider _time;
    private readonly ILogger<AlarmNotifier> _logger;
    private readonly TenantRegistry? _tenants;

    public AlarmNotifier(
        IOptions<NotificationOptions> options, TimeProvider time, IMeterFactory meterFactory, ILogger<AlarmNotifier> logger, IHostEnvironment? environment = null, TenantRegistry? tenants = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        NotificationOptions settings = options.Value;
        List<string> problems = NotificationOptionsValidator.Problems(settings);
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(NotificationOptions.Section, typeof(NotificationOptions), problems);
        }

        Options = settings;
        Plan = NotificationPlan.From(settings);
        _time = time;
        _logger = logger;
        _tenants = tenants;
        foreach (Company company in tenants?.Current.Companies ?? [])
        {
            foreach (string unknown in company.Channels.Where(c => !Plan.HasChannel(c)))
            {
                LogUnknownCompanyChannel(company.Id, unknown);
            }
        }

        _ledger = NotificationLedger.Open(settings.ResolveLedgerPath(environment?.ContentRootPath));
        Metrics = new NotificationMetrics(meterFactory, () => _ledger.PendingCount);
        LogOpened(_ledger.Path, _ledger.PendingCount, Plan.Channels.Count);
    }

    internal NotificationOptions Options { get; }

    internal NotificationPlan Plan { get; }

    internal NotificationLedger Ledger => _ledger;

    internal NotificationMetrics Metrics { get; }

    /// <summary>When each alarm message with notices still to send reached this hub (this process's arrivals only).</summary>
    internal AlarmArrivals Arrivals { get; } = new();

    /// <summary>Pulsed whenever new jobs are recorded, so the delivery loops need not poll.</summary>
    internal WakeSignal Wake { get; } = new();

    /// <summary>
    /// Records the notices <paramref name="alarm"/> calls for, durably, before returning: for each channel its routes
    /// select, a raised or cleared notice, and for a critical raise a reminder due <see cref="NotificationOptions.ReminderAfter"/>
    /// after <see cref="AlarmMessage.RaisedTs"/>. Never does network I/O; a repeat of a recorded message adds nothing.
    /// </summary>
    /// <exception cref="Microsoft.Data.Sqlite.SqliteException">The ledger could not be written: do not acknowledge the message.</exception>
    public Task RecordAsync(AlarmMessage alarm, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alarm);
        cancellationToken.ThrowIfCancellationRequested();
        // Ingest calls this as it reads the message: its arrival at this hub (monotonic, for the delay until delivery).
        long arrived = _time.GetTimestamp();

        // The routes of the settings, and the robots of the company that runs the site (the registry as it is now).
        IReadOnlyList<string> company = _tenants?.Current.Company(_tenants.Current.CompanyOf(alarm.Site))?.Channels ?? [];
        IReadOnlyList<string> channels = Plan.ChannelsFor(alarm, company);
        if (channels.Count == 0 && alarm.Event == AlarmEvent.Raised)
        {
            // Nothing to send and nothing to remember: a clear is still recorded, since it prevents reminders.
            return Task.CompletedTask;
        }

        DateTimeOffset now = _time.GetUtcNow();
        var jobs = new List<NewJob>(channels.Count * 2);
        NoticeKind notice = alarm.Event == AlarmEvent.Raised ? NoticeKind.Raised : NoticeKind.Cleared;
        jobs.AddRange(channels.Select(channel => new NewJob(channel, notice, now)));
        if (alarm.Event == AlarmEvent.Raised && alarm.Severity == AlarmSeverity.Critical)
        {
            DateTimeOffset due = alarm.RaisedTs + Options.ReminderAfter;
            jobs.AddRange(channels.Select(channel => new NewJob(channel, NoticeKind.Reminder, due)));
        }

        RecordOutcome outcome = _ledger.Record(alarm, ContractJson.SerializeToString(alarm), jobs, now);
        if (outcome.Duplicate)
        {
            LogDuplicate(alarm.AlarmId, alarm.Event);
            return Task.CompletedTask;
        }

        LogRecorded(alarm.AlarmId, alarm.Event, outcome.Added, outcome.Cancelled);
        if (outcome.Added > 0)
        {
            Arrivals.Arrived(alarm.Site, alarm.Gateway, alarm.AlarmId, notice, new AlarmArrival(arrived, now, _time.GetElapsedTime(arrived)), channels.Count);
            Wake.Pulse();
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Records the notice that an incident was assigned, durably, before returning: one job per robot of the company
    /// that runs the site (the registry's channels for it; the settings' routes are for alarms, not for a company's
    /// own work). Never does network I/O; recording the same assignment step again adds nothing. Returns how many
    /// channels it goes to.
    /// </summary>
    /// <exception cref="Microsoft.Data.Sqlite.SqliteException">The ledger could not be written.</exception>
    public int RecordAssignment(AssignmentNotice assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        IReadOnlyList<string> company = _tenants?.Current.Company(_tenants.Current.CompanyOf(assignment.Site))?.Channels ?? [];
        List<string> channels = [.. Plan.Channels.Where(c => company.Contains(c.Name, StringComparer.OrdinalIgnoreCase)).Select(c => c.Name)];
        if (channels.Count == 0)
        {
            return 0;
        }

        string body = System.Text.Json.JsonSerializer.Serialize(assignment, NotificationJson.Readable.AssignmentNotice);
        int added = _ledger.RecordNotice(assignment.Site, assignment.Gateway, assignment.Key, NoticeKind.Assigned, body, channels, _time.GetUtcNow());
        if (added > 0)
        {
            Wake.Pulse();
        }

        return channels.Count;
    }

    /// <summary>Records a charging session's end, durably, before returning; a repeat adds nothing.</summary>
    /// <exception cref="Microsoft.Data.Sqlite.SqliteException">The ledger could not be written: do not acknowledge the message.</exception>
    public Task RecordSessionEndAsync(SessionMessage session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_ledger.RecordSessionEnd(session, ContractJson.SerializeToString(session), _time.GetUtcNow()))
        {
            LogDuplicateSession(session.SessionId);
        }

        return Task.CompletedTask;
    }

    /// <summary>An operator acknowledged <paramref name="alarmId"/> (seen on any instance): no reminder for it from now on.</summary>
    public Task ObserveAcknowledgedAsync(string site, string gateway, string alarmId, string operatorName, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(site);
        ArgumentException.ThrowIfNullOrEmpty(gateway);
        ArgumentException.ThrowIfNullOrEmpty(alarmId);
        ArgumentNullException.ThrowIfNull(operatorName);
        cancellationToken.ThrowIfCancellationRequested();
        int cancelled = _ledger.Acknowledge(site, gateway, alarmId, operatorName, at, _time.GetUtcNow());
        LogClosed(alarmId, "acknowledged", cancelled);
        return Task.CompletedTask;
    }

    /// <summary><paramref name="alarmId"/> cleared (seen on any instance): no reminder for it from now on.</summary>
    public Task ObserveClearedAsync(string site, string gateway, string alarmId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(site);
        ArgumentException.ThrowIfNullOrEmpty(gateway);
        ArgumentException.ThrowIfNullOrEmpty(alarmId);
        cancellationToken.ThrowIfCancellationRequested();
        int cancelled = _ledger.Clear(site, gateway, alarmId, at, _time.GetUtcNow());
        LogClosed(alarmId, "cleared", cancelled);
        return Task.CompletedTask;
    }

    public void Dispose() => _ledger.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Notification ledger {Path}: {Pending} notices pending, {Channels} channels configured")]
    private partial void LogOpened(string path, long pending, int channels);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Alarm {AlarmId} {Event}: {Added} notices recorded, {Cancelled} reminders cancelled")]
    private partial void LogRecorded(string alarmId, AlarmEvent @event, int added, int cancelled);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Alarm {AlarmId} {Event} was already recorded; nothing added")]
    private partial void LogDuplicate(string alarmId, AlarmEvent @event);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId} end was already recorded; nothing added")]
    private partial void LogDuplicateSession(string sessionId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Alarm {AlarmId} {What}: {Cancelled} pending reminders cancelled")]
    private partial void LogClosed(string alarmId, string what, int cancelled);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Company {Company} of the registry names notification channel {Channel}, which Notifications:Channels does not have: its alarms do not go there")]
    private partial void LogUnknownCompanyChannel(string company, string channel);
}
