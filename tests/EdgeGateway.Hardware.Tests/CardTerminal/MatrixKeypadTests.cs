using System.Device.Gpio;
using EdgeGateway.Hardware.CardTerminal;
using EdgeGateway.Hardware.Simulation.Gpio;
using EdgeGateway.Hardware.Simulation.Keypad;

namespace EdgeGateway.Hardware.Tests.CardTerminal;

/// <summary>A simulated 4×4 key matrix on the GPIO header, scanned by the real dotnet/iot KeyMatrix binding.</summary>
public sealed class MatrixKeypadTests : IDisposable
{
    private static readonly int[] Rows = [5, 6, 13, 19];
    private static readonly int[] Columns = [12, 16, 20, 21];
    private readonly SimulatedGpioDriver _driver = new();
    private readonly GpioController _gpio;
    private readonly SimulatedKeypad _keys;

    public MatrixKeypadTests()
    {
        _gpio = new GpioController(_driver);
        _keys = new SimulatedKeypad(_driver, Rows, Columns);
    }

    public void Dispose()
    {
        _keys.Dispose();
        _gpio.Dispose();
    }

    [Fact]
    public void Typed_keys_arrive_in_order_each_once()
    {
        using var keypad = new MatrixKeypad(_gpio, Rows, Columns, TimeSpan.FromMilliseconds(1));

        _keys.Type("12#*0D");

        Assert.Equal("12#*0D", Read(keypad, 6));
        Assert.Equal(0, _keys.Pending);
    }

    [Fact]
    public void A_key_held_down_is_one_press()
    {
        using var keypad = new MatrixKeypad(_gpio, Rows, Columns, TimeSpan.FromMilliseconds(1));

        _keys.Hold('5');
        Assert.Equal("5", Read(keypad, 1));
        Thread.Sleep(30);
        _keys.Release('5');
        _keys.Type("9");

        Assert.Equal("9", Read(keypad, 1));
    }

    [Fact]
    public void Rows_are_outputs_and_columns_read_low_with_no_key()
    {
        using var keypad = new MatrixKeypad(_gpio, Rows, Columns, TimeSpan.FromMilliseconds(1));

        Assert.All(Rows, row => Assert.True(_driver.IsOutput(row)));
        Assert.All(Columns, column => Assert.Equal(PinValue.Low, _gpio.Read(column)));
        Thread.Sleep(20);
        Assert.False(keypad.TryReadKey(out _));
    }

    [Fact]
    public void Once_disposed_the_keypad_never_drives_a_row_again_so_the_controller_can_go_at_once()
    {
        // The binding's own listening thread outlived Dispose on a busy machine and drove a row of a disposed controller,
        // which ended the process. Disposing at every moment of a scan, with no wait between scans, must leave no scan.
        for (int round = 0; round < 50; round++)
        {
            var driver = new SimulatedGpioDriver();
            var gpio = new GpioController(driver);
            bool disposed = false;
            int drivenAfterDispose = 0;
            driver.OutputChanged += (_, _) =>
            {
                if (Volatile.Read(ref disposed))
                {
                    Interlocked.Increment(ref drivenAfterDispose);
                }
            };

            var keypad = new MatrixKeypad(gpio, Rows, Columns, TimeSpan.Zero);
            Thread.SpinWait(round * 200);
            keypad.Dispose();
            Volatile.Write(ref disposed, true);
            gpio.Dispose();
            Thread.Yield();

            Assert.Equal(0, Volatile.Read(ref drivenAfterDispose));
            Assert.Null(keypad.Fault);
        }
    }

    [Fact]
    public void A_gpio_error_while_scanning_stops_the_scan_as_a_fault_instead_of_ending_the_process()
    {
        using var keypad = new MatrixKeypad(_gpio, Rows, Columns, TimeSpan.FromMilliseconds(1));

        _gpio.ClosePin(Rows[2]); // the next drive of that row fails inside the binding

        DateTime deadline = DateTime.UtcNow.AddSeconds(10); // bounds a failure only
        while (keypad.Fault is null && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(1);
        }

        Assert.NotNull(keypad.Fault);
        _keys.Type("1");
        Thread.Sleep(20);
        Assert.False(keypad.TryReadKey(out _));
    }

    private static string Read(MatrixKeypad keypad, int count)
    {
        var read = new System.Text.StringBuilder();
        DateTime deadline = DateTime.UtcNow.AddSeconds(10); // bounds a failure only
        while (read.Length < count && DateTime.UtcNow < deadline)
        {
            if (keypad.TryReadKey(out char key))
            {
                read.Append(key);
            }
            else
            {
                Thread.Sleep(1);
            }
        }

        Thread.Sleep(20);
        while (keypad.TryReadKey(out char extra))
        {
            read.Append(extra);
        }

        return read.ToString();
    }
}
