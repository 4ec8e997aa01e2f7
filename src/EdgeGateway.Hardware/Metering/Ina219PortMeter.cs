using System.Buffers.Binary;
using System.Device.I2c;
using Iot.Device.Adc;
using UnitsNet;
using static System.FormattableString;

namespace EdgeGateway.Hardware.Metering;

/// <summary>
/// A DC port metered by an INA219 (TI INA219 datasheet, section 8.5 "Programming"): current from the
/// shunt through the calibration register, bus voltage through a divider (the INA219's bus input
/// tolerates 26 V, an e-bike pack is 48–72 V).
/// </summary>
public sealed class Ina219PortMeter : IPortMeter
{
    private readonly Ina219 _ina219;
    private readonly I2cDevice _device;
    private readonly byte[] _shuntPointer = [ShuntVoltageRegister];
    private readonly byte[] _shuntValue = new byte[2];
    private readonly double _busVoltageDivider;
    private readonly double _maxCurrentA;
    private readonly double _shuntOhms;
    private bool _configured;

    /// <summary>The shunt register's full scale at PGA ÷8, less one LSB (10 µV).</summary>
    private const double PgaFullScaleVolts = 0.31999;

    /// <summary>The shunt voltage register's pointer (datasheet 8.6.2, register map: 01h), 10 µV a count.</summary>
    private const byte ShuntVoltageRegister = 0x01;

    /// <summary>
    /// A DC port metered by <paramref name="ina219"/>, the binding on <paramref name="device"/>: the port's measurement goes
    /// through the binding; the shunt-only look between measurements reads the register on the device directly.
    /// </summary>
    public Ina219PortMeter(Ina219 ina219, I2cDevice device, string description, double shuntOhms, double maxCurrentA, double busVoltageDivider)
    {
        _ina219 = ina219;
        _device = device;
        Description = description;
        _shuntOhms = shuntOhms;
        _maxCurrentA = maxCurrentA;
        _busVoltageDivider = busVoltageDivider;
    }

    public string Description { get; }

    /// <summary>
    /// How old the power of a measurement can be: in continuous mode the INA219 converts the shunt and the bus voltage
    /// one after the other, 532 µs each at 12 bits (the configuration register's ADC settings), so both registers are
    /// fresh 1.1 ms after a change.
    /// </summary>
    public static TimeSpan PowerLag { get; } = TimeSpan.FromMicroseconds(1100);

    public MeterReading Measure(double shortCircuitPeakAmps)
    {
        try
        {
            if (!_configured)
            {
                Configure();
            }

            // Current from the shunt voltage rather than the Current register: a fault current
            // saturates the PGA, and the register's product (shunt × calibration / 4096) then
            // overflows into a meaningless value (datasheet 8.6.3.1, the OVF flag) — the shunt
            // register itself just sits at full scale, which is what identifies the short.
            double shunt = Signed(_ina219.ReadShuntVoltage().Volts);
            double current = shunt / _shuntOhms;
            if (shunt >= PgaFullScaleVolts || current >= shortCircuitPeakAmps)
            {
                return MeterReading.ShortCircuit(ElectricCurrent.FromAmperes(Math.Max(current, PgaFullScaleVolts / _shuntOhms)));
            }

            double volts = _ina219.ReadBusVoltage().Volts * _busVoltageDivider;

            // The INA219 reads 26 V full scale and the divider's ratio is fixed: anything beyond is a
            // wiring or chip fault, not a measurement. A charging port draws, never feeds.
            if (volts > 26.0 * _busVoltageDivider || current < -0.05 * _maxCurrentA)
            {
                _configured = false;
                return MeterReading.Failed(Invariant($"{Description}: impossible reading {volts:0.00} V, {current:0.000} A"));
            }

            // A charging port draws and never feeds: a few mA below zero on an idle shunt is offset noise.
            current = Math.Max(current, 0);
            double watts = volts * current;
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

    /// <summary>
    /// Reads the shunt voltage register alone (one register read: about 0.5 ms of I2C at 100 kHz, the chip converting
    /// continuously every 532 µs at 12 bits, datasheet 8.4.1) and says whether it is past the short-circuit threshold,
    /// as <see cref="Measure"/> would: the fast look the sampler takes at a DC port between other ports' measurements and
    /// between rounds. False (nothing to say) before the chip was configured by a measurement, or when the read fails
    /// (the port's next measurement reports that fault).
    /// </summary>
    public bool TryReadPastShortCircuit(double shortCircuitPeakAmps, out bool past, out double amps)
    {
        past = false;
        amps = double.NaN;
        if (!_configured || double.IsInfinity(shortCircuitPeakAmps))
        {
            return false;
        }

        try
        {
            // The register directly, one write-read, not Ina219.ReadShuntVoltage: the binding (4.2) waits a whole
            // conversion time (532 µs at 12 bits, spinning with yields) between the pointer write and the read, for a
            // chip in triggered mode. In continuous mode the register always holds the last conversion, so that wait
            // buys nothing — and it was most of the look's cost: with 36 DC ports, 19 ms of every 3 ms look between
            // rounds on a Pi's sampling thread.
            _device.WriteRead(_shuntPointer, _shuntValue);
            double shunt = BinaryPrimitives.ReadInt16BigEndian(_shuntValue) * 10e-6;
            amps = Math.Max(shunt, 0) / _shuntOhms;
            past = shunt >= PgaFullScaleVolts || amps >= shortCircuitPeakAmps;
            if (past)
            {
                amps = Math.Max(amps, PgaFullScaleVolts / _shuntOhms);
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or KeyNotFoundException or UnauthorizedAccessException)
        {
            _configured = false;
            return false;
        }
    }

    /// <summary>
    /// The shunt register is two's complement (datasheet 8.6.3.1) but Iot.Device's binding (4.2)
    /// returns it unsigned: a reading of −10 µV comes back as 655.35 mV. Undo that.
    /// </summary>
    private static double Signed(double volts) => volts >= 0.32768 ? volts - 0.65536 : volts;

    private void Configure()
    {
        // The power-on configuration (datasheet Table 6: 0x399F) is what a port meter wants: 32 V
        // bus range, PGA ÷8 (±320 mV, the widest, so a short still reads as full scale rather than
        // clipping at a normal current), 12-bit conversions, continuous. A reset restores it after a
        // brown-out. The calibration register feeds the chip's Current and Power registers; they are
        // kept valid (equations 1 and 2: Current_LSB = max current / 2^15,
        // Cal = trunc(0.04096 / (Current_LSB × R_shunt))) for anyone reading the chip by hand.
        _ina219.Reset();
        double currentLsb = _maxCurrentA / 32768.0;
        ushort calibration = (ushort)Math.Min(ushort.MaxValue - 1, Math.Truncate(0.04096 / (currentLsb * _shuntOhms)));
        _ina219.SetCalibration(calibration, (float)currentLsb);
        _configured = true;
    }
}
