using EdgeGateway.Hub.Platform;

namespace EdgeGateway.Hub.Tests.Platform;

/// <summary>The platform store: an order recorded once per company and order id, its answer kept, a webhook event once
/// per key and event id, sessions listed by the caller's sites only, by order whenever they ended.</summary>
public sealed class PlatformStoreTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-platform-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void An_order_is_claimed_once_per_company_and_keeps_its_first_command_id_and_answer()
    {
        using var store = PlatformStore.Open(Path.Combine(_dir, "platform.db"));
        OrderRecord first = store.ClaimOrder(Order("acme", "o1", "cmd-1"));
        OrderRecord again = store.ClaimOrder(Order("acme", "o1", "cmd-2"));
        OrderRecord otherCompany = store.ClaimOrder(Order("beta", "o1", "cmd-3"));

        Assert.Equal("cmd-1", first.CommandId);
        Assert.Equal("cmd-1", again.CommandId);
        Assert.Equal("cmd-3", otherCompany.CommandId);

        store.AnswerOrder("acme", "o1", 200, "{\"accepted\":true}", "sess-1");
        store.AnswerOrder("acme", "o1", 409, "{}", null); // a second answer never replaces the first
        OrderRecord answered = store.FindOrder("acme", "o1")!;
        Assert.Equal(200, answered.AnswerStatus);
        Assert.Equal("{\"accepted\":true}", answered.AnswerBody);
        Assert.Equal(answered, store.OrderOfSession("s1", "gw", "sess-1"));
    }

    [Fact]
    public void An_event_is_queued_once_per_key_and_survives_reopening_until_delivered()
    {
        string path = Path.Combine(_dir, "platform.db");
        using (var store = PlatformStore.Open(path))
        {
            store.AddKey(new ApiKeyRecord("k1", "acme", "pay", "hash", "http://127.0.0.1/hook", "whsec_x", Now, "admin", null));
            Assert.True(store.Enqueue("k1", "e1", "session_ended", "{}", Now));
            Assert.False(store.Enqueue("k1", "e1", "session_ended", "{}", Now));
        }

        using (var store = PlatformStore.Open(path))
        {
            WebhookJob job = store.NextDue(Now)!;
            Assert.Equal("e1", job.EventId);
            store.MarkFailed(job.Id, Now + TimeSpan.FromSeconds(10), "HTTP 500");
            Assert.Null(store.NextDue(Now));
            Assert.Equal(Now + TimeSpan.FromSeconds(10), store.NextDueTime());
            job = store.NextDue(Now + TimeSpan.FromSeconds(10))!;
            Assert.Equal(1, job.Attempts);
            store.MarkDelivered(job.Id, Now);
            Assert.Null(store.NextDue(Now + TimeSpan.FromDays(1)));
            Assert.Equal((1, 0), store.WebhookCounts("k1"));
        }
    }

    [Fact]
    public void Sessions_are_listed_for_the_given_sites_only_and_by_order()
    {
        using var store = PlatformStore.Open(Path.Combine(_dir, "platform.db"));
        store.AddSession(Session("acme-site", "s-a", "o-a", Now));
        store.AddSession(Session("beta-site", "s-b", "o-b", Now));
        Assert.False(store.AddSession(Session("acme-site", "s-a", "o-a", Now)), "a session delivered twice is kept once");

        Assert.Equal(["s-a"], store.Sessions(["acme-site"], Now.AddHours(-1), Now.AddHours(1), null, 10).Select(s => s.SessionId));
        Assert.Empty(store.Sessions(["acme-site"], Now.AddHours(-1), Now.AddHours(1), "o-b", 10));
        Assert.Empty(store.Sessions([], Now.AddHours(-1), Now.AddHours(1), null, 10));
        Assert.Empty(store.Sessions(["acme-site"], Now.AddHours(1), Now.AddHours(2), null, 10));
    }

    [Fact]
    public void Sessions_asked_by_order_are_found_whenever_they_ended_and_without_an_order_the_default_is_the_last_24_hours()
    {
        using var store = PlatformStore.Open(Path.Combine(_dir, "platform.db"));
        store.AddSession(Session("acme-site", "s-old", "o-old", Now.AddDays(-40)));
        store.AddSession(Session("acme-site", "s-new", "o-new", Now.AddHours(-2)));

        (DateTimeOffset since, DateTimeOffset until) byOrder = PlatformApi.SessionWindow(null, null, "o-old", Now);
        (DateTimeOffset since, DateTimeOffset until) recent = PlatformApi.SessionWindow(null, null, null, Now);

        Assert.Equal(["s-old"], store.Sessions(["acme-site"], byOrder.since, byOrder.until, "o-old", 10).Select(s => s.SessionId));
        Assert.Equal(["s-new"], store.Sessions(["acme-site"], recent.since, recent.until, null, 10).Select(s => s.SessionId));
        Assert.Equal((Now.AddDays(-1), Now), recent);
        // A bound given with the order still applies.
        (DateTimeOffset since, DateTimeOffset until) bounded = PlatformApi.SessionWindow(Now.AddDays(-7), null, "o-old", Now);
        Assert.Empty(store.Sessions(["acme-site"], bounded.since, bounded.until, "o-old", 10));
    }

    private static OrderRecord Order(string company, string order, string command) =>
        new(company, order, "s1", "gw", "P01", "fp", command, null, null, null, null, Now);

    private static SessionRecord Session(string site, string id, string order, DateTimeOffset ended) =>
        new(site, "gw", "P01", id, order, null, ended.AddMinutes(-30), ended, 1800, 250, 30, "complete", null);
}
