namespace EdgeGateway.Hardware.Simulation;

/// <summary>
/// What is wired to a simulated ADC's input pins: the voltage on each channel at an instant of
/// simulated time. The physical shed model implements it (current transformers biased at mid-supply,
/// the voltage transformer).
/// </summary>
public interface IAnalogFrontEnd
{
    /// <summary>Volts on <paramref name="channel"/> at simulated time <paramref name="at"/> (not yet clipped to the rails).</summary>
    double ChannelVolts(int channel, TimeSpan at);
}

/// <summary>
/// What is wired to a simulated INA219: the differential voltage across the shunt (VIN+ − VIN−) and
/// the bus voltage (VIN− to GND, after any divider) at an instant of simulated time.
/// </summary>
public interface IDcFrontEnd
{
    DcInputs Inputs(TimeSpan at);
}

/// <summary>The INA219's analog inputs.</summary>
public readonly record struct DcInputs(double ShuntVolts, double BusVolts);

/// <summary>
/// What a downward-looking ranger (ultrasonic or time-of-flight) sees at an instant: the distance to
/// the surface that answers, or no return at all (a lost echo, a soft bag absorbing the ping).
/// </summary>
public interface IRangingTarget
{
    RangeEcho Echo(TimeSpan at);
}

/// <summary>One ping's answer: <see cref="Returned"/> false means nothing came back.</summary>
public readonly record struct RangeEcho(double DistanceMm, bool Returned);

/// <summary>What sits on a load cell at an instant, in kilograms (after tare).</summary>
public interface ILoadCellInput
{
    double Kilograms(TimeSpan at);
}
