using System.Text.RegularExpressions;
using EdgeGateway.Benchmarking;

namespace EdgeGateway.Tests.Benchmarking;

/// <summary><c>bench loads</c> (docs/performance.md) with one seed and half a minute of shed time per load.</summary>
public sealed class LoadClassificationBenchTests
{
    [Fact]
    public void Small_bench_prints_a_row_per_load_and_locks_out_no_pfc_charger_and_every_heater()
    {
        using var output = new StringWriter();

        int exit = LoadClassificationBenchmark.Run(seeds: 1, minutes: 0.5, output);

        string text = output.ToString();
        Assert.True(exit == 0, text);
        foreach (string kind in new[] { "heater", "kettle (boils, then off)", "thermostatic heater (plugged in while on)", "PFC charger (lithium)", "charger without PFC (lithium)", "induction cooker", "hair dryer" })
        {
            Assert.Contains($"| {kind} |", text, StringComparison.Ordinal);
        }

        Assert.Matches(new Regex(@"^PFC chargers locked out: 0 of 20 runs \(0\.0 % false lock-outs\)", RegexOptions.Multiline), text);
        Assert.Matches(new Regex(@"^all e-bike chargers locked out as malicious load: 0 of 24 runs", RegexOptions.Multiline), text);
        Match caught = Regex.Match(text, @"^heaters, kettles and thermostatic heaters .* locked out within 7 s of plugging in: (\d+) of (\d+) runs", RegexOptions.Multiline);
        Assert.True(caught.Success, text);
        Assert.Equal(caught.Groups[2].Value, caught.Groups[1].Value);
        Assert.Equal("8", caught.Groups[2].Value);
    }

    [Fact]
    public void Bench_refuses_no_seeds()
    {
        using var output = new StringWriter();

        Assert.Equal(2, LoadClassificationBenchmark.Run(seeds: 0, minutes: 1, output));
        Assert.Contains("--seeds", output.ToString(), StringComparison.Ordinal);
    }
}
