using System.Device.Gpio;

namespace EdgeGateway.Hardware.ShedSensors;

/// <summary>
/// A smoke detector's alarm contact on a GPIO input. Active-low wiring (contact to ground, internal
/// pull-up) is the usual choice: a cut wire then reads "alarm", failing safe.
/// </summary>
public sealed class SmokeDetectorInput(GpioController controller, int pin, bool activeLow)
{
    public bool TryInitialize(out string? error)
    {
        try
        {
            if (!controller.IsPinOpen(pin))
            {
                controller.OpenPin(pin, activeLow ? PinMode.InputPullUp : PinMode.InputPullDown);
            }

            error = null;
            return true;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ArgumentException or UnauthorizedAccessException)
        {
            error = $"smoke input GPIO{pin}: {ex.Message}";
            return false;
        }
    }

    public bool TryRead(out bool smoke, out string? fault)
    {
        try
        {
            PinValue level = controller.Read(pin);
            smoke = activeLow ? level == PinValue.Low : level == PinValue.High;
            fault = null;
            return true;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            smoke = false;
            fault = $"smoke input GPIO{pin}: {ex.Message}";
            return false;
        }
    }
}
