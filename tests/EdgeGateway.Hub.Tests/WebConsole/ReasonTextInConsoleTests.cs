using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Reasons;
using EdgeGateway.Hub.Storage;
using GatewayAlarms = EdgeGateway.Hub.Tests.Notifications.Alarms;
using EdgeGateway.Hub.WebConsole;
using EdgeGateway.Hub.WebConsole.History;

namespace EdgeGateway.Hub.Tests.WebConsole;

/// <summary>The console shows an alarm's detail in the reader's language, live and from the history in InfluxDB.</summary>
public sealed class ReasonTextInConsoleTests
{
    private static readonly AlarmMessage ShortCircuit = GatewayAlarms.Raised(detail: "instantaneous current 49.5 A ≥ 40.0 A; relay opened on that sample")
        with { Reason = ReasonCatalogue.InstantaneousOverCurrent(49.5, 40) };

    [Fact]
    public void A_live_alarm_reads_in_Chinese_or_English_as_the_reader_chose()
    {
        var alarm = AlarmRecord.From(ShortCircuit);

        Assert.Equal("瞬时电流 49.5 A ≥ 40.0 A，已在该次采样断开继电器", alarm.View(ConsoleText.Chinese).Detail);
        Assert.Equal(ShortCircuit.Detail, alarm.View(ConsoleText.English).Detail);
        Assert.Equal(ShortCircuit.Detail, AlarmRecord.From(ShortCircuit with { Reason = null }).View(ConsoleText.Chinese).Detail);
    }

    [Fact]
    public void The_reason_is_stored_with_the_alarm_and_read_back_from_the_history()
    {
        string line = ContractPoints.From(ShortCircuit, ShortCircuit.Ts).ToLineProtocol();
        Assert.Contains("reason=\"{\\\"code\\\":\\\"instantaneous_over_current\\\"", line, StringComparison.Ordinal);

        InfluxQlRow Row(string? reason) => new(
            "alarm",
            new Dictionary<string, string> { ["site"] = ShortCircuit.Site, ["gateway"] = ShortCircuit.Gateway, ["kind"] = ShortCircuit.Kind, ["event"] = "raised", ["source"] = ShortCircuit.Source },
            new Dictionary<string, JsonElement>
            {
                ["time"] = JsonSerializer.SerializeToElement(ShortCircuit.Ts.ToUnixTimeMilliseconds()),
                ["alarm_id"] = JsonSerializer.SerializeToElement(ShortCircuit.AlarmId),
                ["raised_ts"] = JsonSerializer.SerializeToElement(ContractTime.Format(ShortCircuit.RaisedTs)),
                ["detail"] = JsonSerializer.SerializeToElement(ShortCircuit.Detail),
                ["reason"] = JsonSerializer.SerializeToElement(reason),
            });

        AlarmRecord stored = Assert.Single(ConsoleHistory.Pair([Row(ContractJson.SerializeToString(ShortCircuit.Reason!))]));
        AlarmRecord older = Assert.Single(ConsoleHistory.Pair([Row(null)]));
        AlarmRecord garbled = Assert.Single(ConsoleHistory.Pair([Row("{not json")]));

        Assert.Equal(ShortCircuit.Reason, stored.Reason);
        Assert.StartsWith("瞬时电流", stored.View(ConsoleText.Chinese).Detail, StringComparison.Ordinal);
        Assert.Equal(ShortCircuit.Detail, older.View(ConsoleText.Chinese).Detail);
        Assert.Equal(ShortCircuit.Detail, garbled.View(ConsoleText.Chinese).Detail);
    }
}
