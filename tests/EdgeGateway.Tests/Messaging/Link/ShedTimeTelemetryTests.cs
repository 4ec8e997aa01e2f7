using System.Text.Json.Nodes;
using EdgeGateway.Messaging;
using EdgeGateway.Messaging.Outbox;
using EdgeGateway.Mqtt;
using EdgeGateway.Testing;
using EdgeGateway.Tests.Simulation;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeGateway.Tests.Messaging.Link;

/// <summary>On a simulated shed, telemetry falls due on the shed's own clock: one report per period of shed time at any speed.</summary>
public sealed class ShedTimeTelemetryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-shed-telemetry-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Half_a_minute_of_shed_time_as_fast_as_the_cpu_allows_reports_each_port_once_a_period_stamped_a_period_apart()
    {
        // A one-second telemetry period; no broker (the outbox keeps everything). The shed runs on this thread as fast
        // as it can: a minute of shed time in a second or two of real time, where a loop polling real time every 100 ms
        // would report a dozen times at irregular shed times.
        using var shed = new ShedHarness(ShedHarness.SiteYaml.Replace("temperaturePeriodSeconds: 1", "temperaturePeriodSeconds: 1\n  telemetryPeriodSeconds: 1", StringComparison.Ordinal));
        Assert.Equal(TimeSpan.FromSeconds(1), shed.Site.Sampling.TelemetryPeriod);
        using var outbox = DurableOutbox.Open(new OutboxOptions { Path = Path.Combine(_dir, "outbox.db"), MaxMessages = 100_000 }, out _);
        await using var connection = new MqttConnection(LinkOptions.For(new Uri("mqtt://127.0.0.1:9"), "shed-time"), NullLogger<MqttConnection>.Instance);
        using var link = new MqttLink(shed.Runtime, outbox, connection, NullLogger<MqttLink>.Instance);
        using var stop = new CancellationTokenSource();
        await link.StartAsync(stop.Token);
        try
        {
            // The link's first report goes at once, when its loop starts; the shed starts after it.
            DateTime deadline = DateTime.UtcNow.AddSeconds(20);
            while (Telemetry(outbox, "P1").Count == 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            shed.RunFor(TimeSpan.FromSeconds(30));

            // The link's loop appends what fell due within a tenth of a second; a generous deadline only bounds a failure.
            int expected = 30;
            while (Telemetry(outbox, "P1").Count < expected && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            foreach (string port in new[] { "P1", "P2", "P3", "D1" })
            {
                List<DateTimeOffset> stamps = Telemetry(outbox, port);
                Assert.InRange(stamps.Count, expected, expected + 1);

                // After the first report (at once) the rest come a period of shed time apart, exactly.
                DateTimeOffset[] periodic = [.. stamps.Skip(1)];
                Assert.All(periodic.Zip(periodic.Skip(1)), pair => Assert.Equal(TimeSpan.FromSeconds(1), pair.Second - pair.First));
            }
        }
        finally
        {
            await stop.CancelAsync();
            await link.StopAsync(CancellationToken.None);
        }
    }

    private static List<DateTimeOffset> Telemetry(DurableOutbox outbox, string port) =>
        [.. outbox.PeekBatch(100_000)
            .Where(r => r.Topic.EndsWith($"/ports/{port}/telemetry", StringComparison.Ordinal))
            .Select(r => DateTimeOffset.Parse((string)JsonNode.Parse(r.Payload.Span)!["ts"]!, System.Globalization.CultureInfo.InvariantCulture))];
}
