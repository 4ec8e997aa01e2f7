using EdgeGateway.Calibration;
using EdgeGateway.Hardware.Metering;
using UnitsNet;

namespace EdgeGateway.Tests.Calibration;

/// <summary>The arithmetic and the refusals of a calibration, on readings made up to the case.</summary>
public sealed class PortCalibrationTests
{
    private static readonly ScaleFactor Vt = new(CalibratedQuantity.Voltage, "mains.voltsPerAdcVolt", 250, ReadingGrowsWithFactor: true);
    private static readonly ScaleFactor Ct = new(CalibratedQuantity.Current, "ports[P01].meter.ampsPerAdcVolt", 30, ReadingGrowsWithFactor: true);
    private static readonly ScaleFactor Shunt = new(CalibratedQuantity.Current, "ports[P01].meter.shuntOhms", 0.001, ReadingGrowsWithFactor: false);

    private static MeterReading Reading(double volts, double amps, double powerFactor = 1) =>
        MeterReading.Ok(new PortMeasurement(
            ElectricPotential.FromVolts(volts),
            ElectricCurrent.FromAmperes(amps),
            Power.FromWatts(volts * amps * powerFactor),
            Power.FromWatts(volts * amps),
            powerFactor,
            ElectricCurrent.FromAmperes(amps * Math.Sqrt(2)),
            VoltageEstimated: false));

    private static MeterReading[] Steady(double volts, double amps, double powerFactor = 1) => [.. Enumerable.Repeat(Reading(volts, amps, powerFactor), 50)];

    [Fact]
    public void The_voltage_is_corrected_first_and_the_current_from_the_power_at_the_corrected_voltage()
    {
        // The meter reads 5 % low on voltage and 8 % low on current: 218.5 V × 4.0 A = 874 W for 230 V and 1000 W.
        CalibrationOutcome outcome = PortCalibration.Compute("P01", new CalibrationReferences(1000, null, 230), [Vt, Ct], Steady(218.5, 4.0));

        Assert.Null(outcome.Refusal);
        Assert.Equal(250 * 230 / 218.5, outcome.Changes.Single(c => c.Factor == Vt).NewValue, 6);
        Assert.Equal(30 * 1000 / (218.5 * 4.0 * (230 / 218.5)), outcome.Changes.Single(c => c.Factor == Ct).NewValue, 6);
    }

    [Fact]
    public void A_shunt_reading_high_grows_since_the_current_is_its_voltage_over_its_ohms()
    {
        CalibrationOutcome outcome = PortCalibration.Compute("P01", new CalibrationReferences(null, 4.0, null), [Shunt], Steady(230, 4.4));

        Assert.Equal(0.0011, outcome.Changes.Single().NewValue, 9);
    }

    [Fact]
    public void Without_a_voltage_reference_only_the_current_changes()
    {
        CalibrationOutcome outcome = PortCalibration.Compute("P01", new CalibrationReferences(1000, null, null), [Vt, Ct], Steady(230, 4.0));

        Assert.Equal(Ct, outcome.Changes.Single().Factor);
    }

    [Fact]
    public void No_load_is_refused()
    {
        CalibrationOutcome outcome = PortCalibration.Compute("P02", new CalibrationReferences(1000, null, 230), [Vt, Ct], Steady(229, 0.02));

        Assert.StartsWith("no load: P02 reads 4.6 W", outcome.Refusal, StringComparison.Ordinal);
        Assert.Empty(outcome.Changes);
    }

    [Fact]
    public void Negative_power_is_refused_as_a_current_sensor_fitted_the_wrong_way_round()
    {
        CalibrationOutcome outcome = PortCalibration.Compute("P01", new CalibrationReferences(1000, null, 230), [Vt, Ct], Steady(230, 4.3, powerFactor: -1));

        Assert.StartsWith("P01 reads -989 W: negative power, the current sensor is fitted the wrong way round", outcome.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void A_load_that_is_not_resistive_is_refused()
    {
        CalibrationOutcome outcome = PortCalibration.Compute("P01", new CalibrationReferences(1000, null, 230), [Vt, Ct], Steady(230, 6.0, powerFactor: 0.65));

        Assert.StartsWith("the load on P01 is not resistive: power factor 0.65", outcome.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void A_load_that_is_not_steady_is_refused()
    {
        MeterReading[] cycling = [.. Enumerable.Range(0, 50).Select(i => Reading(230, i % 2 == 0 ? 4.0 : 4.6))];

        CalibrationOutcome outcome = PortCalibration.Compute("P01", new CalibrationReferences(1000, null, 230), [Vt, Ct], cycling);

        Assert.StartsWith("the load on P01 is not steady", outcome.Refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(230, 2.9, "current reads -33.3%")]
    [InlineData(160, 6.25, "voltage reads -30.4%")]
    public void A_correction_no_tolerance_explains_is_refused(double volts, double amps, string expected)
    {
        CalibrationOutcome outcome = PortCalibration.Compute("P01", new CalibrationReferences(1000, null, 230), [Vt, Ct], Steady(volts, amps));

        Assert.Contains(expected, outcome.Refusal, StringComparison.Ordinal);
        Assert.Empty(outcome.Changes);
    }

    [Fact]
    public void A_short_circuit_or_a_failing_meter_is_refused()
    {
        MeterReading[] shorted = [.. Steady(230, 4.3), MeterReading.ShortCircuit(ElectricCurrent.FromAmperes(300))];
        MeterReading[] failing = [.. Steady(230, 4.3).Take(10), .. Enumerable.Repeat(MeterReading.Failed("adc0 ch1: stuck at code 0"), 10)];

        Assert.StartsWith("short circuit on P01: 300 A peak", PortCalibration.Compute("P01", new CalibrationReferences(1000, null, 230), [Vt, Ct], shorted).Refusal, StringComparison.Ordinal);
        Assert.Equal("the meter of P01 failed on 10 of 20 readings: adc0 ch1: stuck at code 0", PortCalibration.Compute("P01", new CalibrationReferences(1000, null, 230), [Vt, Ct], failing).Refusal);
    }
}
