using EdgeGateway.Hardware.Simulation.Shed;

namespace EdgeGateway.Hardware.Tests.Simulation;

/// <summary>The physical models of the loads that are not e-bike chargers, and of chargers with active PFC.</summary>
public sealed class HouseholdLoadTests
{
    private static readonly double SupplyPeak = 220 / Math.Sqrt(Waveforms.MeanVoltageSquared);
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(20);

    [Theory]
    [InlineData(0.95)]
    [InlineData(0.99)]
    [InlineData(0.995)]
    public void Pfc_charger_reaches_its_power_factor_and_draws_its_rated_power(double powerFactor)
    {
        var charger = new PfcCharger(BatteryChemistry.Lithium, 250, powerFactor, 0.3, 720);
        var outlet = new ShedOutlet("P01", 0, isDc: false) { CoilEnergized = true };
        outlet.Plug(charger);

        outlet.Update(Step, 220, SupplyPeak);

        Assert.InRange(charger.PowerFactor, powerFactor - 0.002, powerFactor + 0.002);
        Assert.InRange(outlet.TrueRealPowerW, 248, 252);
        Assert.Equal(charger.PowerFactor, outlet.TruePowerFactor!.Value, 6);
    }

    [Fact]
    public void Pfc_current_has_a_cusp_at_the_zero_crossing_and_follows_a_sinusoid_not_the_flat_topped_supply()
    {
        var charger = new PfcCharger(BatteryChemistry.Lithium, 250, 0.999, 0.3, 720);

        // At an instant where the switching ripple is zero, the current 3° after the crossing is well below a sine's.
        double nearCrossing = charger.CurrentShape(0, 0.05, 0);
        Assert.True(Math.Abs(nearCrossing) < 0.6 * Math.Sin(0.05), $"cusp: {nearCrossing}");

        // At the peak the flat-topped supply is at 0.97 of a sine's peak; the PFC current is at a sine's.
        Assert.InRange(charger.CurrentShape(Waveforms.Voltage(Math.PI / 2), Math.PI / 2, 0), 0.99, 1.01);
    }

    [Fact]
    public void Thermostatic_heater_cycles_on_and_off_over_minutes_while_powered()
    {
        var heater = new ThermostaticHeater(300, 220, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(3));
        var seen = new List<(TimeSpan At, double W)>();
        for (TimeSpan t = TimeSpan.Zero; t < TimeSpan.FromMinutes(10); t += TimeSpan.FromSeconds(1))
        {
            seen.Add((t, heater.DemandW(220)));
            heater.Advance(TimeSpan.FromSeconds(1), powered: true);
        }

        Assert.Equal(300, seen.Single(s => s.At == TimeSpan.FromSeconds(119)).W);
        Assert.Equal(0, seen.Single(s => s.At == TimeSpan.FromSeconds(121)).W);
        Assert.Equal(0, seen.Single(s => s.At == TimeSpan.FromSeconds(299)).W);
        Assert.Equal(300, seen.Single(s => s.At == TimeSpan.FromSeconds(301)).W);
    }

    [Fact]
    public void Kettle_heats_until_it_boils_then_switches_itself_off()
    {
        var kettle = new Kettle(2000, 220, litres: 1.5, waterC: 15);
        TimeSpan t = TimeSpan.Zero;
        while (kettle.DemandW(220) > 0)
        {
            kettle.Advance(TimeSpan.FromSeconds(1), powered: true);
            t += TimeSpan.FromSeconds(1);
            Assert.True(t < TimeSpan.FromMinutes(10), "never boiled");
        }

        // 1.5 L from 15 °C at 90 % efficiency: 593 kJ, just under 5 minutes at 2 kW.
        Assert.InRange(t.TotalSeconds, 290, 300);
        kettle.Advance(TimeSpan.FromMinutes(5), powered: true);
        Assert.Equal(0, kettle.DemandW(220));
    }

    [Fact]
    public void Induction_cooker_steps_its_power_as_it_regulates()
    {
        var cooker = new InductionCooker(1800);
        var levels = new HashSet<double>();
        for (int s = 0; s < 120; s++)
        {
            levels.Add(cooker.DemandW(220));
            cooker.Advance(TimeSpan.FromSeconds(1), powered: true);
        }

        Assert.Equal("900 1080 1350 1800", string.Join(' ', levels.Order()));
    }

    [Theory]
    [InlineData(0.95)]
    [InlineData(0.97)]
    [InlineData(0.99)]
    public void Hair_dryer_reaches_its_power_factor(double powerFactor)
    {
        var dryer = new HairDryer(1200, 220, powerFactor);
        var outlet = new ShedOutlet("P01", 0, isDc: false) { CoilEnergized = true };
        outlet.Plug(dryer);

        outlet.Update(Step, 220, SupplyPeak);

        Assert.InRange(dryer.PowerFactor, powerFactor - 0.002, powerFactor + 0.002);
        Assert.InRange(outlet.TrueRealPowerW, 1195, 1205);
    }
}
