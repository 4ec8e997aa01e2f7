using EdgeGateway.Events;
using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Hardware.Simulation.Bins;
using EdgeGateway.Hardware.Simulation.Shed;
using EdgeGateway.Protection;

namespace EdgeGateway.Simulation;

/// <summary>
/// Plays a scenario on a simulated shed: scripted events at their simulated times, random arrivals,
/// and users' start requests passed to protection as commands — the way a card reader or the
/// payment platform's request would arrive.
/// </summary>
public sealed class ScenarioPlayer
{
    private readonly Scenario _scenario;
    private SimulatedShed _shed;
    private ShedProtection? _protection;
    private int _next;
    private long _scheduledTicks = -1;

    public ScenarioPlayer(Scenario scenario, SimulatedShed shed)
    {
        _scenario = scenario;
        _shed = shed;

        // Users' start requests go to the gateway that is up now (none during a power cut: nobody answers the card reader).
        shed.Model.StartRequested += outlet => _ = _protection?.SubmitAsync(new PortCommand(PortCommandKind.Start, outlet.Id, "user"));
        if (scenario.ArrivalsPeakPerHour > 0)
        {
            Life = new ShedLife(shed.Model, scenario.ArrivalsPeakPerHour);
        }

        if (scenario.Collections is { } collections && shed.Station is { } station)
        {
            station.CollectionTimes = collections;
        }

        ScheduleNext();
    }

    public ShedLife? Life { get; }

    /// <summary>How much shed time the scenario runs for, if it says.</summary>
    public TimeSpan? Duration => _scenario.Duration;

    public string Name => _scenario.Name;

    /// <summary>The scenario's seed (a shed powered up again wires its chips' noise from it, as at the start).</summary>
    public int Seed => _scenario.Seed;

    public int EventsPlayed => _next;

    /// <summary>
    /// Called on the sampling thread when a power cut plays, with the outage: the gateway's life ends there (the events
    /// after it play in the next life). Set by each life's runtime.
    /// </summary>
    public Action<TimeSpan>? PowerCut { get; set; }

    /// <summary>Routes users' start requests to protection.</summary>
    public void Connect(ShedProtection protection) => _protection = protection;

    /// <summary>
    /// Carries the scenario on in the gateway's next life after a power cut: the same shed model and scenario, the
    /// chips and board powered up again (<paramref name="shed"/>), and the new life's protection.
    /// </summary>
    public void PoweredUpAgain(SimulatedShed shed, ShedProtection protection)
    {
        _shed = shed;
        _protection = protection;
        ScheduleNext();
    }

    /// <summary>
    /// Plays every event due by <paramref name="elapsed"/> (simulated time since the start), at a round's start. Events
    /// normally play earlier, at their own instants (<see cref="ScheduleNext"/>); this catches those at the very start
    /// and the power cut, which ends the gateway's life at a round boundary.
    /// </summary>
    public void Apply(TimeSpan elapsed)
    {
        using SimulatorCpu.Scope simulating = SimulatorCpu.Enter(); // the simulator's own CPU, not the product's (SimulatorCpu)
        PlayDue(elapsed, stopBeforeCut: false);
    }

    /// <summary>
    /// Plays the events due by <paramref name="elapsed"/>; a power cut ends the life there. With <paramref name="stopBeforeCut"/>
    /// (mid-round), the cut and what follows it wait for the round's end: the gateway's life ends between rounds.
    /// </summary>
    private void PlayDue(TimeSpan elapsed, bool stopBeforeCut)
    {
        IReadOnlyList<ScenarioEvent> events = _scenario.Events;
        while (_next < events.Count && events[_next].At <= elapsed)
        {
            ScenarioEvent next = events[_next];
            if (next is PowerCutEvent cut)
            {
                if (stopBeforeCut)
                {
                    return;
                }

                // Nobody is there to hear a start request until the gateway is up again.
                _next++;
                _protection = null;
                PowerCut?.Invoke(cut.Outage);
                return;
            }

            _next++;
            Play(next);
        }

        ScheduleNext();
    }

    /// <summary>
    /// Asks the shed's clock to stop at the next event's own instant and play it there, on the thread that moves time:
    /// a plug-in, a short or an unplug between two samples of a round changes the outlet at that instant, and the
    /// sampler sees it when it next samples that port. A power cut is left to the round's start (<see cref="Apply"/>).
    /// </summary>
    private void ScheduleNext()
    {
        IReadOnlyList<ScenarioEvent> events = _scenario.Events;
        if (_next >= events.Count || events[_next] is PowerCutEvent || events[_next].At.Ticks == _scheduledTicks)
        {
            return;
        }

        long ticks = _scheduledTicks = events[_next].At.Ticks;
        SimulatedClock clock = _shed.Clock;
        clock.ScheduleAt(events[_next].At, () =>
        {
            // An instant whose events a round's start already played may still fire: it must not forget a later one.
            if (_scheduledTicks == ticks)
            {
                _scheduledTicks = -1;
            }

            if (_protection is not null)
            {
                PlayDue(clock.Elapsed, stopBeforeCut: true);
            }
        });
    }

