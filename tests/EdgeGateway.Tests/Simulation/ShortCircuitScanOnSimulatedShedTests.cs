using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Hardware.Simulation.Shed;

namespace EdgeGateway.Tests.Simulation;

/// <summary>
/// Every port watched all the time: on a 36-port simulated shed, a short on the port measured last in the round opens
/// its relay within one mains cycle of shed time, through the real bindings, sampler and protection.
/// </summary>
public sealed class ShortCircuitScanOnSimulatedShedTests
{
    [Fact]
    public void A_short_on_the_last_port_of_a_36_port_shed_trips_within_one_mains_cycle()
    {
        using var shed = new ShedHarness(GeneratedShedSite.Yaml(36));
        foreach (ShedOutlet outlet in shed.Model.Outlets)
        {
            shed.PlugAndStart(outlet.Id, new EBikeCharger(BatteryChemistry.LeadAcid, 100, 0.3, 576));
        }

        shed.Round();
        shed.Round();
        ShedOutlet last = shed.Outlet("P36");
        Assert.True(last.ContactClosed);
        TimeSpan? opened = null;
        last.ContactChanged += closed => opened ??= closed ? null : shed.Now;

        // 5 ms into the next round, while P01 is being measured: P36's own turn is the round's last, 0.7 s or more away.
        TimeSpan onset = shed.Now + TimeSpan.FromMilliseconds(5);
        last.Plug(new OnsetLoad(last.Load!, new ShortCircuitLoad(), onset));
        shed.RunUntil(() => opened is not null, TimeSpan.FromSeconds(5), "P36's relay opening");

        Assert.True(opened - onset <= TimeSpan.FromMilliseconds(20), $"relay opened {(opened - onset)!.Value.TotalMilliseconds} ms after the onset");
        Assert.Equal(PortState.Disabled, shed.Port("P36").State);
        Assert.NotNull(shed.RaisedAlarm(AlarmKind.PortShortCircuit, "port:P36"));
        Assert.All(shed.Model.Outlets.Where(o => o.Id != "P36"), o => Assert.True(o.ContactClosed, $"{o.Id} opened"));
    }

    [Fact]
    public void An_overload_on_the_last_port_of_a_36_port_shed_trips_within_the_debounce_and_150_ms()
    {
        using var shed = new ShedHarness(GeneratedShedSite.Yaml(36));
        foreach (ShedOutlet outlet in shed.Model.Outlets)
        {
            shed.PlugAndStart(outlet.Id, new EBikeCharger(BatteryChemistry.LeadAcid, 100, 0.3, 576));
        }

        shed.Round();
        shed.Round();
        ShedOutlet last = shed.Outlet("P36");
        TimeSpan? opened = null;
        last.ContactChanged += closed => opened ??= closed ? null : shed.Now;

        // A kettle, 1500 W against the 1000 W limit, 5 ms into a round: P36's own turn is 0.7 s or more away.
        TimeSpan onset = shed.Now + TimeSpan.FromMilliseconds(5);
        last.Plug(new OnsetLoad(last.Load!, new ResistiveLoad(1500, 220, "kettle"), onset));
        shed.RunUntil(() => opened is not null, TimeSpan.FromSeconds(5), "P36's relay opening");

        Assert.True(opened - onset >= TimeSpan.FromMilliseconds(500), $"relay opened {(opened - onset)!.Value.TotalMilliseconds} ms after the onset, inside the debounce");
        Assert.True(opened - onset <= TimeSpan.FromMilliseconds(650), $"relay opened {(opened - onset)!.Value.TotalMilliseconds} ms after the onset");
        Assert.Equal(PortState.Disabled, shed.Port("P36").State);
        Assert.NotNull(shed.RaisedAlarm(AlarmKind.PortOverload, "port:P36"));
    }
}
