using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Simulation.Mcp3208;
using EdgeGateway.Hardware.Simulation.Shed;

namespace EdgeGateway.Tests.Simulation;

/// <summary>
/// Every protection rule, driven end to end: the shed model's currents through the simulated chips,
/// the real Iot.Device bindings, the sampler and protection, and back out to the relay pins.
/// </summary>
public sealed class ProtectionOnSimulatedShedTests
{
    private static EBikeCharger Lithium(double watts = 200, double soc = 0.3, double capacityWh = 720, bool dc = false) =>
        new(BatteryChemistry.Lithium, watts, soc, capacityWh, dc);

    private static EBikeCharger LeadAcid(double watts = 200, double soc = 0.3, double capacityWh = 576) =>
        new(BatteryChemistry.LeadAcid, watts, soc, capacityWh);

    [Fact]
    public void Relays_are_open_from_start_close_only_for_a_session_and_open_again_on_shutdown()
    {
        var shed = new ShedHarness();
        Assert.All(shed.Model.Outlets, o => Assert.False(o.CoilEnergized));
        Assert.True(shed.Shed.Gpio.IsOutput(5));
        Assert.Equal(System.Device.Gpio.PinValue.Low, shed.Shed.Gpio.OutputLevel(5));
        Assert.Equal(0, shed.Shed.Expander("relays").OutputLevels);

        shed.PlugAndStart("P1", Lithium());
        shed.PlugAndStart("P3", LeadAcid());
        shed.Round();
        Assert.True(shed.RelayClosed("P1"));
        Assert.True(shed.RelayClosed("P3"));
        Assert.Equal(1, shed.Shed.Expander("relays").OutputLevels);
        Assert.False(shed.RelayClosed("P2"));

        shed.Dispose();

        Assert.All(shed.Model.Outlets, o => Assert.False(o.CoilEnergized));
        // Resuming after a restart is on by default: a stop suspends the sessions for the journal instead of closing them.
        Assert.Empty(shed.EventsOf<SessionClosed>());
        Assert.Equal(2, shed.EventsOf<SessionSuspended>().Count());
    }

    [Fact]
    public void Overload_opens_that_ports_relay_on_the_measurement_that_ends_the_debounce_and_no_other()
    {
        using var shed = new ShedHarness();
        shed.PlugAndStart("P1", Lithium());
        shed.PlugAndStart("P3", LeadAcid());
        shed.RunFor(TimeSpan.FromSeconds(2));

        shed.PlugAndStart("P2", new EBikeCharger(BatteryChemistry.LeadAcid, 1500, 0.2, 1000));
        shed.RunUntil(() => shed.Port("P2").State == PortState.Disabled, TimeSpan.FromSeconds(10), "overload trip");

        // Measured out of turn once the scan sees the rise and again when the debounce runs out: the relay opens on
        // that measurement, the debounce and a measurement or two after the charger started drawing, not rounds later.
        Alarm alarm = shed.RaisedAlarm(AlarmKind.PortOverload, "port:P2");
        SessionStarted started = shed.EventsOf<SessionStarted>().Single(s => s.PortId == "P2");
        Assert.InRange(alarm.RaisedAt - started.At, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(650));
        Assert.InRange(alarm.Value!.Value, 1400, 1600);
        Assert.Equal(1000, alarm.Threshold);
        Assert.Equal("port_overload", shed.Port("P2").Lockout);
        Assert.False(shed.RelayClosed("P2"));
        Assert.True(shed.RelayClosed("P1"));
        Assert.True(shed.RelayClosed("P3"));
        Assert.DoesNotContain(shed.EventsOf<PortStateChanged>(), e => e.PortId != "P2" && e.To != PortState.Charging);
        ChargingSession session = shed.EventsOf<SessionClosed>().Single().Session;
        Assert.Equal(SessionEndReason.Overload, session.EndReason);
        Assert.InRange(session.PeakPowerW, 1400, 1600);
    }

    [Fact]
    public async Task Locked_out_port_refuses_start_and_enable_and_comes_back_only_through_reset_with_a_reason()
    {
        using var shed = new ShedHarness();
        shed.PlugAndStart("P2", new EBikeCharger(BatteryChemistry.LeadAcid, 1500, 0.2, 1000));
        shed.RunUntil(() => shed.Port("P2").State == PortState.Disabled, TimeSpan.FromSeconds(10), "overload trip");
        shed.Outlet("P2").Unplug();

        Task<CommandResult> start = shed.Command(PortCommandKind.Start, "P2");
        Task<CommandResult> enable = shed.Command(PortCommandKind.Enable, "P2", "maintenance-li");
        Task<CommandResult> resetWithoutReason = shed.Command(PortCommandKind.Reset, "P2", "maintenance-li");
        shed.Round();
        Task<CommandResult> reset = shed.Command(PortCommandKind.Reset, "P2", "maintenance-li", "modified charger removed");
        shed.Round();
        shed.PlugAndStart("P2", Lithium());
        shed.Round();

        Assert.False((await start).Accepted);
        Assert.Contains("port_reset", (await start).Message, StringComparison.Ordinal);
        Assert.False((await enable).Accepted);
        Assert.False((await resetWithoutReason).Accepted);
        Assert.True((await reset).Accepted);
        Assert.Contains(shed.EventsOf<AlarmCleared>(), c => c.Alarm.Kind == AlarmKind.PortOverload && c.Reason.Contains("maintenance-li", StringComparison.Ordinal));
        Assert.Equal(PortState.Charging, shed.Port("P2").State);
        Assert.True(shed.RelayClosed("P2"));
    }

