namespace EdgeGateway.Hardware.Simulation.Shed;

/// <summary>What the user plugged into a socket.</summary>
public abstract class OutletLoad
{
    /// <summary>Resistive loads draw current in phase with the voltage; chargers draw pulses.</summary>
    public abstract bool IsResistive { get; }

    /// <summary>
    /// The shape of the current over the cycle, g, at supply phase <paramref name="theta"/> (radians), where the
    /// normalised supply voltage is <paramref name="u"/>, at <paramref name="seconds"/> of simulated time (for
    /// switching ripple). The outlet scales it so that the cycle's mean of v·i is the demanded power.
    /// </summary>
    public virtual double CurrentShape(double u, double theta, double seconds) => IsResistive ? u : Waveforms.SwitchModeCurrent(u);

    /// <summary>The cycle means of <see cref="CurrentShape"/> that turn a power into an amplitude.</summary>
    public virtual ShapeIntegrals Shape => IsResistive ? Waveforms.Resistive : Waveforms.SwitchMode;

    /// <summary>What the load draws now, in watts, at the given RMS supply voltage (0 when unpowered).</summary>
    public abstract double DemandW(double supplyVrms);

    /// <summary>Advances the load's own state (a battery charging) while powered.</summary>
    public virtual void Advance(TimeSpan dt, bool powered)
    {
    }

    /// <summary>For DC ports: the battery terminal voltage.</summary>
    public virtual double PackVolts => 0;

    /// <summary>A one-line description for the live view and logs.</summary>
    public abstract string Describe();
}

/// <summary>A heater, kettle or similar: a fixed resistance, so power follows V².</summary>
public sealed class ResistiveLoad(double ratedW, double ratedVoltage, string name) : OutletLoad
{
    public override bool IsResistive => true;

    public override double DemandW(double supplyVrms) => ratedW * (supplyVrms / ratedVoltage) * (supplyVrms / ratedVoltage);

    public override string Describe() => $"{name} {ratedW:0} W";
}

/// <summary>A bolted fault: a fraction of an ohm across the socket.</summary>
public sealed class ShortCircuitLoad : OutletLoad
{
    public const double Ohms = 0.05;

    public override bool IsResistive => true;

    public override double DemandW(double supplyVrms) => supplyVrms * supplyVrms / Ohms;

    public override string Describe() => "short circuit";
}

/// <summary>Battery chemistry of an e-bike: decides the charger's curve.</summary>
public enum BatteryChemistry
{
    LeadAcid,
    Lithium,
}

/// <summary>
/// An e-bike charger and its battery. Lead-acid chargers run three stages: constant current (bulk),
/// constant voltage (absorption, power tapering) and float (a few watts, indefinitely). Lithium
/// chargers run CC then CV, taper to a cut-off current (about C/20), then switch off and draw only
/// their standby power. Powers are at the wall, including the charger's losses.
/// </summary>
public sealed class EBikeCharger : OutletLoad
{
    private readonly double _ratedW;
    private readonly double _capacityWh;
    private readonly BatteryChemistry _chemistry;
    private readonly bool _dcCharger;

    public EBikeCharger(BatteryChemistry chemistry, double ratedW, double stateOfCharge, double capacityWh, bool dc = false)
    {
        _chemistry = chemistry;
        _ratedW = ratedW;
        StateOfCharge = Math.Clamp(stateOfCharge, 0, 1);
        _capacityWh = capacityWh;
        _dcCharger = dc;
    }

    /// <summary>Lead-acid float draw at the wall.</summary>
    public const double FloatW = 8;

    /// <summary>A lithium charger's standby draw after it terminates.</summary>
    public const double StandbyW = 1.2;

    public double StateOfCharge { get; private set; }

    public double RatedW => _ratedW;

    public override bool IsResistive => false;

    public override double DemandW(double supplyVrms) => _chemistry switch
    {
        BatteryChemistry.LeadAcid => StateOfCharge switch
        {
            < 0.80 => _ratedW,

            // Absorption: the current decays as the battery approaches full; at 0.97 it switches to float.
            < 0.97 => FloatW + ((_ratedW - FloatW) * Math.Pow((0.97 - StateOfCharge) / 0.17, 1.6)),
            _ => FloatW,
        },
        _ => StateOfCharge switch
        {
            < 0.85 => _ratedW,
            < 0.995 => 6 + ((_ratedW - 6) * Math.Pow((0.995 - StateOfCharge) / 0.145, 1.4)),
            _ => StandbyW,
        },
    };

    public override void Advance(TimeSpan dt, bool powered)
    {
        if (!powered)
        {
            return;
        }

        // 85 % of the wall power reaches the battery.
        double wh = DemandW(220) * 0.85 * dt.TotalHours;
        StateOfCharge = Math.Min(1, StateOfCharge + (wh / _capacityWh));
    }

    public override double PackVolts => _chemistry == BatteryChemistry.Lithium ? 42 + (12.6 * StateOfCharge) : 46 + (12 * StateOfCharge);

    public override string Describe() =>
        $"{(_chemistry == BatteryChemistry.Lithium ? "lithium" : "lead-acid")} {(_dcCharger ? "DC module" : "charger")} {_ratedW:0} W, SoC {StateOfCharge:P0}";
}
