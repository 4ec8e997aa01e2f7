using Iot.Device.Adc;
using UnitsNet;

namespace EdgeGateway.Hardware.Metering;

/// <summary>
/// A DC port metered by an INA219 (TI INA219 datasheet, section 8.5 "Programming"): current from the
/// shunt through the calibration register, bus voltage through a divider (the INA219's bus input
/// tolerates 26 V, an e-bike pack is 48–72 V).
/// </summary>
public sealed class Ina219PortMeter : IPortMeter
{
    private readonly Ina219 _ina219;
    private readonly double _busVoltageDivider;
    private readonly double _maxCurrentA;
    private readonly double _shuntOhms;
    private bool _configured;

    public Ina219PortMeter(Ina219 ina219, string description, double shuntOhms, double maxCurrentA, double busVoltageDivider)
    {
        _ina219 = ina219;
        Description = description;
        _shuntOhms = shuntOhms;
        _maxCurrentA = maxCurrentA;
        _busVoltageDivider = busVoltageDivider;
    }

    public string Description { get; }

    public MeterReading Measure(double shortCircuitPeakAmps)
    {
        try
        {
            if (!_configured)
            {
                Configure();
            }

            double current = _ina219.ReadCurrent().Amperes;
            if (Math.Abs(current) >= shortCircuitPeakAmps)
            {
                return MeterReading.ShortCircuit(ElectricCurrent.FromAmperes(Math.Abs(current)));
            }

            double volts = _ina219.ReadBusVoltage().Volts * _busVoltageDivider;

            // The INA219 reads 26 V full scale and the divider's ratio is fixed: anything beyond is a
            // wiring or chip fault, not a measurement. A charging port draws, never feeds.
            if (volts > 26.0 * _busVoltageDivider || current < -0.05 * _maxCurrentA)
            {
                _configured = false;
                return MeterReading.Failed($"{Description}: impossible reading {volts:0.00} V, {current:0.000} A");
            }

            double watts = volts * Math.Max(current, 0);
            return MeterReading.Ok(new PortMeasurement(
                ElectricPotential.FromVolts(volts),
                ElectricCurrent.FromAmperes(current),
                Power.FromWatts(watts),
                Power.FromWatts(watts),
                null,
                ElectricCurrent.FromAmperes(Math.Abs(current)),
                VoltageEstimated: false));
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or KeyNotFoundException or UnauthorizedAccessException)
        {
            // Re-program the chip on the next read: a brown-out resets its calibration register.
            _configured = false;
            return MeterReading.Failed($"{Description}: {ex.Message}");
        }
    }

    private void Configure()
    {
        _ina219.Reset();

        // Datasheet equations 2 and 3: Current_LSB = max expected current / 2^15,
        // Cal = trunc(0.04096 / (Current_LSB × R_shunt)).
        double currentLsb = _maxCurrentA / 32768.0;
        ushort calibration = (ushort)Math.Min(ushort.MaxValue - 1, Math.Truncate(0.04096 / (currentLsb * _shuntOhms)));
        _ina219.SetCalibration(calibration, (float)currentLsb);
        _configured = true;
    }
}
