using static System.FormattableString;

namespace EdgeGateway.Calibration;

/// <summary>What the installer's reference meter says: real power, current and voltage at the port (any of them may be absent).</summary>
public sealed record CalibrationReferences(double? PowerW, double? CurrentA, double? VoltageV)
{
    /// <summary>Whether the current is calibrated (a power or current reference is given).</summary>
    public bool CalibratesCurrent => PowerW is not null || CurrentA is not null;
}

/// <summary>A factor and the value calibration gives it.</summary>
public sealed record FactorChange(ScaleFactor Factor, double NewValue);

/// <summary>
/// The outcome of a calibration measurement: the port's averaged reading, and either the new factors or why none are
/// given (<see cref="Refusal"/>).
/// </summary>
public sealed record CalibrationOutcome
{
    public string? Refusal { get; init; }

    public double VoltageV { get; init; }

    public double CurrentA { get; init; }

    public double PowerW { get; init; }

    public double? PowerFactor { get; init; }

    /// <summary>True over measured voltage (1 without a voltage reference).</summary>
    public double VoltageRatio { get; init; } = 1;

    /// <summary>True over measured current (1 without a power or current reference).</summary>
    public double CurrentRatio { get; init; } = 1;

    public IReadOnlyList<FactorChange> Changes { get; init; } = [];

    public bool Refused => Refusal is not null;
}

/// <summary>
/// Turns a port's readings under a known resistive load into new scale factors, or refuses: pure arithmetic on the
/// readings (the measuring is <see cref="CalibrationBench"/>'s).
/// </summary>
/// <remarks>
/// <para>Voltage: the factor is scaled by reference V / measured V. Current: by reference A / measured A when a current
/// reference is given; otherwise from the power, P_ref / (P_measured × voltage ratio), since the power the meter reads
/// is its voltage times its current and the voltage is corrected first.</para>
/// <para>Refused: a short circuit or meter faults; no load (under a tenth of the reference); a load that is not resistive
/// (power factor under <see cref="MinPowerFactor"/>, where the reference meter's own power and current readings disagree
/// with a plain product) or not steady (power varying more than <see cref="MaxPowerSpread"/>); a correction beyond the
/// allowed share, which no component tolerance explains.</para>
/// </remarks>
public static class PortCalibration
{
    /// <summary>A heater, kettle or incandescent lamp has PF ≥ 0.99; a charger 0.5–0.7, one with PFC ≥ 0.95 but its own waveform.</summary>
    public const double MinPowerFactor = 0.97;

    /// <summary>The largest relative standard deviation of the readings' power a steady resistive load shows (meter noise and mains flicker are well under 1 %).</summary>
    public const double MaxPowerSpread = 0.03;

    /// <summary>
    /// The default largest correction: 25 %. CT ratio, burden resistor, VT and divider tolerances add up to a few percent; a
    /// factor 25 % off is another part (an SCT-013-050 entered as a -030 is 40 % off) or another wire.
    /// </summary>
    public const double DefaultMaxCorrection = 0.25;

