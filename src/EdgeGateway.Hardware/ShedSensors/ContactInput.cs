using System.Device.Gpio;

namespace EdgeGateway.Hardware.ShedSensors;

/// <summary>
/// A switch contact on a GPIO input: a smoke detector's alarm relay, a bin's lid or tilt switch.
/// Active-low wiring (contact to ground, internal pull-up) is the usual choice for alarms: a cut wire
/// then reads "active", failing safe.
/// </summary>
public sealed class ContactInput(GpioController controller, int pin, bool activeLow, string name)
{
    public string Name { get; } = name;

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
            error = $"{Name} input GPIO{pin}: {ex.Message}";
            return false;
        }
    }

    /// <summary>Reads the contact; <paramref name="active"/> is true when it is in its active (alarm) position.</summary>
    public bool TryRead(out bool active, out string? fault)
    {
        try
        {
            PinValue level = controller.Read(pin);
            active = activeLow ? level == PinValue.Low : level == PinValue.High;
            fault = null;
            return true;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            active = false;
            fault = $"{Name} input GPIO{pin}: {ex.Message}";
            return false;
        }
    }
}
