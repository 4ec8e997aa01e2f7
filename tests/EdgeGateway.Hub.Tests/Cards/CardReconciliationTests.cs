using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Hub.Cards;
using EdgeGateway.Hub.Ingest;
using EdgeGateway.Hub.Tenants;
using EdgeGateway.Hub.WebConsole.Store;
using EdgeGateway.Mqtt;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Hub.Tests.Cards;

/// <summary>
/// Card sessions reach their cards through ingest's stored-message observer: a record delivered twice deducts once, a
/// card the hub does not know or of another company is kept as unmatched and audited, a blocked card is still charged,
/// a record without a cost is priced by the site's tariff, and ingest calls the cards' observer beside the platform's.
/// </summary>
public sealed class CardReconciliationTests : IAsyncDisposable
{
    private const string Site = "acme-site";
    private const string Gateway = "gw-01";

    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-card-reconcile-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 1, 0, 0, TimeSpan.Zero));
    private readonly CardStore _store;
    private readonly ConsoleStore _audit;
    private readonly MqttConnection _link;
    private readonly CardReconciliation _reconciliation;

    public CardReconciliationTests()
    {
        _store = CardStore.Open(Path.Combine(_dir, "cards.db"));
        _audit = ConsoleStore.Open(Path.Combine(_dir, "console.db"));
        var directory = new TenantDirectory(
            [new Company("acme", "顶峰物业", null, []), new Company("other", "别家物业", null, [])],
            [new TenantSite(Site, "演示棚", null, null, "acme", new ChargeTariff { FenPerKwh = 150 }), new TenantSite("other-site", "别家棚", null, null, "other")]);
        var tenants = new TenantRegistry(directory, Path.Combine(_dir, "tenants.yaml"));
        // Never connected: these tests look at the store, not at the broker.
        _link = new MqttConnection(MqttLinkOptions.For(new Uri("mqtt://127.0.0.1:1"), "cards-test", new HubOptions()), NullLogger<MqttConnection>.Instance);
        var publisher = new CardListPublisher(_store, tenants, _link, () => [], Options.Create(new CardOptions()), _time, NullLogger<CardListPublisher>.Instance);
        _reconciliation = new CardReconciliation(_store, tenants, publisher, _audit, _time, NullLogger<CardReconciliation>.Instance);
        _store.IssueCard("acme", "04A1B2C3", "NO-0001", 2_000, "li", _time.GetUtcNow());
        _store.IssueCard("other", "04A1B2C4", "OT-0001", 2_000, "wu", _time.GetUtcNow());
    }

    public async ValueTask DisposeAsync()
    {
        await _link.DisposeAsync();
        _store.Dispose();
        _audit.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task A_session_record_delivered_twice_is_deducted_once()
    {
        SessionMessage session = Session("s-1", "NO-0001", costFen: 345);
        await _reconciliation.ObserveAsync(session, CancellationToken.None);
        await _reconciliation.ObserveAsync(session with { Seq = 99 }, CancellationToken.None);

        Assert.Equal(2_000 - 345, _store.Find("acme", "NO-0001")!.BalanceFen);
        Assert.Equal(["s-1"], _store.AppliedSessions(Site, Gateway, 10));
        Assert.Single(_store.Ledger("acme", "NO-0001"), e => e.Kind == CardStore.Spend);
    }

    [Fact]
    public async Task An_unknown_card_and_another_company_s_card_are_unmatched_and_audited_and_charge_nobody()
    {
        await _reconciliation.ObserveAsync(Session("s-1", "NO-0404", costFen: 100), CancellationToken.None);
        await _reconciliation.ObserveAsync(Session("s-2", "OT-0001", costFen: 100), CancellationToken.None);

        Assert.Equal(
            [("s-2", "the card belongs to another company"), ("s-1", "no such card")],
            _store.Spends(null, null, unmatchedOnly: true, sites: [Site]).Select(s => (s.SessionId, s.Reason)));
        Assert.Equal(2_000, _store.Find("other", "OT-0001")!.BalanceFen);
        Assert.Empty(_store.AppliedSessions(Site, Gateway, 10));
        Assert.Equal(
            [($"{Site}/{Gateway}/s-2", "unmatched: the card belongs to another company"), ($"{Site}/{Gateway}/s-1", "unmatched: no such card")],
            _audit.RecentAudit(10).Where(a => a.Action == "card_unmatched_spend").Select(a => (a.Target, a.Result)));
    }

    [Fact]
    public async Task A_blocked_card_is_charged_a_record_without_cost_is_priced_by_the_tariff_and_sessions_without_a_card_are_left_alone()
    {
        _store.SetBlocked("acme", "NO-0001", blocked: true, "li", _time.GetUtcNow());
        await _reconciliation.ObserveAsync(Session("s-1", "NO-0001", costFen: 200), CancellationToken.None);
        // 1.5 元/kWh × 1.0004 kWh, to the nearest fen (150.06).
        await _reconciliation.ObserveAsync(Session("s-2", "NO-0001", costFen: null, energyWh: 1000.4), CancellationToken.None);
        await _reconciliation.ObserveAsync(Session("s-3", card: null, costFen: 500), CancellationToken.None);

        Assert.Equal(2_000 - 200 - 150, _store.Find("acme", "NO-0001")!.BalanceFen);
        Assert.Equal(["s-2", "s-1"], _store.AppliedSessions(Site, Gateway, 10));
    }

    [Fact]
    public async Task Ingest_hands_each_stored_message_to_every_registered_observer()
    {
        var seen = new List<string>();
        IStoredMessageObserver both = StoredMessageObservers.Of([new Recording("platform", seen), _reconciliation, new Recording("after", seen)])!;
        await both.ObserveAsync(Session("s-1", "NO-0001", costFen: 100), CancellationToken.None);

        Assert.Equal(["platform", "after"], seen);
        Assert.Equal(1_900, _store.Find("acme", "NO-0001")!.BalanceFen);
        Assert.Null(StoredMessageObservers.Of([]));
    }

    private SessionMessage Session(string id, string? card, long? costFen, double energyWh = 500)
    {
        DateTimeOffset ended = _time.GetUtcNow();
        return new SessionMessage
        {
            Seq = 1, Ts = ended, Site = Site, Gateway = Gateway, SessionId = id, Port = "P01", StartedTs = ended.AddMinutes(-30), EndedTs = ended,
            DurationS = 1800, EnergyWh = energyWh, PeakPowerW = 120, EndReason = SessionEndReason.Complete, Card = card, CostFen = costFen,
        };
    }

    private sealed class Recording(string name, List<string> seen) : IStoredMessageObserver
    {
        public Task ObserveAsync(ContractMessage message, CancellationToken cancellationToken)
        {
            seen.Add(name);
            return Task.CompletedTask;
        }
    }
}
