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

    /// <summary>A surge when the load is first powered (a capacitor-input charger's bulk capacitor, a cold element): the CT sees it.</summary>
    public Inrush? Inrush { get; set; }

    /// <summary>Extra harmonic content in the current (orders and shares of the load's own fundamental), on top of its front end's.</summary>
    public IReadOnlyList<CurrentHarmonic> Harmonics { get; set; } = [];

    /// <summary>A power (and power factor) profile over the time since the load was plugged in; null draws what the load demands.</summary>
    public PowerProfile? Profile { get; set; }

    /// <summary>How long the load has been plugged in (the profile's clock).</summary>
    public TimeSpan PluggedFor { get; private set; }

    private (ShapeIntegrals Base, ShapeIntegrals Drawn, double Fundamental)? _harmonicShape;
    private double _profilePowerFactor = double.NaN;

    /// <summary>What the load draws now, after its <see cref="Profile"/> (the profile's power scales the load's own demand).</summary>
    internal double DrawnW(double supplyVrms) =>
        Profile is { } profile && profile.PowerW(PluggedFor) is { } watts ? DemandW(supplyVrms) * watts / profile.BasePowerW : DemandW(supplyVrms);

    /// <summary>Moves the profile's clock; a profile point with a power factor sets it on the load (rounded to 0.001: the front end is solved again only when it changes).</summary>
    internal void AgeBy(TimeSpan dt)
    {
        PluggedFor += dt;
        if (Profile?.PowerFactor(PluggedFor) is { } pf && Math.Round(pf, 3) is var rounded && (double.IsNaN(_profilePowerFactor) || Math.Abs(rounded - _profilePowerFactor) > 1e-9))
        {
            _profilePowerFactor = rounded;
            SetPowerFactor(rounded);
        }
    }

    /// <summary>Changes the load's power factor (loads whose front end has one to choose); others ignore it.</summary>
    public virtual void SetPowerFactor(double powerFactor)
    {
    }

    /// <summary>The current shape with <see cref="Harmonics"/> added.</summary>
    internal double DrawnShape(double u, double theta, double seconds)
    {
        double g = CurrentShape(u, theta, seconds);
        if (Harmonics.Count == 0)
        {
            return g;
        }

        double fundamental = DrawnIntegrals().Fundamental;
        foreach (CurrentHarmonic h in Harmonics)
        {
            g += h.ShareOfFundamental * fundamental * Math.Sin((h.Order * theta) + h.PhaseRadians);
        }

        return g;
    }

    /// <summary>The cycle means of <see cref="DrawnShape"/> (worked out again whenever the load's own shape changes).</summary>
    internal ShapeIntegrals DrawnShapeIntegrals => Harmonics.Count == 0 ? Shape : DrawnIntegrals().Drawn;

    private (ShapeIntegrals Base, ShapeIntegrals Drawn, double Fundamental) DrawnIntegrals()
    {
        ShapeIntegrals shape = Shape;
        if (_harmonicShape is { } cached && cached.Base == shape)
        {
            return cached;
        }

        // The fundamental's peak of the load's own shape (its Fourier sine and cosine terms), then the cycle means with
        // the harmonics added; what the shape carries beyond its cycle (switching ripple) stays as it was.
        const int Points = 4000;
        double a = 0, b = 0;
        for (int k = 0; k < Points; k++)
        {
            double theta = 2 * Math.PI * (k + 0.5) / Points;
            double g = CurrentShape(Waveforms.Voltage(theta), theta, 0);
            a += g * Math.Sin(theta);
            b += g * Math.Cos(theta);
        }

        double fundamental = 2 * Math.Sqrt((a * a) + (b * b)) / Points;
        ShapeIntegrals own = Waveforms.Integrate(theta => CurrentShape(Waveforms.Voltage(theta), theta, 0));
        ShapeIntegrals drawn = Waveforms.Integrate(
            theta => CurrentShape(Waveforms.Voltage(theta), theta, 0) + Harmonics.Sum(h => h.ShareOfFundamental * fundamental * Math.Sin((h.Order * theta) + h.PhaseRadians)),
            Math.Max(0, shape.MeanCurrentSquared - own.MeanCurrentSquared));
        _harmonicShape = (shape, drawn, fundamental);
        return _harmonicShape.Value;
    }
}

