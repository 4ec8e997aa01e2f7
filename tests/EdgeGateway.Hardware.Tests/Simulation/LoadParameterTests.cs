using EdgeGateway.Hardware.Simulation.Shed;

namespace EdgeGateway.Hardware.Tests.Simulation;

/// <summary>A scenario's load parameters on the model's loads: CC/CV curve, inrush, added harmonics, power and PF profiles.</summary>
public sealed class LoadParameterTests
{
    private static readonly double SupplyPeak = 220 / Math.Sqrt(Waveforms.MeanVoltageSquared);
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(20);

    private static void Run(ShedOutlet outlet, TimeSpan span, ref TimeSpan now)
    {
        for (TimeSpan end = now + span; now < end; now += Step)
        {
            outlet.Update(now, Step, 220, SupplyPeak);
        }
    }

    [Fact]
    public void The_default_curve_is_the_chemistrys_and_a_curve_moves_the_knee_and_tapers_with_its_time_constant()
    {
        var plain = new EBikeCharger(BatteryChemistry.Lithium, 200, 0.9, 720);
        Assert.InRange(plain.DemandW(220), 6 + (194 * Math.Pow(0.095 / 0.145, 1.4)) - 1, 6 + (194 * Math.Pow(0.095 / 0.145, 1.4)) + 1);

        // CV after ten minutes of CC at 30 % charged, then an exponential taper with τ = 5 min towards a 10 W cut-off.
        var charger = new EBikeCharger(BatteryChemistry.Lithium, 200, 0.3, 720, curve: new ChargeCurve(CvAfter: TimeSpan.FromMinutes(10), Taper: TimeSpan.FromMinutes(5), CutoffW: 10, StandbyW: 0.5));
        var outlet = new ShedOutlet("P01", 0, isDc: false) { CoilEnergized = true };
        outlet.Plug(charger);
        TimeSpan now = TimeSpan.Zero;
        Run(outlet, TimeSpan.FromMinutes(9.9), ref now);
        Assert.InRange(outlet.TrueRealPowerW, 199, 201);
        Run(outlet, TimeSpan.FromMinutes(5.1), ref now);
        Assert.InRange(outlet.TrueRealPowerW, 10 + (190 / Math.E) - 3, 10 + (190 / Math.E) + 3);
        Run(outlet, TimeSpan.FromMinutes(60), ref now);
        Assert.Equal(0.5, outlet.TrueRealPowerW, 3);
    }

    [Fact]
    public void A_lead_acid_float_and_knee_follow_the_curve()
    {
        var charger = new EBikeCharger(BatteryChemistry.LeadAcid, 180, 0.6, 100, curve: new ChargeCurve(CvAtStateOfCharge: 0.65, FloatW: 3));
        var outlet = new ShedOutlet("P01", 0, isDc: false) { CoilEnergized = true };
        outlet.Plug(charger);
        TimeSpan now = TimeSpan.Zero;
        Run(outlet, TimeSpan.FromMinutes(5), ref now);
        Assert.True(charger.StateOfCharge > 0.65 && outlet.TrueRealPowerW < 175, $"in absorption after the knee: {charger.StateOfCharge:0.000}, {outlet.TrueRealPowerW:0} W");
        Run(outlet, TimeSpan.FromHours(3), ref now);
        Assert.Equal(3, outlet.TrueRealPowerW, 3);
    }

    [Fact]
    public void An_inrush_multiplies_the_current_from_the_moment_the_load_is_powered_for_its_duration()
    {
        var outlet = new ShedOutlet("P01", 0, isDc: false) { CoilEnergized = true };
        outlet.Plug(new EBikeCharger(BatteryChemistry.Lithium, 200, 0.3, 720) { Inrush = new Inrush(8, TimeSpan.FromMilliseconds(100)) });
        var now = TimeSpan.FromSeconds(3);
        outlet.Update(now, Step, 220, SupplyPeak);
        double theta = Math.PI / 2;
        double u = Waveforms.Voltage(theta);

        double surging = outlet.CurrentAt(u, theta, now.TotalSeconds + 0.05);
        double running = outlet.CurrentAt(u, theta, now.TotalSeconds + 0.15);

        Assert.NotEqual(0, running);
        Assert.Equal(8, surging / running, 6);
    }

    [Fact]
    public void Added_harmonics_show_in_the_current_at_their_share_of_the_fundamental_and_the_power_stays_the_demand()
    {
        var charger = new PfcCharger(BatteryChemistry.Lithium, 250, 0.99, 0.3, 720) { Harmonics = [new CurrentHarmonic(5, 0.15, 0)] };
        var outlet = new ShedOutlet("P01", 0, isDc: false) { CoilEnergized = true };
        outlet.Plug(charger);
        outlet.Update(Step, 220, SupplyPeak);

        // Fourier terms of one cycle of the current (at an instant without switching ripple: seconds = 0).
        const int Points = 2000;
        double[] magnitude = new double[6];
        for (int n = 1; n <= 5; n += 4)
        {
            double a = 0, b = 0;
            for (int k = 0; k < Points; k++)
            {
                double theta = 2 * Math.PI * (k + 0.5) / Points;
                double i = outlet.CurrentAt(Waveforms.Voltage(theta), theta, 0);
                a += i * Math.Sin(n * theta);
                b += i * Math.Cos(n * theta);
            }

            magnitude[n] = Math.Sqrt((a * a) + (b * b));
        }

        Assert.InRange(magnitude[5] / magnitude[1], 0.14, 0.17);
        Assert.InRange(outlet.TrueRealPowerW, 248, 252);
        Assert.True(outlet.TruePowerFactor < charger.PowerFactor - 0.005, $"PF {outlet.TruePowerFactor} with the 5th added, {charger.PowerFactor} without");
    }

    [Fact]
    public void A_profile_steps_or_ramps_the_power_and_sets_the_power_factor_from_the_plug_in()
    {
        var profile = new PowerProfile(250, 0.99,
        [
            new ProfilePoint(TimeSpan.FromMinutes(10), 120, null, Linear: false),
            new ProfilePoint(TimeSpan.FromMinutes(20), 200, 0.95, Linear: true),
        ]);

        Assert.Null(profile.PowerW(TimeSpan.FromMinutes(9)));
        Assert.Equal(120, profile.PowerW(TimeSpan.FromMinutes(10)));
        Assert.Equal(160, profile.PowerW(TimeSpan.FromMinutes(15))!.Value, 6);
        Assert.Equal(200, profile.PowerW(TimeSpan.FromHours(1)));
        Assert.Equal(0.97, profile.PowerFactor(TimeSpan.FromMinutes(10))!.Value, 6);
        Assert.Equal(0.95, profile.PowerFactor(TimeSpan.FromMinutes(25))!.Value, 6);

        var charger = new PfcCharger(BatteryChemistry.Lithium, 250, 0.99, 0.1, 5000) { Profile = profile };
        var outlet = new ShedOutlet("P01", 0, isDc: false) { CoilEnergized = true };
        outlet.Plug(charger);
        TimeSpan now = TimeSpan.Zero;
        Run(outlet, TimeSpan.FromMinutes(15), ref now);
        Assert.InRange(outlet.TrueRealPowerW, 158, 162);
        Run(outlet, TimeSpan.FromMinutes(10), ref now);
        Assert.InRange(outlet.TrueRealPowerW, 198, 202);
        Assert.InRange(outlet.TruePowerFactor!.Value, 0.948, 0.952);
    }
}
