using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Cards;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Hub.Tests.Cards;

/// <summary>
/// The card database: a balance is the sum of its ledger, a session is deducted once even when two store instances (two
/// connections, as two hub instances on one host) race on the same records, and a gateway's list revisions only
/// increase, across a restart too, with one revision per content.
/// </summary>
public sealed class CardStoreTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);

    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-cards-").FullName;

    private string DbPath => Path.Combine(_dir, "cards.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void The_balance_is_the_sum_of_the_ledger_through_issue_top_up_spend_and_adjustment()
    {
        using var store = CardStore.Open(DbPath);
        Assert.Equal(CardChangeOutcome.Done, store.IssueCard("acme", "04A1B2C3", "NO-0001", 5_000, "li", Now));
        Assert.Equal(CardChangeOutcome.Done, store.Credit("acme", "NO-0001", CardStore.TopUp, 2_050, "li", Now, "cash"));
        Assert.Equal(CardSpendOutcome.Applied, store.ApplySpend("acme-site", "gw-01", "s-1", "acme", "NO-0001", 730, Now).Outcome);
        Assert.Equal(CardChangeOutcome.Done, store.Credit("acme", "NO-0001", CardStore.Adjustment, -20, "admin", Now, "rounding"));

        Card card = store.Find("acme", "NO-0001")!;
        Assert.Equal(5_000 + 2_050 - 730 - 20, card.BalanceFen);
        Assert.Equal(card.BalanceFen, store.LedgerSum("acme", "NO-0001"));
        Assert.Equal(
            [(CardStore.Adjustment, -20L, 6_300L), (CardStore.Spend, -730L, 6_320L), (CardStore.TopUp, 2_050L, 7_050L), (CardStore.Issue, 5_000L, 5_000L)],
            store.Ledger("acme", "NO-0001").Select(e => (e.Kind, e.AmountFen, e.BalanceFen)));
        Assert.Equal(("acme-site", "gw-01", "s-1"), store.Ledger("acme", "NO-0001")[1] is var spend ? (spend.Site, spend.Gateway, spend.SessionId) : default);
    }

    [Fact]
    public void A_duplicate_uid_or_reference_is_refused_and_a_top_up_beyond_the_largest_balance_moves_nothing()
    {
        using var store = CardStore.Open(DbPath);
        Assert.Equal(CardChangeOutcome.Done, store.IssueCard("acme", "04A1B2C3", "NO-0001", 0, "li", Now));
        Assert.Equal(CardChangeOutcome.DuplicateUid, store.IssueCard("other", "04A1B2C3", "NO-0009", 0, "wu", Now));
        Assert.Equal(CardChangeOutcome.DuplicateReference, store.IssueCard("acme", "04A1B2C4", "NO-0001", 0, "li", Now));
        // Another company may print the same number on its own cards.
        Assert.Equal(CardChangeOutcome.Done, store.IssueCard("other", "04A1B2C5", "NO-0001", 0, "wu", Now));
        Assert.Equal(CardChangeOutcome.BalanceLimit, store.Credit("acme", "NO-0001", CardStore.TopUp, ChargeLimit.MaxAmountFen + 1, "li", Now));
        Assert.Equal(CardChangeOutcome.NotFound, store.Credit("acme", "NO-0404", CardStore.TopUp, 100, "li", Now));
        Assert.Equal(0, store.Find("acme", "NO-0001")!.BalanceFen);
        Assert.Single(store.Ledger("acme", "NO-0001"));
    }

    [Fact]
    public async Task Two_store_instances_racing_on_the_same_session_records_deduct_each_once()
    {
        using (var setup = CardStore.Open(DbPath))
        {
            setup.IssueCard("acme", "04A1B2C3", "NO-0001", 100_000, "li", Now);
        }

        const int Sessions = 40;
        using var first = CardStore.Open(DbPath);
        using var second = CardStore.Open(DbPath);
        using var start = new Barrier(2);
        int applied = 0;
        void Apply(CardStore store)
        {
            start.SignalAndWait();
            for (int i = 0; i < Sessions; i++)
            {
                if (store.ApplySpend("acme-site", "gw-01", $"s-{i}", "acme", "NO-0001", 100, Now).Outcome == CardSpendOutcome.Applied)
                {
                    Interlocked.Increment(ref applied);
                }
            }
        }

        await Task.WhenAll(Task.Run(() => Apply(first)), Task.Run(() => Apply(second)));

        Assert.Equal(Sessions, applied);
        Assert.Equal(100_000 - (Sessions * 100), first.Find("acme", "NO-0001")!.BalanceFen);
        Assert.Equal(first.Find("acme", "NO-0001")!.BalanceFen, second.LedgerSum("acme", "NO-0001"));
        Assert.Equal(CardSpendOutcome.Duplicate, second.ApplySpend("acme-site", "gw-01", "s-0", "acme", "NO-0001", 100, Now).Outcome);
        // The same session id at another gateway is another session.
        Assert.Equal(CardSpendOutcome.Applied, second.ApplySpend("acme-site", "gw-02", "s-0", "acme", "NO-0001", 100, Now).Outcome);
    }

    [Fact]
    public void Unknown_and_foreign_cards_are_kept_as_unmatched_and_a_blocked_card_is_still_charged()
    {
        using var store = CardStore.Open(DbPath);
        store.IssueCard("acme", "04A1B2C3", "NO-0001", 1_000, "li", Now);
        store.IssueCard("other", "04A1B2C4", "OT-0001", 1_000, "wu", Now);
        store.SetBlocked("acme", "NO-0001", blocked: true, "li", Now);

        Assert.Equal((CardSpendOutcome.Unmatched, "no such card"), store.ApplySpend("acme-site", "gw-01", "s-1", "acme", "NO-0404", 100, Now));
        Assert.Equal((CardSpendOutcome.Unmatched, "the card belongs to another company"), store.ApplySpend("acme-site", "gw-01", "s-2", "acme", "OT-0001", 100, Now));
        Assert.Equal(CardSpendOutcome.Applied, store.ApplySpend("acme-site", "gw-01", "s-3", "acme", "NO-0001", 100, Now).Outcome);
        // An unmatched session is kept once as well.
        Assert.Equal(CardSpendOutcome.Duplicate, store.ApplySpend("acme-site", "gw-01", "s-1", "acme", "NO-0404", 100, Now).Outcome);

        Assert.Equal(900, store.Find("acme", "NO-0001")!.BalanceFen);
        Assert.Equal(1_000, store.Find("other", "OT-0001")!.BalanceFen);
        Assert.Equal(["s-2", "s-1"], store.Spends(null, null, unmatchedOnly: true, sites: ["acme-site"]).Select(s => s.SessionId));
        Assert.Empty(store.Spends(null, null, unmatchedOnly: true, sites: ["other-site"]));
        Assert.Equal(["s-3"], store.AppliedSessions("acme-site", "gw-01", 10));
    }

    [Fact]
    public void Revisions_only_increase_across_a_restart_and_an_unchanged_content_keeps_its_revision()
    {
        long first;
        using (var store = CardStore.Open(DbPath))
        {
            store.IssueCard("acme", "04A1B2C3", "NO-0001", 1_000, "li", Now);
            (NumberedCardList list, bool changed) = store.NumberList("acme-site", "gw-01", "acme", Compose, Now);
            Assert.True(changed);
            Assert.Equal(1, list.Revision);
            (NumberedCardList again, bool changedAgain) = store.NumberList("acme-site", "gw-01", "acme", Compose, Now.AddSeconds(5));
            Assert.False(changedAgain);
            Assert.Equal(list.Payload, again.Payload);
            store.Credit("acme", "NO-0001", CardStore.TopUp, 500, "li", Now);
            first = store.NumberList("acme-site", "gw-01", "acme", Compose, Now).List.Revision;
            Assert.Equal(2, first);
        }

        using (var reopened = CardStore.Open(DbPath))
        {
            Assert.Equal(first, reopened.LatestList("acme-site", "gw-01")!.Revision);
            reopened.SetBlocked("acme", "NO-0001", blocked: true, "li", Now);
            (NumberedCardList next, bool changed) = reopened.NumberList("acme-site", "gw-01", "acme", Compose, Now);
            Assert.True(changed);
            Assert.Equal(first + 1, next.Revision);
            Assert.True(ContractJson.TryDeserialize(next.Payload, out CardListMessage? message, out _));
            Assert.Equal(next.Revision, message!.Revision);
            Assert.True(message.Cards.Single().Blocked);
            Assert.Equal([("acme-site", "gw-01")], reopened.ListedGateways());
        }

        static byte[] Compose(IReadOnlyList<Card> cards, IReadOnlyList<string> applied, long revision) =>
            CardList.Payload("acme-site", "gw-01", null, cards, applied, revision, Now);
    }
}
