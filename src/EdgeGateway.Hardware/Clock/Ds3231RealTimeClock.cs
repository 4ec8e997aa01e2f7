using System.Device.I2c;
using Iot.Device.Rtc;

namespace EdgeGateway.Hardware.Clock;

/// <summary>
/// A DS3231 through the dotnet/iot binding (<see cref="Ds3231"/>, its raw <see cref="RtcBase.RtcDateTime"/> kept in UTC),
/// plus the oscillator-stop flag the binding does not read: OSF (status register 0Fh, bit 7) is set when the chip's
/// oscillator stopped — first power-up, a flat or missing backup battery — and its time is then not to be trusted.
/// Setting the time clears it.
/// </summary>
public sealed class Ds3231RealTimeClock : IRealTimeClock, IDisposable
{
    private const byte StatusRegister = 0x0F;
    private const byte OscillatorStopFlag = 0x80;

    private readonly I2cDevice _device;
    private readonly Ds3231 _rtc;

    public Ds3231RealTimeClock(I2cDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        _device = device;
        _rtc = new Ds3231(device);
    }

    public bool TryRead(out DateTimeOffset utc, out string? problem)
    {
        utc = default;
        try
        {
            if ((ReadStatus() & OscillatorStopFlag) != 0)
            {
                problem = "DS3231 oscillator stopped (OSF set): its time was lost (first power-up, or the backup battery is flat or missing)";
                return false;
            }

            utc = new DateTimeOffset(DateTime.SpecifyKind(_rtc.RtcDateTime, DateTimeKind.Utc));
            problem = null;
            return true;
        }
        catch (IOException ex)
        {
            problem = $"DS3231 not readable: {ex.Message}";
            return false;
        }
        catch (ArgumentOutOfRangeException)
        {
            problem = "DS3231 time registers hold no valid date";
            return false;
        }
    }

    public bool TrySet(DateTimeOffset utc, out string? problem)
    {
        try
        {
            _rtc.RtcDateTime = utc.UtcDateTime;
            byte status = ReadStatus();
            _device.Write([StatusRegister, (byte)(status & ~OscillatorStopFlag)]);
            problem = null;
            return true;
        }
        catch (IOException ex)
        {
            problem = $"DS3231 not writable: {ex.Message}";
            return false;
        }
    }

    public void Dispose() => _rtc.Dispose();

    private byte ReadStatus()
    {
        Span<byte> status = stackalloc byte[1];
        _device.WriteRead([StatusRegister], status);
        return status[0];
    }
}