    [Fact]
    public void Short_circuit_opens_the_relay_in_the_first_measurement_that_sees_it()
    {
        using var shed = new ShedHarness();
        shed.PlugAndStart("P1", Lithium());
        shed.Round();

        shed.PlugAndStart("P2", new ShortCircuitLoad());
        shed.RunUntil(() => shed.Port("P2").State == PortState.Disabled, TimeSpan.FromSeconds(2), "short-circuit trip");

        Alarm alarm = shed.RaisedAlarm(AlarmKind.PortShortCircuit, "port:P2");
        SessionStarted started = shed.EventsOf<SessionStarted>().Single(s => s.PortId == "P2");
        Assert.Equal(AlarmSeverity.Critical, alarm.Severity);
        Assert.True(alarm.Value >= 40);

        // The relay closed at the start command and opened at P2's very next measurement, within one round.
        Assert.True(alarm.RaisedAt - started.At < TimeSpan.FromMilliseconds(500), $"tripped {alarm.RaisedAt - started.At} after the start");
        Assert.False(shed.RelayClosed("P2"));
        Assert.True(shed.RelayClosed("P1"));
    }

    [Fact]
    public void Two_bolted_shorts_at_the_same_instant_are_each_tripped_within_a_mains_cycle_while_another_port_is_measured()
    {
        using var shed = new ShedHarness();
        shed.PlugAndStart("P1", Lithium());
        shed.RunFor(TimeSpan.FromSeconds(2));
        double healthy = shed.Port("P1").VoltageV!.Value;

        // Both start in the same round, before P1 (sampled first) is measured: the fault-current scan between P1's
        // sample pairs sees each of them (the busbar sags to about 100 V, and each still draws hundreds of amps).
        shed.PlugAndStart("P2", new ShortCircuitLoad());
        shed.PlugAndStart("P3", new ShortCircuitLoad());
        shed.Round();

        foreach (string id in new[] { "P2", "P3" })
        {
            Alarm alarm = shed.RaisedAlarm(AlarmKind.PortShortCircuit, "port:" + id);
            SessionStarted started = shed.EventsOf<SessionStarted>().Single(s => s.PortId == id);
            Assert.True(alarm.Value >= 40, $"{id}: {alarm.Value} A");
            Assert.True(alarm.RaisedAt - started.At <= TimeSpan.FromMilliseconds(20), $"{id} tripped {alarm.RaisedAt - started.At} after the start");
            Assert.Equal(PortState.Disabled, shed.Port(id).State);
            Assert.False(shed.RelayClosed(id));
        }

        shed.Round();
        Assert.InRange(shed.Port("P1").VoltageV!.Value, healthy - 6, healthy + 6);
        Assert.True(shed.RelayClosed("P1"));
        Assert.Equal(PortState.Charging, shed.Port("P1").State);
    }

    [Fact]
    public async Task Shed_overload_cuts_the_newest_sessions_until_the_shed_is_under_its_limit()
    {
        using var shed = new ShedHarness();
        shed.PlugAndStart("P1", new EBikeCharger(BatteryChemistry.LeadAcid, 900, 0.2, 5000));
        shed.RunFor(TimeSpan.FromSeconds(2));
        shed.PlugAndStart("P2", new EBikeCharger(BatteryChemistry.LeadAcid, 900, 0.2, 5000));
        shed.RunFor(TimeSpan.FromSeconds(2));
        shed.PlugAndStart("P3", new EBikeCharger(BatteryChemistry.LeadAcid, 900, 0.2, 5000));

        shed.RunUntil(() => shed.HasAlarm(AlarmKind.ShedOverload, "shed"), TimeSpan.FromSeconds(5), "shed overload");

        Assert.Equal(SessionEndReason.ShedOverload, shed.EventsOf<SessionClosed>().Single().Session.EndReason);
        Assert.Equal("P3", shed.EventsOf<SessionClosed>().Single().Session.PortId);
        Assert.False(shed.RelayClosed("P3"));
        Assert.True(shed.RelayClosed("P1"));
        Assert.True(shed.RelayClosed("P2"));

        Task<CommandResult> restart = shed.Command(PortCommandKind.Start, "P3");
        shed.RunFor(TimeSpan.FromSeconds(6));
        Assert.False((await restart).Accepted);
        Assert.Single(shed.EventsOf<AlarmRaised>(), e => e.Alarm.Kind == AlarmKind.ShedOverload);
        Assert.Contains(shed.EventsOf<AlarmCleared>(), e => e.Alarm.Kind == AlarmKind.ShedOverload);
    }