    /// <summary>
    /// Plays the events timed inside a power cut at their times, up to <paramref name="until"/> (the mains' return), moving
    /// the shed there with <paramref name="advanceTo"/>: people still plug in, unplug and open lids while the gateway is
    /// down, and nobody hears a start request. A cut timed inside the outage changes nothing: the mains are already off.
    /// </summary>
    public void PlayWhilePoweredOff(TimeSpan until, Action<TimeSpan> advanceTo)
    {
        ArgumentNullException.ThrowIfNull(advanceTo);
        IReadOnlyList<ScenarioEvent> events = _scenario.Events;
        while (_next < events.Count && events[_next].At <= until)
        {
            ScenarioEvent next = events[_next];
            _next++;
            advanceTo(next.At);
            if (next is not PowerCutEvent)
            {
                Play(next);
            }
        }

        advanceTo(until);
    }

    private void Play(ScenarioEvent scenarioEvent)
    {
        ShedModel model = _shed.Model;
        switch (scenarioEvent)
        {
            case PlugEvent plug:
                ShedOutlet outlet = model.Outlet(plug.Port);
                OutletLoad load = CreateLoad(plug, outlet, _shed.Site.Mains?.NominalVoltageV ?? 220);
                if (plug.RequestStart)
                {
                    model.PlugAndRequestStart(outlet, load);
                }
                else
                {
                    outlet.Plug(load);
                }

                break;
            case UnplugEvent unplug:
                model.Outlet(unplug.Port).Unplug();
                break;
            case StartEvent start:
                model.RequestStart(model.Outlet(start.Port));
                break;
            case PortFaultEvent fault:
                ApplyPortFault(fault);
                break;
            case AdcFaultEvent adc:
                _shed.Adc(adc.Adc).Fault = adc.Fault;
                break;
            case ShedEvent shed:
                if (shed.ResetTemperature)
                {
                    model.TemperatureRamp = null;
                }
                else if (shed.TemperatureC is { } target)
                {
                    model.TemperatureRamp = (target, shed.RampPerMinute);
                }

                if (shed.Smoke is { } smoke)
                {
                    model.SetSmoke(smoke);
                }

                break;
            case ThermometerEvent thermometer:
                _shed.Thermometer(thermometer.Thermometer).Fault = thermometer.Fault;
                break;
            case BinEvent binEvent:
                PlayBin(binEvent);
                break;
            case ClockStepEvent step:
                _shed.Clock.StepWall(step.By);
                break;
            case OperatorCommandEvent command:
                // Straight to protection, as the MQTT command path submits it; nobody is there to hear it during a power cut.
                _ = _protection?.SubmitAsync(new PortCommand(command.Kind, command.Port, command.Operator, command.Reason, command.Order));
                break;
            case SupplySagEvent sag:
                model.Sag(sag.Vrms, sag.At + sag.For);

                // The supply comes back at its instant too.
                _shed.Clock.ScheduleAt(sag.At + sag.For, model.Settle);
                break;
            case VoltageTransformerEvent vt:
                model.VoltageTransformerOpen = vt.Lost;
                break;
            case CardEvent card when card.Uid is { } uid:
                _shed.Terminal?.Swipe(uid);
                break;
            case CardEvent:
                _shed.Terminal?.RemoveCard();
                break;
            case KeysEvent keys:
                _shed.Terminal?.Type(keys.Keys);
                break;
            case UnmeteredLoadEvent unmetered when _shed.SupplyMeter is { } meter:
                meter.FrontEnd.UnmeteredLoadW = unmetered.Watts;
                break;
            case SupplyMeterFaultEvent fault when _shed.SupplyMeter is { } meter:
                meter.Fault = fault.Fault;
                break;
        }

        // The change holds from this instant: the supply and the outlets' currents are worked out again now.
        model.Settle();
    }

    private void PlayBin(BinEvent e)
    {
        RecyclingStationModel station = _shed.Station!;
        SimulatedBin bin = station.Bin(e.Bin);
        if (e.Fault is { } fault)
        {
            bin.Fault = fault;
        }

        if (e.LidOpen is not null || e.Tilted is not null)
        {
            station.SetSwitches(bin, e.LidOpen, e.Tilted);
        }

        if (e.Fire == true)
        {
            bin.StartFire();
        }
        else if (e.Fire == false)
        {
            bin.PutOutFire();
        }

        if (e.Collect)
        {
            bin.Collect();
        }

        if (e.FillPct is { } fill)
        {
            bin.FillPct = fill;
        }
    }

