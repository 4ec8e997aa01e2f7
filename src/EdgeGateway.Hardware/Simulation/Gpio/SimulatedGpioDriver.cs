using System.Device.Gpio;
using System.Globalization;

namespace EdgeGateway.Hardware.Simulation.Gpio;

/// <summary>
/// The BCM GPIO header of a Raspberry Pi as a <see cref="GpioDriver"/>, for use through
/// <c>new GpioController(driver)</c>. The simulator stands for the circuit on the pins: it drives input pins with
/// <see cref="SetInputLevel"/> and watches output pins through <see cref="OutputLevel"/> and <see cref="OutputChanged"/>.
/// A simulated device whose output depends on the moment it is read (an echo pulse, a serial data line) attaches to
/// an input pin with <see cref="AttachInput"/>.
/// </summary>
/// <remarks>
/// <para>
/// A pin reads: as an output, the level it drives; as an input, the level the circuit applies, else its pull
/// (<see cref="PinMode.InputPullUp"/> high, <see cref="PinMode.InputPullDown"/> low), else low for a floating
/// <see cref="PinMode.Input"/>. Before a program sets a mode, a pin is in its power-on state: input with the BCM283x
/// default pull (GPIO0-8 pulled up, the others pulled down).
/// </para>
/// <para>
/// Edge callbacks and <c>WaitForEvent</c> see changes of the level of a pin that is an input before and after the
/// change; they run synchronously on the thread that changed the level. Closing a pin drops its callbacks and ends its
/// waits, and leaves its mode and level as they were (the pin controller keeps them).
/// </para>
/// <para>
/// <see cref="OutputChanged"/> runs synchronously inside the write that changed the level, so a handler that takes a
/// <see cref="System.Diagnostics.Stopwatch"/> timestamp gets the instant of the write; with <see cref="AttachInput"/>
/// that is enough for a device to time a bit-banged protocol against real time.
/// </para>
/// </remarks>
public sealed class SimulatedGpioDriver : GpioDriver
{
    private readonly Lock _gate = new();
    private readonly PinState[] _pins;
    private bool _disposed;

