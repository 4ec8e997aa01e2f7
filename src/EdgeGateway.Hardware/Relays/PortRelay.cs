using System.Device.Gpio;

namespace EdgeGateway.Hardware.Relays;

/// <summary>
/// A port's relay coil on a GPIO pin — a board pin or an MCP23017 pin, both reached through a
/// <see cref="GpioController"/>. Wiring is normally open: an energised coil connects the socket, so
/// a released pin, a reset expander or a dead gateway leaves the socket off.
/// </summary>
public sealed class PortRelay
{
    private readonly GpioController _controller;
    private readonly int _pin;
    private readonly PinValue _closedLevel;
    private readonly PinValue _openLevel;

    public PortRelay(GpioController controller, int pin, bool activeLow, string description)
    {
        _controller = controller;
        _pin = pin;
        _closedLevel = activeLow ? PinValue.Low : PinValue.High;
        _openLevel = activeLow ? PinValue.High : PinValue.Low;
        Description = description;
    }

    public string Description { get; }

    /// <summary>What the gateway last commanded (true = contacts closed, socket live).</summary>
    public bool CommandedClosed { get; private set; }

    /// <summary>Claims the pin as an output driven to the open (off) level from its first instant.</summary>
    public bool TryInitializeOpen(out string? error)
    {
        try
        {
            if (!_controller.IsPinOpen(_pin))
            {
                _controller.OpenPin(_pin, PinMode.Output, _openLevel);
            }

            _controller.Write(_pin, _openLevel);
            CommandedClosed = false;
            error = null;
            return true;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ArgumentException or UnauthorizedAccessException)
        {
            error = $"{Description}: {ex.Message}";
            return false;
        }
    }

    /// <summary>Drives the coil. Returns false with the reason when the bus write failed.</summary>
    public bool TrySet(bool closed, out string? error)
    {
        try
        {
            _controller.Write(_pin, closed ? _closedLevel : _openLevel);
            CommandedClosed = closed;
            error = null;
            return true;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ArgumentException or UnauthorizedAccessException)
        {
            error = $"{Description}: {ex.Message}";
            return false;
        }
    }
}
