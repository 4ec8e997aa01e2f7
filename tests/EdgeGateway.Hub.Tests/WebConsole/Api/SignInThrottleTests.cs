using EdgeGateway.Hub.WebConsole;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Hub.Tests.WebConsole.Api;

/// <summary>The lock-out's keying and the sign-in limits' settings, as pure code (the real hub: <see cref="SignInLimitTests"/>).</summary>
public sealed class SignInThrottleTests
{
    [Fact]
    public void Failures_from_one_address_lock_the_name_from_that_address_only_and_the_lock_ends_after_the_window()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero));
        var throttle = new SignInThrottle(time);
        for (int i = 1; i < SignInThrottle.MaxFailures; i++)
        {
            Assert.False(throttle.Fail("admin", "203.0.113.7"));
        }

        Assert.True(throttle.Fail("admin", "203.0.113.7"));
        Assert.True(throttle.IsLocked("admin", "203.0.113.7"));
        Assert.True(throttle.IsLocked("ADMIN", "203.0.113.7"));
        Assert.False(throttle.IsLocked("admin", "198.51.100.2"));
        Assert.False(throttle.IsLocked("other", "203.0.113.7"));

        time.Advance(SignInThrottle.Window);
        Assert.False(throttle.IsLocked("admin", "203.0.113.7"));
    }

    [Fact]
    public void The_defaults_are_valid_and_each_bad_setting_is_named()
    {
        Assert.Empty(new SignInLimitOptions().Problems());
        IReadOnlyList<string> problems = new SignInLimitOptions
        {
            PerAddressLimit = 0,
            GlobalWindow = TimeSpan.Zero,
        }.Problems();
        Assert.Contains(problems, p => p.StartsWith("Console:SignIn:PerAddressLimit:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Console:SignIn:GlobalWindow:", StringComparison.Ordinal));
        Assert.Contains(new SignInLimitOptions { PerAddressLimit = 50, GlobalLimit = 10 }.Problems(), p => p.StartsWith("Console:SignIn:GlobalLimit:", StringComparison.Ordinal));
    }
}
