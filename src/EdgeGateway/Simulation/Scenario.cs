namespace EdgeGateway.Simulation;

/// <summary>A simulation scenario (firmware-config/scenarios/*.yaml): when the simulated shed starts, how fast it runs, who arrives and what goes wrong.</summary>
public sealed record Scenario(
    string SourceFile,
    string Name,
    double Speed,
    DateTimeOffset Start,
    int Seed,
    TimeSpan? Duration,
    double ArrivalsPeakPerHour,
    IReadOnlyList<ScenarioEvent> Events)
{
    /// <summary>Local times of day when the crew empties every bin; null keeps the station model's default (06:30 and 14:00).</summary>
    public IReadOnlyList<TimeSpan>? Collections { get; init; }

    /// <summary>A quiet shed: nobody arrives, nothing scripted (tests script their own events).</summary>
    public static Scenario Quiet(DateTimeOffset start, int seed = 1) => new("(none)", "quiet", 0, start, seed, null, 0, []);
}

/// <summary>One scripted thing that happens at <see cref="At"/> (simulated time since the start).</summary>
public abstract record ScenarioEvent(TimeSpan At, int Line);

/// <summary>What a user plugs in.</summary>
public enum ScenarioLoad
{
    Lithium,
    LeadAcid,

    /// <summary>A tampered, over-powered charger (still a switch-mode load).</summary>
    ModifiedCharger,

    /// <summary>A lithium charger with active power-factor correction (PF 0.95–0.995).</summary>
    PfcCharger,
    Heater,

    /// <summary>A heater on its thermostat: on and off over minutes.</summary>
    ThermostaticHeater,

    /// <summary>A kettle that boils its water and switches itself off.</summary>
    Kettle,
    InductionCooker,
    HairDryer,
    ShortCircuit,
}

/// <summary>A user plugs something into a port and (unless <see cref="RequestStart"/> is false) asks it to start.</summary>
public sealed record PlugEvent(TimeSpan At, int Line, string Port, ScenarioLoad Load, double PowerW, double StateOfCharge, double CapacityWh, bool RequestStart) : ScenarioEvent(At, Line)
{
    /// <summary>The power factor asked for (PFC chargers, induction cookers, hair dryers); null keeps the load's default.</summary>
    public double? PowerFactor { get; init; }

    /// <summary>A charger's CC/CV curve where it differs from the chemistry's default.</summary>
    public Hardware.Simulation.Shed.ChargeCurve? Curve { get; init; }

    /// <summary>A thermostatic heater's cycle (default 2 minutes on, 3 off).</summary>
    public (TimeSpan On, TimeSpan Off)? Thermostat { get; init; }

    /// <summary>The surge when the load is first powered.</summary>
    public Hardware.Simulation.Shed.Inrush? Inrush { get; init; }

    /// <summary>Harmonics added to the load's current; null adds none.</summary>
    public IReadOnlyList<Hardware.Simulation.Shed.CurrentHarmonic>? Harmonics { get; init; }

    /// <summary>A power (and power factor) profile over the time since the plug-in; null draws what the load demands.</summary>
    public IReadOnlyList<Hardware.Simulation.Shed.ProfilePoint>? Profile { get; init; }
}

/// <summary>A user pulls the plug.</summary>
public sealed record UnplugEvent(TimeSpan At, int Line, string Port) : ScenarioEvent(At, Line);

/// <summary>A user asks a port to start (the card or payment platform's request) without plugging anything new.</summary>
public sealed record StartEvent(TimeSpan At, int Line, string Port) : ScenarioEvent(At, Line);

/// <summary>Something on a port breaks (or is repaired: <see cref="PortFault.None"/>).</summary>
public sealed record PortFaultEvent(TimeSpan At, int Line, string Port, PortFault Fault) : ScenarioEvent(At, Line);

public enum PortFault
{
    None,
    RelayStuckClosed,
    RelayStuckOpen,
    MeterStuck,
    MeterSilent,

    /// <summary>A metering IC on a UART (BL0942, HLW8032) sends frames whose checksum fails; other meters ignore it.</summary>
    MeterBadChecksum,
}

