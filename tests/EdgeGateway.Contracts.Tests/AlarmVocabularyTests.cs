using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Ports;

namespace EdgeGateway.Contracts.Tests;

public sealed class AlarmVocabularyTests
{
    [Theory]
    [InlineData(AlarmKind.PortOverload, "port_overload")]
    [InlineData(AlarmKind.PortShortCircuit, "port_short_circuit")]
    [InlineData(AlarmKind.ShedOverload, "shed_overload")]
    [InlineData(AlarmKind.PortMaliciousLoad, "port_malicious_load")]
    [InlineData(AlarmKind.PortMaxDuration, "port_max_duration")]
    [InlineData(AlarmKind.PortNoLoad, "port_no_load")]
    [InlineData(AlarmKind.PortSensorFault, "port_sensor_fault")]
    [InlineData(AlarmKind.RelayFault, "relay_fault")]
    [InlineData(AlarmKind.OverTemperature, "over_temperature")]
    [InlineData(AlarmKind.Smoke, "smoke")]
    [InlineData(AlarmKind.ShedSensorFault, "shed_sensor_fault")]
    [InlineData(AlarmKind.BinNearlyFull, "bin_nearly_full")]
    [InlineData(AlarmKind.BinOverflow, "bin_overflow")]
    [InlineData(AlarmKind.BinFire, "bin_fire")]
    [InlineData(AlarmKind.BinLidOpen, "bin_lid_open")]
    [InlineData(AlarmKind.BinTamper, "bin_tamper")]
    [InlineData(AlarmKind.BinSensorFault, "bin_sensor_fault")]
    [InlineData(AlarmKind.UnmeteredLoad, "unmetered_load")]
    public void Every_alarm_kind_has_the_contract_wire_name_and_parses_back(AlarmKind kind, string wireName)
    {
        Assert.Equal(wireName, kind.WireName());
        Assert.True(AlarmKinds.TryParse(wireName, out AlarmKind parsed));
        Assert.Equal(kind, parsed);
    }

    [Fact]
    public void Every_alarm_kind_is_named_in_the_vocabulary()
    {
        Assert.All(Enum.GetValues<AlarmKind>(), kind => Assert.Matches("^[a-z_]+$", kind.WireName()));
    }

    [Fact]
    public void Unknown_wire_name_does_not_parse()
    {
        Assert.False(AlarmKinds.TryParse("port_on_fire", out _));
        Assert.False(AlarmKinds.TryParse("PORT_OVERLOAD", out _));
    }

    [Fact]
    public void Only_lockout_alarms_latch_until_reset()
    {
        AlarmKind[] latched = Enum.GetValues<AlarmKind>().Where(k => k.LatchesUntilReset()).ToArray();

        Assert.Equal([AlarmKind.PortOverload, AlarmKind.PortShortCircuit, AlarmKind.PortMaliciousLoad, AlarmKind.RelayFault], latched);
    }

    [Fact]
    public void Fire_and_fault_current_alarms_are_critical_and_session_notices_are_info()
    {
        Assert.Equal(AlarmSeverity.Critical, AlarmKind.Smoke.DefaultSeverity());
        Assert.Equal(AlarmSeverity.Critical, AlarmKind.PortShortCircuit.DefaultSeverity());
        Assert.Equal(AlarmSeverity.Major, AlarmKind.PortOverload.DefaultSeverity());
        Assert.Equal(AlarmSeverity.Info, AlarmKind.PortNoLoad.DefaultSeverity());
        Assert.Equal(AlarmSeverity.Info, AlarmKind.PortMaxDuration.DefaultSeverity());
        Assert.Equal(AlarmSeverity.Critical, AlarmKind.BinFire.DefaultSeverity());
        Assert.Equal(AlarmSeverity.Warning, AlarmKind.BinNearlyFull.DefaultSeverity());
    }

    [Fact]
    public void Protective_session_ends_map_to_their_alarm_and_ordinary_ends_to_none()
    {
        Assert.Equal(AlarmKind.PortOverload, SessionEndReason.Overload.Alarm());
        Assert.Equal(AlarmKind.PortNoLoad, SessionEndReason.NoLoad.Alarm());
        Assert.Null(SessionEndReason.Complete.Alarm());
        Assert.Null(SessionEndReason.StoppedByUser.Alarm());
        Assert.All(Enum.GetValues<SessionEndReason>(), r => Assert.Matches("^[a-z_]+$", r.WireName()));
    }

    [Fact]
    public void Display_text_is_chinese_by_default_and_english_on_request()
    {
        Assert.True(DisplayText.TryFor("zh-CN", out DisplayText zh));
        Assert.True(DisplayText.TryFor("en", out DisplayText en));
        Assert.False(DisplayText.TryFor("fr", out _));

        Assert.Equal("端口过载", zh.Alarm(AlarmKind.PortOverload));
        Assert.Equal("Port overload", en.Alarm(AlarmKind.PortOverload));
        Assert.Equal("充电中", zh.State(PortState.Charging));
        Assert.Equal("厨余垃圾", zh.BinClass("kitchen"));
        Assert.Equal("垃圾桶满溢", zh.Alarm(AlarmKind.BinOverflow));
        Assert.All(Enum.GetValues<AlarmKind>(), k => Assert.NotEqual(k.ToString(), zh.Alarm(k)));
        Assert.All(Enum.GetValues<PortState>(), s => Assert.NotEqual(s.ToString(), zh.State(s)));
    }
}
