using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Cards;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Hub.Tests.Cards;

/// <summary>A gateway's card list: every card of the company, the site's tariff, and the newest applied sessions of that
/// gateway only, at most <see cref="CardListMessage.MaxAppliedSessions"/>; a list the contract accepts.</summary>
public sealed class CardListTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);

    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-cardlist-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void The_list_carries_the_company_s_cards_the_tariff_and_the_newest_1024_sessions_of_that_gateway_only()
    {
        using var store = CardStore.Open(Path.Combine(_dir, "cards.db"));
        store.IssueCard("acme", "04A1B2C3", "NO-0002", 500_000, "li", Now);
        store.IssueCard("acme", "04A1B2C3D4E5F6", "NO-0001", 100, "li", Now);
        store.IssueCard("other", "04A1B2C5", "OT-0001", 100, "wu", Now);
        store.SetBlocked("acme", "NO-0001", blocked: true, "li", Now);
        for (int i = 0; i < 3; i++)
        {
            store.ApplySpend("acme-site", "gw-01", $"s-{i:D4}", "acme", "NO-0002", 100, Now);
        }

        store.ApplySpend("acme-site", "gw-02", "s-elsewhere", "acme", "NO-0002", 100, Now);
        var tariff = new ChargeTariff { FenPerKwh = 120 };

        CardListMessage list = CardList.Compose("acme-site", "gw-01", tariff, store.Cards("acme"), store.AppliedSessions("acme-site", "gw-01", 5000), 3, Now);

        Assert.Null(list.Problem("acme-site", "gw-01"));
        Assert.Equal(tariff, list.Tariff);
        Assert.Equal(
            [("04A1B2C3D4E5F6", "NO-0001", 100L, true), ("04A1B2C3", "NO-0002", 500_000L - 400, false)],
            list.Cards.Select(c => (c.Uid, c.Card, c.BalanceFen, c.Blocked)));
        Assert.Equal(["s-0002", "s-0001", "s-0000"], list.AppliedSessions);

        // However many the gateway's history holds, the newest 1024.
        string[] many = [.. Enumerable.Range(0, CardListMessage.MaxAppliedSessions + 6).Reverse().Select(i => $"s-{i:D4}")];
        CardListMessage full = CardList.Compose("acme-site", "gw-01", tariff, [], many, 4, Now);
        Assert.Equal(CardListMessage.MaxAppliedSessions, full.AppliedSessions.Count);
        Assert.Equal("s-1029", full.AppliedSessions[0]);
        Assert.Equal("s-0006", full.AppliedSessions[^1]);
        Assert.Null(full.Problem("acme-site", "gw-01"));
        Assert.Equal(3, list.Revision);
    }

    [Fact]
    public void A_site_without_a_tariff_gets_a_list_without_one_and_the_payload_round_trips()
    {
        byte[] payload = CardList.Payload("acme-site", "gw-01", null, [], [], 7, Now);
        Assert.True(ContractJson.TryDeserialize(payload, out CardListMessage? list, out string? error), error);
        Assert.Null(list!.Tariff);
        Assert.Equal(7, list.Revision);
        Assert.Null(list.Problem("acme-site", "gw-01"));
    }
}
