namespace EdgeGateway.Mqtt.Tests;

/// <summary>The reconnect wait: exponential up to a ceiling, a random point in its upper half.</summary>
public sealed class ReconnectBackoffTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(0, 1000)]
    [InlineData(1, 2000)]
    [InlineData(3, 8000)]
    [InlineData(5, 30000)]
    [InlineData(1000, 30000)]
    public void Each_wait_lies_between_half_the_ceiling_and_the_ceiling(int step, int ceilingMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(ceilingMs), ReconnectBackoff.Ceiling(step, Initial, Max));
        for (int i = 0; i < 200; i++)
        {
            TimeSpan wait = ReconnectBackoff.Delay(step, Initial, Max);
            Assert.InRange(wait.TotalMilliseconds, ceilingMs / 2, ceilingMs);
        }
    }

    [Fact]
    public void Waits_of_one_step_are_spread_so_a_fleet_does_not_reconnect_in_step()
    {
        HashSet<TimeSpan> waits = [.. Enumerable.Range(0, 100).Select(_ => ReconnectBackoff.Delay(4, Initial, Max))];

        // 100 draws from 8,001 possible milliseconds: all equal would mean no jitter at all.
        Assert.True(waits.Count > 50, $"only {waits.Count} different waits in 100");
    }
}
