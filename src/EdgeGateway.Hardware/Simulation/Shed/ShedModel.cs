namespace EdgeGateway.Hardware.Simulation.Shed;

/// <summary>
/// The physics of a charging shed, on simulated time: the mains supply (daily voltage profile, sag
/// under load, noise), every socket's relay contacts and load, the cabinet's temperature and the
/// smoke detector. Simulated chips read it through <see cref="AdcFrontEnd"/> and <see cref="DcFrontEnd"/>.
/// </summary>
/// <remarks>Used from the sampling thread only (bus transfers and scenario steps both run there).</remarks>
public sealed class ShedModel
{
    // The model steps its slow state (batteries, temperature, supply level) at most this often;
    // the waveforms themselves are evaluated at every sample instant.
    private static readonly TimeSpan StepInterval = TimeSpan.FromMilliseconds(20);

    // Source impedance seen at the shed's busbar (the supply transformer and the feeder to the shed's board): 0.15 Ω
    // drops 5 V at the 5.5 kW shed limit. Each socket's own branch (its cable and breaker) adds ShedOutlet.BranchOhms
    // in series with whatever is plugged in there.
    private const double FeederOhms = 0.15;

    private readonly List<ShedOutlet> _outlets = [];
    private readonly Random _random;
    private readonly double _nominalV;
    private readonly double _omega;
    private TimeSpan _lastStep;
    private (double Vrms, TimeSpan Until)? _sag;
    private double _wander;
    private double _spareGaussian = double.NaN;

    public ShedModel(SimulatedClock clock, double nominalVoltage, double frequencyHz, int seed, TimeSpan utcOffset)
    {
        Clock = clock;
        _nominalV = nominalVoltage;
        FrequencyHz = frequencyHz;
        _omega = 2 * Math.PI * frequencyHz;
        _random = new Random(seed);
        UtcOffset = utcOffset;
        SupplyVrms = nominalVoltage;
        CabinetTemperatureC = AmbientC(LocalHour);
    }

    public SimulatedClock Clock { get; }

    public double FrequencyHz { get; }

    /// <summary>The shed's local time zone (China Standard Time is +08:00); the daily profiles follow it.</summary>
    public TimeSpan UtcOffset { get; }

    public IReadOnlyList<ShedOutlet> Outlets => _outlets;

    /// <summary>RMS voltage of the supply at the shed now.</summary>
    public double SupplyVrms { get; private set; }

    /// <summary>Noise on the mains voltage itself (standard deviation as a share of its amplitude).</summary>
    public double NoiseShare { get; set; } = 0.001;

    /// <summary>
    /// Electrical noise at an ADC input, in volts (standard deviation). 0.4 mV is about half an LSB of a
    /// 12-bit converter on 3.3 V — the MCP3208's datasheet puts its transition noise within ±1 LSB.
    /// </summary>
    public double AdcNoiseVolts { get; set; } = 0.0004;

    /// <summary>The voltage transformer's secondary is open (a blown fuse or loose plug): its channel sees no mains.</summary>
    public bool VoltageTransformerOpen { get; set; }

    /// <summary>
    /// Whether the shed has mains (a scenario's power cut turns it off): without it the supply reads 0 V, no load is
    /// powered whatever its relay does, and batteries keep their charge.
    /// </summary>
    public bool MainsOn { get; set; } = true;

    /// <summary>
    /// The busbar held at this RMS voltage whatever the load, without the daily profile, wander or sag (null: the normal
    /// supply): a stabilised source on a calibration bench, so a reference load draws exactly its rated power.
    /// </summary>
    public double? HeldSupplyVrms { get; set; }

    public double CabinetTemperatureC { get; private set; }

    /// <summary>Scenario override of the cabinet temperature: where it is heading and how fast (°C per minute).</summary>
    public (double TargetC, double RatePerMinute)? TemperatureRamp { get; set; }

    public bool Smoke { get; private set; }

