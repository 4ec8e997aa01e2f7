using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Simulation.Shed;

namespace EdgeGateway.Tests.Simulation;

/// <summary>
/// The malicious-load rule end to end on the simulated shed: chargers with active PFC (power factor near 1, a flat CC
/// stage) charge on; heaters and kettles are locked out within the window, as before.
/// </summary>
public sealed class LoadClassificationOnSimulatedShedTests
{
    // Long enough sessions for a 30-minute charge, and a port limit above a kettle's 1500 W so the malicious-load rule,
    // not overload, is what decides.
    private static readonly string SiteYaml = ShedHarness.SiteYaml
        .Replace("    maxSessionHours: 0.05", "    maxSessionHours: 1\n    maxPowerW: 2000", StringComparison.Ordinal);

    // The 5 s window, a round to close the relay, a round whose read straddles the contacts closing, and a round of slack
    // (rounds are 500 ms).
    private static readonly TimeSpan WithinTheWindow = TimeSpan.FromSeconds(7);

    [Fact]
    public void A_250_W_pfc_charger_at_pf_0_99_with_a_flat_cc_stage_is_not_locked_out_over_a_30_minute_charge()
    {
        using var shed = new ShedHarness(SiteYaml);
        var charger = new PfcCharger(BatteryChemistry.Lithium, 250, 0.99, 0.3, 720);
        shed.PlugAndStart("P1", charger);

        double minPowerFactor = 1, maxPowerFactor = 0, minW = double.MaxValue, maxW = 0;
        TimeSpan settled = shed.Now + TimeSpan.FromSeconds(2);
        TimeSpan until = shed.Now + TimeSpan.FromMinutes(30);
        while (shed.Now < until)
        {
            shed.Round();
            PortSnapshot p1 = shed.Port("P1");

            // From the first whole measurement with the relay closed (a read can straddle the contacts closing).
            if (shed.Now > settled && p1.State == PortState.Charging && p1.PowerFactor is { } pf && p1.PowerW is { } w && w > 0)
            {
                (minPowerFactor, maxPowerFactor) = (Math.Min(minPowerFactor, pf), Math.Max(maxPowerFactor, pf));
                (minW, maxW) = (Math.Min(minW, w), Math.Max(maxW, w));
            }
        }

        Assert.False(shed.HasAlarm(AlarmKind.PortMaliciousLoad, "port:P1"));
        Assert.Empty(shed.EventsOf<SessionClosed>());
        Assert.Equal(PortState.Charging, shed.Port("P1").State);
        Assert.True(shed.RelayClosed("P1"));

        // What the old rule saw: a power factor above its 0.97 and a draw flat within its 3 %, all charge long.
        Assert.InRange(minPowerFactor, 0.98, 1);
        Assert.InRange(maxPowerFactor, 0.98, 1);
        Assert.True((maxW - minW) / minW < 0.03, $"draw {minW:0.0}–{maxW:0.0} W");
        Assert.InRange(charger.StateOfCharge, 0.4, 0.85);
    }

    [Theory]
    [InlineData(600, "heater")]
    [InlineData(1500, "kettle")]
    public void A_heater_or_a_kettle_used_as_one_is_locked_out_within_the_window(double watts, string name)
    {
        using var shed = new ShedHarness(SiteYaml);
        DateTimeOffset plugged = shed.Shed.Clock.GetUtcNow();
        shed.PlugAndStart("P2", new ResistiveLoad(watts, 220, name));

        shed.RunUntil(() => shed.HasAlarm(AlarmKind.PortMaliciousLoad, "port:P2"), TimeSpan.FromMinutes(1), "malicious-load lockout");

        Alarm alarm = shed.RaisedAlarm(AlarmKind.PortMaliciousLoad, "port:P2");
        Assert.InRange(alarm.RaisedAt - plugged, TimeSpan.FromSeconds(5), WithinTheWindow);
        Assert.Contains("current a copy of the voltage within", alarm.Detail, StringComparison.Ordinal);
        Assert.Equal("port_malicious_load", shed.Port("P2").Lockout);
        Assert.False(shed.RelayClosed("P2"));
    }

    [Fact]
    public void A_300_W_thermostatic_heater_is_locked_out_within_the_window_of_its_element_switching_on()
    {
        using var shed = new ShedHarness(SiteYaml);
        DateTimeOffset plugged = shed.Shed.Clock.GetUtcNow();

        // 20 s of its 2-minute on period left when plugged in.
        shed.PlugAndStart("P3", new ThermostaticHeater(300, 220, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(3), TimeSpan.FromSeconds(100)));

        shed.RunUntil(() => shed.HasAlarm(AlarmKind.PortMaliciousLoad, "port:P3"), TimeSpan.FromMinutes(1), "malicious-load lockout");

        Assert.InRange(shed.RaisedAlarm(AlarmKind.PortMaliciousLoad, "port:P3").RaisedAt - plugged, TimeSpan.FromSeconds(5), WithinTheWindow);
        Assert.Equal("port_malicious_load", shed.Port("P3").Lockout);
    }
}
