using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;
using EdgeGateway.LiveView;

namespace EdgeGateway.Tests.LiveView;

/// <summary>The live table's note for a port: a lockout or fault first, else who pays for the charge and what it costs so far.</summary>
public sealed class LiveTableNoteTests
{
    private static readonly PortSnapshot Charging = new("P05", PortState.Charging, true, 230, 2.6, 600, 0.99, DateTimeOffset.UnixEpoch, 15, 15, DateTimeOffset.UnixEpoch, null, null);

    [Fact]
    public void A_card_charge_shows_the_card_and_its_cost_so_far_in_yuan()
    {
        PortSnapshot port = Charging with { SessionOrder = new ChargeOrder(null, "RIG-0001", null, null), SessionCostFen = 2 };

        Assert.Equal("刷卡 RIG-0001 · ¥0.02", LiveConsoleView.Note(port, DisplayText.Chinese));
        Assert.Equal("card RIG-0001 · ¥0.02", LiveConsoleView.Note(port, DisplayText.English));
    }

    [Fact]
    public void A_platform_order_shows_the_order_and_a_charge_paid_by_nobody_shows_nothing()
    {
        Assert.Equal("订单 hook-1", LiveConsoleView.Note(Charging with { SessionOrder = new ChargeOrder("hook-1", null, null, null) }, DisplayText.Chinese));
        Assert.Equal("", LiveConsoleView.Note(Charging, DisplayText.Chinese));
    }

    [Fact]
    public void A_lockout_or_fault_comes_before_who_pays()
    {
        PortSnapshot paid = Charging with { SessionOrder = new ChargeOrder(null, "RIG-0001", null, null), SessionCostFen = 2 };

        Assert.Equal("端口过载", LiveConsoleView.Note(paid with { Lockout = "port_overload" }, DisplayText.Chinese));
        Assert.Equal("meter silent", LiveConsoleView.Note(paid with { Fault = "meter silent" }, DisplayText.Chinese));
    }
}
