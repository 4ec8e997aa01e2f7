using System.Device.Gpio;
using EdgeGateway.Hardware.Simulation.Gpio;

namespace EdgeGateway.Hardware.Tests.Simulation;

public sealed class SimulatedGpioDriverAttachInputTests : IDisposable
{
    private readonly SimulatedGpioDriver _driver = new();
    private readonly GpioController _gpio;

    public SimulatedGpioDriverAttachInputTests() => _gpio = new GpioController(_driver);

    public void Dispose() => _gpio.Dispose();

    [Fact]
    public void Attached_device_answers_each_read_at_the_moment_of_the_read()
    {
        int reads = 0;
        using IDisposable device = _driver.AttachInput(16, () => ++reads % 2 == 1 ? PinValue.High : PinValue.Low);
        _gpio.OpenPin(16, PinMode.Input);

        PinValue[] levels = [_gpio.Read(16), _gpio.Read(16), _gpio.Read(16)];

        Assert.Equal([PinValue.High, PinValue.Low, PinValue.High], levels);
        Assert.Equal(3, reads);
    }

    [Fact]
    public void Attached_pin_reads_the_device_over_the_applied_level_without_edges_until_detached()
    {
        int edges = 0;
        _gpio.OpenPin(17, PinMode.InputPullDown);
        _gpio.RegisterCallbackForPinValueChangedEvent(17, PinEventTypes.Rising | PinEventTypes.Falling, (_, _) => edges++);
        IDisposable device = _driver.AttachInput(17, () => PinValue.High);

        PinValue attached = _gpio.Read(17);
        _driver.SetInputLevel(17, PinValue.Low);
        PinValue stillAttached = _gpio.Read(17);
        device.Dispose();
        PinValue detached = _gpio.Read(17);

        Assert.Equal((PinValue.High, PinValue.High, PinValue.Low), (attached, stillAttached, detached));
        Assert.Equal(0, edges);
    }

    [Fact]
    public void One_device_per_pin_and_an_output_reads_what_it_drives()
    {
        using IDisposable device = _driver.AttachInput(18, () => PinValue.High);
        _gpio.OpenPin(18, PinMode.Output, PinValue.Low);

        Assert.Throws<InvalidOperationException>(() => _driver.AttachInput(18, () => PinValue.Low));
        Assert.Equal(PinValue.Low, _gpio.Read(18));
    }
}