    private void ApplyPortFault(PortFaultEvent fault)
    {
        ShedOutlet outlet = _shed.Model.Outlet(fault.Port);

        // A BL0942 port's meter faults are the chip's: silent on its UART, or answering the same packet for ever.
        if (_shed.TryMeteringIc(fault.Port, out Hardware.Simulation.Bl0942.SimulatedBl0942? chip) && fault.Fault is PortFault.None or PortFault.MeterSilent or PortFault.MeterStuck or PortFault.MeterBadChecksum)
        {
            chip.Fault = fault.Fault switch
            {
                PortFault.MeterSilent => Hardware.Simulation.Bl0942.Bl0942Fault.Silent,
                PortFault.MeterStuck => Hardware.Simulation.Bl0942.Bl0942Fault.Stuck,
                PortFault.MeterBadChecksum => Hardware.Simulation.Bl0942.Bl0942Fault.BadChecksum,
                _ => Hardware.Simulation.Bl0942.Bl0942Fault.None,
            };
        }

        // An HLW8032 port's are the IC's: silent, the same frame over and over, or frames whose checksum fails.
        if (_shed.TryHlw8032(fault.Port, out Hardware.Simulation.Hlw8032.SimulatedHlw8032? hlw) && fault.Fault is PortFault.None or PortFault.MeterSilent or PortFault.MeterStuck or PortFault.MeterBadChecksum)
        {
            hlw.Fault = fault.Fault switch
            {
                PortFault.MeterSilent => Hardware.Simulation.Hlw8032.Hlw8032Fault.Silent,
                PortFault.MeterStuck => Hardware.Simulation.Hlw8032.Hlw8032Fault.Stuck,
                PortFault.MeterBadChecksum => Hardware.Simulation.Hlw8032.Hlw8032Fault.BadChecksum,
                _ => Hardware.Simulation.Hlw8032.Hlw8032Fault.None,
            };
        }

        switch (fault.Fault)
        {
            case PortFault.None:
                outlet.RelayFault = RelayFault.None;
                outlet.InputFault = SensorInputFault.None;
                if (outlet.IsDc)
                {
                    _shed.DcMeter(fault.Port).Answering = true;
                    _shed.DcMeter(fault.Port).Stuck = false;
                }

                break;
            case PortFault.RelayStuckClosed:
                outlet.RelayFault = RelayFault.StuckClosed;
                break;
            case PortFault.RelayStuckOpen:
                outlet.RelayFault = RelayFault.StuckOpen;
                break;
            case PortFault.MeterStuck when outlet.IsDc:
                _shed.DcMeter(fault.Port).Stuck = true;
                break;
            case PortFault.MeterStuck:
                outlet.InputFault = SensorInputFault.Stuck;
                break;
            case PortFault.MeterSilent when outlet.IsDc:
                _shed.DcMeter(fault.Port).Answering = false;
                break;
            case PortFault.MeterSilent:
                outlet.InputFault = SensorInputFault.Open;
                break;
        }
    }

    private static OutletLoad CreateLoad(PlugEvent plug, ShedOutlet outlet, double nominalV)
    {
        OutletLoad load = CreateKind(plug, outlet, nominalV);
        load.Inrush = plug.Inrush;
        load.Harmonics = plug.Harmonics ?? [];
        if (plug.Profile is { Count: > 0 } points)
        {
            double? basePf = plug.Load switch
            {
                ScenarioLoad.PfcCharger => plug.PowerFactor ?? 0.99,
                ScenarioLoad.InductionCooker or ScenarioLoad.HairDryer => plug.PowerFactor ?? 0.97,
                _ => null,
            };
            load.Profile = new PowerProfile(plug.PowerW, basePf, points);
        }

        return load;
    }

    private static OutletLoad CreateKind(PlugEvent plug, ShedOutlet outlet, double nominalV) => plug.Load switch
    {
        ScenarioLoad.Lithium => new EBikeCharger(BatteryChemistry.Lithium, plug.PowerW, plug.StateOfCharge, plug.CapacityWh, outlet.IsDc, plug.Curve),
        ScenarioLoad.LeadAcid => new EBikeCharger(BatteryChemistry.LeadAcid, plug.PowerW, plug.StateOfCharge, plug.CapacityWh, outlet.IsDc, plug.Curve),
        ScenarioLoad.ModifiedCharger => new EBikeCharger(BatteryChemistry.LeadAcid, plug.PowerW, plug.StateOfCharge, plug.CapacityWh, outlet.IsDc, plug.Curve),
        ScenarioLoad.PfcCharger => new PfcCharger(BatteryChemistry.Lithium, plug.PowerW, plug.PowerFactor ?? 0.99, plug.StateOfCharge, plug.CapacityWh, plug.Curve),
        ScenarioLoad.Heater => new ResistiveLoad(plug.PowerW, nominalV, "heater"),

        // Two minutes on, three off by default: a room heater's thermostat in a cold shed.
        ScenarioLoad.ThermostaticHeater => new ThermostaticHeater(plug.PowerW, nominalV, plug.Thermostat?.On ?? TimeSpan.FromMinutes(2), plug.Thermostat?.Off ?? TimeSpan.FromMinutes(3)),
        ScenarioLoad.Kettle => new Kettle(plug.PowerW, nominalV),
        ScenarioLoad.InductionCooker => new InductionCooker(plug.PowerW, plug.PowerFactor ?? 0.97),
        ScenarioLoad.HairDryer => new HairDryer(plug.PowerW, nominalV, plug.PowerFactor ?? 0.97),
        _ => new ShortCircuitLoad(),
    };
}
