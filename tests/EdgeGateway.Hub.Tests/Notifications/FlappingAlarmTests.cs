using System.Text.Json;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Notifications;
using EdgeGateway.Hub.Storage;
using EdgeGateway.Hub.WebConsole.Dashboard;
using EdgeGateway.Hub.WebConsole.History;

namespace EdgeGateway.Hub.Tests.Notifications;

/// <summary>
/// A flapping alarm on the hub: the gateway raises it, raises it once more under the same id marked flapping, and
/// clears it once; notices, the live board and the stored history treat that as one alarm.
/// </summary>
public sealed class FlappingAlarmTests
{
    private const string Path = "/cgi-bin/webhook/send";

    private static readonly AlarmMessage Raised = Alarms.Raised("alm-smoke", "smoke", AlarmSeverity.Critical, source: "smoke", value: null, threshold: null, unit: null, detail: "smoke detector active: every port off");

    private static readonly AlarmMessage FlappingUpdate = Raised with
    {
        Seq = Raised.Seq + 1,
        Ts = Raised.Ts.AddMinutes(4),
        Flapping = true,
        Detail = Raised.Detail + "; flapping: raised and cleared 4 times in 30 min, kept raised until clear for 10 min",
    };

    private static readonly AlarmMessage ClearedAfterFlapping = Alarms.Cleared(FlappingUpdate, Raised.Ts.AddMinutes(95), "smoke detector quiet (was flapping: raised 30 times, then clear for 10 min)") with
    {
        Seq = Raised.Seq + 2,
    };

    [Fact]
    public async Task A_flapping_alarm_is_notified_once_when_raised_and_once_when_it_clears()
    {
        await using NotificationRig rig = await NotificationRig.StartAsync(NotificationRig.OneChannel("wecom-ops", "WeCom", Path + "?key=k1"));

        await rig.RecordAsync(Raised);
        await rig.RecordAsync(FlappingUpdate);
        await rig.RecordAsync(FlappingUpdate);
        await rig.RecordAsync(ClearedAfterFlapping);
        // Done once the ledger says so (the webhook's receipt comes a moment before the ledger records it as sent).
        await rig.UntilAsync(() => rig.Notifier.Ledger.Jobs("alm-smoke") is { Count: 3 } jobs && jobs.All(job => job.State != JobState.Pending));

        // Raised and cleared, each once; the critical reminder was cancelled by the clear, none added by the update.
        Assert.Equal(
            [(NoticeKind.Raised, JobState.Sent), (NoticeKind.Reminder, JobState.Cancelled), (NoticeKind.Cleared, JobState.Sent)],
            rig.Notifier.Ledger.Jobs("alm-smoke").Select(job => (job.Notice, job.State)));
        Assert.Equal(2, rig.For(Path, "alm-smoke").Count);
    }