/// <summary>A surge of <see cref="Multiple"/> times the running current for <see cref="Duration"/> after the load is first powered.</summary>
public sealed record Inrush(double Multiple, TimeSpan Duration);

/// <summary>A harmonic added to a load's current: order n, amplitude as a share of the fundamental, phase (radians) against the fundamental.</summary>
public sealed record CurrentHarmonic(int Order, double ShareOfFundamental, double PhaseRadians);

/// <summary>One point of a <see cref="PowerProfile"/>: from <see cref="After"/> the load draws <see cref="PowerW"/> and has <see cref="PowerFactor"/> (each optional).</summary>
/// <param name="After">Time since the plug-in.</param>
/// <param name="PowerW">The load's power from here (null: unchanged).</param>
/// <param name="PowerFactor">The load's power factor from here (null: unchanged).</param>
/// <param name="Linear">Reached by a straight ramp from the previous point (or the plug-in), instead of a step at <see cref="After"/>.</param>
public sealed record ProfilePoint(TimeSpan After, double? PowerW, double? PowerFactor, bool Linear);

/// <summary>A piecewise power and power-factor profile over the time since a load was plugged in.</summary>
/// <param name="BasePowerW">The load's power at the plug-in (what the profile's powers are relative to).</param>
/// <param name="BasePowerFactor">The load's power factor at the plug-in, when it has one to choose.</param>
/// <param name="Points">The points, in time order.</param>
public sealed record PowerProfile(double BasePowerW, double? BasePowerFactor, IReadOnlyList<ProfilePoint> Points)
{
    /// <summary>The profile's power at <paramref name="at"/>; null before the first point that sets one (the load's own).</summary>
    public double? PowerW(TimeSpan at) => ValueAt(at, p => p.PowerW, BasePowerW);

    /// <summary>The profile's power factor at <paramref name="at"/>; null until a point sets one.</summary>
    public double? PowerFactor(TimeSpan at) => ValueAt(at, p => p.PowerFactor, BasePowerFactor);

    private double? ValueAt(TimeSpan at, Func<ProfilePoint, double?> value, double? start)
    {
        double? current = null;
        TimeSpan since = TimeSpan.Zero;
        double? from = start;
        foreach (ProfilePoint point in Points)
        {
            if (value(point) is not { } target)
            {
                continue;
            }

            if (at >= point.After)
            {
                current = target;
                from = target;
                since = point.After;
                continue;
            }

            // Inside a linear ramp towards this point: from the last value (or the plug-in's) at the last point that set one.
            if (point.Linear && from is { } f && point.After > since)
            {
                return f + ((target - f) * (at - since).Ticks / (point.After - since).Ticks);
            }

            break;
        }

        return current;
    }
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

/// <summary>
/// A charger's CC/CV curve, where it differs from its chemistry's default: the CV knee at a state of charge (default 0.80
/// lead-acid, 0.85 lithium) or after a time in CC, whichever comes first; the CV stage's taper (by default the current
/// decays with the state of charge; with <see cref="Taper"/> exponentially with that time constant); the lead-acid float
/// (8 W), the lithium cut-off where the taper ends (6 W) and its standby draw after it (1.2 W).
/// </summary>
public sealed record ChargeCurve(double? CvAtStateOfCharge = null, TimeSpan? CvAfter = null, TimeSpan? Taper = null, double? FloatW = null, double? CutoffW = null, double? StandbyW = null);

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

