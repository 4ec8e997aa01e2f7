using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Notifications;
using EdgeGateway.Testing.Http;

namespace EdgeGateway.Hub.Tests.Notifications;

/// <summary>What gets recorded for an alarm: one notice per alarm id and channel, by route; reminders; clears.</summary>
public sealed class AlarmNotifierTests
{
    private const string Path = "/cgi-bin/webhook/send";

    [Fact]
    public async Task An_alarm_recorded_twice_and_again_after_a_restart_on_the_same_ledger_is_notified_once()
    {
        await using NotificationRig rig = await NotificationRig.StartAsync(NotificationRig.OneChannel("wecom-ops", "WeCom", Path + "?key=k1"));
        AlarmMessage alarm = Alarms.Raised("alm-0001", "port_overload", AlarmSeverity.Major);

        await rig.RecordAsync(alarm);
        await rig.RecordAsync(alarm);

        // Restarted once the notice is delivered: the ledger says so (the webhook's receipt comes a moment before; a
        // notice in flight when the hub stops is sent again, at least once, which is another test's subject).
        await rig.UntilAsync(() => rig.Notifier.Ledger.Jobs("alm-0001") is { Count: > 0 } jobs && jobs.All(job => job.State == JobState.Sent));
        Assert.Single(rig.For(Path, "alm-0001"));

        await rig.RestartAsync();
        await rig.RecordAsync(alarm);
        // Recorded after the redelivery: the channel delivers in recording order, so once this one has arrived any
        // notice the redelivery had added would have arrived before it.
        await rig.RecordAsync(Alarms.Raised("alm-0002", "port_overload", AlarmSeverity.Major));
        await rig.UntilAsync(() => rig.For(Path, "alm-0002").Count == 1);

        Assert.Single(rig.For(Path, "alm-0001"));
        Assert.Single(rig.Notifier.Ledger.Jobs("alm-0001"));
    }

    [Fact]
    public async Task A_critical_alarm_redelivered_after_a_restart_gets_no_second_reminder()
    {
        await using NotificationRig rig = await NotificationRig.StartAsync(NotificationRig.OneChannel("wecom-ops", "WeCom", Path + "?key=k1"), deliver: false);
        AlarmMessage alarm = Alarms.Raised("alm-0001");

        await rig.RecordAsync(alarm);
        await rig.RestartAsync();
        await rig.RecordAsync(alarm);

        Assert.Equal(
            new[] { NoticeKind.Raised, NoticeKind.Reminder },
            rig.Notifier.Ledger.Jobs("alm-0001").Select(job => job.Notice));
    }

    [Fact]
    public async Task A_route_for_some_sites_ignores_alarms_of_other_sites()
    {
        await using NotificationRig rig = await NotificationRig.StartAsync(
            (options, receiver) =>
            {
                options.Channels["dongguan-ops"] = new() { Type = "WeCom", Url = receiver.Url(Path + "?key=k1") };
                options.Routes.Add(new() { Sites = { "dongguan", "nancheng" }, Channels = { "dongguan-ops" } });
            },
            deliver: false);

        await rig.RecordAsync(Alarms.Raised("alm-dg", site: "dongguan"));
        await rig.RecordAsync(Alarms.Raised("alm-xg", site: "xiguan"));

        Assert.NotEmpty(rig.Notifier.Ledger.Jobs("alm-dg"));
        Assert.Empty(rig.Notifier.Ledger.Jobs("alm-xg"));
    }

    [Theory]
    [InlineData(AlarmSeverity.Info, false)]
    [InlineData(AlarmSeverity.Warning, false)]
    [InlineData(AlarmSeverity.Major, true)]
    [InlineData(AlarmSeverity.Critical, true)]
    public async Task A_route_notifies_alarms_at_least_as_severe_as_its_MinSeverity(AlarmSeverity severity, bool notified)
    {
        await using NotificationRig rig = await NotificationRig.StartAsync(
            (options, receiver) =>
            {
                options.Channels["ops"] = new() { Type = "WeCom", Url = receiver.Url(Path + "?key=k1") };
                options.Routes.Add(new() { Sites = { "*" }, Channels = { "ops" } });
            },
            deliver: false);

        await rig.RecordAsync(Alarms.Raised("alm-1", "bin_overflow", severity, source: "bin:b1"));

        Assert.Equal(notified, rig.Notifier.Ledger.Jobs("alm-1").Count > 0);
    }

