using EdgeGateway.Configuration;
using EdgeGateway.Hardware.Simulation.Shed;
using EdgeGateway.Tests.Simulation;

namespace EdgeGateway.Tests.Configuration;

/// <summary>Generated sheds of N AC ports (run --simulate --ports N, bench trip): valid site files that run on the simulator.</summary>
public sealed class GeneratedShedSiteTests
{
    [Theory]
    [InlineData(20, 3, 1)]
    [InlineData(28, 4, 2)]
    [InlineData(36, 5, 2)]
    public void A_generated_shed_loads_without_problems_with_enough_ADCs_and_expanders(int ports, int adcs, int expanders)
    {
        SiteFileLoadResult load = GeneratedShedSite.Load(ports);

        Assert.True(load.IsValid, string.Join(Environment.NewLine, load.Problems));
        SiteConfiguration site = load.Configuration!;
        Assert.Equal(ports, site.Ports.Count);
        Assert.All(site.Ports, p => Assert.IsType<AcMeterDefinition>(p.Meter));
        Assert.Equal(adcs, site.Adcs.Count);
        Assert.Equal(expanders, site.Expanders.Count);

        // Every CT on a channel of its own, none on the voltage transformer's.
        var channels = site.Ports.Select(p => ((AcMeterDefinition)p.Meter).CurrentSensor).Select(s => (s.Adc, s.Channel)).ToList();
        Assert.Equal(ports, channels.Distinct().Count());
        Assert.DoesNotContain((site.Mains!.VoltageSensor.Adc, site.Mains.VoltageSensor.Channel), channels);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(28)]
    [InlineData(36)]
    public void Every_port_of_a_generated_shed_charges_and_is_metered_on_the_simulator(int ports)
    {
        using var shed = new ShedHarness(GeneratedShedSite.Yaml(ports));
        foreach (ShedOutlet outlet in shed.Model.Outlets)
        {
            // 100 W each: 36 ports stay under the shed's 5500 W limit.
            shed.PlugAndStart(outlet.Id, new EBikeCharger(BatteryChemistry.LeadAcid, 100, 0.3, 576));
        }

        shed.Round();
        shed.Round();

        Assert.All(shed.Model.Outlets, o => Assert.True(shed.RelayClosed(o.Id), $"{o.Id}: relay open"));
        Assert.All(shed.Protection.Snapshot.Ports, p => Assert.InRange(p.PowerW ?? 0, 90, 110));
    }

    [Theory]
    [InlineData(GeneratedMeter.Dc, 20, 20, 1)]
    [InlineData(GeneratedMeter.Dc, 36, 36, 1)]
    [InlineData(GeneratedMeter.AcWithDc, 20, 5, 1)]
    [InlineData(GeneratedMeter.AcWithDc, 36, 9, 1)]
    public void A_generated_shed_with_dc_ports_loads_and_every_port_charges_and_is_metered_on_the_simulator(GeneratedMeter meter, int ports, int dcPorts, int multiplexers)
    {
        SiteFileLoadResult load = GeneratedShedSite.Load(ports, meter);
        Assert.True(load.IsValid, string.Join(Environment.NewLine, load.Problems));
        SiteConfiguration site = load.Configuration!;
        Assert.Equal(dcPorts, site.Ports.Count(p => p.Meter is DcMeterDefinition));
        Assert.Equal(multiplexers, site.Multiplexers.Count);
        Assert.Equal(meter == GeneratedMeter.Dc, site.Mains is null);

        // Every INA219 at an address of its own on its multiplexer channel.
        var slots = site.Ports.Select(p => p.Meter).OfType<DcMeterDefinition>().Select(m => (m.Multiplexer, m.MultiplexerChannel, m.Address)).ToList();
        Assert.Equal(dcPorts, slots.Distinct().Count());

        using var shed = new ShedHarness(GeneratedShedSite.Yaml(ports, meter));
        foreach (ShedOutlet outlet in shed.Model.Outlets)
        {
            shed.PlugAndStart(outlet.Id, new EBikeCharger(BatteryChemistry.LeadAcid, 100, 0.3, 576, dc: outlet.IsDc));
        }

        shed.Round();
        shed.Round();

        Assert.All(shed.Model.Outlets, o => Assert.True(shed.RelayClosed(o.Id), $"{o.Id}: relay open"));
        Assert.All(shed.Protection.Snapshot.Ports, p => Assert.InRange(p.PowerW ?? 0, 90, 110));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(GeneratedShedSite.MaxPorts + 1)]
    public void A_shed_the_wiring_cannot_hold_is_refused(int ports) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => GeneratedShedSite.Yaml(ports));
}