    public static CalibrationOutcome Compute(string portId, CalibrationReferences references, IReadOnlyList<ScaleFactor> factors, IReadOnlyList<Hardware.Metering.MeterReading> readings, double maxCorrection = DefaultMaxCorrection)
    {
        ArgumentNullException.ThrowIfNull(references);
        ArgumentNullException.ThrowIfNull(factors);
        ArgumentNullException.ThrowIfNull(readings);
        foreach (Hardware.Metering.MeterReading reading in readings)
        {
            if (reading.Status == Hardware.Metering.MeterReadStatus.ShortCircuit)
            {
                return new CalibrationOutcome { Refusal = Invariant($"short circuit on {portId}: {reading.Measurement.PeakCurrentA:0} A peak; the relay was opened at once. Unplug the load and check it and the socket before anything else") };
            }
        }

        var ok = readings.Where(r => r.Status == Hardware.Metering.MeterReadStatus.Ok).Select(r => r.Measurement).ToList();
        if (ok.Count == 0 || ok.Count < readings.Count * 0.9)
        {
            string? fault = readings.FirstOrDefault(r => r.Status == Hardware.Metering.MeterReadStatus.Fault).Fault;
            return new CalibrationOutcome { Refusal = $"the meter of {portId} failed on {readings.Count - ok.Count} of {readings.Count} readings: {fault}" };
        }

        if (ok.Any(m => m.VoltageEstimated))
        {
            return new CalibrationOutcome { Refusal = $"the meter of {portId} reads no mains voltage (the voltage transformer's channel shows no mains cycles): check the VT and its wiring first" };
        }

        double volts = ok.Average(m => m.VoltageV);
        double amps = ok.Average(m => m.CurrentA);
        double watts = ok.Average(m => m.RealPowerW);
        double apparent = ok.Average(m => m.ApparentPowerW);
        double? pf = apparent > 0 ? Math.Min(1, watts / apparent) : null;
        var outcome = new CalibrationOutcome { VoltageV = volts, CurrentA = amps, PowerW = watts, PowerFactor = pf };

        if (references.VoltageV is not null && volts < 20)
        {
            return outcome with { Refusal = Invariant($"{portId} reads {volts:0.0} V: no mains at the meter's voltage input, nothing to calibrate against (check the VT or divider wiring)") };
        }

        double voltageRatio = references.VoltageV is { } referenceV ? referenceV / volts : 1;
        double currentRatio = 1;
        if (references.CalibratesCurrent)
        {
            double expectedW = references.PowerW ?? (references.CurrentA!.Value * (references.VoltageV ?? volts * voltageRatio));
            if (watts < -0.1 * expectedW)
            {
                return outcome with
                {
                    Refusal = Invariant($"{portId} reads {watts:0} W: negative power, the current sensor is fitted the wrong way round (a CT's arrow or K side points towards the load; swap the two wires of its output or turn it over)"),
                };
            }

            if (watts < 0.1 * expectedW)
            {
                return outcome with
                {
                    Refusal = Invariant($"no load: {portId} reads {Math.Abs(watts):0.0} W ({amps:0.000} A) with its relay closed, against a {expectedW:0} W reference. Is the reference load plugged into {portId} and switched on? If it is, {portId}'s current sensor is not where the site file says (another port's channel or address): check the wiring against the pin map"),
                };
            }

            if (pf is null or < MinPowerFactor)
            {
                return outcome with
                {
                    Refusal = Invariant($"the load on {portId} is not resistive: power factor {pf ?? 0:0.00} (at least {MinPowerFactor:0.00} needed). Use a heater, kettle or incandescent lamp, not a charger, motor, LED lamp or anything with a power supply inside"),
                };
            }

            double spread = Math.Sqrt(ok.Average(m => (m.RealPowerW - watts) * (m.RealPowerW - watts))) / watts;
            if (spread > MaxPowerSpread)
            {
                return outcome with
                {
                    Refusal = Invariant($"the load on {portId} is not steady: its power varied by {spread:0.0%} (standard deviation) while measured. A thermostat, a dimmer or a fan setting moves it: use a plain heater or lamp at full power"),
                };
            }

            currentRatio = references.CurrentA is { } referenceA ? referenceA / amps : references.PowerW!.Value / (watts * voltageRatio);
        }

        foreach ((string quantity, double ratio) in new[] { ("voltage", voltageRatio), ("current", currentRatio) })
        {
            if (Math.Abs(ratio - 1) > maxCorrection)
            {
                return outcome with
                {
                    Refusal = Invariant($"{portId}'s {quantity} reads {(1 / ratio) - 1:+0.0%;-0.0%} off the reference, more than the {maxCorrection:0%} a calibration corrects: that is no component tolerance but a wrong part or wire (a CT of another rating, the load on another port, {portId}'s sensor on another channel, the reference meter on another circuit). Check the wiring and the site file's sensor, then calibrate again"),
                };
            }
        }

        var changes = new List<FactorChange>();
        foreach (ScaleFactor factor in factors)
        {
            if (factor.Quantity == CalibratedQuantity.Voltage && references.VoltageV is not null)
            {
                changes.Add(new FactorChange(factor, factor.Scaled(voltageRatio)));
            }
            else if (factor.Quantity == CalibratedQuantity.Current && references.CalibratesCurrent)
            {
                changes.Add(new FactorChange(factor, factor.Scaled(currentRatio)));
            }
        }

        return outcome with { VoltageRatio = voltageRatio, CurrentRatio = currentRatio, Changes = changes };
    }
}