    [Fact]
    public async Task Kinds_narrow_what_is_notified_globally_and_per_route()
    {
        await using NotificationRig rig = await NotificationRig.StartAsync(
            (options, receiver) =>
            {
                options.Channels["fire-brigade"] = new() { Type = "Webhook", Url = receiver.Url("/fire") };
                options.Channels["ops"] = new() { Type = "Webhook", Url = receiver.Url("/ops") };
                options.Routes.Add(new() { MinSeverity = "info", Kinds = { "smoke", "bin_fire" }, Channels = { "fire-brigade" } });
                options.Routes.Add(new() { MinSeverity = "info", Channels = { "ops" } });
            },
            deliver: false);

        await rig.RecordAsync(Alarms.Raised("alm-smoke", "smoke", source: "smoke"));
        await rig.RecordAsync(Alarms.Raised("alm-overload", "port_overload", AlarmSeverity.Major));
        // Not among the default Kinds: nobody is notified of a lid left open.
        await rig.RecordAsync(Alarms.Raised("alm-lid", "bin_lid_open", AlarmSeverity.Warning, source: "bin:b1"));

        Assert.Equal(new[] { "fire-brigade", "ops" }, ChannelsOf(rig, "alm-smoke"));
        Assert.Equal(new[] { "ops" }, ChannelsOf(rig, "alm-overload"));
        Assert.Empty(rig.Notifier.Ledger.Jobs("alm-lid"));
    }

    [Fact]
    public async Task Two_channels_of_a_route_both_get_the_notice_and_a_channel_in_two_routes_gets_it_once()
    {
        await using NotificationRig rig = await NotificationRig.StartAsync((options, receiver) =>
        {
            options.Channels["wecom-ops"] = new() { Type = "WeCom", Url = receiver.Url("/wecom?key=k1") };
            options.Channels["archive"] = new() { Type = "Webhook", Url = receiver.Url("/archive") };
            options.Routes.Add(new() { Channels = { "wecom-ops", "archive" } });
            options.Routes.Add(new() { Sites = { "dongguan" }, MinSeverity = "critical", Channels = { "wecom-ops" } });
        });

        await rig.RecordAsync(Alarms.Raised("alm-1", "port_overload", AlarmSeverity.Major));
        await rig.RecordAsync(Alarms.Raised("alm-2", "port_overload", AlarmSeverity.Critical));
        await rig.UntilAsync(() => rig.Receiver.On("/wecom").Count >= 2 && rig.Receiver.On("/archive").Count >= 2);

        Assert.Single(rig.For("/wecom", "alm-1"));
        Assert.Single(rig.For("/archive", "alm-1"));
        Assert.Single(rig.For("/wecom", "alm-2"));
        Assert.Single(rig.For("/archive", "alm-2"));
    }

    [Fact]
    public async Task A_critical_alarm_unacknowledged_after_ReminderAfter_gets_one_reminder()
    {
        await using NotificationRig rig = await NotificationRig.StartAsync(NotificationRig.OneChannel("wecom-ops", "WeCom", Path + "?key=k1"));

        await rig.RecordAsync(Alarms.Raised("alm-0001"));
        await rig.UntilAsync(() => rig.Receiver.On(Path).Count == 1);
        await rig.UntilAsync(() => rig.Receiver.On(Path).Count == 2, advance: TimeSpan.FromSeconds(20));

        ReceivedRequest reminder = rig.Receiver.On(Path)[1];
        Assert.True(reminder.ReceivedAt >= NotificationRig.Start + TimeSpan.FromMinutes(15), $"reminder at {reminder.ReceivedAt:O}");
        string content = reminder.Json.GetProperty("markdown").GetProperty("content").GetString()!;
        Assert.StartsWith("**【紧急·未确认 15 分钟】端口短路 — dongguan shed-1 端口 p03**", content, StringComparison.Ordinal);
        Assert.Contains("**未确认时长**：15 分钟", content, StringComparison.Ordinal);

        // The receiver records a request before it answers: the job is Sent once the delivery has read the answer.
        await rig.UntilAsync(() => rig.Notifier.Ledger.Jobs("alm-0001") is { Count: > 0 } jobs && jobs.All(job => job.State == JobState.Sent));
        Assert.All(rig.Notifier.Ledger.Jobs("alm-0001"), job => Assert.Equal(JobState.Sent, job.State));
    }

