using EdgeGateway.Hardware.Simulation.Shed;

namespace EdgeGateway.Hardware.Tests.Simulation;

/// <summary>One simulated socket between the model's 20 ms steps.</summary>
public sealed class ShedOutletTests
{
    private static readonly double SupplyPeak = 230 * Math.Sqrt(2);

    [Fact]
    public void A_charger_unplugged_between_steps_draws_nothing_at_once_and_a_read_does_not_throw()
    {
        var outlet = new ShedOutlet("P01", 0, isDc: false) { CoilEnergized = true };
        outlet.Plug(new EBikeCharger(BatteryChemistry.LeadAcid, 300, 0.3, 576));
        outlet.Update(TimeSpan.FromMilliseconds(20), 230, SupplyPeak);
        Assert.NotEqual(0, outlet.CurrentAt(1.0));

        outlet.Unplug(); // no model step before the next read

        Assert.Equal(0, outlet.CurrentAt(1.0));
        Assert.Equal((0.0, 0.0, (double?)null), (outlet.TrueRealPowerW, outlet.TrueCurrentA, outlet.TruePowerFactor));
    }

    [Fact]
    public void A_charger_plugged_in_again_draws_from_the_next_step()
    {
        var outlet = new ShedOutlet("P01", 0, isDc: false) { CoilEnergized = true };
        outlet.Plug(new EBikeCharger(BatteryChemistry.LeadAcid, 300, 0.3, 576));
        outlet.Update(TimeSpan.FromMilliseconds(20), 230, SupplyPeak);
        outlet.Unplug();
        outlet.Plug(new EBikeCharger(BatteryChemistry.LeadAcid, 300, 0.3, 576));

        outlet.Update(TimeSpan.FromMilliseconds(20), 230, SupplyPeak);

        Assert.InRange(outlet.TrueRealPowerW, 250, 350);
        Assert.NotEqual(0, outlet.CurrentAt(1.0));
    }
}
