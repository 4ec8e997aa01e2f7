using System.Collections.Concurrent;
using System.Device.Gpio;
using Iot.Device.KeyMatrix;

namespace EdgeGateway.Hardware.CardTerminal;

/// <summary>
/// The card terminal's 4×4 membrane keypad on GPIO, through the dotnet/iot <see cref="KeyMatrix"/> binding
/// (Iot.Device.Bindings 4.2.0): rows are its outputs, driven high one after the other every scan interval; columns its
/// inputs, pulled down so an open key reads low. Each key pressed (a rising edge) is queued for <see cref="TryReadKey"/>.
/// </summary>
/// <remarks>
/// The binding scans on a thread of its own, which a GPIO error would end with an unhandled exception: this keypad must be
/// disposed (scan stopped, pins closed) before the GPIO controller is.
/// </remarks>
public sealed class MatrixKeypad : IDisposable
{
    private readonly KeyMatrix _matrix;
    private readonly string _layout;
    private readonly int _columns;
    private readonly ConcurrentQueue<char> _pressed = new();
    private bool _disposed;

    /// <param name="gpio">The controller of the pins; owned by the caller.</param>
    /// <param name="rowPins">The row lines (outputs), top row first.</param>
    /// <param name="columnPins">The column lines (inputs), left column first.</param>
    /// <param name="scanInterval">The wait before each row's scan: a key must be held for four of them to be seen.</param>
    /// <param name="layout">The keys' characters, row by row.</param>
    public MatrixKeypad(GpioController gpio, IReadOnlyList<int> rowPins, IReadOnlyList<int> columnPins, TimeSpan scanInterval, string layout = "123A456B789C*0#D")
    {
        ArgumentNullException.ThrowIfNull(gpio);
        ArgumentNullException.ThrowIfNull(rowPins);
        ArgumentNullException.ThrowIfNull(columnPins);
        ArgumentNullException.ThrowIfNull(layout);
        if (layout.Length != rowPins.Count * columnPins.Count)
        {
            throw new ArgumentException("The layout has one character per key, row by row.", nameof(layout));
        }

        _layout = layout;
        _columns = columnPins.Count;
        _matrix = new KeyMatrix(rowPins, columnPins, scanInterval, PinMode.InputPullDown, gpio, shouldDispose: false);
        _matrix.KeyEvent += OnKeyEvent;
        _matrix.StartListeningKeyEvent();
    }

    /// <summary>The next key pressed since the last call, if any.</summary>
    public bool TryReadKey(out char key) => _pressed.TryDequeue(out key);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _matrix.StopListeningKeyEvent();
        _matrix.KeyEvent -= OnKeyEvent;
        _matrix.Dispose();
    }

    private void OnKeyEvent(object sender, KeyMatrixEvent keyEvent)
    {
        if (keyEvent.EventType == PinEventTypes.Rising)
        {
            _pressed.Enqueue(_layout[(keyEvent.Output * _columns) + keyEvent.Input]);
        }
    }
}