    [Fact]
    public void Lithium_charger_that_tapers_and_switches_off_ends_the_session_as_complete()
    {
        using var shed = new ShedHarness();
        shed.PlugAndStart("P1", Lithium(watts: 150, soc: 0.975, capacityWh: 150));

        shed.RunUntil(() => shed.Port("P1").State == PortState.Complete, TimeSpan.FromMinutes(30), "charge complete");

        ChargingSession session = shed.EventsOf<SessionClosed>().Single().Session;
        Assert.Equal(SessionEndReason.Complete, session.EndReason);
        Assert.False(shed.RelayClosed("P1"));
        Assert.InRange(session.EnergyWh, shed.Outlet("P1").DeliveredWh * 0.97, shed.Outlet("P1").DeliveredWh * 1.03);
        Assert.DoesNotContain(shed.EventsOf<AlarmRaised>(), e => e.Alarm.Kind == AlarmKind.PortNoLoad);
    }

    [Fact]
    public void Lead_acid_float_stage_below_the_floor_for_the_hold_time_ends_the_session_as_complete()
    {
        using var shed = new ShedHarness();
        // A tiny battery, so bulk, absorption and float all fit inside the harness's 3-minute session limit.
        EBikeCharger charger = LeadAcid(watts: 200, soc: 0.85, capacityWh: 6);
        shed.PlugAndStart("P3", charger);

        shed.RunUntil(() => shed.Port("P3").State == PortState.Complete, TimeSpan.FromMinutes(3), "charge complete");

        // Through absorption into float (8 W: above no-load, below the 15 W floor) for the one-minute hold.
        Assert.True(charger.StateOfCharge >= 0.96, $"SoC {charger.StateOfCharge}");
        ChargingSession session = shed.EventsOf<SessionClosed>().Single().Session;
        Assert.Equal(SessionEndReason.Complete, session.EndReason);
        Assert.True(session.Duration > TimeSpan.FromMinutes(1));
        Assert.True(session.PeakPowerW > 100);
        Assert.False(shed.RelayClosed("P3"));
    }

