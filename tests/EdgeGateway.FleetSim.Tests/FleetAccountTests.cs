using EdgeGateway.FleetSim.District;

namespace EdgeGateway.FleetSim.Tests;

/// <summary>
/// The district accounting's rule for a notice that arrives more than once: a repeat is the at-least-once rule only
/// when the hubs logged an attempt at it whose outcome they could not know; any other repeat is a doubled notice.
/// </summary>
public sealed class FleetAccountTests
{
    // The hub's own log lines (NotificationDelivery's messages), as the district rig reads them from its output.
    private static readonly string[] HubLines =
    [
        "warn: EdgeGateway.Hub.Notifications.NotificationDelivery[0] Notice Raised of alarm a-timeout via channel webhook failed (attempt 1): no answer within 10 s; next attempt in 00:00:05",
        "warn: EdgeGateway.Hub.Notifications.NotificationDelivery[0] Notice Raised of alarm a-timeout-twice via channel webhook failed (attempt 1): no answer within 10 s; next attempt in 00:00:05",
        "warn: EdgeGateway.Hub.Notifications.NotificationDelivery[0] Notice Raised of alarm a-timeout-twice via channel webhook failed (attempt 2): no answer within 10 s; next attempt in 00:00:10",
        "warn: EdgeGateway.Hub.Notifications.NotificationDelivery[0] Notice Raised of alarm a-killed via channel webhook was being sent when the hub stopped (attempt begun 2026-12-08T00:56:27.0000000+00:00); it is sent again and may arrive twice",
        "warn: EdgeGateway.Hub.Notifications.NotificationDelivery[0] Notice Raised of alarm a-refused via channel webhook failed (attempt 1): connection refused; next attempt in 00:00:05",
        "warn: EdgeGateway.Hub.Notifications.NotificationDelivery[0] Notice Cleared of alarm a-cleared via channel webhook failed (attempt 1): no answer within 10 s; next attempt in 00:00:05",
        "info: EdgeGateway.Hub.Notifications.NotificationDelivery[0] Notice Raised of alarm a-timeout sent via channel webhook (attempt 2)",
    ];

    [Fact]
    public void Attempts_of_unknown_outcome_are_a_timeout_or_a_stop_mid_send_of_a_raised_notice()
    {
        Dictionary<string, int> uncertain = FleetAccount.UncertainAttempts(HubLines);

        Assert.Equal(1, uncertain["a-timeout"]);
        Assert.Equal(2, uncertain["a-timeout-twice"]);
        Assert.Equal(1, uncertain["a-killed"]);

        // A refused connection never reached the receiver; a cleared notice is not what the accounting counts.
        Assert.False(uncertain.ContainsKey("a-refused"));
        Assert.False(uncertain.ContainsKey("a-cleared"));
    }

    [Fact]
    public void A_repeat_is_resent_only_when_an_attempt_of_unknown_outcome_accounts_for_it()
    {
        Dictionary<string, int> uncertain = FleetAccount.UncertainAttempts(HubLines);
        var received = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["a-timeout"] = 2,        // one timeout, one repeat: at least once
            ["a-timeout-twice"] = 3,  // two timeouts, two repeats
            ["a-killed"] = 3,         // one stop mid-send, two repeats: one too many
            ["a-refused"] = 2,        // refused, so the receiver never had it: a repeat is a defect
            ["a-once"] = 1,
        };

        (IReadOnlyList<string> doubled, IReadOnlyList<string> resent) = FleetAccount.Repeats(received, uncertain);

        Assert.Equal(["a-killed", "a-refused"], doubled);
        Assert.Equal(["a-timeout", "a-timeout-twice"], resent);
    }
}
