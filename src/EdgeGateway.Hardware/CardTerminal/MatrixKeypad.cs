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
/// The binding's own listening thread (<c>StartListeningKeyEvent</c>) cannot be waited for: <c>StopListeningKeyEvent</c>
/// only clears a flag and <c>Dispose</c> sleeps one scan interval hoping the loop has ended, so on a busy CPU the loop could
/// still drive a row after the controller was disposed, and the exception ended the process. The keypad therefore calls the
/// binding's blocking <c>ReadKey</c> from a thread of its own, which catches what the binding throws and which
/// <see cref="Dispose"/> joins before it returns: once disposed, nothing touches the controller. A GPIO error while
/// scanning stops the scan and is kept in <see cref="Fault"/>.
/// </remarks>
public sealed class MatrixKeypad : IDisposable
{
    private readonly KeyMatrix _matrix;
    private readonly string _layout;
    private readonly int _columns;
    private readonly ConcurrentQueue<char> _pressed = new();
    private readonly Thread _scan;
    private volatile bool _stopping;
    private volatile string? _fault;
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
        _scan = new Thread(Scan) { IsBackground = true, Name = "keypad scan" };
        _scan.Start();
    }

    /// <summary>What ended the scan (a GPIO error), or null while the keypad is being scanned.</summary>
    public string? Fault => _fault;

    /// <summary>The next key pressed since the last call, if any.</summary>
    public bool TryReadKey(out char key) => _pressed.TryDequeue(out key);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stopping = true;
        try
        {
            _matrix.Dispose(); // closes the pins, which ends ReadKey's loop (or makes its next pin access throw)
        }
        catch (InvalidOperationException) when (_fault is not null)
        {
            // The pin whose failure ended the scan may not close either; the fault already says what happened.
        }
        finally
        {
            _scan.Join();
        }
    }

    private void Scan()
    {
        while (!_stopping)
        {
            KeyMatrixEvent? keyEvent;
            try
            {
                keyEvent = _matrix.ReadKey();
            }
#pragma warning disable CA1031 // any GPIO error ends the scan and is reported through Fault, never out of this thread
            catch (Exception ex)
#pragma warning restore CA1031
            {
                if (!_stopping)
                {
                    _fault = $"{ex.GetType().Name}: {ex.Message}";
                }

                return;
            }

            // ReadKey also returns, with the last event again, when the pins are closed under it.
            if (!_stopping && keyEvent is { EventType: PinEventTypes.Rising })
            {
                _pressed.Enqueue(_layout[(keyEvent.Output * _columns) + keyEvent.Input]);
            }
        }
    }
}
