using EdgeGateway.Configuration;
using EdgeGateway.Tests.CommandLine;

namespace EdgeGateway.Tests.Deploy;

/// <summary>
/// The wiring documents in firmware-config/raspberry-pi/pin-maps are `EdgeGateway pin-map` of the shipped site files,
/// byte for byte: change a site file and this fails until the map is generated again (the message says how).
/// </summary>
public sealed class PinMapTests
{
    public static TheoryData<string> ShippedSites()
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.GetFiles(Tool.InRepository("firmware-config", "sites"), "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ShippedSites))]
    public void Committed_pin_map_is_the_site_files_own(string site)
    {
        string siteFile = $"firmware-config/sites/{site}.yaml";
        string mapFile = Tool.InRepository("firmware-config", "raspberry-pi", "pin-maps", $"{site}.md");
        SiteFileLoadResult load = SiteFileLoader.Load(Tool.InRepository("firmware-config", "sites", $"{site}.yaml"));
        Assert.True(load.IsValid);

        string expected = PinMap.Document(load.Configuration!, siteFile);
        string regenerate = $"regenerate it: dotnet run --project src/EdgeGateway -- pin-map {siteFile} > firmware-config/raspberry-pi/pin-maps/{site}.md";
        Assert.True(File.Exists(mapFile), $"{mapFile} is missing; {regenerate}");
        string committed = File.ReadAllText(mapFile);
        if (committed != expected)
        {
            string[] a = committed.Split('\n');
            string[] b = expected.Split('\n');
            int line = Enumerable.Range(0, Math.Min(a.Length, b.Length)).FirstOrDefault(i => a[i] != b[i], Math.Min(a.Length, b.Length));
            Assert.Fail($"firmware-config/raspberry-pi/pin-maps/{site}.md has drifted from {siteFile} at line {line + 1}:\n  committed: {(line < a.Length ? a[line] : "(end)")}\n  site file: {(line < b.Length ? b[line] : "(end)")}\n{regenerate}");
        }
    }

    [Fact]
    public void Demo_map_wires_each_port_from_its_ADC_channel_to_its_relay_pin()
    {
        SiteConfiguration site = SiteFileLoader.Load(Tool.InRepository("firmware-config", "sites", "demo.yaml")).Configuration!;

        string map = PinMap.Document(site, "demo.yaml");

        Assert.Contains("| P01 | AC: CT, 30 A/V | `adc0` CH1 (chip pin 2) | GPIO5 (pin 29) | high = on |", map, StringComparison.Ordinal);
        Assert.Contains("| P09 | AC: CT, 30 A/V | `adc1` CH1 (chip pin 2) | `relays-a` (0x20) GPA0 (chip pin 21) | high = on |", map, StringComparison.Ordinal);
        Assert.Contains("| P20 | AC: CT, 30 A/V | `adc2` CH4 (chip pin 5) | `relays-a` (0x20) GPB3 (chip pin 4) | high = on |", map, StringComparison.Ordinal);
        Assert.Contains("| 0 | VL53L0X `b3-tof` of B3 at 0x29 |", map, StringComparison.Ordinal);
        Assert.Contains("Free GPIOs: none.", map, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_GPIO_the_site_uses_is_in_the_header_table_once()
    {
        SiteConfiguration site = SiteFileLoader.Load(Tool.InRepository("firmware-config", "sites", "demo.yaml")).Configuration!;

        SortedDictionary<int, string> uses = PinMap.GpioUses(site);

        Assert.Equal(Enumerable.Range(0, 28), uses.Keys);
        Assert.DoesNotContain(uses.Values, v => v.Contains(';', StringComparison.Ordinal)); // no pin serves two things
        Assert.Equal(29, PinMap.HeaderPin(5));
        Assert.Equal(13, PinMap.HeaderPin(27));
    }

    [Fact]
    public void Config_txt_of_the_demo_enables_its_buses_and_holds_relay_pins_open_from_power_on()
    {
        SiteConfiguration site = SiteFileLoader.Load(Tool.InRepository("firmware-config", "sites", "demo.yaml")).Configuration!;

        string[] lines = PinMap.ConfigTxt(site).Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')).ToArray();

        Assert.Equal(
            ["[all]", "dtoverlay=", "dtparam=i2c_arm=on", "dtparam=i2c_arm_baudrate=100000", "dtparam=spi=on", "dtparam=watchdog=on",
             "dtoverlay=spi1-1cs", "dtoverlay=w1-gpio,gpiopin=4", "enable_uart=0", "force_eeprom_read=0", "gpio=5,6,12,13,22-25=op,dl"],
            lines);
    }

    [Fact]
    public void Config_txt_follows_the_site_one_wire_pin_chip_selects_and_relay_levels()
    {
        string yaml = SiteYamlWith(
            ("oneWirePin: 4", "oneWirePin: 17"),
            ("relay: { gpio: 5 }", "relay: { gpio: 5, activeLow: true }"));
        SiteFileLoadResult load = SiteFileLoader.LoadText("site.yaml", yaml);
        Assert.True(load.IsValid, string.Join('\n', load.Problems));

        string text = PinMap.ConfigTxt(load.Configuration!);

        Assert.Contains("\ndtoverlay=w1-gpio,gpiopin=17\n", text, StringComparison.Ordinal);
        Assert.Contains("\ndtoverlay=spi0-1cs\n", text, StringComparison.Ordinal); // CE0 only: GPIO7 stays free
        Assert.Contains("\ngpio=5=op,dh\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("enable_uart", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pin_map_command_prints_the_map_and_refuses_an_invalid_file()
    {
        string site = Tool.InRepository("firmware-config", "sites", "recycling-station.yaml");
        string missing = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.yaml");

        GatewayProcess.Result lines = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "pin-map", "--config-txt", site);
        GatewayProcess.Result map = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "pin-map", site);
        GatewayProcess.Result refused = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "pin-map", missing);

        Assert.Equal(0, lines.ExitCode);
        Assert.Equal(PinMap.ConfigTxt(SiteFileLoader.Load(site).Configuration!), lines.Output);
        Assert.Equal(0, map.ExitCode);
        Assert.StartsWith("# Wiring and pin map: 临淄区智能回收站 1 号\n", map.Output, StringComparison.Ordinal);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains($"{missing}:0: file not found", refused.Error, StringComparison.Ordinal);
    }

    /// <summary>The test suite's small valid site file, with some text replaced.</summary>
    private static string SiteYamlWith(params (string From, string To)[] replacements)
    {
        string yaml = Configuration.SiteYaml.Valid;
        foreach ((string from, string to) in replacements)
        {
            Assert.Contains(from, yaml, StringComparison.Ordinal);
            yaml = yaml.Replace(from, to, StringComparison.Ordinal);
        }

        return yaml;
    }
}