/// <summary>A whole ADC chip misbehaves.</summary>
public sealed record AdcFaultEvent(TimeSpan At, int Line, string Adc, Hardware.Simulation.Mcp3208.Mcp3208Fault Fault) : ScenarioEvent(At, Line);

/// <summary>The cabinet heats up (or goes back to its natural temperature), or smoke appears or clears.</summary>
public sealed record ShedEvent(TimeSpan At, int Line, double? TemperatureC, double RampPerMinute, bool ResetTemperature, bool? Smoke) : ScenarioEvent(At, Line);

/// <summary>A thermometer fails or recovers.</summary>
public sealed record ThermometerEvent(TimeSpan At, int Line, string Thermometer, Hardware.Simulation.Shed.ThermometerFault Fault) : ScenarioEvent(At, Line);

/// <summary>Something happens to a bin: a sensor fault, the lid, a tip-over, a fire, a collection, or its fill is set.</summary>
public sealed record BinEvent(
    TimeSpan At,
    int Line,
    string Bin,
    Hardware.Simulation.Bins.RangingFault? Fault,
    bool? LidOpen,
    bool? Tilted,
    bool? Fire,
    bool Collect,
    double? FillPct) : ScenarioEvent(At, Line);

/// <summary>
/// The gateway's wall clock steps by <see cref="By"/> (forward or backward), as NTP's first synchronisation or a manual
/// set does. Monotonic time and the shed's true time run on: the world does not change when the Pi's clock is wrong.
/// </summary>
public sealed record ClockStepEvent(TimeSpan At, int Line, TimeSpan By) : ScenarioEvent(At, Line);

/// <summary>
/// The shed loses mains for <see cref="Outage"/>, and the gateway (a Pi on the same mains) goes down with it: what it
/// had not written is lost, the relays drop, and it boots again when the mains return.
/// </summary>
public sealed record PowerCutEvent(TimeSpan At, int Line, TimeSpan Outage) : ScenarioEvent(At, Line);

/// <summary>
/// An operator's command on a port (<c>port_reset</c>, enable, disable, start, stop), submitted to protection as the
/// MQTT command path submits it: a <see cref="Events.PortCommand"/> by <see cref="Operator"/>; a start may carry an
/// <see cref="Order"/> (order or card, limit, tariff) as <c>cmd/port_start</c> does.
/// </summary>
public sealed record OperatorCommandEvent(TimeSpan At, int Line, string Port, Events.PortCommandKind Kind, string Operator, string? Reason, Events.ChargeOrder? Order = null) : ScenarioEvent(At, Line);

/// <summary>A resistive load of <paramref name="Watts"/> between the supply meter and the port meters (0 removes it).</summary>
public sealed record UnmeteredLoadEvent(TimeSpan At, int Line, double Watts) : ScenarioEvent(At, Line);

/// <summary>The supply meter goes silent, answers with bad CRCs or exceptions, or recovers.</summary>
public sealed record SupplyMeterFaultEvent(TimeSpan At, int Line, Hardware.Simulation.Modbus.SupplyMeterFault Fault) : ScenarioEvent(At, Line);

/// <summary>The supply sags to <see cref="Vrms"/> at the source for <see cref="For"/> (a brownout), then comes back.</summary>
public sealed record SupplySagEvent(TimeSpan At, int Line, double Vrms, TimeSpan For) : ScenarioEvent(At, Line);

/// <summary>The voltage transformer's secondary opens (a blown fuse, a loose plug), or is repaired.</summary>
public sealed record VoltageTransformerEvent(TimeSpan At, int Line, bool Lost) : ScenarioEvent(At, Line);

/// <summary>A resident lays a card on the terminal's reader (<see cref="Uid"/>, upper-case hex) or takes it off (null).</summary>
public sealed record CardEvent(TimeSpan At, int Line, string? Uid) : ScenarioEvent(At, Line);

/// <summary>A resident types <see cref="Keys"/> on the terminal's keypad, one key after the other.</summary>
public sealed record KeysEvent(TimeSpan At, int Line, string Keys) : ScenarioEvent(At, Line);
