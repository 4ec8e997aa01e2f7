using System.Text.Json;
using EdgeGateway.CommandLine;
using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Events;
using EdgeGateway.Messaging;

namespace EdgeGateway.Tests.Protection;

/// <summary>What protection says carries a reason code with its parameters, and the English detail is that code's text.</summary>
public sealed class ReasonCodeTests
{
    [Fact]
    public void An_overload_trip_raises_its_alarm_with_the_code_and_the_measured_numbers()
    {
        Alarm alarm = OverloadTrip();

        ContractReason reason = Assert.IsType<ContractReason>(alarm.Reason);
        Assert.Equal("power_over_limit", reason.Code);
        Assert.Equal((1250.0, 1000.0, 500.0), (reason.Params["power_w"].GetDouble(), reason.Params["limit_w"].GetDouble(), reason.Params["for_ms"].GetDouble()));
        Assert.Equal("1250 W above the 1000 W limit for 500 ms", alarm.Detail);
        Assert.Equal("功率 1250 W 超过上限 1000 W，持续 500 ms", ReasonText.Chinese.Render(reason, alarm.Detail));
    }

    [Fact]
    public void A_refused_command_carries_its_code_and_the_state_it_was_refused_in()
    {
        var h = new ShedHarness();

        CommandResult result = h.Send(PortCommandKind.Reset, 0, reason: "checked");

        Assert.False(result.Accepted);
        Assert.Equal("nothing to reset (state idle)", result.Message);
        Assert.Equal(("nothing_to_reset", "idle"), (result.Reason?.Code, result.Reason?.Params["state"].GetString()));
        Assert.Equal("无需复位（当前空闲）", ReasonText.Chinese.Render(result.Reason, result.Message));
    }

    [Fact]
    public void The_alarm_message_on_the_wire_carries_the_reason_beside_the_English_detail()
    {
        Alarm alarm = OverloadTrip();

        var map = new ContractMapper(SiteFileLoader.Load(FirmwareConfig.DemoSite).Configuration!);
        using var json = JsonDocument.Parse(Assert.Single(map.ForEvent(new AlarmRaised(alarm.RaisedAt, alarm))).Render(1));

        JsonElement reason = json.RootElement.GetProperty("reason");
        Assert.Equal("power_over_limit", reason.GetProperty("code").GetString());
        Assert.Equal(1250, reason.GetProperty("params").GetProperty("power_w").GetDouble());
        Assert.Equal(alarm.Detail, json.RootElement.GetProperty("detail").GetString());
    }

    /// <summary>p0 charging at 1200 W then 1250 W over its 1000 W limit for the 500 ms debounce: tripped.</summary>
    private static Alarm OverloadTrip()
    {
        var h = new ShedHarness();
        h.Start(0);
        h.Draw(0, 1200);
        h.Advance(TimeSpan.FromMilliseconds(500));
        h.Draw(0, 1250);
        return Assert.Single(h.Events.Raised(AlarmKind.PortOverload));
    }
}
