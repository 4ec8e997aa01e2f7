using UnitsNet;

namespace EdgeGateway.Hardware.Metering;

/// <summary>
/// One measurement of one port over whole mains cycles (AC) or one conversion (DC).
/// <see cref="PowerFactor"/> is absent when it is meaningless: no current flowing, a DC port,
/// or the shed's voltage transformer failed (then <see cref="VoltageEstimated"/> is set and real
/// power is the apparent power at nominal voltage, the conservative bound for overload checks).
/// </summary>
public readonly record struct PortMeasurement(
    ElectricPotential Voltage,
    ElectricCurrent Current,
    Power RealPower,
    Power ApparentPower,
    double? PowerFactor,
    ElectricCurrent PeakCurrent,
    bool VoltageEstimated)
{
    /// <summary>
    /// How far the current's waveform is from a scaled copy of the voltage's, over the same whole cycles:
    /// r = √(Σ (i − k·v)² / Σ i²) with k = Σ v·i / Σ v·v, 0 for a pure resistance (which copies the supply's
    /// distortion exactly) up to 1. A PFC front end draws its own sinusoid, its zero-crossing cusp and ripple,
    /// and leads a little: r of several percent. Absent where it cannot be known (no current flowing, no
    /// voltage, a DC port).
    /// </summary>
    public double? ShapeResidual { get; init; }

    // Plain doubles for the protection arithmetic (UnitsNet's Power is decimal-based).
    public double VoltageV => Voltage.Volts;

    public double CurrentA => Current.Amperes;

    public double RealPowerW => (double)RealPower.Watts;

    public double ApparentPowerW => (double)ApparentPower.Watts;

    public double PeakCurrentA => PeakCurrent.Amperes;
}

/// <summary>How a meter read ended.</summary>
public enum MeterReadStatus
{
    /// <summary>A valid measurement.</summary>
    Ok,

    /// <summary>An instantaneous current sample crossed the short-circuit threshold; the read stopped on that sample.</summary>
    ShortCircuit,

    /// <summary>The meter failed: bus error, stuck or impossible readings. <see cref="MeterReading.Fault"/> says what.</summary>
    Fault,
}

/// <summary>The outcome of reading a port meter. Meters never throw: bus errors become <see cref="MeterReadStatus.Fault"/>.</summary>
public readonly record struct MeterReading(MeterReadStatus Status, PortMeasurement Measurement, string? Fault)
{
    public static MeterReading Ok(in PortMeasurement measurement) => new(MeterReadStatus.Ok, measurement, null);

    public static MeterReading Failed(string fault) => new(MeterReadStatus.Fault, default, fault);

    public static MeterReading ShortCircuit(ElectricCurrent peak) =>
        new(MeterReadStatus.ShortCircuit, new PortMeasurement(default, peak, default, default, null, peak, false), null);
}

/// <summary>A port's meter, read on the sampling thread.</summary>
public interface IPortMeter
{
    /// <summary>What this meter is, for messages ("adc1 ch3", "ina219 0x40 on mux0/1").</summary>
    string Description { get; }

    /// <summary>
    /// Measures the port. Any instantaneous current at or above <paramref name="shortCircuitPeakAmps"/>
    /// ends the read at once with <see cref="MeterReadStatus.ShortCircuit"/>, so the caller can open the
    /// relay on the very sample that saw it.
    /// </summary>
    MeterReading Measure(double shortCircuitPeakAmps);
}
