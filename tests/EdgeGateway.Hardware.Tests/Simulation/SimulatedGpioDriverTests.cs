using System.Device.Gpio;
using EdgeGateway.Hardware.Simulation.Gpio;

namespace EdgeGateway.Hardware.Tests.Simulation;

public sealed class SimulatedGpioDriverTests : IDisposable
{
    private readonly SimulatedGpioDriver _driver = new();
    private readonly GpioController _gpio;

    public SimulatedGpioDriverTests() => _gpio = new GpioController(_driver);

    public void Dispose() => _gpio.Dispose();

    [Fact]
    public void Gpio_input_edge_raises_callback()
    {
        var edges = new List<(int Pin, PinEventTypes Type)>();
        _gpio.OpenPin(17, PinMode.Input);
        _gpio.RegisterCallbackForPinValueChangedEvent(17, PinEventTypes.Rising, (_, e) => edges.Add((e.PinNumber, e.ChangeType)));

        _driver.SetInputLevel(17, PinValue.High);
        _driver.SetInputLevel(17, PinValue.High); // no edge
        _driver.SetInputLevel(17, PinValue.Low); // falling: not asked for
        _driver.SetInputLevel(17, PinValue.High);

        Assert.Equal([(17, PinEventTypes.Rising), (17, PinEventTypes.Rising)], edges);
        Assert.Equal(PinValue.High, _gpio.Read(17));
    }

    [Fact]
    public void Callback_for_both_edges_sees_each_change_and_unregistering_stops_it()
    {
        var edges = new List<PinEventTypes>();
        void Handler(object sender, PinValueChangedEventArgs e) => edges.Add(e.ChangeType);
        _gpio.OpenPin(5, PinMode.InputPullUp);
        _gpio.RegisterCallbackForPinValueChangedEvent(5, PinEventTypes.Rising | PinEventTypes.Falling, Handler);

        _driver.SetInputLevel(5, PinValue.Low);
        _driver.ReleaseInput(5); // back to the pull-up

        _gpio.UnregisterCallbackForPinValueChangedEvent(5, Handler);
        _driver.SetInputLevel(5, PinValue.Low);

        Assert.Equal([PinEventTypes.Falling, PinEventTypes.Rising], edges);
    }

    [Fact]
    public void Output_pin_drives_the_level_written_and_reports_each_change()
    {
        var changes = new List<(int Pin, PinValue Level)>();
        _driver.OutputChanged += (pin, level) => changes.Add((pin, level));

        _gpio.OpenPin(22, PinMode.Output, PinValue.High); // latch set before the pin drives: no low glitch
        _gpio.Write(22, PinValue.High);
        _gpio.Write(22, PinValue.Low);

        Assert.True(_driver.IsOutput(22));
        Assert.Equal(PinValue.Low, _driver.OutputLevel(22));
        Assert.Equal(PinValue.Low, _gpio.Read(22));
        Assert.Equal([(22, PinValue.High), (22, PinValue.Low)], changes);
    }

    [Fact]
    public void Input_reads_applied_level_else_pull_else_low()
    {
        _gpio.OpenPin(23, PinMode.InputPullUp);
        _gpio.OpenPin(24, PinMode.InputPullDown);
        _gpio.OpenPin(25, PinMode.Input);

        Assert.Equal(PinValue.High, _gpio.Read(23));
        Assert.Equal(PinValue.Low, _gpio.Read(24));
        Assert.Equal(PinValue.Low, _gpio.Read(25));

        _driver.SetInputLevel(23, PinValue.Low);
        _driver.SetInputLevel(24, PinValue.High);
        _driver.SetInputLevel(25, PinValue.High);
        Assert.Equal(PinValue.Low, _gpio.Read(23));
        Assert.Equal(PinValue.High, _gpio.Read(24));
        Assert.Equal(PinValue.High, _gpio.Read(25));

        _driver.ReleaseInput(23);
        Assert.Equal(PinValue.High, _gpio.Read(23));
        Assert.False(_driver.IsOutput(23));
        Assert.Equal(PinValue.Low, _driver.OutputLevel(23));
    }

    [Fact]
    public void Pins_start_in_the_bcm_power_on_state()
    {
        _gpio.OpenPin(4);
        _gpio.OpenPin(20);

        Assert.Equal(PinMode.InputPullUp, _gpio.GetPinMode(4));
        Assert.Equal(PinValue.High, _gpio.Read(4));
        Assert.Equal(PinMode.InputPullDown, _gpio.GetPinMode(20));
        Assert.Equal(28, _gpio.PinCount);
        Assert.Equal(28, _driver.GetChipInfo().NumLines);
    }

    [Fact]
    public void Value_written_to_an_input_is_driven_when_the_pin_becomes_an_output()
    {
        _gpio.OpenPin(26, PinMode.Input);
        _gpio.Write(26, PinValue.High);
        Assert.Equal(PinValue.Low, _driver.OutputLevel(26));

        _gpio.SetPinMode(26, PinMode.Output);

        Assert.Equal(PinValue.High, _driver.OutputLevel(26));
    }

    [Fact]
    public async Task WaitForEvent_returns_the_edge_that_happened()
    {
        _gpio.OpenPin(6, PinMode.InputPullUp);
        ValueTask<WaitForEventResult> wait = _gpio.WaitForEventAsync(6, PinEventTypes.Falling, CancellationToken.None);
        Assert.False(wait.IsCompleted);

        _driver.SetInputLevel(6, PinValue.High); // no change: still pulled high
        _driver.SetInputLevel(6, PinValue.Low);
        WaitForEventResult result = await wait;

        Assert.False(result.TimedOut);
        Assert.Equal(PinEventTypes.Falling, result.EventTypes);
    }

    [Fact]
    public void WaitForEvent_times_out_when_cancelled()
    {
        _gpio.OpenPin(7, PinMode.Input);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        WaitForEventResult result = _gpio.WaitForEvent(7, PinEventTypes.Rising, cancel.Token);

        Assert.True(result.TimedOut);
        Assert.Equal(PinEventTypes.None, result.EventTypes);
    }

    [Fact]
    public void Closing_a_pin_drops_its_callbacks()
    {
        int calls = 0;
        _gpio.OpenPin(12, PinMode.Input);
        _gpio.RegisterCallbackForPinValueChangedEvent(12, PinEventTypes.Rising, (_, _) => calls++);

        _gpio.ClosePin(12);
        _driver.SetInputLevel(12, PinValue.High);

        Assert.Equal(0, calls);
    }
}
