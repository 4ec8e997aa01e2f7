using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Hardware.Simulation.Shed;

namespace EdgeGateway.Hardware.Tests.Simulation;

/// <summary>The shed's supply as a circuit: a source impedance to the busbar, and each socket's branch from there.</summary>
public sealed class ShedFeederTests
{
    private static (ShedModel Model, SimulatedClock Clock) Shed()
    {
        var clock = new SimulatedClock(new DateTimeOffset(2026, 11, 25, 3, 0, 0, TimeSpan.FromHours(8)));
        var model = new ShedModel(clock, 220, 50, 7, TimeSpan.FromHours(8));
        foreach (string id in (string[])["P01", "P02", "P03"])
        {
            model.AddOutlet(id, isDc: false);
        }

        return (model, clock);
    }

    private static void Step(ShedModel model, SimulatedClock clock)
    {
        clock.Advance(TimeSpan.FromMilliseconds(20));
        model.AdvanceTo(clock.Elapsed);
    }

    [Fact]
    public void Two_simultaneous_bolted_shorts_each_draw_fault_current_while_the_busbar_sags()
    {
        (ShedModel model, SimulatedClock clock) = Shed();
        Step(model, clock);
        double healthy = model.SupplyVrms;
        ShedOutlet p1 = model.Outlets[0];
        ShedOutlet p2 = model.Outlets[1];
        p1.Plug(new ShortCircuitLoad());
        p2.Plug(new ShortCircuitLoad());
        p1.CoilEnergized = true;
        p2.CoilEnergized = true;

        Step(model, clock);

        // V_bus = V_s / (1 + 0.15 Ω · 2 / (0.05 Ω + 0.2 Ω)) ≈ V_s / 2.2; each branch I = V_bus / 0.25 Ω.
        Assert.InRange(model.SupplyVrms, healthy / 2.2 * 0.97, healthy / 2.2 * 1.03);
        Assert.All(new[] { p1, p2 }, o => Assert.InRange(o.TrueCurrentA, model.SupplyVrms / 0.25 * 0.99, model.SupplyVrms / 0.25 * 1.01));
        Assert.All(new[] { p1, p2 }, o => Assert.True(o.CurrentAt(1.0) > 300, $"{o.Id} peak {o.CurrentAt(1.0)} A"));
        Assert.Equal(0, model.Outlets[2].CurrentAt(1.0));

        // One of them cleared: the other still draws, more now that the busbar recovers part of its sag.
        double both = p2.TrueCurrentA;
        p1.CoilEnergized = false;
        Step(model, clock);
        Assert.True(p2.TrueCurrentA > both, $"{p2.TrueCurrentA} A alone, {both} A with the other short");
        Assert.InRange(model.SupplyVrms, healthy / 1.6 * 0.97, healthy / 1.6 * 1.03);
    }

    [Fact]
    public void A_held_supply_stays_at_its_voltage_under_load_so_a_heater_draws_its_rating()
    {
        (ShedModel model, SimulatedClock clock) = Shed();
        ShedOutlet p1 = model.Outlets[0];
        p1.Plug(new ResistiveLoad(1000, 230, "reference heater"));
        p1.CoilEnergized = true;
        for (int i = 0; i < 10; i++)
        {
            Step(model, clock);
        }

        double normal = model.SupplyVrms;

        model.HeldSupplyVrms = 230;
        for (int i = 0; i < 50; i++)
        {
            Step(model, clock);
            Assert.Equal(230, model.SupplyVrms);
            Assert.Equal(1000, p1.TrueRealPowerW, 9);
        }

        // The normal supply follows its daily profile and sags under the load: not 230 V.
        Assert.True(Math.Abs(normal - 230) > 1, $"{normal} V");
    }
}
