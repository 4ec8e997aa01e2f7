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