    [Fact]
    public async Task A_critical_alarm_acknowledged_before_ReminderAfter_gets_no_reminder()
    {
        await using NotificationRig rig = await NotificationRig.StartAsync(NotificationRig.OneChannel("wecom-ops", "WeCom", Path + "?key=k1"));

        await rig.RecordAsync(Alarms.Raised("alm-acked"));
        await rig.RecordAsync(Alarms.Raised("alm-open", source: "port:p04"));
        await rig.UntilAsync(() => rig.Receiver.On(Path).Count == 2);
        await rig.Notifier.ObserveAcknowledgedAsync("dongguan", "shed-1", "alm-acked", "li.wei", NotificationRig.Start.AddMinutes(5), CancellationToken.None);

        // Both reminders fall due together; the acknowledged one was recorded first, so it would come first.
        await rig.UntilAsync(() => rig.For(Path, "alm-open").Count == 2, advance: TimeSpan.FromSeconds(20));

        Assert.Single(rig.For(Path, "alm-acked"));
        Assert.Equal(JobState.Cancelled, rig.Notifier.Ledger.Jobs("alm-acked").Single(job => job.Notice == NoticeKind.Reminder).State);
    }

    [Fact]
    public async Task A_critical_alarm_cleared_before_ReminderAfter_gets_a_cleared_notice_and_no_reminder()
    {
        await using NotificationRig rig = await NotificationRig.StartAsync(NotificationRig.OneChannel("wecom-ops", "WeCom", Path + "?key=k1"));
        AlarmMessage raised = Alarms.Raised("alm-cleared");

        await rig.RecordAsync(raised);
        await rig.UntilAsync(() => rig.Receiver.On(Path).Count == 1);
        rig.Time.Advance(new TimeSpan(0, 12, 5));
        await rig.RecordAsync(Alarms.Cleared(raised, NotificationRig.Start + new TimeSpan(0, 12, 5)));
        await rig.UntilAsync(() => rig.For(Path, "alm-cleared").Count == 2);

        string content = rig.For(Path, "alm-cleared")[1].Json.GetProperty("markdown").GetProperty("content").GetString()!;
        Assert.StartsWith("**【已解除】端口短路 — dongguan shed-1 端口 p03**", content, StringComparison.Ordinal);
        Assert.Contains("**解除时间**：2026-11-25 19:42:05 (UTC+8)", content, StringComparison.Ordinal);
        Assert.Contains("**持续时间**：12分5秒", content, StringComparison.Ordinal);
        Assert.Contains("**解除原因**：port reset by operator", content, StringComparison.Ordinal);

        // A later alarm's reminder, due at the same time as the cancelled one and recorded after it.
        await rig.RecordAsync(Alarms.Raised("alm-later", source: "port:p04"));
        await rig.UntilAsync(() => rig.For(Path, "alm-later").Count == 2, advance: TimeSpan.FromSeconds(20));
        Assert.Equal(2, rig.For(Path, "alm-cleared").Count);
    }

