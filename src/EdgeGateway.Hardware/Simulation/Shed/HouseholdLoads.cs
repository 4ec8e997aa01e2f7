namespace EdgeGateway.Hardware.Simulation.Shed;

/// <summary>
/// An active power-factor-correction front end (a boost converter under average-current control, as chargers
/// and cookers sold under IEC 61000-3-2 / GB 17625.1 class A limits have). Its current follows a sinusoidal
/// reference locked to the supply's fundamental — not a copy of the supply, so the supply's flat top is not in
/// it — with a cusp near each zero crossing, where the rectified voltage is too low for the boost inductor to
/// follow the reference, a small lead from the EMI filter's capacitors, and the switching ripple.
/// </summary>
public sealed class PfcFrontEnd
{
    /// <summary>Below this share of the peak voltage the boost stage cannot follow its reference: the zero-crossing cusp.</summary>
    public const double CuspShare = 0.12;

    private readonly double _lead;
    private readonly double _rippleShare;
    private readonly double _switchingHz;

    /// <param name="powerFactor">The power factor to reach (the lead is chosen for it; at most what the cusp and ripple allow).</param>
    /// <param name="rippleShare">Switching ripple, as a share of the current's peak.</param>
    /// <param name="switchingHz">Switching frequency (the ADC samples it aliased, as high-frequency content).</param>
    public PfcFrontEnd(double powerFactor, double rippleShare, double switchingHz)
    {
        _rippleShare = rippleShare;
        _switchingHz = switchingHz;
        double rippleSquare = rippleShare * rippleShare / 2;
        _lead = LoadShapes.SolveForPowerFactor(lead => Waveforms.Integrate(theta => Reference(theta, lead), rippleSquare), powerFactor, 0, 0.8);
        Shape = Waveforms.Integrate(theta => Reference(theta, _lead), rippleSquare);
        PowerFactor = Waveforms.PowerFactor(Shape);
    }

    public ShapeIntegrals Shape { get; }

    /// <summary>The power factor the front end actually has on the simulated supply.</summary>
    public double PowerFactor { get; }

    public double CurrentShape(double theta, double seconds) =>
        Reference(theta, _lead) + (_rippleShare * Math.Sin(2 * Math.PI * _switchingHz * seconds));

    private static double Reference(double theta, double lead)
    {
        double s = Math.Sin(theta);
        return Math.Sin(theta + lead) * Math.Min(1, Math.Abs(s) / CuspShare);
    }
}

/// <summary>
/// An e-bike charger with active PFC, and its battery: the battery's CC/CV curve (see <see cref="EBikeCharger"/>)
/// at the wall, with the small slow ripple of the charger's control loop (±0.4 %), drawn through a <see cref="PfcFrontEnd"/>
/// (PF 0.95–0.995).
/// </summary>
public sealed class PfcCharger : OutletLoad
{
    private const double PowerRippleShare = 0.004;
    private const double PowerRipplePeriodSeconds = 7;

    private readonly EBikeCharger _battery;
    private PfcFrontEnd _frontEnd;
    private double _seconds;

    public PfcCharger(BatteryChemistry chemistry, double ratedW, double powerFactor, double stateOfCharge, double capacityWh, ChargeCurve? curve = null)
    {
        _battery = new EBikeCharger(chemistry, ratedW, stateOfCharge, capacityWh, curve: curve);
        _frontEnd = new PfcFrontEnd(powerFactor, rippleShare: 0.03, switchingHz: 65_000);
    }

    public override void SetPowerFactor(double powerFactor) => _frontEnd = new PfcFrontEnd(powerFactor, rippleShare: 0.03, switchingHz: 65_000);

    public double PowerFactor => _frontEnd.PowerFactor;

    public double StateOfCharge => _battery.StateOfCharge;

    public override bool IsResistive => false;

    public override ShapeIntegrals Shape => _frontEnd.Shape;

    public override double CurrentShape(double u, double theta, double seconds) => _frontEnd.CurrentShape(theta, seconds);

    public override double DemandW(double supplyVrms) =>
        _battery.DemandW(supplyVrms) * (1 + (PowerRippleShare * Math.Sin(2 * Math.PI * _seconds / PowerRipplePeriodSeconds)));

    public override void Advance(TimeSpan dt, bool powered)
    {
        _seconds += dt.TotalSeconds;
        _battery.Advance(dt, powered);
    }

    public override double PackVolts => _battery.PackVolts;

    public override string Describe() => $"PFC {_battery.Describe()}, PF {PowerFactor:0.000}";
}

/// <summary>
/// A room heater on its thermostat: a resistance (power follows V²) that is on for <c>on</c>, then off for <c>off</c>,
/// over and over while powered. It starts <c>startPhase</c> into its cycle (zero: the element is on, the room cold).
/// </summary>
public sealed class ThermostaticHeater(double ratedW, double ratedVoltage, TimeSpan on, TimeSpan off, TimeSpan startPhase = default) : OutletLoad
{
    private TimeSpan _phase = startPhase;

    public bool ElementOn => _phase < on;

    public override bool IsResistive => true;

    public override double DemandW(double supplyVrms) => ElementOn ? ratedW * (supplyVrms / ratedVoltage) * (supplyVrms / ratedVoltage) : 0;

    public override void Advance(TimeSpan dt, bool powered)
    {
        if (powered)
        {
            _phase = TimeSpan.FromTicks((_phase + dt).Ticks % (on + off).Ticks);
        }
    }

