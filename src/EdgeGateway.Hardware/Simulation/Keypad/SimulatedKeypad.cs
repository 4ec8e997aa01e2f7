using System.Device.Gpio;
using EdgeGateway.Hardware.Simulation.Gpio;

namespace EdgeGateway.Hardware.Simulation.Keypad;

/// <summary>
/// A membrane key matrix (the common 4×4 with 1 2 3 A / 4 5 6 B / 7 8 9 C / * 0 # D) on the simulated GPIO header: a
/// pressed key connects its row line to its column line, so a column pin reads high exactly while the scanner drives
/// the row of a pressed key in that column high (rows are the scanner's outputs, columns its pulled-down inputs).
/// </summary>
/// <remarks>
/// <see cref="Type"/> stands for a person typing: each key is held until the scanner has driven its row high and low
/// again while it was down (it has been read), then released until its row has been scanned once more (the release has
/// been read), then the next key. Typing therefore never outruns the scanner, at any simulation speed or machine load.
/// </remarks>
public sealed class SimulatedKeypad : IDisposable
{
    /// <summary>The usual 4×4 membrane keypad, row by row.</summary>
    public const string Layout4x4 = "123A456B789C*0#D";

    private readonly Lock _gate = new();
    private readonly SimulatedGpioDriver _gpio;
    private readonly int[] _rows;
    private readonly int[] _columns;
    private readonly string _layout;
    private readonly bool[] _held;
    private readonly Queue<char> _typed = new();
    private readonly List<IDisposable> _attachments = [];
    private TypingStep _step = TypingStep.Idle;
    private int _current = -1;
    private bool _rowRoseSinceStep;

    public SimulatedKeypad(SimulatedGpioDriver gpio, IReadOnlyList<int> rowPins, IReadOnlyList<int> columnPins, string layout = Layout4x4)
    {
        ArgumentNullException.ThrowIfNull(gpio);
        ArgumentNullException.ThrowIfNull(rowPins);
        ArgumentNullException.ThrowIfNull(columnPins);
        if (layout.Length != rowPins.Count * columnPins.Count)
        {
            throw new ArgumentException("The layout has one character per key, row by row.", nameof(layout));
        }

        _gpio = gpio;
        _rows = [.. rowPins];
        _columns = [.. columnPins];
        _layout = layout;
        _held = new bool[layout.Length];
        for (int c = 0; c < _columns.Length; c++)
        {
            int column = c;
            _attachments.Add(gpio.AttachInput(_columns[c], () => ColumnLevel(column)));
        }

        gpio.OutputChanged += OnOutputChanged;
    }

    /// <summary>How many typed keys the scanner has not yet seen pressed and released.</summary>
    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _typed.Count + (_step == TypingStep.Idle ? 0 : 1);
            }
        }
    }

    /// <summary>Holds <paramref name="key"/> down until <see cref="Release"/>.</summary>
    public void Hold(char key)
    {
        lock (_gate)
        {
            _held[IndexOf(key)] = true;
        }
    }

    public void Release(char key)
    {
        lock (_gate)
        {
            _held[IndexOf(key)] = false;
        }
    }

    /// <summary>Types <paramref name="keys"/> one after the other, each pressed and released as the scanner sees it.</summary>
    public void Type(string keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        lock (_gate)
        {
            foreach (char key in keys)
            {
                IndexOf(key);
                _typed.Enqueue(key);
            }

            if (_step == TypingStep.Idle)
            {
                NextKey();
            }
        }
    }

    public void Dispose()
    {
        _gpio.OutputChanged -= OnOutputChanged;
        foreach (IDisposable attachment in _attachments)
        {
            attachment.Dispose();
        }
    }

    private int IndexOf(char key)
    {
        int index = _layout.IndexOf(key, StringComparison.Ordinal);
        return index >= 0 ? index : throw new ArgumentException($"The keypad has no key '{key}'.", nameof(key));
    }

    private PinValue ColumnLevel(int column)
    {
        for (int row = 0; row < _rows.Length; row++)
        {
            bool held;
            lock (_gate)
            {
                held = _held[(row * _columns.Length) + column];
            }

            if (held && _gpio.OutputLevel(_rows[row]) == PinValue.High)
            {
                return PinValue.High;
            }
        }

        return PinValue.Low;
    }

    private void OnOutputChanged(int pin, PinValue level)
    {
        lock (_gate)
        {
            if (_current < 0 || pin != _rows[_current / _columns.Length])
            {
                return;
            }

            if (level == PinValue.High)
            {
                _rowRoseSinceStep = true;
                return;
            }

            if (!_rowRoseSinceStep)
            {
                return;
            }

            // The row was driven high and low again since the last step: the scanner has read the key's column.
            _rowRoseSinceStep = false;
            if (_step == TypingStep.Down)
            {
                _held[_current] = false;
                _step = TypingStep.Up;
            }
            else
            {
                NextKey();
            }
        }
    }

    private void NextKey()
    {
        if (_typed.TryDequeue(out char key))
        {
            _current = IndexOf(key);
            _held[_current] = true;
            _step = TypingStep.Down;
        }
        else
        {
            _current = -1;
            _step = TypingStep.Idle;
        }

        _rowRoseSinceStep = false;
    }

    private enum TypingStep
    {
        Idle,
        Down,
        Up,
    }
}