    /// <summary>Raised when the smoke detector's contact changes (wired to a GPIO input by the board).</summary>
    public event Action<bool>? SmokeChanged;

    /// <summary>Raised when a user who plugged in asks the shed to start charging (the payment or card platform's request).</summary>
    public event Action<ShedOutlet>? StartRequested;

    /// <summary>Raised on every slow-state step, for behaviour models (arrivals, scenario players).</summary>
    public event Action<TimeSpan>? Stepped;

    public double LocalHour
    {
        get
        {
            // The world follows true time, not the Pi's wall clock (which a scenario may step).
            DateTimeOffset local = Clock.TrueNow.ToOffset(UtcOffset);
            return local.Hour + (local.Minute / 60.0) + (local.Second / 3600.0);
        }
    }

    public Random Random => _random;

    public ShedOutlet AddOutlet(string id, bool isDc)
    {
        var outlet = new ShedOutlet(id, _outlets.Count, isDc);
        _outlets.Add(outlet);
        return outlet;
    }

    public ShedOutlet Outlet(string id) =>
        _outlets.Find(o => string.Equals(o.Id, id, StringComparison.Ordinal)) ?? throw new ArgumentException($"no outlet '{id}'", nameof(id));

    public AdcFrontEnd CreateAdcFrontEnd(double referenceV) => new(this, referenceV);

    public MeteringIcFrontEnd CreateMeteringIcFrontEnd(ShedOutlet outlet) => new(this, outlet);

    public DcFrontEnd CreateDcFrontEnd(ShedOutlet outlet, double shuntOhms, double busVoltageDivider) => new(this, outlet, shuntOhms, busVoltageDivider);

    public void SetSmoke(bool smoke)
    {
        if (Smoke != smoke)
        {
            Smoke = smoke;
            SmokeChanged?.Invoke(smoke);
        }
    }

    /// <summary>A user plugs a load in and asks for the port to start.</summary>
    public void PlugAndRequestStart(ShedOutlet outlet, OutletLoad load)
    {
        outlet.Plug(load);
        RequestStart(outlet);
    }

    /// <summary>A user asks for the port to start (with whatever is plugged in, or nothing).</summary>
    public void RequestStart(ShedOutlet outlet) => StartRequested?.Invoke(outlet);

    /// <summary>Brings the slow state up to <paramref name="now"/>.</summary>
    public void AdvanceTo(TimeSpan now)
    {
        TimeSpan dt = now - _lastStep;
        if (dt < StepInterval)
        {
            return;
        }

        _lastStep = now;
        Step(dt);
    }

    /// <summary>
    /// The source sags to <paramref name="vrms"/> (a brownout upstream) until <paramref name="until"/> on the shed's clock;
    /// the feeder's own drop under load comes on top, as for the normal supply.
    /// </summary>
    public void Sag(double vrms, TimeSpan until) => _sag = (vrms, until);

    /// <summary>
    /// Brings the slow state up to the clock's now at once, however short the step: after a scenario changes the shed
    /// mid-round (a load plugged in, a relay welded, the supply sagging), the supply and every outlet's current follow
    /// from that instant, not from the next 20 ms step.
    /// </summary>
    public void Settle()
    {
        TimeSpan now = Clock.Elapsed;
        TimeSpan dt = now - _lastStep;
        _lastStep = now;
        Step(dt < TimeSpan.Zero ? TimeSpan.Zero : dt);
    }

    /// <summary>Normalised supply voltage shape and its amplitude at instant <paramref name="at"/>, noise included.</summary>
    internal double InstantaneousVolts(TimeSpan at, out double u)
    {
        AdvanceTo(at);
        u = Waveforms.Voltage(PhaseAt(at));
        return (SupplyPeakAmplitude * u) + (Gaussian() * NoiseShare * SupplyPeakAmplitude);
    }

    /// <summary>Phase of the supply (radians, not wrapped) at instant <paramref name="at"/>.</summary>
    internal double PhaseAt(TimeSpan at) => _omega * at.Ticks / TimeSpan.TicksPerSecond;

