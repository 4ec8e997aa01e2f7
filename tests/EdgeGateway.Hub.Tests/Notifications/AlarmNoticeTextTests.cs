using System.Text;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Notifications;

namespace EdgeGateway.Hub.Tests.Notifications;

/// <summary>The words of a notice: factual title, every fact labelled, China Standard Time, both languages.</summary>
public sealed class AlarmNoticeTextTests
{
    [Fact]
    public void A_raised_notice_in_Chinese_lists_where_what_how_much_and_when()
    {
        AlarmNotice notice = AlarmNoticeText.Compose(Alarms.Raised(), NoticeKind.Raised, DisplayText.Chinese, NotificationRig.Start);

        Assert.Equal(
            """
            【紧急】端口短路 — dongguan shed-1 端口 p03
            站点：dongguan
            网关：shed-1
            位置：端口 p03
            报警：端口短路
            级别：紧急
            详情：instantaneous current 16.0 A beyond the 10 A limit
            测量值：3520 W
            限值：2000 W
            报警时间：2026-11-25 19:30:00 (UTC+8)
            报警编号：alm-0001
            """,
            notice.ToPlainText());
    }

    [Fact]
    public void A_raised_notice_in_English_uses_the_same_facts()
    {
        AlarmNotice notice = AlarmNoticeText.Compose(
            Alarms.Raised(kind: "shed_overload", severity: AlarmSeverity.Major, source: "shed", value: 7260.5, threshold: 7000),
            NoticeKind.Raised,
            DisplayText.English,
            NotificationRig.Start);

        Assert.Equal("[Major] Shed overload — dongguan shed-1 shed", notice.Title);
        Assert.Contains(new NoticeField("Value", "7260.5 W"), notice.Fields);
        Assert.Contains(new NoticeField("Limit", "7000 W"), notice.Fields);
        Assert.Contains(new NoticeField("Raised", "2026-11-25 19:30:00 (UTC+8)"), notice.Fields);
    }

    [Theory]
    [InlineData("bin:b1", "垃圾桶 b1", "bin b1")]
    [InlineData("shed", "车棚", "shed")]
    [InlineData("thermometer:t2", "温度计 t2", "thermometer t2")]
    [InlineData("vt", "电压互感器", "voltage transformer")]
    [InlineData("smoke", "烟雾探测器", "smoke detector")]
    [InlineData("gateway", "网关", "gateway")]
    [InlineData("relay-board:3", "relay-board:3", "relay-board:3")]
    public void The_source_is_put_in_words(string source, string chinese, string english)
    {
        AlarmNotice zh = AlarmNoticeText.Compose(Alarms.Raised(source: source), NoticeKind.Raised, DisplayText.Chinese, NotificationRig.Start);
        AlarmNotice en = AlarmNoticeText.Compose(Alarms.Raised(source: source), NoticeKind.Raised, DisplayText.English, NotificationRig.Start);

        Assert.Contains(new NoticeField("位置", chinese), zh.Fields);
        Assert.Contains(new NoticeField("Where", english), en.Fields);
    }

    [Fact]
    public void The_links_own_gateway_buffer_full_and_unknown_future_kinds_get_a_name()
    {
        Assert.Equal("网关缓存已满(遥测数据被丢弃)", AlarmNoticeText.KindName("gateway_buffer_full", DisplayText.Chinese));
        Assert.Equal("Gateway buffer full (telemetry dropped)", AlarmNoticeText.KindName("gateway_buffer_full", DisplayText.English));
        Assert.Equal("恶意负载", AlarmNoticeText.KindName("port_malicious_load", DisplayText.Chinese));
        Assert.Equal("door_forced", AlarmNoticeText.KindName("door_forced", DisplayText.Chinese));
    }

    [Fact]
    public void A_cleared_notice_says_when_why_and_how_long()
    {
        AlarmMessage cleared = Alarms.Cleared(Alarms.Raised(), NotificationRig.Start + new TimeSpan(1, 2, 5), "condition gone");

        AlarmNotice zh = AlarmNoticeText.Compose(cleared, NoticeKind.Cleared, DisplayText.Chinese, NotificationRig.Start);
        AlarmNotice en = AlarmNoticeText.Compose(cleared, NoticeKind.Cleared, DisplayText.English, NotificationRig.Start);

        Assert.Equal("【已解除】端口短路 — dongguan shed-1 端口 p03", zh.Title);
        Assert.Contains(new NoticeField("解除时间", "2026-11-25 20:32:05 (UTC+8)"), zh.Fields);
        Assert.Contains(new NoticeField("持续时间", "1小时2分"), zh.Fields);
        Assert.Contains(new NoticeField("解除原因", "condition gone"), zh.Fields);
        Assert.Equal("[Cleared] Port short circuit — dongguan shed-1 port p03", en.Title);
        Assert.Contains(new NoticeField("Lasted", "1 h 2 min"), en.Fields);
    }

    [Fact]
    public void A_reminder_says_how_long_the_alarm_has_gone_unacknowledged()
    {
        DateTimeOffset now = NotificationRig.Start + TimeSpan.FromMinutes(15.5);

        AlarmNotice zh = AlarmNoticeText.Compose(Alarms.Raised(), NoticeKind.Reminder, DisplayText.Chinese, now);
        AlarmNotice en = AlarmNoticeText.Compose(Alarms.Raised(), NoticeKind.Reminder, DisplayText.English, now);

        Assert.Equal("【紧急·未确认 15 分钟】端口短路 — dongguan shed-1 端口 p03", zh.Title);
        Assert.Contains(new NoticeField("未确认时长", "15 分钟"), zh.Fields);
        Assert.Equal("[Critical, unacknowledged 15 min] Port short circuit — dongguan shed-1 port p03", en.Title);
    }

    [Theory]
    [InlineData("2026-11-25T16:30:00Z", "2026-11-26 00:30:00 (UTC+8)")]
    [InlineData("2026-07-01T00:00:00Z", "2026-07-01 08:00:00 (UTC+8)")]
    [InlineData("2026-12-31T23:59:59+08:00", "2026-12-31 23:59:59 (UTC+8)")]
    public void Times_are_China_Standard_Time_at_a_fixed_offset_all_year(string instant, string shown)
    {
        Assert.Equal(shown, AlarmNoticeText.Time(DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void A_notice_without_value_threshold_or_detail_leaves_those_lines_out()
    {
        AlarmNotice notice = AlarmNoticeText.Compose(
            Alarms.Raised(kind: "smoke", source: "smoke", value: null, threshold: null, unit: null, detail: ""),
            NoticeKind.Raised,
            DisplayText.Chinese,
            NotificationRig.Start);

        Assert.DoesNotContain(notice.Fields, field => field.Label is "测量值" or "限值" or "详情");
        Assert.Equal("【紧急】烟雾报警 — dongguan shed-1 烟雾探测器", notice.Title);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void Truncation_never_splits_a_character(int maxBytes)
    {
        string cut = AlarmNoticeText.TruncateUtf8("ab端口🔥🔥过载", maxBytes);

        Assert.InRange(Encoding.UTF8.GetByteCount(cut), 1, maxBytes);
        Assert.EndsWith("…", cut, StringComparison.Ordinal);
        Assert.Equal(cut, Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(cut)));
        Assert.Equal("ab端口🔥🔥过载", AlarmNoticeText.TruncateUtf8("ab端口🔥🔥过载", 100));
    }
}
