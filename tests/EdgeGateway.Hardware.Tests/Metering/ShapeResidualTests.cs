using EdgeGateway.Hardware.Metering;
using EdgeGateway.Hardware.Simulation.Shed;

namespace EdgeGateway.Hardware.Tests.Metering;

/// <summary>
/// The sampler's shape residual through the simulated MCP3208: a resistance copies the flat-topped supply (its residual
/// is the meter's noise), a PFC front end does not, however close to 1 its power factor.
/// </summary>
public sealed class ShapeResidualTests
{
    private static readonly int[] Seeds = [1, 2, 3, 4, 5];

    [Theory]
    [InlineData(200)]
    [InlineData(600)]
    [InlineData(1500)]
    public void Heater_current_is_a_copy_of_the_voltage_within_the_meters_noise(double watts)
    {
        foreach (int seed in Seeds)
        {
            using var rig = new MeteringRig(seed);
            rig.PowerOn(new ResistiveLoad(watts, 220, "heater"));

            PortMeasurement m = rig.Measure().Measurement;

            Assert.NotNull(m.ShapeResidual);
            Assert.True(m.ShapeResidual < 0.02, $"{watts} W heater, seed {seed}: residual {m.ShapeResidual:P2}");
        }
    }

    [Theory]
    [InlineData(200, 0.95)]
    [InlineData(250, 0.99)]
    [InlineData(250, 0.999)]
    [InlineData(600, 0.995)]
    public void Pfc_charger_current_is_not_a_copy_of_the_voltage_even_at_a_power_factor_near_1(double watts, double powerFactor)
    {
        foreach (int seed in Seeds)
        {
            using var rig = new MeteringRig(seed);
            var charger = new PfcCharger(BatteryChemistry.Lithium, watts, powerFactor, 0.3, 720);
            rig.PowerOn(charger);

            PortMeasurement m = rig.Measure().Measurement;

            Assert.True(Math.Abs(m.RealPowerW - rig.Outlet.TrueRealPowerW) < 0.02 * watts, $"power {m.RealPowerW:0.0} W, model {rig.Outlet.TrueRealPowerW:0.0} W");
            Assert.True(Math.Abs(m.PowerFactor!.Value - charger.PowerFactor) < 0.005, $"PF {m.PowerFactor:0.0000}, model {charger.PowerFactor:0.0000}");
            Assert.True(m.ShapeResidual > 0.04, $"{watts} W PFC charger at PF {powerFactor}, seed {seed}: residual {m.ShapeResidual:P2}");
        }
    }

    [Fact]
    public void No_current_no_residual()
    {
        using var rig = new MeteringRig();

        Assert.Null(rig.Measure().Measurement.ShapeResidual);
    }
}
