namespace EdgeGateway.Hardware.Simulation.Shed;

/// <summary>
/// Shapes of mains voltage and load current over one cycle, normalised so the physical model only
/// scales them. Mains voltage is slightly flat-topped (a few percent third harmonic from the
/// rectifier loads on the grid). A switch-mode charger without power-factor correction charges its
/// input capacitor only near the voltage peaks, so it draws narrow current pulses: power factor
/// 0.5–0.7, crest factor near 3. A heater or kettle draws a current proportional to the voltage.
/// </summary>
public static class Waveforms
{
    /// <summary>Third-harmonic share of the supply voltage (in phase with the fundamental's peak: flattens it).</summary>
    public const double ThirdHarmonic = 0.03;

    /// <summary>The capacitor-input rectifier conducts while |v| is above this share of the peak: PF ≈ 0.64, crest factor ≈ 2.6.</summary>
    public const double ConductionThreshold = 0.93;

    private const int IntegrationPoints = 20_000;

    /// <summary>
    /// Peak of the normalised voltage shape: at θ = 90° the third harmonic subtracts its full share,
    /// and for a small harmonic that point stays the maximum.
    /// </summary>
    public const double VoltagePeak = 1 - ThirdHarmonic;

    /// <summary>Mean of u² over a cycle (u = normalised voltage).</summary>
    public static double MeanVoltageSquared { get; }

    /// <summary>Mean of u·g and g² for the switch-mode current shape g.</summary>
    public static ShapeIntegrals SwitchMode { get; }

    /// <summary>Mean of u·g and g² for a resistive load (g = u).</summary>
    public static ShapeIntegrals Resistive { get; }

#pragma warning disable CA1810 // three integrals come from one pass; a static constructor reads clearer than three initialisers
    static Waveforms()
#pragma warning restore CA1810
    {
        double uu = 0, ug = 0, gg = 0;
        for (int k = 0; k < IntegrationPoints; k++)
        {
            double u = Voltage(2 * Math.PI * (k + 0.5) / IntegrationPoints);
            double g = SwitchModeCurrent(u);
            uu += u * u;
            ug += u * g;
            gg += g * g;
        }

        MeanVoltageSquared = uu / IntegrationPoints;
        SwitchMode = new ShapeIntegrals(ug / IntegrationPoints, gg / IntegrationPoints);
        Resistive = new ShapeIntegrals(MeanVoltageSquared, MeanVoltageSquared);
    }

    /// <summary>Normalised supply voltage at phase θ (radians).</summary>
    public static double Voltage(double theta)
    {
        double s = Math.Sin(theta);

        // sin 3θ = 3 sin θ − 4 sin³θ: one sine per sample on the hot path.
        return s + ThirdHarmonic * ((3 * s) - (4 * s * s * s));
    }

    /// <summary>Normalised current of a capacitor-input rectifier for normalised voltage u.</summary>
    public static double SwitchModeCurrent(double u)
    {
        double excess = Math.Abs(u) - (ConductionThreshold * VoltagePeak);
        return excess <= 0 ? 0 : Math.CopySign(excess, u);
    }

    /// <summary>
    /// Cycle means of u·g and g² for any current shape g(θ) on this supply (numerically, once per load: the
    /// outlet turns a demanded power into an amplitude with them). <paramref name="extraMeanSquare"/> adds
    /// content uncorrelated with the voltage, such as switching ripple, to the current's mean square.
    /// </summary>
    public static ShapeIntegrals Integrate(Func<double, double> currentAtPhase, double extraMeanSquare = 0)
    {
        const int Points = 4000;
        double ug = 0, gg = 0;
        for (int k = 0; k < Points; k++)
        {
            double theta = 2 * Math.PI * (k + 0.5) / Points;
            double g = currentAtPhase(theta);
            ug += Voltage(theta) * g;
            gg += g * g;
        }

        return new ShapeIntegrals(ug / Points, (gg / Points) + extraMeanSquare);
    }

    /// <summary>Power factor of a current shape on this supply.</summary>
    public static double PowerFactor(ShapeIntegrals shape) => shape.MeanVoltageTimesCurrent / Math.Sqrt(MeanVoltageSquared * shape.MeanCurrentSquared);
}

/// <summary>Cycle means that turn a demanded power into a current amplitude.</summary>
public readonly record struct ShapeIntegrals(double MeanVoltageTimesCurrent, double MeanCurrentSquared);
