using System.Text.Json;
using EdgeGateway.CommandLine;
using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Contracts.Reasons;
using EdgeGateway.Events;
using EdgeGateway.Messaging;
using EdgeGateway.Messaging.Outbox;

namespace EdgeGateway.Tests.Messaging;

/// <summary>How the gateway stamps contract messages: one millisecond per message and topic at least.</summary>
public sealed class ContractMapperTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 8, 0, 0, 123, TimeSpan.Zero);

    private static ContractMapper Mapper() => new(SiteFileLoader.Load(FirmwareConfig.DemoSite).Configuration!);

    private static DateTimeOffset Ts(OutboxItem item)
    {
        using var json = JsonDocument.Parse(item.Render(1));
        return json.RootElement.GetProperty("ts").GetDateTimeOffset();
    }

    private static OutboxItem StatusAt(ContractMapper map, DateTimeOffset at) =>
        map.StatusItem(map.Status(online: true, at, TimeSpan.Zero, 0, null, null));

    [Fact]
    public void Messages_of_one_topic_stamped_in_the_same_millisecond_get_successive_milliseconds()
    {
        ContractMapper map = Mapper();

        DateTimeOffset[] stamps = [.. Enumerable.Range(0, 5).Select(_ => Ts(StatusAt(map, T0)))];

        Assert.Equal([T0, T0.AddMilliseconds(1), T0.AddMilliseconds(2), T0.AddMilliseconds(3), T0.AddMilliseconds(4)], stamps);
    }

    [Fact]
    public void A_message_after_a_burst_within_the_burst_keeps_after_it_and_a_later_one_keeps_its_own_time()
    {
        ContractMapper map = Mapper();
        Ts(StatusAt(map, T0));
        Ts(StatusAt(map, T0));
        Ts(StatusAt(map, T0));

        Assert.Equal(T0.AddMilliseconds(3), Ts(StatusAt(map, T0.AddMilliseconds(1))));
        Assert.Equal(T0.AddMilliseconds(10), Ts(StatusAt(map, T0.AddMilliseconds(10))));
    }

    [Fact]
    public void A_wall_clock_stepped_back_by_NTP_is_taken_as_it_is()
    {
        ContractMapper map = Mapper();
        Ts(StatusAt(map, T0));

        DateTimeOffset earlier = T0.AddMinutes(-5);

        Assert.Equal(earlier, Ts(StatusAt(map, earlier)));
    }

    [Fact]
    public void Messages_of_different_topics_in_the_same_millisecond_keep_that_millisecond()
    {
        ContractMapper map = Mapper();

        Assert.Equal(T0, Ts(StatusAt(map, T0)));
        Assert.Equal(T0, Ts(map.BufferFull("a1", raised: true, T0, T0, thinned: 1, bound: 10)));
    }

    [Fact]
    public void A_resumed_session_is_a_session_class_message_on_sessions_resumed_and_a_suspended_one_is_not_reported()
    {
        ContractMapper map = Mapper();
        var resumed = new Events.SessionResumed(T0, "s-1", "P01", T0.AddHours(-1), TimeSpan.FromSeconds(212.5), 301.2344, 212.4);

        OutboxItem item = Assert.Single(map.ForEvent(resumed));

        Assert.Equal(("edge/v1/linzi-demo-001/gw-01/sessions/resumed", MessageClass.Session, false), (item.Topic, item.Class, item.Retain));
        using var json = JsonDocument.Parse(item.Render(9));
        Assert.Equal(("s-1", "P01", 212.5, 301.234), (json.RootElement.GetProperty("session_id").GetString(), json.RootElement.GetProperty("port").GetString(),
            json.RootElement.GetProperty("offline_s").GetDouble(), json.RootElement.GetProperty("energy_wh").GetDouble()));
        Assert.Empty(map.ForEvent(new Events.SessionSuspended(T0, "s-1", "P01", T0.AddHours(-1), 301.2, 212.4)));
    }

    [Fact]
    public void A_port_s_fault_and_an_alarm_s_clear_carry_their_reason_codes_and_nothing_without_one()
    {
        ContractMapper map = Mapper();
        const string Spi = "adc1 ch0: spi timeout";
        var faulted = new PortSnapshot("P01", PortState.Fault, false, null, null, null, null, null, 0, 0, null, Spi, null) { FaultCode = ReasonCatalogue.MeterFault(Spi) };
        var alarm = new Alarm("a-1", AlarmKind.PortOverload, AlarmSeverity.Major, "port:P01", 2600, 2400, "W", T0, "2600 W above the 2400 W limit for 2000 ms");

        using var telemetry = JsonDocument.Parse(map.PortTelemetry(faulted, T0).Render(1));
        using var healthy = JsonDocument.Parse(map.PortStateNow(faulted with { Fault = null, FaultCode = null, State = PortState.Idle }, T0, "start-up").Render(1));
        using var cleared = JsonDocument.Parse(Assert.Single(map.ForEvent(
            new AlarmCleared(T0.AddMinutes(3), alarm, "reset by li: charger replaced") { Code = ReasonCatalogue.ResetBy("li", "charger replaced") })).Render(1));
        using var clearedWithoutCode = JsonDocument.Parse(Assert.Single(map.ForEvent(new AlarmCleared(T0.AddMinutes(3), alarm, "gone"))).Render(1));

        JsonElement fault = telemetry.RootElement.GetProperty("fault_code");
        Assert.Equal(("meter_fault", Spi, Spi), (fault.GetProperty("code").GetString(), fault.GetProperty("params").GetProperty("fault").GetString(), telemetry.RootElement.GetProperty("fault").GetString()));
        Assert.False(healthy.RootElement.TryGetProperty("fault_code", out _));
        JsonElement clear = cleared.RootElement.GetProperty("clear_code");
        Assert.Equal(("reset_by", "li", "charger replaced", "reset by li: charger replaced"), (
            clear.GetProperty("code").GetString(), clear.GetProperty("params").GetProperty("by").GetString(),
            clear.GetProperty("params").GetProperty("reason").GetString(), cleared.RootElement.GetProperty("clear_reason").GetString()));
        Assert.False(clearedWithoutCode.RootElement.TryGetProperty("clear_code", out _));
    }

    [Fact]
    public void A_flapping_alarm_goes_out_raised_with_its_id_and_flapping_true_and_its_clear_says_so()
    {
        ContractMapper map = Mapper();
        var alarm = new Alarm("a-1", AlarmKind.BinSensorFault, AlarmSeverity.Major, "bin:B1", null, null, null, T0, "no echo");

        JsonElement Message(GatewayEvent e)
        {
            using var json = JsonDocument.Parse(Assert.Single(map.ForEvent(e)).Render(1));
            return json.RootElement.Clone();
        }

        JsonElement plain = Message(new AlarmRaised(T0, alarm));
        JsonElement flapping = Message(new AlarmRaised(T0.AddMinutes(9), alarm with { Flapping = true }));
        JsonElement cleared = Message(new AlarmCleared(T0.AddMinutes(40), alarm with { Flapping = true }, "sensors read again (was flapping)"));

        Assert.False(plain.GetProperty("flapping").GetBoolean());
        Assert.Equal(("a-1", "raised", true), (flapping.GetProperty("alarm_id").GetString(), flapping.GetProperty("event").GetString(), flapping.GetProperty("flapping").GetBoolean()));
        Assert.Equal(("a-1", "cleared", true), (cleared.GetProperty("alarm_id").GetString(), cleared.GetProperty("event").GetString(), cleared.GetProperty("flapping").GetBoolean()));
    }
}
