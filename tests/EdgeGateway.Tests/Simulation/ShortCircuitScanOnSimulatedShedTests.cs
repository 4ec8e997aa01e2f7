using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Hardware.Simulation.Shed;

namespace EdgeGateway.Tests.Simulation;

/// <summary>
/// Every port watched all the time: on a 36-port simulated shed, a fault on the port measured last in the round trips
/// as soon as on the first (a short within one mains cycle, an overload within its debounce and 150 ms of shed time),
/// through the real bindings, sampler and protection.
/// </summary>
public sealed class ShortCircuitScanOnSimulatedShedTests
{
    [Fact]
    public void A_short_on_the_last_port_of_a_36_port_shed_trips_within_one_mains_cycle()
    {
        using ShedHarness shed = LastPortOf36Becomes(new ShortCircuitLoad(), out TimeSpan latency);

        Assert.True(latency <= TimeSpan.FromMilliseconds(20), $"relay opened {latency.TotalMilliseconds} ms after the onset");
        Assert.Equal(PortState.Disabled, shed.Port("P36").State);
        Assert.NotNull(shed.RaisedAlarm(AlarmKind.PortShortCircuit, "port:P36"));
        Assert.All(shed.Model.Outlets.Where(o => o.Id != "P36"), o => Assert.True(o.ContactClosed, $"{o.Id} opened"));
    }

    [Fact]
    public void An_overload_on_the_last_port_of_a_36_port_shed_trips_within_the_debounce_and_150_ms()
    {
        // A kettle, 1500 W against the 1000 W limit.
        using ShedHarness shed = LastPortOf36Becomes(new ResistiveLoad(1500, 220, "kettle"), out TimeSpan latency);

        Assert.True(latency >= TimeSpan.FromMilliseconds(500), $"relay opened {latency.TotalMilliseconds} ms after the onset, inside the debounce");
        Assert.True(latency <= TimeSpan.FromMilliseconds(650), $"relay opened {latency.TotalMilliseconds} ms after the onset");
        Assert.Equal(PortState.Disabled, shed.Port("P36").State);
        Assert.NotNull(shed.RaisedAlarm(AlarmKind.PortOverload, "port:P36"));
    }

    /// <summary>
    /// Every port of a generated 36-port shed charging; P36's charger becomes <paramref name="fault"/> 5 ms into a round,
    /// while P01 is being measured (P36's own turn is the round's last, 0.7 s or more away). Returns the shed, and in
    /// <paramref name="latency"/> the shed time from the onset to P36's relay opening.
    /// </summary>
    private static ShedHarness LastPortOf36Becomes(OutletLoad fault, out TimeSpan latency)
    {
        var shed = new ShedHarness(GeneratedShedSite.Yaml(36));
        try
        {
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

            TimeSpan onset = shed.Now + TimeSpan.FromMilliseconds(5);
            last.Plug(new OnsetLoad(last.Load!, fault, onset));
            shed.RunUntil(() => opened is not null, TimeSpan.FromSeconds(5), "P36's relay opening");
            latency = opened!.Value - onset;
            return shed;
        }
        catch
        {
            shed.Dispose();
            throw;
        }
    }
}