    [Fact]
    public async Task A_clear_seen_by_the_watch_subscription_cancels_the_pending_reminder()
    {
        await using NotificationRig rig = await NotificationRig.StartAsync(NotificationRig.OneChannel("wecom-ops", "WeCom", Path + "?key=k1"), deliver: false);

        await rig.RecordAsync(Alarms.Raised("alm-1"));
        await rig.Notifier.ObserveClearedAsync("dongguan", "shed-1", "alm-1", NotificationRig.Start.AddMinutes(3), CancellationToken.None);

        LedgerJob reminder = rig.Notifier.Ledger.Jobs("alm-1").Single(job => job.Notice == NoticeKind.Reminder);
        Assert.Equal(JobState.Cancelled, reminder.State);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_acknowledgement_or_clear_seen_before_the_raise_is_recorded_means_no_reminder(bool acknowledged)
    {
        await using NotificationRig rig = await NotificationRig.StartAsync(NotificationRig.OneChannel("wecom-ops", "WeCom", Path + "?key=k1"), deliver: false);
        if (acknowledged)
        {
            await rig.Notifier.ObserveAcknowledgedAsync("dongguan", "shed-1", "alm-1", "li.wei", NotificationRig.Start.AddMinutes(1), CancellationToken.None);
        }
        else
        {
            await rig.Notifier.ObserveClearedAsync("dongguan", "shed-1", "alm-1", NotificationRig.Start.AddMinutes(1), CancellationToken.None);
        }

        // Restarted in between: the observed state is durable too.
        await rig.RestartAsync();
        await rig.RecordAsync(Alarms.Raised("alm-1"));

        Assert.Equal(new[] { NoticeKind.Raised }, rig.Notifier.Ledger.Jobs("alm-1").Select(job => job.Notice));
    }

    [Fact]
    public async Task Only_critical_alarms_get_a_reminder()
    {
        await using NotificationRig rig = await NotificationRig.StartAsync(NotificationRig.OneChannel("wecom-ops", "WeCom", Path + "?key=k1"), deliver: false);

        await rig.RecordAsync(Alarms.Raised("alm-major", "port_overload", AlarmSeverity.Major));

        Assert.Equal(new[] { NoticeKind.Raised }, rig.Notifier.Ledger.Jobs("alm-major").Select(job => job.Notice));
    }

    [Fact]
    public async Task Recording_does_no_network_io_and_the_pending_gauge_counts_what_waits()
    {
        // Delivery is not running: recording only writes the ledger.
        await using NotificationRig rig = await NotificationRig.StartAsync(NotificationRig.OneChannel("wecom-ops", "WeCom", Path + "?key=k1"), deliver: false);
        using var pending = new MeasurementSum(rig.MeterFactory, "edgegateway.hub.notifications.pending");

        await rig.RecordAsync(Alarms.Raised("alm-1"));
        await rig.RecordAsync(Alarms.Raised("alm-2", "port_overload", AlarmSeverity.Major));

        Assert.Equal(3, pending.Observe());
        await rig.StartDeliveryAsync();
        await rig.UntilAsync(() => pending.Observe() == 1);
        Assert.Equal(NoticeKind.Reminder, rig.Notifier.Ledger.Jobs().Single(job => job.State == JobState.Pending).Notice);
    }

    [Fact]
    public async Task A_second_instance_on_the_same_ledger_file_is_refused_with_a_clear_message()
    {
        await using NotificationRig rig = await NotificationRig.StartAsync(NotificationRig.OneChannel("wecom-ops", "WeCom", Path + "?key=k1"), deliver: false);

        InvalidOperationException exception = Assert.Throws<InvalidOperationException>(() => new AlarmNotifier(
            Microsoft.Extensions.Options.Options.Create(rig.Options), rig.Time, rig.MeterFactory, new EdgeGateway.Testing.ListLogger<AlarmNotifier>()));

        Assert.Contains("in use by another process", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Notifications:LedgerPath", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_relative_ledger_path_is_resolved_against_the_content_root()
    {
        var options = new NotificationOptions();

        Assert.Equal("/srv/hub/notifications.db", options.ResolveLedgerPath("/srv/hub"));
        options.LedgerPath = "/var/lib/edgegateway-hub/notifications.db";
        Assert.Equal("/var/lib/edgegateway-hub/notifications.db", options.ResolveLedgerPath("/srv/hub"));
    }

    private static string[] ChannelsOf(NotificationRig rig, string alarmId) =>
        [.. rig.Notifier.Ledger.Jobs(alarmId).Where(job => job.Notice == NoticeKind.Raised).Select(job => job.Channel)];
}