    public SimulatedGpioDriver(int pinCount = 28)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pinCount);
        _pins = new PinState[pinCount];
        for (int pin = 0; pin < pinCount; pin++)
        {
            _pins[pin] = new PinState(pin <= 8 ? PinMode.InputPullUp : PinMode.InputPullDown);
        }
    }

    /// <summary>
    /// Raised when a pin becomes an output (with the level it then drives) and whenever an output pin's level
    /// changes; on the thread that made the change.
    /// </summary>
    public event Action<int, PinValue>? OutputChanged;

    protected override int PinCount => _pins.Length;

    /// <summary>The external circuit drives <paramref name="pin"/> to <paramref name="level"/>; an edge on an input raises callbacks.</summary>
    public void SetInputLevel(int pin, PinValue level) => ChangeExternal(pin, driven: true, level);

    /// <summary>The external circuit stops driving <paramref name="pin"/>: it reads its pull (or low when floating).</summary>
    public void ReleaseInput(int pin) => ChangeExternal(pin, driven: false, PinValue.Low);

    /// <summary>
    /// Connects a device's output to <paramref name="pin"/>: while the pin is an input, every read returns
    /// <paramref name="level"/>(), asked at the moment of the read (outside the driver's lock, on the reading thread),
    /// instead of the level set with <see cref="SetInputLevel"/> or the pull. Disposing the result disconnects it.
    /// </summary>
    /// <remarks>
    /// The driver cannot know when such a level changes, so an attached pin raises no edge callbacks and completes no
    /// <c>WaitForEvent</c>; a device whose program waits for edges drives the pin with <see cref="SetInputLevel"/>
    /// instead. One device per pin: attaching a second throws <see cref="InvalidOperationException"/>. An output pin
    /// still reads what it drives.
    /// </remarks>
    public IDisposable AttachInput(int pin, Func<PinValue> level)
    {
        ArgumentNullException.ThrowIfNull(level);
        var attachment = new InputAttachment(this, pin, level);
        lock (_gate)
        {
            PinState state = Pin(pin);
            if (state.Device is not null)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"A device is already attached to pin {pin}."));
            }

            state.Device = attachment;
        }

        return attachment;
    }

    /// <summary>The level <paramref name="pin"/> drives when it is an output; <see cref="PinValue.Low"/> when it is an input.</summary>
    public PinValue OutputLevel(int pin)
    {
        lock (_gate)
        {
            PinState state = Pin(pin);
            return state.Mode == PinMode.Output ? state.Latch : PinValue.Low;
        }
    }

    /// <summary>
    /// A fault: when set, disposing the driver (what <see cref="GpioController.Dispose()"/> ends with) throws this
    /// exception, after the driver has let go of its pins as usual. It stands for whatever can go wrong while a
    /// program releases the header at shutdown; pins keep their modes and levels, as they do on a real board.
    /// </summary>
    public Exception? DisposeFault { get; set; }

    /// <summary>Whether the driver has been disposed.</summary>
    public bool IsDisposed
    {
        get
        {
            lock (_gate)
            {
                return _disposed;
            }
        }
    }

    /// <summary>Whether <paramref name="pin"/> is configured as an output.</summary>
    public bool IsOutput(int pin)
    {
        lock (_gate)
        {
            return Pin(pin).Mode == PinMode.Output;
        }
    }

    public override GpioChipInfo GetChipInfo() => new(0, "gpiochip0", "pinctrl-bcm2711 (simulated)", PinCount);

    protected override void OpenPin(int pinNumber)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Pin(pinNumber).IsOpen = true;
        }
    }

    protected override void ClosePin(int pinNumber)
    {
        EdgeWaiter[] waiters;
        lock (_gate)
        {
            PinState state = Pin(pinNumber);
            state.IsOpen = false;
            state.Callbacks = [];
            waiters = state.Waiters;
            state.Waiters = [];
        }

        foreach (EdgeWaiter waiter in waiters)
        {
            waiter.Complete(PinEventTypes.None, timedOut: true);
        }
    }

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) =>
        mode is PinMode.Input or PinMode.Output or PinMode.InputPullUp or PinMode.InputPullDown;

    protected override PinMode GetPinMode(int pinNumber)
    {
        lock (_gate)
        {
            return Pin(pinNumber).Mode;
        }
    }

    protected override void SetPinMode(int pinNumber, PinMode mode) => SetMode(pinNumber, mode, initialValue: null);

    /// <summary>Sets the output latch before the pin starts driving, so the pin never glitches through another level.</summary>
    protected override void SetPinMode(int pinNumber, PinMode mode, PinValue initialValue) => SetMode(pinNumber, mode, initialValue);

    protected override PinValue Read(int pinNumber)
    {
        using SimulatorCpu.Scope simulating = SimulatorCpu.Enter(); // the simulator's own CPU (SimulatorCpu)
        InputAttachment? device;
        lock (_gate)
        {
            PinState state = OpenPinState(pinNumber);
            device = state.Mode == PinMode.Output ? null : state.Device;
            if (device is null)
            {
                return state.Level;
            }
        }

        return device.Level();
    }

    protected override void Write(int pinNumber, PinValue value)
    {
        using SimulatorCpu.Scope simulating = SimulatorCpu.Enter(); // the simulator's own CPU (SimulatorCpu)
        bool changed;
        lock (_gate)
        {
            PinState state = OpenPinState(pinNumber);
            changed = state.Mode == PinMode.Output && state.Latch != value;
            state.Latch = value; // an input keeps the value in its output latch for when it becomes an output
        }

        if (changed)
        {
            OutputChanged?.Invoke(pinNumber, value);
        }
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
        WaitForEventAsync(pinNumber, eventTypes, cancellationToken).AsTask().GetAwaiter().GetResult();

    protected override ValueTask<WaitForEventResult> WaitForEventAsync(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken)
    {
        var waiter = new EdgeWaiter(eventTypes);
        lock (_gate)
        {
            PinState state = OpenPinState(pinNumber);
            state.Waiters = [.. state.Waiters, waiter];
        }

        if (cancellationToken.CanBeCanceled)
        {
            waiter.Registration = cancellationToken.Register(() =>
            {
                RemoveWaiter(pinNumber, waiter);
                waiter.Complete(PinEventTypes.None, timedOut: true);
            });
        }

        return new ValueTask<WaitForEventResult>(waiter.Task);
    }

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        lock (_gate)
        {
            PinState state = OpenPinState(pinNumber);
            state.Callbacks = [.. state.Callbacks, new EdgeCallback(eventTypes, callback)];
        }
    }

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        lock (_gate)
        {
            PinState state = Pin(pinNumber);
            state.Callbacks = Array.FindAll(state.Callbacks, c => c.Handler != callback);
        }
    }

    protected override void Dispose(bool disposing)
    {
        var waiters = new List<EdgeWaiter>();
        lock (_gate)
        {
            _disposed = true;
            foreach (PinState state in _pins)
            {
                waiters.AddRange(state.Waiters);
                state.Waiters = [];
                state.Callbacks = [];
                state.IsOpen = false;
            }
        }

        foreach (EdgeWaiter waiter in waiters)
        {
            waiter.Complete(PinEventTypes.None, timedOut: true);
        }

        base.Dispose(disposing);
        if (disposing && DisposeFault is { } fault)
        {
            // GpioDriver.Dispose() suppresses finalization only after this returns: the finalizer must not throw it again.
#pragma warning disable CA1816
            GC.SuppressFinalize(this);
#pragma warning restore CA1816
            throw fault;
        }
    }

    private void SetMode(int pinNumber, PinMode mode, PinValue? initialValue)
    {
        if (!IsPinModeSupported(pinNumber, mode))
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Pin {pinNumber} does not support mode {mode}."), nameof(mode));
        }

        bool becameOutput;
        PinValue latch;
        lock (_gate)
        {
            PinState state = OpenPinState(pinNumber);
            if (mode == PinMode.Output && initialValue.HasValue)
            {
                state.Latch = initialValue.Value;
            }

            becameOutput = mode == PinMode.Output && state.Mode != PinMode.Output;
            state.Mode = mode;
            latch = state.Latch;
        }

        if (becameOutput)
        {
            OutputChanged?.Invoke(pinNumber, latch);
        }
    }

    private void ChangeExternal(int pin, bool driven, PinValue level)
    {
        EdgeCallback[] callbacks;
        EdgeWaiter[] waiters = [];
        PinEventTypes edge;
        lock (_gate)
        {
            PinState state = Pin(pin);
            PinValue before = state.Level;
            state.ExternallyDriven = driven;
            state.ExternalLevel = level;
            PinValue after = state.Level;
            if (state.Mode == PinMode.Output || state.Device is not null || before == after)
            {
                return;
            }

            edge = after == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
            callbacks = state.Callbacks;
            if (state.Waiters.Length > 0)
            {
                waiters = Array.FindAll(state.Waiters, w => (w.EventTypes & edge) != 0);
                state.Waiters = Array.FindAll(state.Waiters, w => (w.EventTypes & edge) == 0);
            }
        }

        foreach (EdgeWaiter waiter in waiters)
        {
            waiter.Complete(edge, timedOut: false);
        }

        PinValueChangedEventArgs? args = null;
        foreach (EdgeCallback callback in callbacks)
        {
            if ((callback.EventTypes & edge) != 0)
            {
                args ??= new PinValueChangedEventArgs(edge, pin);
                callback.Handler(this, args);
            }
        }
    }

    private void Detach(InputAttachment attachment)
    {
        lock (_gate)
        {
            PinState state = Pin(attachment.Pin);
            if (ReferenceEquals(state.Device, attachment))
            {
                state.Device = null;
            }
        }
    }

    private void RemoveWaiter(int pinNumber, EdgeWaiter waiter)
    {
        lock (_gate)
        {
            PinState state = Pin(pinNumber);
            state.Waiters = Array.FindAll(state.Waiters, w => !ReferenceEquals(w, waiter));
        }
    }

    private PinState Pin(int pinNumber)
    {
        if ((uint)pinNumber >= (uint)_pins.Length)
        {
            throw new ArgumentOutOfRangeException(
                nameof(pinNumber), pinNumber, string.Create(CultureInfo.InvariantCulture, $"Valid pins are 0-{_pins.Length - 1}."));
        }

        return _pins[pinNumber];
    }

    private PinState OpenPinState(int pinNumber)
    {
        PinState state = Pin(pinNumber);
        if (!state.IsOpen)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Pin {pinNumber} is not open."));
        }

        return state;
    }

    private sealed class PinState(PinMode powerOnMode)
    {
        public PinMode Mode { get; set; } = powerOnMode;

        public bool IsOpen { get; set; }

        public PinValue Latch { get; set; } = PinValue.Low;

        public bool ExternallyDriven { get; set; }

        public PinValue ExternalLevel { get; set; } = PinValue.Low;

        public EdgeCallback[] Callbacks { get; set; } = [];

        public EdgeWaiter[] Waiters { get; set; } = [];

        /// <summary>The device attached with <see cref="AttachInput"/>, whose level an input reads.</summary>
        public InputAttachment? Device { get; set; }

        public PinValue Level => Mode switch
        {
            PinMode.Output => Latch,
            _ when ExternallyDriven => ExternalLevel,
            PinMode.InputPullUp => PinValue.High,
            _ => PinValue.Low, // pulled down, or floating
        };
    }

    private sealed class InputAttachment(SimulatedGpioDriver driver, int pin, Func<PinValue> level) : IDisposable
    {
        public int Pin { get; } = pin;

        public Func<PinValue> Level { get; } = level;

        public void Dispose() => driver.Detach(this);
    }

    private readonly record struct EdgeCallback(PinEventTypes EventTypes, PinChangeEventHandler Handler);

    private sealed class EdgeWaiter(PinEventTypes eventTypes)
    {
        private readonly TaskCompletionSource<WaitForEventResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public PinEventTypes EventTypes { get; } = eventTypes;

        public CancellationTokenRegistration Registration { get; set; }

        public Task<WaitForEventResult> Task => _completion.Task;

        public void Complete(PinEventTypes edge, bool timedOut)
        {
            if (_completion.TrySetResult(new WaitForEventResult { EventTypes = edge, TimedOut = timedOut }))
            {
                Registration.Unregister();
            }
        }
    }
}
