using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Hub.Notifications;
using TestAlarms = EdgeGateway.Hub.Tests.Notifications.Alarms;

namespace EdgeGateway.Hub.Tests.Tenants;

/// <summary>A company's own robots (the registry's <c>channels</c>) get the notified alarms of that company's sites from
/// major up, besides whatever the settings' routes send; never another company's.</summary>
public sealed class CompanyNotificationRouteTests
{
    private static readonly NotificationPlan Plan = NotificationPlan.From(Options());

    [Fact]
    public void A_company_s_robots_get_its_major_and_critical_alarms_besides_the_routes()
    {
        Assert.Equal(["linzi-wecom", "district-feishu"], Plan.ChannelsFor(TestAlarms.Raised(severity: AlarmSeverity.Critical), ["LINZI-WECOM"]));
        Assert.Equal(["district-feishu"], Plan.ChannelsFor(TestAlarms.Raised(severity: AlarmSeverity.Critical), []));
    }

    [Fact]
    public void Below_major_a_kind_not_notified_or_a_channel_nobody_configured_go_nowhere_new()
    {
        Assert.Empty(Plan.ChannelsFor(TestAlarms.Raised(severity: AlarmSeverity.Warning), ["linzi-wecom"]));
        Assert.Empty(Plan.ChannelsFor(TestAlarms.Raised(kind: "port_no_load", severity: AlarmSeverity.Critical), ["linzi-wecom"]));
        Assert.Equal(["district-feishu"], Plan.ChannelsFor(TestAlarms.Raised(severity: AlarmSeverity.Critical), ["no-such-robot"]));
        Assert.False(Plan.HasChannel("no-such-robot"));
    }

    private static NotificationOptions Options()
    {
        var options = new NotificationOptions();
        options.Channels["linzi-wecom"] = new NotificationChannelOptions { Type = "WeCom", Url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=test" };
        options.Channels["district-feishu"] = new NotificationChannelOptions { Type = "Feishu", Url = "https://open.feishu.cn/open-apis/bot/v2/hook/test" };
        options.Routes.Add(new NotificationRouteOptions { MinSeverity = "critical", Channels = { "district-feishu" } });
        return options;
    }
}
