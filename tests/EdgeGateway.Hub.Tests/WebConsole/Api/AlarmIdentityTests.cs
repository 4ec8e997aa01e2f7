using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.WebConsole.Dashboard;
using EdgeGateway.Hub.WebConsole.History;
using EdgeGateway.Hub.WebConsole.Store;

namespace EdgeGateway.Hub.Tests.WebConsole.Api;

/// <summary>The board keys an alarm by site, gateway and alarm id: an alarm id is unique only within the gateway that
/// raised it, and a gateway publishing <c>cleared</c> with another site's alarm id removed that site's critical smoke
/// alarm from the active list.</summary>
public sealed class AlarmIdentityTests
{
    private static readonly AlarmMessage Smoke = Notifications.Alarms.Raised("alm-smoke-1", "smoke", AlarmSeverity.Critical, site: "site-a", gateway: "gw-a", source: "smoke");

    private static ContractTopic AlarmsOf(string site, string gateway) =>
        ContractTopics.TryParse(ContractTopics.Alarms(site, gateway), out ContractTopic topic) ? topic : throw new ArgumentException(site);

    [Fact]
    public void A_gateway_clearing_another_sites_alarm_id_does_not_remove_that_alarm()
    {
        var board = new LiveDashboard(new DashboardStream(), TimeProvider.System);
        Assert.True(board.Apply(AlarmsOf("site-a", "gw-a"), ContractJson.Serialize(Smoke)));

        AlarmMessage forged = Notifications.Alarms.Cleared(Smoke with { Site = "site-b", Gateway = "gw-b", Seq = 7 }, Smoke.Ts.AddMinutes(1), "forged");
        board.Apply(AlarmsOf("site-b", "gw-b"), ContractJson.Serialize(forged));

        AlarmRecord active = Assert.Single(board.ActiveAlarms());
        Assert.Equal(("site-a", "gw-a", "alm-smoke-1"), (active.Site, active.Gateway, active.AlarmId));
        Assert.True(board.FindAlarm("site-a", "gw-a", "alm-smoke-1")!.IsActive);

        // The id alone no longer names one alarm once two gateways use it: the console refuses to guess.
        Assert.True(board.Apply(AlarmsOf("site-c", "gw-c"), ContractJson.Serialize(Smoke with { Site = "site-c", Gateway = "gw-c", Seq = 8 })));
        Assert.Equal(2, board.ActiveAlarms().Count);
        Assert.Null(board.FindAlarm("alm-smoke-1"));

        // An acknowledgement names its gateway: it marks that gateway's alarm only.
        board.Acknowledge(new AlarmAck("alm-smoke-1", "site-a", "gw-a", "wang", "maintenance", Smoke.Ts.AddMinutes(2), null));
        Assert.NotNull(board.FindAlarm("site-a", "gw-a", "alm-smoke-1")!.Ack);
        Assert.Null(board.FindAlarm("site-c", "gw-c", "alm-smoke-1")!.Ack);
    }
}