    /// <summary>Amplitude A of v = A·u for the present RMS voltage.</summary>
    internal double SupplyPeakAmplitude => SupplyVrms / Math.Sqrt(Waveforms.MeanVoltageSquared);

    internal double Gaussian()
    {
        if (!double.IsNaN(_spareGaussian))
        {
            double spare = _spareGaussian;
            _spareGaussian = double.NaN;
            return spare;
        }

        // Box–Muller.
        double u1 = 1.0 - _random.NextDouble();
        double u2 = _random.NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareGaussian = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }

    private void Step(TimeSpan dt)
    {
        double hour = LocalHour;

        // Evening peak (cooking, heating) pulls the feeder down most; the small hours are highest.
        double profile = 229 - (10 * Math.Exp(-Math.Pow((hour - 20) / 3, 2))) - (5 * Math.Exp(-Math.Pow((hour - 8) / 2, 2)));
        _wander = (_wander * 0.98) + (Gaussian() * 0.15);
        double sourceV = (profile + _wander) * _nominalV / 220.0;
        if (_sag is { } sag)
        {
            if (Clock.Elapsed < sag.Until)
            {
                sourceV = sag.Vrms + _wander;
            }
            else
            {
                _sag = null;
            }
        }

        // The busbar is a node between the source impedance and the branches. Ordinary loads draw a current that hardly
        // depends on a few volts of sag (last step's, as metered); a bolted fault is an impedance, R_fault + R_branch,
        // so it draws V_bus / (R_fault + R_branch). Solving the node: V_bus = (V_source − Z_s·I_loads) / (1 + Z_s·Σ 1/(R_fault + R_branch)).
        // Two simultaneous shorts therefore each still draw hundreds of amps (the busbar sags to about 100 V), far
        // above any short-circuit threshold, and each port's CT sees its own: neither hides the other.
        double loadCurrent = 0;
        double faultConductance = 0;
        foreach (ShedOutlet outlet in _outlets)
        {
            if (outlet.LoadAt(_lastStep) is ShortCircuitLoad && outlet.ContactClosed)
            {
                faultConductance += 1 / (ShortCircuitLoad.Ohms + outlet.BranchOhms);
            }
            else if (outlet.ContactClosed)
            {
                // Open contacts carry nothing, whatever the outlet drew at the last step (a short its relay just cleared).
                loadCurrent += outlet.IsDc ? outlet.TrueRealPowerW / _nominalV : outlet.TrueCurrentA;
            }
        }

        SupplyVrms = !MainsOn ? 0 : HeldSupplyVrms ?? Math.Max(0, (sourceV - (FeederOhms * loadCurrent)) / (1 + (FeederOhms * faultConductance)));

        double peak = SupplyPeakAmplitude;
        double heatW = 0;
        foreach (ShedOutlet outlet in _outlets)
        {
            outlet.Update(_lastStep, dt, SupplyVrms, peak);
            heatW += outlet.TrueRealPowerW;
        }

        StepTemperature(dt, hour, heatW);
        Stepped?.Invoke(dt);
    }

    private void StepTemperature(TimeSpan dt, double hour, double heatW)
    {
        double minutes = dt.TotalMinutes;
        if (TemperatureRamp is { } ramp)
        {
            double delta = ramp.TargetC - CabinetTemperatureC;
            double stepC = Math.Min(Math.Abs(delta), ramp.RatePerMinute * minutes);
            CabinetTemperatureC += Math.CopySign(stepC, delta);
            return;
        }

        // Chargers lose ~15 % as heat in the cabinet; a loaded shed settles a few degrees above ambient.
        double target = AmbientC(hour) + (heatW * 0.15 / 120.0);
        double alpha = 1 - Math.Exp(-minutes / 20.0);
        CabinetTemperatureC += (target - CabinetTemperatureC) * alpha;
    }

    private static double AmbientC(double hour) => 12 + (7 * Math.Sin(2 * Math.PI * (hour - 9) / 24));
}
