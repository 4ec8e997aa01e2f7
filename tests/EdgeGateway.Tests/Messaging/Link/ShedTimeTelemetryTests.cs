using System.Text.Json.Nodes;

namespace EdgeGateway.Tests.Messaging.Link;

/// <summary>On a simulated shed, telemetry falls due on the shed's own clock: one report per period of shed time at any speed.</summary>
public sealed class ShedTimeTelemetryTests
{
    [Fact]
    public async Task Half_a_minute_of_shed_time_as_fast_as_the_cpu_allows_reports_each_port_once_a_period_stamped_a_period_apart()
    {
        // A one-second telemetry period; no broker (the outbox keeps everything). The shed runs on this thread as fast
        // as it can: a minute of shed time in a second or two of real time, where a loop polling real time every 100 ms
        // would report a dozen times at irregular shed times.
        await using OfflineShedLink rig = await OfflineShedLink.StartAsync("shed-time");
        Assert.Equal(TimeSpan.FromSeconds(1), rig.Shed.Site.Sampling.TelemetryPeriod);

        rig.Shed.RunFor(TimeSpan.FromSeconds(30));

        int expected = 30;
        await OfflineShedLink.WaitForAsync(() => Telemetry(rig, "P1").Count >= expected);
        foreach (string port in new[] { "P1", "P2", "P3", "D1" })
        {
            List<DateTimeOffset> stamps = Telemetry(rig, port);
            Assert.InRange(stamps.Count, expected, expected + 1);

            // After the first report (at once) the rest come a period of shed time apart, exactly.
            DateTimeOffset[] periodic = [.. stamps.Skip(1)];
            Assert.All(periodic.Zip(periodic.Skip(1)), pair => Assert.Equal(TimeSpan.FromSeconds(1), pair.Second - pair.First));
        }
    }

    private static List<DateTimeOffset> Telemetry(OfflineShedLink rig, string port) =>
        [.. rig.Messages($"/ports/{port}/telemetry")
            .Select(r => DateTimeOffset.Parse((string)JsonNode.Parse(r.Payload.Span)!["ts"]!, System.Globalization.CultureInfo.InvariantCulture))];
}