    public EBikeCharger(BatteryChemistry chemistry, double ratedW, double stateOfCharge, double capacityWh, bool dc = false, ChargeCurve? curve = null)
    {
        _chemistry = chemistry;
        _ratedW = ratedW;
        StateOfCharge = Math.Clamp(stateOfCharge, 0, 1);
        _capacityWh = capacityWh;
        _dcCharger = dc;
        _curve = curve ?? new ChargeCurve();
        _kneeSoc = _curve.CvAtStateOfCharge ?? (chemistry == BatteryChemistry.LeadAcid ? 0.80 : 0.85);
    }

    /// <summary>Lead-acid float draw at the wall.</summary>
    public const double FloatW = 8;

    /// <summary>A lithium charger's standby draw after it terminates.</summary>
    public const double StandbyW = 1.2;

    /// <summary>Where a lithium charger's taper ends and it terminates (about C/20 at the wall).</summary>
    public const double CutoffW = 6;

    private readonly ChargeCurve _curve;
    private readonly double _kneeSoc;
    private TimeSpan _inConstantCurrent;
    private TimeSpan _inConstantVoltage;
    private bool _constantVoltage;
    private bool _terminated;

    public double StateOfCharge { get; private set; }

    public double RatedW => _ratedW;

    public override bool IsResistive => false;

    public override double DemandW(double supplyVrms)
    {
        double floatW = _curve.FloatW ?? FloatW;
        double cutoffW = _curve.CutoffW ?? CutoffW;
        double standbyW = _curve.StandbyW ?? StandbyW;
        bool lithium = _chemistry == BatteryChemistry.Lithium;
        if (_terminated)
        {
            return lithium ? standbyW : floatW;
        }

        if (!_constantVoltage && StateOfCharge < _kneeSoc && (_curve.CvAfter is not { } cc || _inConstantCurrent < cc))
        {
            return _ratedW;
        }

        double end = lithium ? cutoffW : floatW;
        if (_curve.Taper is { } tau)
        {
            // CV with an exponential taper of its own time constant, from the knee on.
            return end + ((_ratedW - end) * Math.Exp(-_inConstantVoltage / tau));
        }

        // CV: the current decays as the battery approaches full (absorption to 0.97 for lead-acid, to 0.995 for lithium).
        double full = lithium ? 0.995 : 0.97;
        double share = Math.Clamp((full - StateOfCharge) / (full - Math.Min(_kneeSoc, StateOfCharge + 1e-9)), 0, 1);
        return end + ((_ratedW - end) * Math.Pow(share, lithium ? 1.4 : 1.6));
    }

    public override void Advance(TimeSpan dt, bool powered)
    {
        if (!powered)
        {
            return;
        }

        // 85 % of the wall power reaches the battery.
        double wh = DemandW(220) * 0.85 * dt.TotalHours;
        StateOfCharge = Math.Min(1, StateOfCharge + (wh / _capacityWh));
        if (_terminated)
        {
            return;
        }

        if (!_constantVoltage)
        {
            _inConstantCurrent += dt;
            _constantVoltage = StateOfCharge >= _kneeSoc || (_curve.CvAfter is { } cc && _inConstantCurrent >= cc);
            return;
        }

        _inConstantVoltage += dt;
        double end = _chemistry == BatteryChemistry.Lithium ? _curve.CutoffW ?? CutoffW : _curve.FloatW ?? FloatW;
        _terminated = _curve.Taper is not null
            ? DemandW(220) - end < 0.5 || StateOfCharge >= 1
            : StateOfCharge >= (_chemistry == BatteryChemistry.Lithium ? 0.995 : 0.97);
    }

    public override double PackVolts => _chemistry == BatteryChemistry.Lithium ? 42 + (12.6 * StateOfCharge) : 46 + (12 * StateOfCharge);

    public override string Describe() =>
        $"{(_chemistry == BatteryChemistry.Lithium ? "lithium" : "lead-acid")} {(_dcCharger ? "DC module" : "charger")} {_ratedW:0} W, SoC {StateOfCharge:P0}";
}