    [Fact]
    public void The_clear_of_a_flapping_alarm_says_it_flapped_in_Chinese_and_English()
    {
        AlarmNotice zh = AlarmNoticeText.Compose(ClearedAfterFlapping, NoticeKind.Cleared, DisplayText.Chinese, NotificationRig.Start);
        AlarmNotice en = AlarmNoticeText.Compose(ClearedAfterFlapping, NoticeKind.Cleared, DisplayText.English, NotificationRig.Start);
        AlarmNotice plain = AlarmNoticeText.Compose(Raised, NoticeKind.Raised, DisplayText.Chinese, NotificationRig.Start);

        Assert.StartsWith("【已解除】" + DisplayText.Chinese.Alarm(AlarmKind.Smoke) + "（反复报警） — ", zh.Title, StringComparison.Ordinal);
        Assert.StartsWith("[Cleared] " + DisplayText.English.Alarm(AlarmKind.Smoke) + " (flapping) — ", en.Title, StringComparison.Ordinal);
        Assert.Contains(new NoticeField("解除原因", ClearedAfterFlapping.ClearReason!), zh.Fields);
        Assert.DoesNotContain("反复", plain.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void The_live_board_keeps_one_alarm_marks_it_flapping_and_clears_it_once()
    {
        var stream = new DashboardStream();
        var board = new LiveDashboard(stream, TimeProvider.System);
        using DashboardSubscriber browser = stream.Subscribe(null);

        Assert.True(board.Apply(Topic(), ContractJson.Serialize(Raised)));
        Assert.True(board.Apply(Topic(), ContractJson.Serialize(FlappingUpdate)));
        Assert.False(board.Apply(Topic(), ContractJson.Serialize(FlappingUpdate)));
        Assert.False(board.Apply(Topic(), ContractJson.Serialize(Raised)));

        AlarmRecord active = Assert.Single(board.ActiveAlarms());
        Assert.Equal(("alm-smoke", true, Raised.RaisedTs), (active.AlarmId, active.Flapping, active.RaisedTs));

        Assert.True(board.Apply(Topic(), ContractJson.Serialize(ClearedAfterFlapping)));
        Assert.Empty(board.ActiveAlarms());
        AlarmRecord cleared = board.FindAlarm("alm-smoke")!;
        Assert.Equal((true, ClearedAfterFlapping.ClearReason), (cleared.Flapping, cleared.ClearReason));

        // The browser saw the alarm three times — raised, flapping, cleared — all under one id.
        var ids = new List<string>();
        while (browser.Changes.TryRead(out DashboardChange? change))
        {
            if (change.Kind == DashboardChangeKind.Alarm)
            {
                ids.Add(((AlarmRecord)change.Item).AlarmId);
            }
        }

        Assert.Equal(["alm-smoke", "alm-smoke", "alm-smoke"], ids);
    }

    [Fact]
    public void Stored_the_flapping_update_is_not_a_raise_so_the_weekly_count_counts_the_alarm_once()
    {
        string raised = ContractPoints.From(Raised, Raised.Ts).ToLineProtocol();
        string update = ContractPoints.From(FlappingUpdate, FlappingUpdate.Ts).ToLineProtocol();
        string cleared = ContractPoints.From(ClearedAfterFlapping, ClearedAfterFlapping.Ts).ToLineProtocol();

        Assert.Contains("event=raised", raised, StringComparison.Ordinal);
        Assert.DoesNotContain("flapping", raised, StringComparison.Ordinal);
        Assert.Contains("event=flapping", update, StringComparison.Ordinal);
        Assert.Contains("flapping=true", update, StringComparison.Ordinal);
        Assert.Contains("event=cleared", cleared, StringComparison.Ordinal);
        Assert.Contains("flapping=true", cleared, StringComparison.Ordinal);
    }

    [Fact]
    public void The_history_pairs_raise_flapping_update_and_clear_into_one_flapping_alarm()
    {
        InfluxQlRow Row(string @event, AlarmMessage m) => new(
            "alarm",
            new Dictionary<string, string> { ["site"] = m.Site, ["gateway"] = m.Gateway, ["kind"] = m.Kind, ["event"] = @event, ["source"] = m.Source },
            new Dictionary<string, JsonElement>
            {
                ["time"] = JsonSerializer.SerializeToElement(m.Ts.ToUnixTimeMilliseconds()),
                ["alarm_id"] = JsonSerializer.SerializeToElement(m.AlarmId),
                ["severity"] = JsonSerializer.SerializeToElement("critical"),
                ["raised_ts"] = JsonSerializer.SerializeToElement(ContractTime.Format(m.RaisedTs)),
                ["cleared_ts"] = JsonSerializer.SerializeToElement(m.ClearedTs is { } c ? ContractTime.Format(c) : null),
                ["clear_reason"] = JsonSerializer.SerializeToElement(m.ClearReason),
                ["detail"] = JsonSerializer.SerializeToElement(m.Detail),
                ["flapping"] = JsonSerializer.SerializeToElement(m.Flapping ? (bool?)true : null),
            });

        // Newest first, as the history query returns them.
        AlarmRecord alarm = Assert.Single(ConsoleHistory.Pair([Row("cleared", ClearedAfterFlapping), Row("flapping", FlappingUpdate), Row("raised", Raised)]));

        Assert.Equal(("alm-smoke", true, ClearedAfterFlapping.ClearedTs), (alarm.AlarmId, alarm.Flapping, alarm.ClearedTs));
        Assert.False(Assert.Single(ConsoleHistory.Pair([Row("raised", Raised)])).Flapping);
    }

    private static ContractTopic Topic() =>
        ContractTopics.TryParse($"edge/v1/{Raised.Site}/{Raised.Gateway}/alarms", out ContractTopic topic) ? topic : throw new InvalidOperationException();
}
