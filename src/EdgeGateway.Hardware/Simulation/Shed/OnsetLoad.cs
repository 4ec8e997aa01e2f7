namespace EdgeGateway.Hardware.Simulation.Shed;

/// <summary>
/// A load that changes at an exact instant of shed time: <see cref="Before"/> until <see cref="Onset"/>, then
/// <see cref="After"/> (a charger that becomes a short circuit, a heater switched on). The outlet evaluates it at each
/// sample instant, so the change lands between two ADC conversions exactly where it is asked, at any phase of the
/// gateway's round, not at the model's next 20 ms step. Used to measure trip latency (<c>bench trip</c>).
/// </summary>
public sealed class OnsetLoad(OutletLoad before, OutletLoad after, TimeSpan onset) : OutletLoad
{
    public OutletLoad Before { get; } = before;

    public OutletLoad After { get; } = after;

    /// <summary>Simulated time (since the simulation started) at which <see cref="After"/> takes over.</summary>
    public TimeSpan Onset { get; } = onset;

    /// <summary>The load drawing at <paramref name="at"/>.</summary>
    public OutletLoad At(TimeSpan at) => at >= Onset ? After : Before;

    // The outlet resolves the load by instant (ShedOutlet); these answer for the load before the onset.
    public override bool IsResistive => Before.IsResistive;

    public override double CurrentShape(double u, double theta, double seconds) => Before.CurrentShape(u, theta, seconds);

    public override ShapeIntegrals Shape => Before.Shape;

    public override double DemandW(double supplyVrms) => Before.DemandW(supplyVrms);

    public override double PackVolts => Before.PackVolts;

    public override string Describe() => $"{Before.Describe()}, then {After.Describe()} from {Onset}";
}
