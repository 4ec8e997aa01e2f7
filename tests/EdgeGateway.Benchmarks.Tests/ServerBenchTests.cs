namespace EdgeGateway.Benchmarks.Tests;

/// <summary>
/// The benches that run real servers (Mosquitto, InfluxDB 1.x and the hub as its own process), each as the README's
/// command runs it but with a few hundred messages: it must finish and print every figure (a rate above 0 with its
/// unit). How fast is not asserted.
/// </summary>
[Trait("Category", "Servers")]
public sealed class ServerBenchTests
{
    [Fact]
    public async Task Ingest_with_a_few_hundred_messages_prints_the_broker_influx_and_hub_rates()
    {
        BenchRun run = await BenchProcess.RunBenchmarksAsync(["ingest", "--messages", "300"], TimeSpan.FromMinutes(6));

        Assert.True(run.ExitCode == 0, run.ToString());
        // The broker baseline names the client it was measured with.
        Figures.Positive(run, @"Mosquitto → bare QoS 1 subscriber \(MQTTnet, [^)]*socket buffers[^)]*\):", "msg/s");
        Figures.Positive(run, @"InfluxDB /write, 5,000 lines per request:", "points/s");
        Figures.Positive(run, @"Mosquitto → hub → InfluxDB, Receive Maximum 4000:", "msg/s");
        Figures.Positive(run, @"Mosquitto → hub → InfluxDB, Receive Maximum 20:", "msg/s");
    }

    [Fact]
    public async Task Drain_with_a_few_hundred_messages_prints_a_median_rate_per_delay_and_window()
    {
        BenchRun run = await BenchProcess.RunBenchmarksAsync(["drain", "--messages", "300", "--delay-ms", "0,10", "--window", "16", "--runs", "1"], TimeSpan.FromMinutes(6));

        Assert.True(run.ExitCode == 0, run.ToString());
        Figures.Positive(run, @"delay   0 ms each way, window 16, run 1:", "msg/s");
        Figures.Positive(run, @"=> delay 0 ms, window 16: median", "msg/s");
        Figures.Positive(run, @"=> delay 10 ms, window 16: median", "msg/s");
    }
}
