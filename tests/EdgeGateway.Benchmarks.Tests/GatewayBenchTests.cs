using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using EdgeGateway.Testing.Processes;

namespace EdgeGateway.Benchmarks.Tests;

/// <summary>The gateway's own <c>bench</c> command (README: <c>dotnet run -c Release --project src/EdgeGateway -- bench</c>), with few rounds.</summary>
public sealed class GatewayBenchTests
{
    [Fact]
    public async Task Bench_with_few_rounds_prints_the_round_time_per_port_time_and_resident_memory()
    {
        var clock = Stopwatch.StartNew();
        await using var gateway = ProductProcess.Start("EdgeGateway", ["bench", "--rounds", "50"]);
        int exit = await gateway.WaitForExitAsync(TimeSpan.FromMinutes(4));
        var run = new BenchRun("EdgeGateway bench --rounds 50", exit, gateway.Output, clock.Elapsed);

        Assert.True(exit == 0, run.ToString());
        Assert.Contains("50 rounds", run.Output, StringComparison.Ordinal);
        Figures.Positive(run, @"^round \(all ports, metering \+ protection\): mean", "\u00b5s");
        Figures.Positive(run, @"^per port: mean", "\u00b5s");
        Figures.Positive(run, @"^resident memory:", "MiB");
    }

    [Fact]
    public async Task Bench_runs_under_invariant_globalization_as_the_shipped_builds_do()
    {
        // build-bundle.sh publishes the gateway globalization-invariant (ReadyToRun and Native AOT); this build has ICU
        // (Directory.Build.props), and its runtimeconfig.json's switch wins over DOTNET_SYSTEM_GLOBALIZATION_INVARIANT.
        // So the same build under a copy of its runtimeconfig.json with the switch on: a charge's first round makes the
        // zh-CN texts, which threw there (ReasonText's initializer) until PredefinedCulturesOnly=false.
        string output = BenchProcess.BuildOutputOf("src", "EdgeGateway");
        string config = Path.Combine(Directory.CreateTempSubdirectory("edgegateway-invariant-").FullName, "EdgeGateway.runtimeconfig.json");
        try
        {
            string json = File.ReadAllText(Path.Combine(output, "EdgeGateway.runtimeconfig.json"));
            File.WriteAllText(config, json.Replace("\"System.Globalization.Invariant\": false", "\"System.Globalization.Invariant\": true", StringComparison.Ordinal));
            Assert.Contains("\"System.Globalization.Invariant\": true", File.ReadAllText(config), StringComparison.Ordinal);

            BenchRun run = await BenchProcess.RunDotnetAsync(["exec", "--runtimeconfig", config, Path.Combine(output, "EdgeGateway.dll"), "bench", "--rounds", "20"], TimeSpan.FromMinutes(4));

            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains("20 rounds", run.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", run.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(config)!, recursive: true);
        }
    }

    [Fact]
    public async Task Bench_ultrasonic_accounts_for_every_reading_and_projects_the_sensor_faults_of_a_week()
    {
        var clock = Stopwatch.StartNew();
        await using var gateway = ProductProcess.Start("EdgeGateway", ["bench", "ultrasonic", "--samples", "4", "--distance-mm", "1200"]);
        int exit = await gateway.WaitForExitAsync(TimeSpan.FromMinutes(4));
        var run = new BenchRun("EdgeGateway bench ultrasonic --samples 4", exit, gateway.Output, clock.Elapsed);

        Assert.True(exit == 0, run.ToString());
        Assert.Contains("HC-SR04 at 1200 mm: 4 samples of 5 readings (20 readings", run.Output, StringComparison.Ordinal);
        Match readings = Regex.Match(run.Output, @"^readings: (?<valid>\d+) valid, (?<failed>\d+) failed", RegexOptions.Multiline);
        Assert.True(readings.Success, run.ToString());
        Assert.Equal(20, int.Parse(readings.Groups["valid"].Value, CultureInfo.InvariantCulture) + int.Parse(readings.Groups["failed"].Value, CultureInfo.InvariantCulture));
        Assert.Matches(new Regex(@"^projected bin_sensor_fault per sensor-week \(10080 samples, 3 failed in a row\): \d", RegexOptions.Multiline), run.Output);
    }

    [Fact]
    public async Task Bench_ultrasonic_refuses_a_distance_the_module_cannot_measure()
    {
        await using var gateway = ProductProcess.Start("EdgeGateway", ["bench", "ultrasonic", "--distance-mm", "5000"]);
        int exit = await gateway.WaitForExitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(2, exit);
        Assert.Contains("--distance-mm 20..4000", gateway.Output, StringComparison.Ordinal);
    }
}
