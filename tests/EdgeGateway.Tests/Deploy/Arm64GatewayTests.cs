using System.Text.RegularExpressions;
using EdgeGateway.Testing.Network;
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
    // Bounds against a hang, not measures: every verdict below is the gateway's exit code and output, whenever it comes,
    // and a timeout says how much CPU the process had and how busy the machine was. Under qemu on this 2-core machine,
    // 30 simulated seconds of the live table took 9-64 s at load averages of 2-78; with the tests at nice 10 under
    // stress-ng and other work (load up to 56) check-config of three site files did not finish in 2 minutes, relays-off
    // took 1 min 59 s and the simulated run had printed nothing after 4 minutes: starved, not stuck.
    private static readonly TimeSpan QuickCommand = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan SimulatedRun = TimeSpan.FromMinutes(20);

    [Fact]
    public void Bundle_is_one_native_arm64_executable_with_its_native_libraries_and_deploy_files()
    {
        output.WriteLine($"build-bundle.sh (dotnet publish -r linux-arm64, Native AOT) took {bundle.BuildTime.TotalSeconds:0.0} s");
        string executable = Path.Combine(bundle.Bundle, "EdgeGateway");
        byte[] elf = File.ReadAllBytes(executable).AsSpan(0, 20).ToArray();
        Assert.Equal("\u007fELF"u8.ToArray(), elf[..4]);
        Assert.Equal(183, BitConverter.ToUInt16(elf, 18)); // e_machine EM_AARCH64
        // Native AOT: the program and the runtime are the executable; a JIT build would bring libcoreclr.so, the
        // framework's and the gateway's IL assemblies and a runtimeconfig.json (build-bundle.sh --ready-to-run does).
        Assert.True(new FileInfo(executable).Length > 10_000_000, "the executable holds the whole program");
        Assert.False(File.Exists(Path.Combine(bundle.Bundle, "libcoreclr.so")), "no JIT runtime in the Native AOT bundle");
        Assert.Empty(Directory.GetFiles(bundle.Bundle, "*.dll"));
        Assert.Empty(Directory.GetFiles(bundle.Bundle, "*.pdb"));
        Assert.Empty(Directory.GetFiles(bundle.Bundle, "*.dbg"));
        Assert.False(File.Exists(Path.Combine(bundle.Bundle, "EdgeGateway.runtimeconfig.json")));
        Assert.True(File.Exists(Path.Combine(bundle.Bundle, "libe_sqlite3.so")), "the outbox's SQLite for arm64");
        Assert.True(File.Exists(Path.Combine(bundle.Bundle, "libSystem.IO.Ports.Native.so")), "the serial ports of the metering ICs and the supply meter");
        // Invariant globalization is compiled in: the emulator's arm64 sysroot has no libicu, so every run of this
        // executable below would stop at start ("Couldn't find a valid ICU package") without it.
        Assert.Empty(Directory.GetFiles(Path.Combine(Arm64BundleFixture.Sysroot, "lib"), "libicu*"));
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

        Assert.True(result.ExitCode == 0, result.Tails());
        foreach (string site in sites)
        {
            AssertSaid(result, $"{site}: ok — site ");
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

        Assert.True(result.ExitCode == 2, result.Tails());
        Assert.True(result.Error.Contains($"{site}:7: site.gateway: 'GW 01' is not valid", StringComparison.Ordinal), result.Tails());
    }

    [Fact]
    public async Task Simulated_shed_runs_with_its_broker_and_outbox_and_stops_with_every_relay_open_under_emulation()
    {
        string data = bundle.NewDirectory("simulated-run");
        int port = LoopbackPorts.Claim();

        // It runs until it has shown what this test is about (its MQTT link connected to its own broker), then it is
        // stopped as systemd stops it (SIGTERM). With a fixed --duration at --speed 0 the shed's minute could be over
        // before the link connected on a busy machine; this way how far the simulated shed gets does not matter.
        using Tool.Running gateway = bundle.Start(
            ["run", "--simulate", "--speed", "0", "--data-dir", data],
            new Dictionary<string, string?>
            {
                ["EDGEGATEWAY_Mqtt__EmbeddedPort"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["INVOCATION_ID"] = null,
                ["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "false",
            });
        await gateway.WaitForOutputAsync("MQTT connected to", SimulatedRun);
        TimeSpan connected = gateway.SoFar.Elapsed;
        gateway.Signal("TERM");
        Tool.Result result = await gateway.WaitForExitAsync(SimulatedRun);
        output.WriteLine($"run --simulate --speed 0 under qemu: connected after {connected.TotalSeconds:0.0} s, stopped (SIGTERM) after {result.Elapsed.TotalSeconds:0.0} s");

        Assert.True(result.ExitCode == 0, result.Tails());
        AssertSaid(result, $"Embedded MQTT broker listening on 127.0.0.1:{port}");
        AssertSaid(result, "MQTT connected to");
        AssertSaid(result, "Sampling site linzi-demo-001 gateway gw-01: 20 ports");
        AssertSaid(result, "Sampling stopped; every relay open");
        Assert.False(result.All.Contains("at shutdown failed", StringComparison.Ordinal), $"a part of the board failed to be released; {result.Tails()}");
        Assert.True(File.Exists(Path.Combine(data, "outbox.db")), "the SQLite outbox (native arm64 library) was written");
    }

    [Fact]
    public async Task Unreachable_broker_is_retried_until_the_run_ends_under_emulation()
    {
        // Nothing listens on the port. The emulator's sysroot has no arm64 libssl, so this also shows that retrying a
        // plain mqtt:// broker does not need OpenSSL: the reconnect back-off's jitter once came from
        // RandomNumberGenerator, and the gateway aborted ("No usable version of libssl was found", signal 6).
        string data = bundle.NewDirectory("unreachable-broker");
        int port = LoopbackPorts.Claim();

        Tool.Result result = await bundle.RunAsync(
            ["run", "--simulate", "--broker", $"mqtt://127.0.0.1:{port}", "--speed", "0", "--duration", "00:00:30", "--data-dir", data],
            SimulatedRun,
            new Dictionary<string, string?> { ["INVOCATION_ID"] = null, ["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "false" });
        output.WriteLine($"run --simulate with an unreachable broker under qemu: {result.Elapsed.TotalSeconds:0.0} s");

        Assert.True(result.ExitCode == 0, result.Tails());
        AssertSaid(result, $"MQTT connect to mqtt://127.0.0.1:{port}/ failed (attempt 1)"); // logged with the back-off it computed
        AssertSaid(result, "Sampling stopped; every relay open");
    }

    [Fact]
    public async Task Live_table_shows_its_Chinese_text_under_emulation()
    {
        string script = Tool.Find("script") ?? throw new InvalidOperationException("script (util-linux) is needed to give the gateway a terminal");
        string command = string.Join(' ', [bundle.Qemu, .. Arm64BundleFixture.EmulatorArguments, Path.Combine(bundle.Bundle, "EdgeGateway"), "run", "--simulate", "--broker", "none", "--speed", "0", "--duration", "00:00:30"]);

        // script(1) runs it on a pseudo-terminal, so the gateway draws its live table (in zh-CN by default).
        Tool.Result result = await Tool.RunAsync(script, ["-q", "-e", "-c", command, "/dev/null"], SimulatedRun, new Dictionary<string, string?> { ["INVOCATION_ID"] = null, ["TERM"] = "xterm" }, bundle.Bundle);
        output.WriteLine($"live table for 30 simulated seconds under qemu: {result.Elapsed.TotalSeconds:0.0} s");

        Assert.True(result.ExitCode == 0, result.Tails());
        Assert.False(result.All.Contains("at shutdown failed", StringComparison.Ordinal), $"a part of the board failed to be released; {result.Tails()}");
        string screen = Tool.TerminalEscape().Replace(result.Output, "");
        foreach (string text in new[] { "端口", "状态", "功率", "空闲", "可回收物", "厨余垃圾", "有害垃圾", "其他垃圾" })
        {
            Assert.True(screen.Contains(text, StringComparison.Ordinal), $"'{text}' is not on the screen; {result.Tails()}");
        }
    }

    [Fact]
    public async Task Relays_off_without_the_boards_buses_exits_3_naming_the_device()
    {
        Tool.Result result = await bundle.RunAsync(["relays-off", "--config", Tool.InRepository("firmware-config", "sites", "demo.yaml")], QuickCommand);

        Assert.True(result.ExitCode == 3, result.Tails());
        Assert.True(NamesTheDevice().IsMatch(result.Error), $"relays-off does not name the device; {result.Tails()}");
    }

    [Fact]
    public async Task Config_txt_lines_of_the_arm64_build_are_the_committed_pin_maps()
    {
        Tool.Result result = await bundle.RunAsync(["pin-map", "--config-txt", Tool.InRepository("firmware-config", "sites", "demo.yaml")], QuickCommand);

        Assert.True(result.ExitCode == 0, result.Tails());
        string map = File.ReadAllText(Tool.InRepository("firmware-config", "raspberry-pi", "pin-maps", "demo.md"));
        Assert.Contains("```ini\n" + result.Output + "```\n", map, StringComparison.Ordinal);
    }

    /// <summary>Asserts that the gateway wrote <paramref name="text"/>; a failure shows what it did write, and how it ended.</summary>
    private static void AssertSaid(Tool.Result result, string text) =>
        Assert.True(result.Output.Contains(text, StringComparison.Ordinal), $"the gateway did not say \"{text}\"; {result.Tails()}");


    [GeneratedRegex("^relays-off: .*/dev/(i2c-1|gpiochip0)")]
    private static partial Regex NamesTheDevice();
}
