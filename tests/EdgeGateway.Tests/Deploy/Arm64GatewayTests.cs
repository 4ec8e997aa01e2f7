using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace EdgeGateway.Tests.Deploy;

/// <summary>
/// The build that ships to a Raspberry Pi starts: the linux-arm64 bundle's own EdgeGateway, run under qemu-user, checks
/// every shipped site file, runs the simulated shed with its embedded broker and outbox, draws the Chinese live table,
/// and prints the config.txt lines install.sh writes.
/// </summary>
[Collection(Arm64BundleShared.Name)]
[Trait("Category", "Servers")]
public sealed partial class Arm64GatewayTests(Arm64BundleFixture bundle, ITestOutputHelper output)
{
    private static readonly TimeSpan QuickCommand = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan SimulatedRun = TimeSpan.FromMinutes(4);

    [Fact]
    public void Bundle_is_a_self_contained_arm64_build_with_its_deploy_files()
    {
        output.WriteLine($"build-bundle.sh (dotnet publish -r linux-arm64) took {bundle.BuildTime.TotalSeconds:0.0} s");
        byte[] elf = File.ReadAllBytes(Path.Combine(bundle.Bundle, "EdgeGateway")).AsSpan(0, 20).ToArray();
        Assert.Equal("\u007fELF"u8.ToArray(), elf[..4]);
        Assert.Equal(183, BitConverter.ToUInt16(elf, 18)); // e_machine EM_AARCH64
        Assert.True(File.Exists(Path.Combine(bundle.Bundle, "libcoreclr.so")), "the .NET runtime travels with the gateway");
        Assert.True(File.Exists(Path.Combine(bundle.Bundle, "libe_sqlite3.so")), "the outbox's SQLite for arm64");
        using JsonDocument runtimeConfig = JsonDocument.Parse(File.ReadAllText(Path.Combine(bundle.Bundle, "EdgeGateway.runtimeconfig.json")));
        Assert.True(runtimeConfig.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").GetProperty("System.Globalization.Invariant").GetBoolean());
        Assert.Equal(Arm64BundleFixture.Version, File.ReadAllText(Path.Combine(bundle.Bundle, "VERSION")).Trim());
        foreach (string file in new[] { "install.sh", "upgrade.sh", "rollback.sh", "uninstall.sh", "lib.sh", "edgegateway.service", "README.md", "raspberry-pi/99-edgegateway.rules", "raspberry-pi/edgegateway-watchdog.conf", "raspberry-pi/edgegateway-modules.conf" })
        {
            Assert.True(File.Exists(Path.Combine(bundle.Bundle, "deploy", file)), $"deploy/{file} is in the bundle");
        }

        Assert.True(File.Exists(Path.Combine(bundle.Bundle, "firmware-config", "sites", "demo.yaml")));
    }

    [Fact]
    public async Task Check_config_accepts_every_shipped_site_file_under_emulation()
    {
        string[] sites = Directory.GetFiles(Tool.InRepository("firmware-config", "sites"), "*.yaml").Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(sites);

        Tool.Result result = await bundle.RunAsync(["check-config", .. sites], QuickCommand);
        output.WriteLine($"check-config of {sites.Length} site files under qemu: {result.Elapsed.TotalSeconds:0.0} s");

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (string site in sites)
        {
            Assert.Contains($"{site}: ok — site ", result.Output, StringComparison.Ordinal);
        }

        // The bundle's own copies (what `run --simulate` uses on a board) are the same files.
        foreach (string site in sites)
        {
            Assert.Equal(File.ReadAllText(site), File.ReadAllText(Path.Combine(bundle.Bundle, "firmware-config", "sites", Path.GetFileName(site))));
        }
    }

    [Fact]
    public async Task Check_config_refuses_an_invalid_site_file_under_emulation()
    {
        string directory = bundle.NewDirectory("invalid-site");
        string site = Path.Combine(directory, "shed.yaml");
        File.WriteAllText(site, File.ReadAllText(Tool.InRepository("firmware-config", "sites", "demo.yaml")).Replace("gateway: gw-01", "gateway: GW 01", StringComparison.Ordinal));

        Tool.Result result = await bundle.RunAsync(["check-config", site], QuickCommand);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"{site}:7: site.gateway: 'GW 01' is not valid", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulated_shed_runs_with_its_broker_and_outbox_and_stops_with_every_relay_open_under_emulation()
    {
        string data = bundle.NewDirectory("simulated-run");
        int port = FreePort();

        Tool.Result result = await bundle.RunAsync(
            ["run", "--simulate", "--speed", "0", "--duration", "00:01:00", "--data-dir", data],
            SimulatedRun,
            new Dictionary<string, string?>
            {
                ["EDGEGATEWAY_Mqtt__EmbeddedPort"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["INVOCATION_ID"] = null,
                ["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "false",
            });
        output.WriteLine($"run --simulate --speed 0 --duration 00:01:00 under qemu: {result.Elapsed.TotalSeconds:0.0} s");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"Embedded MQTT broker listening on 127.0.0.1:{port}", result.Output, StringComparison.Ordinal);
        Assert.Contains("MQTT connected to", result.Output, StringComparison.Ordinal);
        Assert.Contains("Sampling site linzi-demo-001 gateway gw-01: 20 ports", result.Output, StringComparison.Ordinal);
        Assert.Contains("Sampling stopped; every relay open", result.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(data, "outbox.db")), "the SQLite outbox (native arm64 library) was written");
    }

    [Fact]
    public async Task Live_table_shows_its_Chinese_text_under_emulation()
    {
        string script = Tool.Find("script") ?? throw new InvalidOperationException("script (util-linux) is needed to give the gateway a terminal");
        string command = string.Join(' ', new[] { bundle.Qemu, "-L", Arm64BundleFixture.Sysroot, Path.Combine(bundle.Bundle, "EdgeGateway"), "run", "--simulate", "--broker", "none", "--speed", "0", "--duration", "00:00:30" });

        // script(1) runs it on a pseudo-terminal, so the gateway draws its live table (in zh-CN by default).
        Tool.Result result = await Tool.RunAsync(script, ["-q", "-e", "-c", command, "/dev/null"], SimulatedRun, new Dictionary<string, string?> { ["INVOCATION_ID"] = null, ["TERM"] = "xterm" }, bundle.Bundle);
        output.WriteLine($"live table for 30 simulated seconds under qemu: {result.Elapsed.TotalSeconds:0.0} s");

        Assert.True(result.ExitCode == 0, result.ToString());
        string screen = AnsiEscape().Replace(result.Output, "");
        foreach (string text in new[] { "端口", "状态", "功率", "空闲", "可回收物", "厨余垃圾", "有害垃圾", "其他垃圾" })
        {
            Assert.Contains(text, screen, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Relays_off_without_the_boards_buses_exits_3_naming_the_device()
    {
        Tool.Result result = await bundle.RunAsync(["relays-off", "--config", Tool.InRepository("firmware-config", "sites", "demo.yaml")], QuickCommand);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Matches("^relays-off: .*/dev/(i2c-1|gpiochip0)", result.Error);
    }

    [Fact]
    public async Task Config_txt_lines_of_the_arm64_build_are_the_committed_pin_maps()
    {
        Tool.Result result = await bundle.RunAsync(["pin-map", "--config-txt", Tool.InRepository("firmware-config", "sites", "demo.yaml")], QuickCommand);

        Assert.True(result.ExitCode == 0, result.ToString());
        string map = File.ReadAllText(Tool.InRepository("firmware-config", "raspberry-pi", "pin-maps", "demo.md"));
        Assert.Contains("```ini\n" + result.Output + "```\n", map, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-B]|\x1b[=>]")]
    private static partial Regex AnsiEscape();
}
