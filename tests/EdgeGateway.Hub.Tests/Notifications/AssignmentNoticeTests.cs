using EdgeGateway.Contracts.Localization;
using EdgeGateway.Hub.Notifications;
using EdgeGateway.Hub.Tenants;
using EdgeGateway.Testing.Http;

namespace EdgeGateway.Hub.Tests.Notifications;

/// <summary>
/// The assignee of an incident is told through the robots of the company that runs the shed (issue 17): the notice's
/// words in both languages, and its way through the notification ledger — to the company's channels only, once, also
/// when recorded again or across a restart.
/// </summary>
public sealed class AssignmentNoticeTests
{
    private static readonly TenantDirectory Registry = new(
        [new Company("linzi-wuye", "临淄物业", "Linzi Property", ["linzi-wecom", "linzi-hook"]), new Company("other", "别家物业", null, ["other-wecom"])],
        [new TenantSite("linzi-demo-001", "临淄区演示充电棚", "Linzi demo shed", null, "linzi-wuye"), new TenantSite("elsewhere", "别处", null, null, "other")]);

    private static AssignmentNotice Assignment(int step = 3, string? comment = "请先断电再检查") => new(
        "linzi-demo-001", "gw-01", "alm-0007", step, "临淄区演示充电棚", "Linzi demo shed", "port:P03", "port_overload",
        "wang", "王师傅", "li", "李经理", NotificationRig.Start, comment);

    [Fact]
    public void The_Chinese_notice_names_the_assignee_the_shed_the_port_the_alarm_and_who_assigned()
    {
        AlarmNotice notice = AlarmNoticeText.ComposeAssignment(Assignment(), DisplayText.Chinese);

        Assert.Equal(
            """
            【事件指派】端口过载 — 临淄区演示充电棚 端口 P03 → 王师傅
            指派给：王师傅
            车棚：临淄区演示充电棚
            站点：linzi-demo-001
            网关：gw-01
            位置：端口 P03
            报警：端口过载
            指派人：李经理
            备注：请先断电再检查
            指派时间：2026-11-25 19:30:00 (UTC+8)
            报警编号：alm-0007
            """,
            notice.ToPlainText());
    }

    [Fact]
    public void The_English_notice_uses_the_English_shed_name_and_leaves_out_an_empty_comment()
    {
        AlarmNotice notice = AlarmNoticeText.ComposeAssignment(Assignment(comment: null) with { Source = "bin:B1", Kind = "bin_fire" }, DisplayText.English);

        Assert.Equal(
            """
            [Incident assigned] Bin fire — Linzi demo shed bin B1 → 王师傅
            Assigned to: 王师傅
            Shed: Linzi demo shed
            Site: linzi-demo-001
            Gateway: gw-01
            Where: bin B1
            Alarm: Bin fire
            Assigned by: 李经理
            Assigned: 2026-11-25 19:30:00 (UTC+8)
            Alarm id: alm-0007
            """,
            notice.ToPlainText());
        Assert.Equal("Linzi demo shed", AlarmNoticeText.ComposeAssignment(Assignment(), DisplayText.English).Fields[1].Value);
        Assert.Equal("临淄区演示充电棚", AlarmNoticeText.ComposeAssignment(Assignment() with { SiteNameEn = null }, DisplayText.English).Fields[1].Value);
    }

    [Fact]
    public async Task The_notice_goes_to_the_company_s_robots_only_once_and_survives_a_restart_before_delivery()
    {
        await using NotificationRig rig = await NotificationRig.StartAsync(
            (options, receiver) =>
            {
                options.Channels["linzi-wecom"] = new() { Type = "WeCom", Url = receiver.Url("/linzi?key=k1") };
                options.Channels["linzi-hook"] = new() { Type = "Webhook", Url = receiver.Url("/hook"), Language = "en" };
                options.Channels["other-wecom"] = new() { Type = "WeCom", Url = receiver.Url("/other?key=k2") };
                options.Channels["ops"] = new() { Type = "WeCom", Url = receiver.Url("/ops?key=k3") };
                options.Routes.Add(new() { Channels = { "ops" } });
            },
            deliver: false,
            tenants: Registry);

        // Recorded (durable) while nothing delivers, then the hub restarts: the notice is still there, and sent.
        Assert.Equal(2, rig.Notifier.RecordAssignment(Assignment()));
        await rig.RestartAsync();
        await rig.UntilAsync(() => rig.Notifier.Ledger.Jobs().Count == 2 && rig.Notifier.Ledger.Jobs().All(job => job.State == JobState.Sent));

        // The same assignment step again (recorded twice, again after another restart) adds nothing.
        Assert.Equal(2, rig.Notifier.RecordAssignment(Assignment()));
        await rig.RestartAsync();
        rig.Notifier.RecordAssignment(Assignment());
        await Task.Delay(200);

        ReceivedRequest wecom = Assert.Single(rig.Receiver.On("/linzi"));
        Assert.Contains("【事件指派】端口过载 — 临淄区演示充电棚 端口 P03 → 王师傅", wecom.Text, StringComparison.Ordinal);
        Assert.Contains("**指派人**：李经理", wecom.Text, StringComparison.Ordinal);
        ReceivedRequest hook = Assert.Single(rig.Receiver.On("/hook"));
        Assert.Contains("\"notice\":\"assigned\"", hook.Text, StringComparison.Ordinal);
        Assert.Contains("\"assignee_name\":\"王师傅\"", hook.Text, StringComparison.Ordinal);
        Assert.Contains("[Incident assigned] Port overload — Linzi demo shed port P03", hook.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"alarm\":", hook.Text, StringComparison.Ordinal);
        Assert.Equal("\"alm-0007%2Fassigned%2F3:assigned\"", hook.Headers[WebhookChannel.IdempotencyKeyHeader]);
        Assert.Empty(rig.Receiver.On("/other"));
        Assert.Empty(rig.Receiver.On("/ops"));

        // A reassignment is another step, so another notice.
        rig.Notifier.RecordAssignment(Assignment(step: 5) with { AssigneeName = "赵师傅" });
        await rig.UntilAsync(() => rig.Receiver.On("/linzi").Count == 2);
        Assert.Contains("→ 赵师傅", rig.Receiver.On("/linzi")[1].Text, StringComparison.Ordinal);
    }
}
