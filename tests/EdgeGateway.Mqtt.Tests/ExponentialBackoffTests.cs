namespace EdgeGateway.Mqtt.Tests;

/// <summary>The one back-off policy: exponential up to a ceiling, a random point in its upper half.</summary>
public sealed class ExponentialBackoffTests
{
    private static readonly ExponentialBackoff Reconnect = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

    [Theory]
    [InlineData(0, 1000)]
    [InlineData(1, 2000)]
    [InlineData(3, 8000)]
    [InlineData(5, 30000)]
    [InlineData(1000, 30000)]
    public void Each_wait_lies_between_half_the_ceiling_and_the_ceiling(int doublings, int ceilingMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(ceilingMs), Reconnect.Ceiling(doublings));
        for (int i = 0; i < 200; i++)
        {
            TimeSpan wait = Reconnect.Delay(doublings);
            Assert.InRange(wait.TotalMilliseconds, ceilingMs / 2, ceilingMs);
        }
    }

    [Fact]
    public void Waits_of_one_step_are_spread_so_a_fleet_does_not_retry_in_step()
    {
        HashSet<TimeSpan> waits = [.. Enumerable.Range(0, 100).Select(_ => Reconnect.Delay(4))];

        // 100 draws over 8 s: all equal would mean no jitter at all.
        Assert.True(waits.Count > 50, $"only {waits.Count} different waits in 100");
    }

    // The notification retry's figures (InitialBackoff 5 s, MaxBackoff 10 min; the n-th failure waits at doublings n − 1).
    [Theory]
    [InlineData(0, 0.0, 2.5)]
    [InlineData(0, 0.999999, 5)]
    [InlineData(1, 0.0, 5)]
    [InlineData(2, 0.5, 15)]
    [InlineData(8, 0.0, 300)]
    [InlineData(8, 0.999999, 600)]
    [InlineData(999, 0.999999, 600)]
    public void The_draw_picks_the_point_in_the_upper_half_and_the_ceiling_caps_at_Max(int doublings, double unit, double expectedSeconds)
    {
        var notification = new ExponentialBackoff(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10));

        Assert.Equal(expectedSeconds, notification.Delay(doublings, unit).TotalSeconds, 0.01);
    }
}