    public override string Describe() => $"thermostatic heater {ratedW:0} W ({(ElementOn ? "on" : "off")})";
}

/// <summary>A kettle: a resistance that heats its water to the boil and then switches itself off (and stays off).</summary>
public sealed class Kettle(double ratedW, double ratedVoltage, double litres = 1.5, double waterC = 15) : OutletLoad
{
    // 4.186 kJ per litre and kelvin; about 90 % of the element's heat reaches the water.
    private readonly double _joulesToBoil = litres * 4186 * (100 - waterC) / 0.9;
    private double _joules;

    public bool Boiled => _joules >= _joulesToBoil;

    public override bool IsResistive => true;

    public override double DemandW(double supplyVrms) => Boiled ? 0 : ratedW * (supplyVrms / ratedVoltage) * (supplyVrms / ratedVoltage);

    public override void Advance(TimeSpan dt, bool powered)
    {
        if (powered && !Boiled)
        {
            _joules += ratedW * dt.TotalSeconds;
        }
    }

    public override string Describe() => $"kettle {ratedW:0} W ({(Boiled ? "boiled, off" : "heating")})";
}

/// <summary>
/// An induction hob: a resonant inverter behind a PFC-like front end (larger high-frequency content than a
/// charger's), at 1–2 kW; it regulates the pan's temperature by stepping its power, every 10–20 s.
/// </summary>
public sealed class InductionCooker(double ratedW, double powerFactor = 0.97) : OutletLoad
{
    // Full power, then the regulator steps between levels (share of the rating, seconds at it).
    private static readonly (double Share, double Seconds)[] Steps = [(1.0, 20), (0.6, 12), (1.0, 15), (0.75, 10), (0.5, 14)];

    private static readonly double CycleSeconds = Steps.Sum(s => s.Seconds);

    private PfcFrontEnd _frontEnd = new(powerFactor, rippleShare: 0.06, switchingHz: 24_000);
    private double _seconds;

    public override bool IsResistive => false;

    public override void SetPowerFactor(double powerFactor) => _frontEnd = new PfcFrontEnd(powerFactor, rippleShare: 0.06, switchingHz: 24_000);

    public override ShapeIntegrals Shape => _frontEnd.Shape;

    public override double CurrentShape(double u, double theta, double seconds) => _frontEnd.CurrentShape(theta, seconds);

    public override double DemandW(double supplyVrms)
    {
        double t = _seconds % CycleSeconds;
        foreach ((double share, double seconds) in Steps)
        {
            if (t < seconds)
            {
                return ratedW * share;
            }

            t -= seconds;
        }

        return ratedW;
    }

    public override void Advance(TimeSpan dt, bool powered)
    {
        if (powered)
        {
            _seconds += dt.TotalSeconds;
        }
    }

    public override string Describe() => $"induction cooker {ratedW:0} W, PF {_frontEnd.PowerFactor:0.000}";
}

/// <summary>
/// A hair dryer on a fixed setting: a heating element (a copy of the voltage) and a small fan motor whose
/// current lags by about 57°; the motor's share is chosen for the power factor (0.95–0.99).
/// </summary>
public sealed class HairDryer : OutletLoad
{
    private const double MotorLag = 1.0;

    private readonly double _ratedW;
    private readonly double _ratedVoltage;
    private double _motorShare;
    private ShapeIntegrals _shape;

    public HairDryer(double ratedW, double ratedVoltage, double powerFactor = 0.97)
    {
        _ratedW = ratedW;
        _ratedVoltage = ratedVoltage;
        SetPowerFactor(powerFactor);
    }

    public double PowerFactor { get; private set; }

    public override bool IsResistive => false;

    public override ShapeIntegrals Shape => _shape;

    public override void SetPowerFactor(double powerFactor)
    {
        _motorShare = LoadShapes.SolveForPowerFactor(m => Waveforms.Integrate(theta => ShapeAt(theta, m)), powerFactor, 0, 2);
        _shape = Waveforms.Integrate(theta => ShapeAt(theta, _motorShare));
        PowerFactor = Waveforms.PowerFactor(_shape);
    }

    public override double CurrentShape(double u, double theta, double seconds) => u + (_motorShare * Math.Sin(theta - MotorLag));

    public override double DemandW(double supplyVrms) => _ratedW * (supplyVrms / _ratedVoltage) * (supplyVrms / _ratedVoltage);

    public override string Describe() => $"hair dryer {_ratedW:0} W, PF {PowerFactor:0.000}";

    private static double ShapeAt(double theta, double motorShare) => Waveforms.Voltage(theta) + (motorShare * Math.Sin(theta - MotorLag));
}

/// <summary>Choosing a load's free parameter for a power factor.</summary>
internal static class LoadShapes
{
    /// <summary>
    /// Bisection for the parameter in [<paramref name="low"/>, <paramref name="high"/>] at which the shape's power factor
    /// is <paramref name="powerFactor"/>; the power factor must fall as the parameter grows. Clamped to the interval.
    /// </summary>
    public static double SolveForPowerFactor(Func<double, ShapeIntegrals> shapeOf, double powerFactor, double low, double high)
    {
        if (Waveforms.PowerFactor(shapeOf(low)) <= powerFactor)
        {
            return low;
        }

        for (int i = 0; i < 30; i++)
        {
            double mid = (low + high) / 2;
            if (Waveforms.PowerFactor(shapeOf(mid)) > powerFactor)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        return (low + high) / 2;
    }
}
