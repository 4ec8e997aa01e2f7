namespace EdgeGateway.Tests.CommandLine;

/// <summary>The gateway's commands, run as a separate process exactly as README and systemd run them.</summary>
public sealed class GatewayCommandLineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Check_config_accepts_the_shipped_demo_shed_with_exit_code_0()
    {
        GatewayProcess.Result result = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "check-config", "firmware-config/sites/demo.yaml", "firmware-config/sites/dc-cabinet.yaml");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("demo.yaml: ok", result.Output, StringComparison.Ordinal);
        Assert.Contains("dc-cabinet.yaml: ok", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_config_reports_file_line_and_problem_with_exit_code_2()
    {
        string file = WriteSite("bad.yaml", File.ReadAllText("firmware-config/sites/demo.yaml").Replace("maxPowerW: 1000", "maxPowerW: lots", StringComparison.Ordinal));

        GatewayProcess.Result result = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "check-config", file);

        Assert.Equal(2, result.ExitCode);
        int line = File.ReadAllLines(file).ToList().FindIndex(l => l.Contains("maxPowerW: lots", StringComparison.Ordinal)) + 1;
        Assert.Contains($"{file}:{line}: protection.port.maxPowerW: expected a number, got 'lots'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_refuses_to_start_on_an_invalid_site_file_with_the_same_messages_and_exit_code_2()
    {
        string file = WriteSite("bad.yaml", File.ReadAllText("firmware-config/sites/demo.yaml").Replace("relay: { gpio: 6 }", "relay: { gpio: 5 }", StringComparison.Ordinal));

        GatewayProcess.Result check = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "check-config", file);
        GatewayProcess.Result run = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "run", "--simulate", "--config", file);

        Assert.Equal(2, run.ExitCode);
        string problem = check.Error.Split('\n')[0];
        Assert.Contains("GPIO 5", problem, StringComparison.Ordinal);
        Assert.Contains(problem, run.Error, StringComparison.Ordinal);
        Assert.Contains("refusing to start", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_config_and_run_refuse_a_deeply_nested_site_file_by_file_and_line_instead_of_crashing()
    {
        // 50,000 nested '[': check-config exited 134 ("Stack overflow.") and run crash-looped.
        string file = WriteSite("deep.yaml", "site: " + new string('[', 50_000) + new string(']', 50_000) + "\n");

        GatewayProcess.Result check = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "check-config", file);
        GatewayProcess.Result run = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "run", "--simulate", "--config", file);

        string problem = $"{file}:1: nested deeper than 64 levels";
        Assert.Equal(2, check.ExitCode);
        Assert.Contains(problem, check.Error, StringComparison.Ordinal);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(problem, run.Error, StringComparison.Ordinal);
        Assert.Contains("refusing to start", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_reports_an_invalid_scenario_by_file_and_line()
    {
        string scenario = WriteSite("scenario.yaml", "speed: 0\nevents:\n  - at: \"00:00:01\"\n    port: P99\n    plug: { load: lithium }\n");

        GatewayProcess.Result run = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "run", "--simulate", "--scenario", scenario);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{scenario}:4: events[].port: no port 'P99'", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulated_demo_shed_runs_an_overload_scenario_to_its_end_and_stops_with_every_relay_open()
    {
        GatewayProcess.Result run = await GatewayProcess.RunAsync(
            TimeSpan.FromMinutes(2), "run", "--simulate", "--scenario", "firmware-config/scenarios/overload.yaml", "--duration", "00:00:30", "--data-dir", _dir, "--broker", "none");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("ALARM PortOverload (Major) at port:P02", run.Output, StringComparison.Ordinal);
        // 30 s of the scenario's 3 min (--duration, which this checks too): the overload trips 2 s in; the other 150 s
        // of a 20-port waveform-level simulation added nothing this test checks but half a minute of the suite's CPU.
        Assert.Contains("Ran for 00:00:30 of shed time", run.Output, StringComparison.Ordinal);
        Assert.Contains("Sampling stopped; every relay open", run.Output, StringComparison.Ordinal);
        Assert.Contains("session", run.Output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("fail:", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("crit:", run.Output, StringComparison.Ordinal);
    }

    private string WriteSite(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
