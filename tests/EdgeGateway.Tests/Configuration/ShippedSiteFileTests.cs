using EdgeGateway.Configuration;

namespace EdgeGateway.Tests.Configuration;

public sealed class ShippedSiteFileTests
{
    private static readonly string SitesDirectory = Path.GetDirectoryName(SiteYaml.ShippedSite("demo.yaml"))!;

    [Theory]
    [InlineData("demo.yaml")]
    [InlineData("dc-cabinet.yaml")]
    [InlineData("recycling-station.yaml")]
    public void Shipped_site_file_loads_without_problems(string file)
    {
        SiteFileLoadResult result = SiteFileLoader.Load(Path.Combine(SitesDirectory, file));

        Assert.Empty(result.Problems.Select(p => p.ToString()));
        Assert.True(result.IsValid);
    }

    [Fact]
    public void Demo_shed_has_twenty_AC_ports_on_three_MCP3208s()
    {
        SiteConfiguration site = SiteFileLoader.Load(Path.Combine(SitesDirectory, "demo.yaml")).Configuration!;

        Assert.Equal("linzi-demo-001", site.Site.Id);
        Assert.Equal("临淄区演示充电棚", site.Site.Name);
        Assert.Equal(20, site.Ports.Count);
        Assert.All(site.Ports, p => Assert.IsType<AcMeterDefinition>(p.Meter));
        Assert.Equal(Enumerable.Range(1, 20).Select(n => $"P{n:00}"), site.Ports.Select(p => p.Id));
        Assert.Equal(["adc0", "adc1", "adc2"], site.Adcs.Select(a => a.Id));
        Assert.All(site.Adcs, a => Assert.Equal(AdcChipType.Mcp3208, a.Chip));
        Assert.Equal(new AnalogChannel("adc0", 0, site.Mains!.VoltageSensor.Line), site.Mains!.VoltageSensor);

        ChargingPortDefinition p01 = site.Ports[0];
        Assert.Equal(5, p01.Relay.Gpio);
        Assert.Equal(("adc0", 1), (((AcMeterDefinition)p01.Meter).CurrentSensor.Adc, ((AcMeterDefinition)p01.Meter).CurrentSensor.Channel));
        ChargingPortDefinition p09 = site.Ports[8];
        Assert.Equal(("relays-a", 0), (p09.Relay.Expander, p09.Relay.ExpanderPin));
        ChargingPortDefinition p20 = site.Ports[19];
        Assert.Equal(("adc2", 4), (((AcMeterDefinition)p20.Meter).CurrentSensor.Adc, ((AcMeterDefinition)p20.Meter).CurrentSensor.Channel));
        Assert.Equal(("relays-a", 11), (p20.Relay.Expander, p20.Relay.ExpanderPin));

        Assert.Equal(27, site.ShedSensors.Smoke!.Gpio);
        Assert.True(site.ShedSensors.Smoke.ActiveLow);
        Assert.Equal("28-0316a2794dff", Assert.Single(site.ShedSensors.Thermometers).DeviceId);
    }

    [Fact]
    public void Demo_shed_writes_out_the_default_protection_and_sampling()
    {
        SiteConfiguration site = SiteFileLoader.Load(Path.Combine(SitesDirectory, "demo.yaml")).Configuration!;

        Assert.Equal(new PortProtectionSettings(), site.PortProtection);
        Assert.Equal(new ShedProtectionSettings(), site.ShedProtection);
        Assert.Equal(new SamplingSettings(), site.Sampling);
        Assert.All(site.Ports, p => Assert.Equal(new PortProtectionSettings(), p.Protection));
    }

    [Fact]
    public void DC_cabinet_has_six_INA219_ports_two_per_mux_channel()
    {
        SiteConfiguration site = SiteFileLoader.Load(Path.Combine(SitesDirectory, "dc-cabinet.yaml")).Configuration!;

        var meters = site.Ports.Select(p => Assert.IsType<DcMeterDefinition>(p.Meter)).ToList();
        Assert.Equal(6, meters.Count);
        Assert.Equal([0x40, 0x41, 0x40, 0x41, 0x40, 0x41], meters.Select(m => m.Address));
        Assert.Equal([0, 0, 1, 1, 2, 2], meters.Select(m => m.MultiplexerChannel ?? -1));
        Assert.All(meters, m => Assert.Equal(("mux0", 0.01, 8.0, 4.0), (m.Multiplexer, m.ShuntOhms, m.MaxCurrentA, m.BusVoltageDivider)));
        Assert.Equal(new I2cMultiplexer("mux0", 0x70, site.Multiplexers[0].Line), Assert.Single(site.Multiplexers));
        Assert.Equal([0, 1, 2, 3, 4, 5], site.Ports.Select(p => p.Relay.ExpanderPin ?? -1));
    }
}