    [Fact]
    public void Float_charger_at_5_5_W_runs_to_the_complete_hold_instead_of_ending_on_a_noisy_reading()
    {
        using var shed = new ShedHarness();
        shed.PlugAndStart("P1", new FloatCharger(5.5, shed.Model.Random));

        shed.RunUntil(() => shed.EventsOf<SessionClosed>().Any(), TimeSpan.FromMinutes(2), "session end");

        ChargingSession session = shed.EventsOf<SessionClosed>().Single().Session;
        Assert.Equal(SessionEndReason.Complete, session.EndReason);

        // The harness's hold is one minute; the tail begins at the first reading.
        Assert.InRange(session.Duration, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Unplug_during_a_low_tail_ends_as_no_load_not_complete()
    {
        using var shed = new ShedHarness();

        // A nearly full lithium pack: the charger is in its CV tail at about 9 W from the start.
        shed.PlugAndStart("P1", Lithium(watts: 150, soc: 0.985, capacityWh: 150));
        shed.RunFor(TimeSpan.FromSeconds(20));
        Assert.InRange(shed.Port("P1").PowerW!.Value, 6, 14);

        shed.Outlet("P1").Unplug();
        shed.RunUntil(() => shed.EventsOf<SessionClosed>().Any(), TimeSpan.FromSeconds(30), "session end");

        Assert.Equal(SessionEndReason.NoLoad, shed.EventsOf<SessionClosed>().Single().Session.EndReason);
        Assert.Equal(PortState.Idle, shed.Port("P1").State);
    }

    [Fact]
    public void Start_with_nothing_drawing_power_ends_with_no_load_after_the_timeout()
    {
        using var shed = new ShedHarness();
        shed.Model.RequestStart(shed.Outlet("P2"));

        shed.RunUntil(() => shed.EventsOf<SessionClosed>().Any(), TimeSpan.FromSeconds(30), "no-load end");

        ChargingSession session = shed.EventsOf<SessionClosed>().Single().Session;
        Assert.Equal(SessionEndReason.NoLoad, session.EndReason);
        Assert.InRange(session.Duration, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(11));
        Assert.Equal(AlarmSeverity.Info, shed.RaisedAlarm(AlarmKind.PortNoLoad, "port:P2").Severity);
        Assert.Equal(PortState.Idle, shed.Port("P2").State);
        Assert.False(shed.RelayClosed("P2"));
    }

    [Fact]
    public void Charger_pulled_out_mid_session_ends_with_no_load()
    {
        using var shed = new ShedHarness();
        shed.PlugAndStart("P1", Lithium());
        shed.RunFor(TimeSpan.FromSeconds(5));

        shed.Outlet("P1").Unplug();
        shed.RunUntil(() => shed.EventsOf<SessionClosed>().Any(), TimeSpan.FromSeconds(30), "no-load end");

        Assert.Equal(SessionEndReason.NoLoad, shed.EventsOf<SessionClosed>().Single().Session.EndReason);
        Assert.Contains("pulled out", shed.RaisedAlarm(AlarmKind.PortNoLoad, "port:P1").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Session_reaching_the_maximum_length_is_ended()
    {
        using var shed = new ShedHarness();
        shed.PlugAndStart("P1", LeadAcid(capacityWh: 5000));

        shed.RunUntil(() => shed.EventsOf<SessionClosed>().Any(), TimeSpan.FromMinutes(5), "max duration");

        ChargingSession session = shed.EventsOf<SessionClosed>().Single().Session;
        Assert.Equal(SessionEndReason.MaxDuration, session.EndReason);
        Assert.InRange(session.Duration, TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(3) + TimeSpan.FromSeconds(1));
        Assert.True(shed.HasAlarm(AlarmKind.PortMaxDuration, "port:P1"));
        Assert.InRange(session.EnergyWh, 9, 11);
    }

    [Fact]
    public void Heater_is_locked_out_as_malicious_load_while_a_charger_of_similar_power_is_not()
    {
        using var shed = new ShedHarness();
        shed.PlugAndStart("P1", new EBikeCharger(BatteryChemistry.LeadAcid, 600, 0.2, 5000));
        shed.PlugAndStart("P2", new ResistiveLoad(600, 220, "heater"));

        shed.RunFor(TimeSpan.FromSeconds(15));

        Alarm alarm = shed.RaisedAlarm(AlarmKind.PortMaliciousLoad, "port:P2");
        Assert.True(alarm.Value > 0.99);
        Assert.Equal("port_malicious_load", shed.Port("P2").Lockout);
        Assert.False(shed.RelayClosed("P2"));
        Assert.Equal(PortState.Charging, shed.Port("P1").State);
        Assert.InRange(shed.Port("P1").PowerFactor!.Value, 0.55, 0.75);
    }

    [Fact]
    public async Task Over_temperature_turns_every_port_off_refuses_starts_and_clears_when_the_cabinet_cools()
    {
        using var shed = new ShedHarness();
        shed.PlugAndStart("P1", Lithium());
        shed.PlugAndStart("D1", Lithium(dc: true));
        shed.RunFor(TimeSpan.FromSeconds(2));

        shed.Model.TemperatureRamp = (70, 60);
        shed.RunUntil(() => shed.HasAlarm(AlarmKind.OverTemperature, "shed"), TimeSpan.FromMinutes(2), "over-temperature");

        Assert.All(shed.Model.Outlets, o => Assert.False(o.CoilEnergized));
        Assert.All(shed.EventsOf<SessionClosed>(), e => Assert.Equal(SessionEndReason.OverTemperature, e.Session.EndReason));
        Assert.True(shed.RaisedAlarm(AlarmKind.OverTemperature, "shed").Value >= 60);
        Task<CommandResult> refused = shed.Command(PortCommandKind.Start, "P2");
        shed.Round();
        Assert.False((await refused).Accepted);

        shed.Model.TemperatureRamp = (25, 60);
        shed.RunUntil(() => shed.EventsOf<AlarmCleared>().Any(c => c.Alarm.Kind == AlarmKind.OverTemperature), TimeSpan.FromMinutes(3), "clear");
        Task<CommandResult> accepted = shed.Command(PortCommandKind.Start, "P1");
        shed.Round();
        Assert.True((await accepted).Accepted);
    }

    [Fact]
    public void Sessions_cut_by_over_temperature_resume_when_the_cabinet_has_cooled_on_a_site_that_allows_it()
    {
        using var shed = new ShedHarness(ShedHarness.SiteYaml.Replace("    alarmClearSeconds: 5", "    alarmClearSeconds: 5\n    resumeAfterOverTemperature: true", StringComparison.Ordinal));
        shed.PlugAndStart("P1", Lithium());
        shed.RunFor(TimeSpan.FromSeconds(2));
        string id = shed.Port("P1").SessionId!;

        shed.Model.TemperatureRamp = (70, 60);
        shed.RunUntil(() => shed.HasAlarm(AlarmKind.OverTemperature, "shed"), TimeSpan.FromMinutes(2), "over-temperature");
        shed.Round();
        Assert.False(shed.RelayClosed("P1"));
        Assert.Empty(shed.EventsOf<SessionClosed>());
        Assert.Equal(id, shed.EventsOf<SessionSuspended>().Single().SessionId);

        shed.Model.TemperatureRamp = (25, 60);
        shed.RunUntil(() => shed.EventsOf<SessionResumed>().Any(), TimeSpan.FromMinutes(1), "resume");

        Assert.True(shed.RelayClosed("P1"));
        SessionResumed resumed = shed.EventsOf<SessionResumed>().Single();
        Assert.Equal(("P1", id), (resumed.PortId, resumed.SessionId));
        AlarmCleared cleared = shed.EventsOf<AlarmCleared>().Single(c => c.Alarm.Kind == AlarmKind.OverTemperature);
        Assert.True(cleared.At <= resumed.At);
        shed.RunFor(TimeSpan.FromSeconds(3));
        Assert.InRange(shed.Port("P1").PowerW!.Value, 150, 250);
        Assert.Empty(shed.EventsOf<SessionClosed>());
    }

    [Fact]
    public void Smoke_turns_every_port_off_and_clears_after_the_detector_is_quiet()
    {
        using var shed = new ShedHarness();
        shed.PlugAndStart("P1", Lithium());
        shed.PlugAndStart("P3", LeadAcid());
        shed.RunFor(TimeSpan.FromSeconds(2));

        shed.Model.SetSmoke(true);
        shed.Round();
        Assert.False(shed.HasAlarm(AlarmKind.Smoke, "shed"));
        shed.Round();

        Assert.Equal(AlarmSeverity.Critical, shed.RaisedAlarm(AlarmKind.Smoke, "shed").Severity);
        Assert.All(shed.Model.Outlets, o => Assert.False(o.CoilEnergized));
        Assert.All(shed.EventsOf<SessionClosed>(), e => Assert.Equal(SessionEndReason.Smoke, e.Session.EndReason));

        shed.Model.SetSmoke(false);
        shed.RunFor(TimeSpan.FromSeconds(7));
        Assert.Contains(shed.EventsOf<AlarmCleared>(), c => c.Alarm.Kind == AlarmKind.Smoke);
    }

    [Fact]
    public void Ct_input_failing_on_an_idle_port_is_a_meter_fault_of_that_port_only()
    {
        using var shed = new ShedHarness();
        shed.PlugAndStart("P1", Lithium());
        shed.PlugAndStart("P3", LeadAcid());
        shed.RunFor(TimeSpan.FromSeconds(2));

        shed.Outlet("P2").InputFault = SensorInputFault.Open;
        shed.RunFor(TimeSpan.FromSeconds(3));

        Assert.Equal(PortState.Fault, shed.Port("P2").State);
        Assert.Contains("current transformer adc0 ch2: stuck at code 0", shed.RaisedAlarm(AlarmKind.PortSensorFault, "port:P2").Detail, StringComparison.Ordinal);
        Assert.True(shed.RelayClosed("P1"));
        Assert.True(shed.RelayClosed("P3"));
        Assert.Empty(shed.EventsOf<SessionClosed>());

        shed.Outlet("P2").InputFault = SensorInputFault.None;
        shed.RunFor(TimeSpan.FromSeconds(8));
        Assert.Equal(PortState.Idle, shed.Port("P2").State);
        Assert.Contains(shed.EventsOf<AlarmCleared>(), c => c.Alarm.Kind == AlarmKind.PortSensorFault);
    }

    [Fact]
    public void Ct_input_dropping_to_a_rail_while_charging_is_a_meter_fault_that_clears_when_repaired_not_a_short_circuit_lockout()
    {
        using var shed = new ShedHarness();
        shed.PlugAndStart("P1", Lithium());
        shed.PlugAndStart("P2", Lithium());
        shed.RunFor(TimeSpan.FromSeconds(2));

        // 0 V on the input is 49.5 A from its bias, past the short-circuit threshold, but it never alternates: the
        // whole-cycle check finds the broken input, and the port goes off as a port that cannot be metered.
        shed.Outlet("P2").InputFault = SensorInputFault.Open;
        shed.RunFor(TimeSpan.FromSeconds(3));

        Assert.False(shed.RelayClosed("P2"));
        Assert.False(shed.HasAlarm(AlarmKind.PortShortCircuit, "port:P2"));
        Assert.Contains("stuck at code 0", shed.RaisedAlarm(AlarmKind.PortSensorFault, "port:P2").Detail, StringComparison.Ordinal);
        Assert.Equal(SessionEndReason.SensorFault, shed.EventsOf<SessionClosed>().Single(e => e.Session.PortId == "P2").Session.EndReason);
        Assert.True(shed.RelayClosed("P1"));
        Assert.Equal(PortState.Charging, shed.Port("P1").State);

        shed.Outlet("P2").InputFault = SensorInputFault.None;
        shed.RunFor(TimeSpan.FromSeconds(8));
        Assert.Equal(PortState.Idle, shed.Port("P2").State);
        Assert.Null(shed.Port("P2").Lockout);
        Assert.Contains(shed.EventsOf<AlarmCleared>(), c => c.Alarm.Kind == AlarmKind.PortSensorFault && c.Alarm.Source == "port:P2");
    }

    [Fact]
    public void Adc_that_stops_answering_faults_its_ports_and_spares_the_others()
    {
        using var shed = new ShedHarness();
        shed.PlugAndStart("P1", Lithium());
        shed.PlugAndStart("P3", LeadAcid());
        shed.RunFor(TimeSpan.FromSeconds(2));

        shed.Shed.Adc("adc1").Fault = Mcp3208Fault.NotAnswering;
        shed.RunFor(TimeSpan.FromSeconds(3));

        Assert.Equal(PortState.Fault, shed.Port("P3").State);
        Assert.False(shed.RelayClosed("P3"));
        Assert.Equal(PortState.Charging, shed.Port("P1").State);
        Assert.True(shed.RelayClosed("P1"));
    }

    [Fact]
    public void Adc_returning_one_code_is_a_stuck_meter()
    {
        using var shed = new ShedHarness();
        shed.PlugAndStart("P3", LeadAcid());
        shed.RunFor(TimeSpan.FromSeconds(2));

        shed.Shed.Adc("adc1").Fault = Mcp3208Fault.StuckCode;
        shed.RunFor(TimeSpan.FromSeconds(3));

        Assert.Contains("stuck", shed.RaisedAlarm(AlarmKind.PortSensorFault, "port:P3").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Dc_meter_that_stops_answering_faults_its_port_and_others_charge_on()
    {
        using var shed = new ShedHarness();
        shed.PlugAndStart("P1", Lithium());
        shed.PlugAndStart("D1", Lithium(dc: true));
        shed.RunFor(TimeSpan.FromSeconds(2));
        Assert.InRange(shed.Port("D1").PowerW!.Value, 190, 210);

        shed.Shed.DcMeter("D1").Answering = false;
        shed.RunFor(TimeSpan.FromSeconds(3));

        Assert.Equal(PortState.Fault, shed.Port("D1").State);
        Assert.False(shed.RelayClosed("D1"));
        Assert.Contains("INA219 0x40 on mux0/2", shed.RaisedAlarm(AlarmKind.PortSensorFault, "port:D1").Detail, StringComparison.Ordinal);
        Assert.True(shed.RelayClosed("P1"));
    }

    [Fact]
    public void Dc_short_circuit_trips_the_dc_port()
    {
        using var shed = new ShedHarness();
        shed.PlugAndStart("D1", new ShortCircuitLoad());

        shed.RunFor(TimeSpan.FromSeconds(1));

        Assert.True(shed.HasAlarm(AlarmKind.PortShortCircuit, "port:D1"));
        Assert.False(shed.RelayClosed("D1"));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(150)]
    [InlineData(330)]
    public void Dc_short_circuit_in_a_dc_cabinet_trips_within_a_mains_cycle_wherever_in_the_round_it_begins(int afterMs)
    {
        // Each slot's INA219 is measured once a round; its shunt is also read alone between the other slots' measurements
        // and at every look between rounds (every 3 ms), so a short is seen within milliseconds, not at the next round.
        using var shed = new ShedHarness(siteFile: EdgeGateway.Tests.Configuration.SiteYaml.ShippedSite("dc-cabinet.yaml"));
        foreach (ShedOutlet outlet in shed.Model.Outlets)
        {
            shed.PlugAndStart(outlet.Id, Lithium(dc: true));
        }

        shed.RunFor(TimeSpan.FromSeconds(2));
        TimeSpan latency = ShortOnDcPort(shed, "S04", afterMs);

        Assert.True(latency <= TimeSpan.FromMilliseconds(20), $"relay opened {latency.TotalMilliseconds} ms after the onset");
        Assert.True(shed.HasAlarm(AlarmKind.PortShortCircuit, "port:S04"));
        Assert.True(shed.RelayClosed("S03"));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(150)]
    [InlineData(330)]
    public void Dc_short_circuit_beside_ac_ports_trips_within_a_mains_cycle_wherever_in_the_round_it_begins(int afterMs)
    {
        // Between rounds D1's shunt is read at every look; inside a round, at every zero crossing of each AC port's
        // measurement (about every 10 ms: MainsCycleSampler.AtHalfCycle), whose sample times account for the pause.
        using var shed = new ShedHarness();
        shed.PlugAndStart("P1", Lithium());
        shed.PlugAndStart("P2", Lithium());
        shed.PlugAndStart("D1", Lithium(dc: true));
        shed.RunFor(TimeSpan.FromSeconds(2));

        TimeSpan latency = ShortOnDcPort(shed, "D1", afterMs);

        Assert.True(latency <= TimeSpan.FromMilliseconds(20), $"relay opened {latency.TotalMilliseconds} ms after the onset");
        Assert.True(shed.RelayClosed("P1"));
    }

    [Theory]
    [InlineData("dc-cabinet", 2)]
    [InlineData("dc-cabinet", 150)]
    [InlineData("dc-cabinet", 330)]
    [InlineData("mixed", 2)]
    [InlineData("mixed", 150)]
    [InlineData("mixed", 330)]
    public void Dc_overload_trips_within_the_debounce_and_150_ms_wherever_in_the_round_it_begins(string site, int afterMs)
    {
        // 450 W DC-side limit, 500 ms debounce. The DC port is measured once a round; its shunt read alone between
        // measurements, at the AC ports' crossings and between rounds starts the debounce as soon as the current passes
        // 450 W over the pack's voltage, and the port is measured out of turn when the debounce has run out.
        using ShedHarness shed = site == "mixed"
            ? new ShedHarness(GeneratedShedSite.Yaml(20, GeneratedMeter.AcWithDc))
            : new ShedHarness(siteFile: EdgeGateway.Tests.Configuration.SiteYaml.ShippedSite("dc-cabinet.yaml"));
        foreach (ShedOutlet outlet in shed.Model.Outlets)
        {
            shed.PlugAndStart(outlet.Id, Lithium(dc: outlet.IsDc));
        }

        shed.RunFor(TimeSpan.FromSeconds(2));
        string portId = site == "mixed" ? "P08" : "S04";
        Assert.True(shed.RelayClosed(portId));

        TimeSpan latency = shed.OnsetUntilRelayOpens(portId, Lithium(watts: 700, dc: true), TimeSpan.FromMilliseconds(afterMs), TimeSpan.FromSeconds(3));

        Assert.InRange(latency, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(650));
        Assert.True(shed.HasAlarm(AlarmKind.PortOverload, $"port:{portId}"));
        Assert.All(shed.Model.Outlets.Where(o => o.Id != portId), o => Assert.True(shed.RelayClosed(o.Id), $"{o.Id} opened"));
    }

    private static TimeSpan ShortOnDcPort(ShedHarness shed, string portId, int afterMs)
    {
        Assert.True(shed.RelayClosed(portId));
        return shed.OnsetUntilRelayOpens(portId, new ShortCircuitLoad(), TimeSpan.FromMilliseconds(afterMs), TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void Relay_that_never_closes_is_a_relay_fault_on_a_port_with_contact_feedback_and_no_load_without()
    {
        string site = ShedHarness.SiteYaml
            .Replace("    relay: { gpio: 5 }", "    relay: { gpio: 5, feedback: { gpio: 17, activeLow: true } }", StringComparison.Ordinal)
            .Replace("    relay: { expander: relays, pin: 0 }", "    relay: { expander: relays, pin: 0, feedback: { expander: relays, pin: 8, activeLow: true } }", StringComparison.Ordinal);
        using var shed = new ShedHarness(site);
        shed.RunFor(TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(shed.EventsOf<AlarmRaised>(), e => e.Alarm.Kind == AlarmKind.RelayFault);

        // Dead coils (the scenario's relay_stuck_open): P1's feedback on a board GPIO, P3's on an expander input, P2 has none.
        foreach (string id in new[] { "P1", "P2", "P3" })
        {
            shed.Outlet(id).RelayFault = RelayFault.StuckOpen;
            shed.PlugAndStart(id, Lithium());
        }

        shed.RunUntil(() => shed.EventsOf<SessionClosed>().Count() == 3, TimeSpan.FromSeconds(30), "three session ends");

        foreach (string id in new[] { "P1", "P3" })
        {
            ChargingSession session = shed.EventsOf<SessionClosed>().Single(c => c.Session.PortId == id).Session;
            Assert.Equal(SessionEndReason.RelayFault, session.EndReason);
            Assert.True(session.Duration <= TimeSpan.FromSeconds(1), $"{id}: {session.Duration}");
            Assert.Equal(AlarmSeverity.Critical, shed.RaisedAlarm(AlarmKind.RelayFault, "port:" + id).Severity);
            Assert.False(shed.HasAlarm(AlarmKind.PortNoLoad, "port:" + id));
            Assert.Equal((PortState.Fault, "relay_fault"), (shed.Port(id).State, shed.Port(id).Lockout));
        }

        // Without feedback the meter alone cannot tell a dead relay from a charger that draws nothing.
        Assert.Equal(SessionEndReason.NoLoad, shed.EventsOf<SessionClosed>().Single(c => c.Session.PortId == "P2").Session.EndReason);
        Assert.False(shed.HasAlarm(AlarmKind.RelayFault, "port:P2"));
    }

    [Fact]
    public void Scenario_relay_stuck_open_gives_relay_fault_on_a_port_with_contact_feedback()
    {
        string site = ShedHarness.SiteYaml.Replace("    relay: { gpio: 5 }", "    relay: { gpio: 5, feedback: { gpio: 17, activeLow: true } }", StringComparison.Ordinal);
        const string StuckRelayScenario = """
            start: "2026-11-25T19:00:00+08:00"
            events:
              - at: "00:00:01"
                port: P1
                fault: relay_stuck_open
              - at: "00:00:02"
                port: P1
                plug: { load: lithium, powerW: 200 }
            """;
        using var shed = new ShedHarness(site, scenarioYaml: StuckRelayScenario);

        shed.RunUntil(() => shed.EventsOf<SessionClosed>().Any(), TimeSpan.FromSeconds(10), "session end");

        ChargingSession session = shed.EventsOf<SessionClosed>().Single().Session;
        Assert.Equal(("P1", SessionEndReason.RelayFault), (session.PortId, session.EndReason));
        Assert.True(session.Duration <= TimeSpan.FromSeconds(1), $"{session.Duration}");
        Assert.True(shed.HasAlarm(AlarmKind.RelayFault, "port:P1"));
        Assert.False(shed.HasAlarm(AlarmKind.PortNoLoad, "port:P1"));
    }

    [Fact]
    public async Task Relay_that_does_not_open_is_a_critical_relay_fault()
    {
        using var shed = new ShedHarness();
        shed.PlugAndStart("P3", LeadAcid());
        shed.RunFor(TimeSpan.FromSeconds(2));
        shed.Outlet("P3").RelayFault = RelayFault.StuckClosed;

        Task<CommandResult> stop = shed.Command(PortCommandKind.Stop, "P3");
        shed.RunFor(TimeSpan.FromSeconds(3));

        Assert.True((await stop).Accepted);
        Alarm alarm = shed.RaisedAlarm(AlarmKind.RelayFault, "port:P3");
        Assert.Equal(AlarmSeverity.Critical, alarm.Severity);
        Assert.Equal(PortState.Fault, shed.Port("P3").State);
        Assert.False(shed.Outlet("P3").CoilEnergized);
        Assert.True(shed.Outlet("P3").ContactClosed);
    }

    [Fact]
    public void Open_voltage_transformer_raises_a_shed_sensor_fault_and_ports_keep_charging_on_estimated_power()
    {
        using var shed = new ShedHarness();
        shed.PlugAndStart("P1", Lithium(watts: 250));
        shed.RunFor(TimeSpan.FromSeconds(2));

        shed.Model.VoltageTransformerOpen = true;
        shed.RunFor(TimeSpan.FromSeconds(3));

        Assert.True(shed.HasAlarm(AlarmKind.ShedSensorFault, "vt"));
        Assert.Equal(PortState.Charging, shed.Port("P1").State);

        // Apparent power at nominal voltage bounds the real power from above (PF ≈ 0.64 here).
        Assert.InRange(shed.Port("P1").PowerW!.Value, 300, 450);
    }

    [Theory]
    [InlineData(ThermometerFault.Disconnected)]
    [InlineData(ThermometerFault.PowerOnReset)]
    public void Thermometer_fault_is_a_shed_sensor_fault_not_an_over_temperature(ThermometerFault fault)
    {
        using var shed = new ShedHarness();
        shed.PlugAndStart("P1", Lithium());
        shed.Shed.Thermometer("cabinet").Fault = fault;

        shed.RunFor(TimeSpan.FromSeconds(3));

        Assert.True(shed.HasAlarm(AlarmKind.ShedSensorFault, "thermometer:cabinet"));
        Assert.False(shed.HasAlarm(AlarmKind.OverTemperature, "shed"));
        Assert.True(shed.RelayClosed("P1"));
    }

    [Fact]
    public async Task Session_energy_matches_the_energy_that_flowed_within_two_percent()
    {
        using var shed = new ShedHarness();
        shed.PlugAndStart("P1", LeadAcid(watts: 240, capacityWh: 5000));
        shed.RunFor(TimeSpan.FromMinutes(2));

        Task<CommandResult> stop = shed.Command(PortCommandKind.Stop, "P1", "user");
        shed.Round();

        Assert.True((await stop).Accepted);
        ChargingSession session = shed.EventsOf<SessionClosed>().Single().Session;
        Assert.Equal(SessionEndReason.UserStop, session.EndReason);
        double delivered = shed.Outlet("P1").DeliveredWh;
        Assert.InRange(session.EnergyWh, delivered * 0.98, delivered * 1.02);
        Assert.InRange(session.PeakPowerW, 235, 250);
    }

    /// <summary>A charger holding a full battery at float: a few watts, wandering ±0.8 W as its regulator holds the float voltage.</summary>
    private sealed class FloatCharger(double watts, Random random) : OutletLoad
    {
        public override bool IsResistive => false;

        public override double DemandW(double supplyVrms) => watts + ((random.NextDouble() - 0.5) * 1.6);

        public override string Describe() => $"float charger {watts:0.0} W";
    }
}
