using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Metering;

namespace EdgeGateway.Tests.Protection;

/// <summary>
/// The malicious-load rule with the meter's shape residual: a load whose current is not a copy of the voltage (a PFC
/// front end) is a charger however close to 1 its power factor and however flat its draw.
/// </summary>
public sealed class PfcChargerClassificationTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(500);

    private static void Draw(ShedHarness h, int index, double watts, double powerFactor, double? residual, int reading) =>
        h.Measure(index, MeterReading.Ok(Meter.Ac(watts, powerFactor, Meter.MainsV + (reading % 2 * 0.5)) with { ShapeResidual = residual }));

    [Theory]
    [InlineData(0.99, 0.14)]
    [InlineData(1.0, 0.045)]
    public void Flat_250_W_draw_at_a_power_factor_near_1_whose_current_is_not_a_copy_of_the_voltage_charges_for_30_minutes(double powerFactor, double residual)
    {
        var h = new ShedHarness();
        h.Start(0);

        for (int i = 0; i < 3600; i++)
        {
            Draw(h, 0, 250 + (i % 3), powerFactor, residual, i);
            h.Advance(Step);
        }

        Assert.Equal(PortState.Charging, h.State(0));
        Assert.Empty(h.Events.Raised(AlarmKind.PortMaliciousLoad));
        Assert.Empty(h.Events.All<SessionClosed>());
    }

    [Fact]
    public void Flat_600_W_draw_whose_current_copies_the_voltage_is_locked_out_after_the_window()
    {
        var h = new ShedHarness();
        h.Start(0);

        for (int i = 0; i < 10; i++)
        {
            Draw(h, 0, 600, 1.0, 0.006, i);
            h.Advance(Step);
        }

        Assert.Equal(PortState.Charging, h.State(0));
        Draw(h, 0, 600, 1.0, 0.006, 10);

        Assert.Equal(PortState.Disabled, h.State(0));
        Alarm alarm = Assert.Single(h.Events.Raised(AlarmKind.PortMaliciousLoad));
        Assert.Equal(ShedHarness.T0 + TimeSpan.FromSeconds(5), alarm.RaisedAt);
        Assert.Contains("current a copy of the voltage within 0.6 %", alarm.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.03, true)]
    [InlineData(0.0301, false)]
    public void Residual_at_the_limit_is_resistive_and_just_above_it_is_not(double residual, bool lockedOut)
    {
        var h = new ShedHarness(port: new PortProtectionSettings { MaliciousMaxShapeResidual = 0.03 });
        h.Start(0);

        // T0 .. T0+5 s: the window is full at the last reading.
        for (int i = 0; i <= 10; i++)
        {
            h.Advance(i == 0 ? TimeSpan.Zero : Step);
            Draw(h, 0, 400, 0.999, residual, i);
        }

        Assert.Equal(lockedOut ? PortState.Disabled : PortState.Charging, h.State(0));
    }

    [Fact]
    public void One_reading_that_does_not_copy_the_voltage_restarts_the_window()
    {
        var h = new ShedHarness();
        h.Start(0);

        // T0 .. T0+4.5 s copies the voltage; T0+4.5 s does not: the window restarts at T0+5 s.
        for (int i = 0; i < 10; i++)
        {
            Draw(h, 0, 600, 1.0, i == 9 ? 0.08 : 0.01, i);
            h.Advance(Step);
        }

        for (int i = 10; i < 20; i++)
        {
            Draw(h, 0, 600, 1.0, 0.01, i);
            Assert.Equal(PortState.Charging, h.State(0));
            h.Advance(Step);
        }

        Draw(h, 0, 600, 1.0, 0.01, 20);
        Assert.Equal(ShedHarness.T0 + TimeSpan.FromSeconds(10), Assert.Single(h.Events.Raised(AlarmKind.PortMaliciousLoad)).RaisedAt);
    }

    [Theory]
    [InlineData(0.05, PortState.Disabled)]
    [InlineData(0.03, PortState.Charging)]
    public void The_sites_limit_decides(double limit, PortState after)
    {
        var h = new ShedHarness(port: new PortProtectionSettings { MaliciousMaxShapeResidual = limit });
        h.Start(0);

        for (int i = 0; i <= 10; i++)
        {
            h.Advance(i == 0 ? TimeSpan.Zero : Step);
            Draw(h, 0, 250, 0.999, 0.045, i);
        }

        Assert.Equal(after, h.State(0));
    }
}
