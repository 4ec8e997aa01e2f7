using System.Device.I2c;
using Iot.Device.Vl53L0X;
using UnitsNet;
using static System.FormattableString;

namespace EdgeGateway.Hardware.Bins;

/// <summary>
/// A VL53L0X time-of-flight ranger looking down into a bin, read through the dotnet/iot <see cref="Vl53L0X"/>
/// binding (Iot.Device.Bindings 4.2.0). One <see cref="TryMeasure"/> is one single-shot measurement
/// (<see cref="Vl53L0X.DistanceSingleMeasurement"/>, about 33 ms with the binding's long-range profile).
/// </summary>
/// <remarks>
/// <para>
/// The binding is created on the first reading, and again after any bus failure (the chip may have been power
/// cycled and lost its configuration); its constructor runs ST's data init, static init, reference SPAD management
/// and the VHV and phase calibrations, and sleeps 30 ms.
/// </para>
/// <para>
/// The binding returns the range register without looking at the range status, so after each measurement this
/// class reads RESULT_RANGE_STATUS (14h) itself: bits 6:3 are the device range status, 11 meaning a valid range
/// (ST API, VL53L0X_GetRangingMeasurementData). A range of 8190 (the binding's <see cref="OperationRange.OutOfRange"/>)
/// means no return.
/// </para>
/// <para>The caller owns <c>device</c> (from the bus or a mux channel); disposing this class does not dispose it.</para>
/// </remarks>
public sealed class Vl53L0XFillSensor : IFillDistanceSensor, IDisposable
{
    private const int OperationTimeoutMilliseconds = 500;
    private const byte ResultRangeStatusRegister = 0x14;
    private const int RangeCompleteStatus = 11;

    private readonly Lock _gate = new();
    private readonly I2cDevice _device;
    private Vl53L0X? _sensor;
    private bool _disposed;

    public Vl53L0XFillSensor(I2cDevice device, string id)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        _device = device;
        Id = id;
    }

    public string Id { get; }

    /// <summary>30 mm: below it the VL53L0X's ranging is not specified (DS11555).</summary>
    public Length MinimumRange { get; } = Length.FromMillimeters(30);

    /// <summary>2 m: the long-range profile's reach (DS11555), the profile the binding selects.</summary>
    public Length MaximumRange { get; } = Length.FromMeters(2);

    public bool TryMeasure(out Length distance, out string? failure)
    {
        distance = default;
        lock (_gate)
        {
            if (_disposed)
            {
                failure = Invariant($"VL53L0X {Id}: sensor disposed");
                return false;
            }

            if (_sensor is null && !TryInitialize(out failure))
            {
                return false;
            }

            ushort range;
            int status;
            try
            {
                range = _sensor!.DistanceSingleMeasurement;
                _device.WriteByte(ResultRangeStatusRegister);
                status = (_device.ReadByte() >> 3) & 0x0F;
            }
            catch (Exception ex) when (IsDeviceFailure(ex))
            {
                DropSensor();
                failure = Invariant($"VL53L0X {Id}: measurement failed: {ex.Message}");
                return false;
            }

            if (status != RangeCompleteStatus)
            {
                failure = Invariant($"VL53L0X {Id}: no valid return (device range status {status}: {StatusText(status)})");
                return false;
            }

            if (range >= (ushort)OperationRange.OutOfRange)
            {
                failure = Invariant($"VL53L0X {Id}: no return (range {range}: out of range)");
                return false;
            }

            if (range > MaximumRange.Millimeters)
            {
                failure = Invariant($"VL53L0X {Id}: {range} mm is beyond the sensor's {MaximumRange.Millimeters:0} mm reach");
                return false;
            }

            distance = Length.FromMillimeters(range);
            failure = null;
            return true;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            DropSensor();
        }
    }

    private bool TryInitialize(out string? failure)
    {
        try
        {
            // shouldDispose: false, the caller owns the device. The constructor selects Precision.LongRange.
            _sensor = new Vl53L0X(_device, OperationTimeoutMilliseconds, shouldDispose: false);
            failure = null;
            return true;
        }
        catch (Exception ex) when (IsDeviceFailure(ex))
        {
            failure = Invariant($"VL53L0X {Id}: initialisation failed: {ex.Message}");
            return false;
        }
    }

    private void DropSensor()
    {
        _sensor?.Dispose();
        _sensor = null;
    }

    /// <summary>
    /// What the binding and the bus throw when the chip is missing, unpowered or misbehaving: I/O errors (NACK,
    /// the binding's polling timeouts), and the plain <see cref="Exception"/> the binding's constructor throws when
    /// a reference calibration does not complete.
    /// </summary>
    private static bool IsDeviceFailure(Exception ex) =>
        ex is IOException or InvalidOperationException or TimeoutException or UnauthorizedAccessException
        || ex.GetType() == typeof(Exception);

    /// <summary>The API's VL53L0X_DEVICEERROR_* codes.</summary>
    private static string StatusText(int status) => status switch
    {
        0 => "no update",
        1 => "VCSEL continuity test failure",
        2 => "VCSEL watchdog test failure",
        3 => "no VHV value found",
        4 => "MSRC no target",
        5 => "SNR check",
        6 => "range phase check, nothing in reach",
        7 => "sigma threshold check",
        8 => "TCC",
        9 => "phase consistency",
        10 => "minimum clip",
        12 => "algorithm underflow",
        13 => "algorithm overflow",
        14 => "range ignore threshold",
        _ => "unknown",
    };
}
