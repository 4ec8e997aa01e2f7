using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Simulation.Bl0942;
using EdgeGateway.Hardware.Simulation.Shed;

namespace EdgeGateway.Tests.Simulation;

/// <summary>
/// BL0942 ports on the simulated shed: the gateway opens each UART with System.IO.Ports on the simulated bus's
/// pseudo-terminal and the same protection rules act on the chips' readings; a short trips from the chip's over-current
/// output on its GPIO, and a chip that goes silent is a sensor fault on its own port only.
/// </summary>
public sealed class Bl0942OnSimulatedShedTests
{
    private const string Site = """
        site: { id: test-bl0942, gateway: gw-test }
        ports:
          - id: P1
            meter: { type: bl0942, serial: /dev/ttyAMA0, address: 0, shuntOhms: 0.001, voltageDivider: 3824.5, overCurrentGpio: 16 }
            relay: { gpio: 5 }
          - id: P2
            meter: { type: bl0942, serial: /dev/ttyAMA0, address: 1, shuntOhms: 0.001, voltageDivider: 3824.5, overCurrentGpio: 17 }
            relay: { gpio: 6 }
          - id: P3
            meter: { type: bl0942, serial: /dev/ttyAMA0, address: 2, shuntOhms: 0.001, voltageDivider: 3824.5 }
            relay: { gpio: 12 }
        protection:
          port: { maxPowerW: 1000, overloadDebounceMs: 500, shortCircuitPeakA: 40 }
        sampling: { roundPeriodMs: 500, temperaturePeriodSeconds: 1 }
        """;

    private static readonly string SiteAt38400 = Site.Replace("voltageDivider: 3824.5", "voltageDivider: 3824.5, baud: 38400", StringComparison.Ordinal);

    [Fact]
    public void A_short_trips_from_the_over_current_output_within_a_mains_cycle_even_while_a_packet_is_on_the_wire()
    {
        using var shed = new ShedHarness(Site);
        shed.ChargeEveryPort();

        // A round starts now with P1's packet: 6 ms in, its chip has sampled it (the request's 4.2 ms) and 46 ms of its
        // answer are still to come on the wire.
        TimeSpan latency = ShortUntilRelayOpens(shed, "P2", TimeSpan.FromMilliseconds(6));

        // The output rises on the first half-cycle fast RMS past the threshold; the sampler sees it between two bytes of
        // the packet under way (it looks after every byte and every two byte times while it waits), or within a 3 ms
        // watch between rounds: within a mains cycle, not at the end of the 52 ms packet.
        Assert.True(latency <= TimeSpan.FromMilliseconds(20), $"relay opened {latency.TotalMilliseconds} ms after the onset");
        Alarm alarm = shed.RaisedAlarm(AlarmKind.PortShortCircuit, "port:P2");
        Assert.Equal(40, alarm.Value); // the output's threshold: decided on the pin, not on a packet's fast RMS
        Assert.Equal(PortState.Disabled, shed.Port("P2").State);
        Assert.True(shed.Outlet("P1").ContactClosed);
        Assert.True(shed.Outlet("P3").ContactClosed);
    }

    [Fact]
    public void Without_the_over_current_output_a_short_trips_on_the_next_fast_read_not_on_the_ports_next_packet()
    {
        using var shed = new ShedHarness(Site);
        shed.ChargeEveryPort();

        // A round starts now: P1's, P2's and P3's packets (52 ms each, the chips' fast reads between them), P3's asked at
        // about 180 ms. A short just after the chip sampled P3's packet is in its next packet a round (500 ms) later; the
        // fast reads of every chip between rounds (each chip every 47 ms here) see it first, and it trips there.
        TimeSpan latency = ShortUntilRelayOpens(shed, "P3", TimeSpan.FromMilliseconds(190));

        Assert.True(latency <= TimeSpan.FromMilliseconds(150), $"relay opened {latency.TotalMilliseconds} ms after the onset");
        Assert.True(shed.RaisedAlarm(AlarmKind.PortShortCircuit, "port:P3").Value > 40);
    }

    [Fact]
    public void An_overload_trips_after_its_debounce_timed_from_the_chips_fast_rms_and_decided_on_its_power()
    {
        using var shed = new ShedHarness(Site);
        shed.ChargeEveryPort();

        TimeSpan latency = KettleJustAfterWattRefreshUntilRelayOpens(shed);

        Assert.True(latency >= TimeSpan.FromMilliseconds(500), "tripped inside the debounce");
        Assert.True(latency < TimeSpan.FromMilliseconds(870), $"tripped {latency.TotalMilliseconds:0} ms after the onset: the debounce did not start on the fast RMS");
        Alarm alarm = shed.RaisedAlarm(AlarmKind.PortOverload, "port:P1");
        Assert.InRange(alarm.Value!.Value, 1400, 1600);
        Assert.True(shed.Outlet("P2").ContactClosed);
    }

