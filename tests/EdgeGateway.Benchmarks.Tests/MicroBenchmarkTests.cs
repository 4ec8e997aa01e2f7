using System.Text.RegularExpressions;

namespace EdgeGateway.Benchmarks.Tests;

/// <summary>
/// The BenchmarkDotNet classes, each as the README's command selects it (<c>--filter '*MeteringRound*'</c> …), with
/// the dry job (one iteration, no warm-up) in process (no separate benchmark project to build): every benchmark runs
/// and has a mean in the summary table, and the command exits 0. <c>--allow-debug-build</c>: <c>dotnet test</c> builds the
/// product in Debug, which BenchmarkDotNet otherwise refuses.
/// </summary>
public sealed class MicroBenchmarkTests
{
    [Theory]
    [InlineData("*MeteringRound*")]
    [InlineData("*Protection*")]
    [InlineData("*Outbox*")]
    public async Task A_dry_in_process_run_executes_every_benchmark_and_prints_its_mean(string filter)
    {
        BenchRun run = await BenchProcess.RunBenchmarksAsync(["--filter", filter, "--job", "dry", "--inProcess", "--allow-debug-build"], TimeSpan.FromMinutes(5));

        Assert.True(run.ExitCode == 0, run.ToString());
        Match executed = Regex.Match(run.Output, @"^Global total time: .*, executed benchmarks: (\d+)$", RegexOptions.Multiline);
        Assert.True(executed.Success, "no closing 'Global total time' line: " + run);
        int count = int.Parse(executed.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(count > 0, "no benchmark executed: " + run);
        Assert.True(Figures.BenchmarkDotNetMeans(run).Count == count, $"expected a mean for each of the {count} benchmarks: {run}");
    }

    [Fact]
    public async Task A_filter_that_selects_no_benchmark_fails()
    {
        BenchRun run = await BenchProcess.RunBenchmarksAsync(["--filter", "*NoSuchBenchmark*", "--job", "dry", "--inProcess", "--allow-debug-build"], TimeSpan.FromMinutes(3));

        Assert.True(run.ExitCode != 0, run.ToString());
    }
}
