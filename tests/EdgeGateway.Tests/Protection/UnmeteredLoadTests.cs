using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Metering;
using EdgeGateway.Hardware.Metering.SupplyMeters;
using EdgeGateway.Protection;

namespace EdgeGateway.Tests.Protection;

/// <summary>The supply meter in protection: unmetered load (tolerance, debounce, hysteresis), its faults, the shed overload on the measured supply.</summary>
public sealed class UnmeteredLoadTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private static readonly ShedProtectionSettings Rules = new()
    {
        AlarmClearAfter = TimeSpan.FromSeconds(10),
        Supply = new SupplyRuleSettings { UnmeteredToleranceW = 60, UnmeteredTolerancePercent = 5, UnmeteredDebounce = TimeSpan.FromSeconds(30) },
    };

    /// <summary>p1 (300 W) and p2 (400 W) charging, p3 idle.</summary>
    private static ShedHarness TwoCharging(ShedProtectionSettings? rules = null, PortProtectionSettings? port = null)
    {
        var h = new ShedHarness(rules ?? Rules, port);
        h.Start(0);
        h.Start(1);
        h.Advance(Second);
        return h;
    }

    /// <summary>One second: both ports measured, then the supply meter read at <paramref name="supplyW"/>.</summary>
    private static void OneSecond(ShedHarness h, double supplyW, double p1 = 300, double p2 = 400)
    {
        h.Advance(Second);
        h.Draw(0, p1);
        h.Draw(1, p2);
        h.Protection.OnSupplyPolled(SupplyMeterPoll.Read(new SupplyMeterReading(230, supplyW / 230, supplyW, 0.97, 50, 1234)));
    }

    private static void Seconds(ShedHarness h, int count, double supplyW)
    {
        for (int i = 0; i < count; i++)
        {
            OneSecond(h, supplyW);
        }
    }

    [Fact]
    public void Supply_within_the_tolerance_of_the_ports_sum_raises_nothing()
    {
        ShedHarness h = TwoCharging();

        // 700 W on the ports; 60 W of the shed's own (lights, the gateway) is within the 60 W tolerance.
        Seconds(h, 120, 760);

        Assert.Empty(h.Events.Raised(AlarmKind.UnmeteredLoad));
        Assert.Equal(60, h.Snapshot().Supply!.UnmeteredW, 6);
    }

    [Fact]
    public void Load_beyond_the_tolerance_for_the_debounce_raises_unmetered_load_and_cuts_nothing()
    {
        ShedHarness h = TwoCharging();
        long mark = h.Mark();

        // A 300 W tap before the port meters: 1000 W at the supply, 700 W on the ports.
        Seconds(h, 30, 1000);
        Assert.Empty(h.Events.Raised(AlarmKind.UnmeteredLoad));

        OneSecond(h, 1000);

        Alarm alarm = Assert.Single(h.Events.Raised(AlarmKind.UnmeteredLoad));
        Assert.Equal((AlarmSeverity.Major, "shed", 300d, 60d, "W"), (alarm.Severity, alarm.Source, alarm.Value, alarm.Threshold, alarm.Unit));
        Assert.Equal("supply meter reads 1000 W, the ports 700 W: 300 W drawn before the port meters (a tapped wire? a leaking cable?) for 30 s", alarm.Detail);
        Assert.Empty(h.Relays.WritesAfter(mark));
        Assert.NotNull(h.ShedAlarm(AlarmKind.UnmeteredLoad));

        Seconds(h, 60, 1000);
        Assert.Single(h.Events.Raised(AlarmKind.UnmeteredLoad));
    }

    [Fact]
    public void A_dip_under_the_tolerance_starts_the_debounce_again()
    {
        ShedHarness h = TwoCharging();

        Seconds(h, 25, 1000);
        OneSecond(h, 740);
        Seconds(h, 29, 1000);
        Assert.Empty(h.Events.Raised(AlarmKind.UnmeteredLoad));

        Seconds(h, 2, 1000);
        Assert.Single(h.Events.Raised(AlarmKind.UnmeteredLoad));
    }

    [Fact]
    public void On_a_large_supply_the_percentage_tolerance_applies()
    {
        ShedHarness h = TwoCharging(port: new PortProtectionSettings { MaxPowerW = 2500 });

        // 5 % of 4000 W is 200 W: 150 W unmetered is within it, 250 W is not.
        for (int i = 0; i < 60; i++)
        {
            OneSecond(h, 4000, 1900, 1950);
        }

        Assert.Empty(h.Events.Raised(AlarmKind.UnmeteredLoad));
        for (int i = 0; i < 31; i++)
        {
            OneSecond(h, 4000, 1850, 1900);
        }

        Alarm alarm = Assert.Single(h.Events.Raised(AlarmKind.UnmeteredLoad));
        Assert.Equal((250d, 200d), (alarm.Value, alarm.Threshold));
    }

    [Fact]
    public void The_alarm_clears_only_under_the_hysteresis_level_for_the_clear_time()
    {
        ShedHarness h = TwoCharging();
        Seconds(h, 31, 1000);
        Assert.Single(h.Events.Raised(AlarmKind.UnmeteredLoad));

        // 55 W is under the 60 W tolerance but above its 80 % (48 W): never clears.
        Seconds(h, 60, 755);
        Assert.Empty(h.Events.Cleared(AlarmKind.UnmeteredLoad));

        // 40 W: clears once it has stayed there for the 10 s clear time.
        Seconds(h, 9, 740);
        Assert.Empty(h.Events.Cleared(AlarmKind.UnmeteredLoad));
        Seconds(h, 2, 740);
        Assert.Single(h.Events.Cleared(AlarmKind.UnmeteredLoad));
        Assert.Null(h.ShedAlarm(AlarmKind.UnmeteredLoad));
    }

    [Fact]
    public void A_failed_poll_is_a_supply_meter_fault_and_a_dead_meter_never_raises_unmetered_load()
    {
        ShedHarness h = TwoCharging();
        Seconds(h, 20, 1000);

        for (int i = 0; i < 120; i++)
        {
            h.Advance(Second);
            h.Draw(0, 300);
            h.Draw(1, 400);
            h.Protection.OnSupplyPolled(SupplyMeterPoll.Failed("Eastron SDM120 at unit 1: Voltage (0000H): unit 1: no answer to function 04 (3 attempts)"));

            // The shed sensors' round does not clear the meter's fault.
            h.Sensors(ShedHarness.Quiet);
        }

        Alarm fault = Assert.Single(h.Events.Raised(AlarmKind.ShedSensorFault));
        Assert.Equal(ShedProtection.SupplyMeterSource, fault.Source);
        Assert.Contains("no answer", fault.Detail, StringComparison.Ordinal);
        Assert.Empty(h.Events.Raised(AlarmKind.UnmeteredLoad));
        Assert.Empty(h.Events.Cleared(AlarmKind.ShedSensorFault));
        Assert.Null(h.Snapshot().Supply);

        // It reads again: the fault clears after the clear time, and the unmetered debounce starts from scratch.
        Seconds(h, 11, 1000);
        Assert.Single(h.Events.Cleared(AlarmKind.ShedSensorFault));
        Assert.Empty(h.Events.Raised(AlarmKind.UnmeteredLoad));
        Seconds(h, 20, 1000);
        Assert.Single(h.Events.Raised(AlarmKind.UnmeteredLoad));
    }

    [Fact]
    public void A_meter_whose_polls_stop_coming_is_a_fault_not_a_frozen_reading()
    {
        ShedHarness h = TwoCharging();
        OneSecond(h, 700);
        Assert.NotNull(h.Snapshot().Supply);

        // No poll for longer than FreshFor (10 s).
        h.Advance(TimeSpan.FromSeconds(9));
        Assert.NotNull(h.Snapshot().Supply);
        h.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(h.Snapshot().Supply);

        Alarm fault = Assert.Single(h.Events.Raised(AlarmKind.ShedSensorFault));
        Assert.Equal(ShedProtection.SupplyMeterSource, fault.Source);
        Assert.Contains("no reading for 11 s", fault.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_port_whose_meter_fails_suspends_the_rule()
    {
        ShedHarness h = TwoCharging();
        for (int i = 0; i < 90; i++)
        {
            h.Advance(Second);
            h.Draw(0, 300);
            h.Measure(1, MeterReading.Failed("BL0942 1 on /dev/ttyAMA0: no answer within 150 ms"));
            h.Protection.OnSupplyPolled(SupplyMeterPoll.Read(new SupplyMeterReading(230, 3, 700, 0.97, 50, 1)));
        }

        Assert.Empty(h.Events.Raised(AlarmKind.UnmeteredLoad));
    }

    [Fact]
    public void Shed_overload_acts_on_the_measured_supply_when_it_is_the_larger()
    {
        ShedProtectionSettings rules = Rules with { MaxPowerW = 1500, OverloadDebounce = Second };
        ShedHarness h = TwoCharging(rules);
        h.Advance(TimeSpan.FromMinutes(1));
        long mark = h.Mark();

        // The ports draw 700 W; the supply meter reads 1800 W (a heater on a tapped wire).
        Seconds(h, 3, 1800);

        Alarm alarm = Assert.Single(h.Events.Raised(AlarmKind.ShedOverload));
        Assert.Equal(1800d, alarm.Value);
        Assert.NotEmpty(h.Events.After<SessionClosed>(mark));
        Assert.All(h.Events.After<SessionClosed>(mark), c => Assert.Equal(SessionEndReason.ShedOverload, c.Session.EndReason));
    }

    [Fact]
    public void Shed_overload_ignores_the_measured_supply_when_the_site_says_so()
    {
        ShedProtectionSettings rules = Rules with { MaxPowerW = 1500, OverloadDebounce = Second, Supply = Rules.Supply! with { ShedOverloadOnSupply = false } };
        ShedHarness h = TwoCharging(rules);

        Seconds(h, 5, 1800);

        Assert.Empty(h.Events.Raised(AlarmKind.ShedOverload));
    }
}
