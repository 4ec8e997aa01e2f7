using System.Device.I2c;
using Iot.Device.Vl53L1X;
using UnitsNet;
using static System.FormattableString;

namespace EdgeGateway.Hardware.Bins;

/// <summary>
/// A VL53L1X time-of-flight ranger looking down into a bin, read through the dotnet/iot <see cref="Vl53L1X"/>
/// binding (Iot.Device.Bindings 4.2.0) in its default configuration (ULD defaults: long distance mode, 100 ms timing
/// budget). One <see cref="TryMeasure"/> starts ranging, waits for one fresh measurement, reads its range status and
/// distance through the binding, and stops ranging.
/// </summary>
/// <remarks>
/// <para>
/// The binding's own wait for data (<c>WaitForDataReady</c>) does not wait: its loop only runs once the timeout has
/// already passed, and its data-ready test (any bit of GPIO__TIO_HV_STATUS) is also true while the
/// fresh_out_of_reset bit is set. <see cref="Vl53L1X.GetDistance"/> on its own therefore returns whatever range
/// register is there. This class waits for the measurement itself the way ST's ultra-lite driver does
/// (VL53L1X_CheckForDataReady): GPIO__TIO_HV_STATUS (0031h) bit 0 equal to the interrupt polarity programmed in
/// GPIO_HV_MUX__CTRL (0030h) bit 4 (0: active high). The wait polls the bus without sleeping, bounded by
/// <c>time</c>: on a 100 kHz bus one poll takes about 0.45 ms, so a 100 ms measurement is about 220 polls.
/// </para>
/// <para>
/// The binding is created on the first reading, and again after any bus failure (the chip may have been power
/// cycled). Its constructor waits for the firmware to boot (polling every 10 ms) and writes the ULD's default
/// configuration.
/// </para>
/// <para>The caller owns <c>device</c> (from the bus or a mux channel); disposing this class does not dispose it.</para>
/// </remarks>
public sealed class Vl53L1XFillSensor : IFillDistanceSensor, IDisposable
{
    private const int OperationTimeoutMilliseconds = 500;
    private const ushort GpioHvMuxCtrl = 0x0030;
    private const ushort GpioTioHvStatus = 0x0031;

    /// <summary>Twice the longest timing budget the binding can set, plus margin.</summary>
    private static readonly TimeSpan MeasurementTimeout = TimeSpan.FromMilliseconds(1100);

    private readonly Lock _gate = new();
    private readonly I2cDevice _device;
    private readonly TimeProvider _time;
    private Vl53L1X? _sensor;
    private int _dataReadyLevel;
    private bool _disposed;

    /// <param name="device">The chip's I2C device (from the bus or a mux channel).</param>
    /// <param name="id">The sensor's id in the site file.</param>
    /// <param name="time">Bounds the wait for a measurement; the system clock by default (the simulated clock in simulation).</param>
    public Vl53L1XFillSensor(I2cDevice device, string id, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        _device = device;
        _time = time ?? TimeProvider.System;
        Id = id;
    }

    public string Id { get; }

    /// <summary>40 mm: the VL53L1X's minimum ranging distance (DS12385: 4 cm to 4 m).</summary>
    public Length MinimumRange { get; } = Length.FromMillimeters(40);

    /// <summary>4 m: the long distance mode's reach (DS12385).</summary>
    public Length MaximumRange { get; } = Length.FromMeters(4);

    public bool TryMeasure(out Length distance, out string? failure)
    {
        distance = default;
        lock (_gate)
        {
            if (_disposed)
            {
                failure = Invariant($"VL53L1X {Id}: sensor disposed");
                return false;
            }

            if (_sensor is null && !TryInitialize(out failure))
            {
                return false;
            }

            RangeStatus status;
            Length measured;
            try
            {
                _sensor!.StartRanging();
                if (!WaitForDataReady())
                {
                    _sensor.StopRanging();
                    failure = Invariant($"VL53L1X {Id}: no measurement within {MeasurementTimeout.TotalMilliseconds:0} ms");
                    return false;
                }

                status = _sensor.RangeStatus;
                measured = _sensor.GetDistance();
                _sensor.StopRanging();
            }
            catch (Exception ex) when (IsDeviceFailure(ex))
            {
                DropSensor();
                failure = Invariant($"VL53L1X {Id}: measurement failed: {ex.Message}");
                return false;
            }

            failure = status switch
            {
                RangeStatus.NoError when measured > MaximumRange =>
                    Invariant($"VL53L1X {Id}: {measured.Millimeters:0} mm is beyond the sensor's {MaximumRange.Millimeters:0} mm reach"),
                RangeStatus.NoError => null,
                RangeStatus.SignalFailure => Invariant($"VL53L1X {Id}: no return (signal failure: nothing in reach, or too dark or small a target)"),
                RangeStatus.SigmaFailure => Invariant($"VL53L1X {Id}: reading too noisy (sigma failure)"),
                RangeStatus.OutOfBounds => Invariant($"VL53L1X {Id}: out of range (phase out of bounds)"),
                RangeStatus.WrapAround => Invariant($"VL53L1X {Id}: out of range (wrap-around: target beyond the distance mode's reach)"),
                _ => Invariant($"VL53L1X {Id}: range status {status}"),
            };
            if (failure is not null)
            {
                return false;
            }

            distance = measured;
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
            // shouldDispose: false, the caller owns the device.
            _sensor = new Vl53L1X(_device, OperationTimeoutMilliseconds, shouldDispose: false);

            // ULD VL53L1X_GetInterruptPolarity: GPIO_HV_MUX__CTRL bit 4 clear means active high.
            _dataReadyLevel = (ReadRegister(GpioHvMuxCtrl) & 0x10) == 0 ? 1 : 0;
            failure = null;
            return true;
        }
        catch (Exception ex) when (IsDeviceFailure(ex))
        {
            DropSensor();
            failure = Invariant($"VL53L1X {Id}: initialisation failed: {ex.Message}");
            return false;
        }
    }

    /// <summary>Polls GPIO__TIO_HV_STATUS bit 0 until it shows the interrupt (ULD VL53L1X_CheckForDataReady).</summary>
    private bool WaitForDataReady()
    {
        long start = _time.GetTimestamp();
        while (true)
        {
            bool timedOut = _time.GetElapsedTime(start) > MeasurementTimeout;
            if ((ReadRegister(GpioTioHvStatus) & 0x01) == _dataReadyLevel)
            {
                return true;
            }

            if (timedOut)
            {
                return false;
            }
        }
    }

    private byte ReadRegister(ushort register)
    {
        Span<byte> index = [(byte)(register >> 8), (byte)register];
        _device.Write(index);
        return _device.ReadByte();
    }

    private void DropSensor()
    {
        _sensor?.Dispose();
        _sensor = null;
    }

    /// <summary>
    /// What the binding and the bus throw when the chip is missing, unpowered or misbehaving: I/O errors (NACK,
    /// boot timeout), the binding's <see cref="TimeoutException"/>, and the plain <see cref="Exception"/> its
    /// <see cref="Vl53L1X.RangeStatus"/> throws for a status code it does not know.
    /// </summary>
    private static bool IsDeviceFailure(Exception ex) =>
        ex is IOException or InvalidOperationException or TimeoutException or UnauthorizedAccessException
        || ex.GetType() == typeof(Exception);
}