    [Fact]
    public void A_charger_whose_current_is_past_the_limits_equivalent_at_a_power_factor_under_one_is_not_tripped()
    {
        using var shed = new ShedHarness(Site);

        // P3's charger surges to 4 × its 2.8 A for 150 ms when its relay closes, past 1000 W / 220 V = 4.5 A.
        shed.PlugAndStart("P1", new EBikeCharger(BatteryChemistry.LeadAcid, 200, 0.3, 576));
        shed.PlugAndStart("P2", new EBikeCharger(BatteryChemistry.LeadAcid, 200, 0.3, 576));
        shed.PlugAndStart("P3", new EBikeCharger(BatteryChemistry.LeadAcid, 400, 0.3, 576) { Inrush = new Inrush(4, TimeSpan.FromMilliseconds(150)) });
        shed.RunFor(TimeSpan.FromSeconds(2));
        Assert.All(shed.Model.Outlets, o => Assert.True(o.ContactClosed, $"{o.Id} not charging"));

        // A charger without PFC draws PF 0.64: 900 W is 6.4 A at 220 V, past 4.5 A.
        ShedOutlet p1 = shed.Outlet("P1");
        p1.Plug(new OnsetLoad(p1.Load!, new EBikeCharger(BatteryChemistry.LeadAcid, 900, 0.3, 576), shed.Now + TimeSpan.FromMilliseconds(5)));
        shed.RunFor(TimeSpan.FromSeconds(4));

        Assert.True(p1.TrueCurrentA > 1000 / 220.0 * 1.3, $"P1 draws {p1.TrueCurrentA:0.0} A");
        Assert.Equal(PortState.Charging, shed.Port("P1").State);
        Assert.Equal(PortState.Charging, shed.Port("P3").State);
        Assert.False(shed.HasAlarm(AlarmKind.PortOverload, "port:P1"));
        Assert.False(shed.HasAlarm(AlarmKind.PortOverload, "port:P3"));
    }

    [Fact]
    public void Readings_of_a_charging_port_follow_the_model_and_a_silent_chip_faults_its_port_only()
    {
        using var shed = new ShedHarness(Site);
        shed.ChargeEveryPort();
        shed.RunFor(TimeSpan.FromSeconds(3));
        ShedOutlet p1 = shed.Outlet("P1");
        Assert.InRange(shed.Port("P1").PowerW!.Value, p1.TrueRealPowerW * 0.95, p1.TrueRealPowerW * 1.05);

        shed.Shed.MeteringIc("P2").Fault = Bl0942Fault.Silent;
        shed.RunUntil(() => shed.HasAlarm(AlarmKind.PortSensorFault, "port:P2"), TimeSpan.FromSeconds(10), "P2's sensor fault");

        Assert.Contains("no answer", shed.RaisedAlarm(AlarmKind.PortSensorFault, "port:P2").Detail, StringComparison.Ordinal);
        Assert.False(shed.Outlet("P2").ContactClosed);
        Assert.Equal(PortState.Charging, shed.Port("P1").State);
        Assert.Equal(PortState.Charging, shed.Port("P3").State);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(190)]
    [InlineData(420)]
    public void At_38400_baud_a_short_on_a_port_without_the_over_current_output_trips_within_a_mains_cycle(int afterMs)
    {
        // P3's chip has no output wired: at 38 400 baud a fast read of I_FAST_RMS is 1.6 ms, and between rounds every chip
        // of its UART is read at each look, so its next fast read comes within about 10 ms wherever in the round the
        // short begins (at 4800 baud: up to 150 ms, the test above).
        using var shed = new ShedHarness(SiteAt38400);
        shed.ChargeEveryPort();

        TimeSpan latency = ShortUntilRelayOpens(shed, "P3", TimeSpan.FromMilliseconds(afterMs));

        Assert.True(latency <= TimeSpan.FromMilliseconds(20), $"relay opened {latency.TotalMilliseconds} ms after the onset");
        Assert.Equal(38400, shed.Shed.MeteringIc("P3").BaudRate);
        Assert.True(shed.Outlet("P1").ContactClosed);
    }

    [Fact]
    public void At_38400_baud_an_overload_trips_within_the_debounce_and_150_ms()
    {
        using var shed = new ShedHarness(SiteAt38400);
        shed.ChargeEveryPort();

        TimeSpan latency = KettleJustAfterWattRefreshUntilRelayOpens(shed);

        Assert.True(latency >= TimeSpan.FromMilliseconds(500), "tripped inside the debounce");
        Assert.True(latency <= TimeSpan.FromMilliseconds(650), $"tripped {latency.TotalMilliseconds:0} ms after the onset");
        Assert.InRange(shed.RaisedAlarm(AlarmKind.PortOverload, "port:P1").Value!.Value, 1400, 1600);
    }

    /// <summary>A bolted short on the port <paramref name="after"/> from now; the shed time from its onset to the port's relay opening.</summary>
    private static TimeSpan ShortUntilRelayOpens(ShedHarness shed, string portId, TimeSpan after) =>
        shed.OnsetUntilRelayOpens(portId, new ShortCircuitLoad(), after, TimeSpan.FromSeconds(2));

    /// <summary>
    /// A 1500 W kettle on P1 30 ms after one of the chip's 400 ms WATT refreshes (shed time multiples of 400 ms): WATT shows
    /// it from the next one, so a debounce started by power could not trip before onset + 370 + 500 ms — the worst place
    /// for a decision on power. The shed time from the onset to P1's relay opening.
    /// </summary>
    private static TimeSpan KettleJustAfterWattRefreshUntilRelayOpens(ShedHarness shed)
    {
        var refresh = TimeSpan.FromMilliseconds(400);
        TimeSpan onset = TimeSpan.FromTicks(((shed.Now.Ticks / refresh.Ticks) + 1) * refresh.Ticks) + TimeSpan.FromMilliseconds(30);
        return shed.OnsetUntilRelayOpens("P1", new ResistiveLoad(1500, 220, "kettle"), onset - shed.Now, TimeSpan.FromSeconds(5));
    }
}
