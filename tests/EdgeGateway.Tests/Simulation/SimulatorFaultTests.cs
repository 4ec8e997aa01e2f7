using System.Device.Gpio;
using EdgeGateway.Hardware.Bins;
using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Hardware.Simulation.Gpio;
using EdgeGateway.Hardware.Simulation.Hcsr04;
using EdgeGateway.Simulation;

namespace EdgeGateway.Tests.Simulation;

/// <summary>A failure of the simulated shed is told from one of the gateway's own code by where it was thrown.</summary>
public sealed class SimulatorFaultTests
{
    private sealed class NoTarget : IRangingTarget
    {
        public RangeEcho Echo(TimeSpan at) => new(0, Returned: false);
    }

    [Fact]
    public void An_exception_thrown_by_a_simulated_chip_is_the_simulators()
    {
        using var driver = new SimulatedGpioDriver();
        Exception thrown = Assert.ThrowsAny<ArgumentException>(() => new SimulatedHcsr04(driver, 5, 5, new NoTarget(), new SimulatedClock(DateTimeOffset.UnixEpoch)));

        Assert.True(SimulatorFault.Caused(thrown));
        Assert.True(SimulatorFault.Caused(new InvalidOperationException("round failed", thrown)));
    }

    [Fact]
    public void An_exception_thrown_by_the_product_through_a_framework_method_is_not_the_simulators()
    {
        using var driver = new SimulatedGpioDriver();
        using var gpio = new GpioController(driver);
        Exception thrown = Assert.ThrowsAny<ArgumentException>(() => new Hcsr04FillSensor(gpio, 23, 24, " ", UltrasonicModule.Hcsr04));

        Assert.False(SimulatorFault.Caused(thrown));
    }

    [Fact]
    public void An_exception_never_thrown_has_no_stack_and_is_not_the_simulators() =>
        Assert.False(SimulatorFault.Caused(new InvalidOperationException("made, not thrown")));
}
