using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Ingest;
using EdgeGateway.Hub.Platform;
using EdgeGateway.Hub.Tenants;
using EdgeGateway.Hub.WebConsole.Store;

namespace EdgeGateway.Hub.Cards;

/// <summary>
/// Charges card sessions to their cards: ingest hands every stored message here (<see cref="IStoredMessageObserver"/>,
/// after the message is durably stored and before its MQTT acknowledgement), and a <c>sessions</c> record with a
/// <c>card</c> is deducted once per (site, gateway, session id) by <see cref="CardStore.ApplySpend"/>. A session that
/// matches no card of the site's company is kept as unmatched and written to the console's audit log, never dropped.
/// Then the publisher is told that the company's lists changed.
/// </summary>
internal sealed partial class CardReconciliation(
    CardStore store, TenantRegistry tenants, CardListPublisher publisher, ConsoleStore audit, TimeProvider time, ILogger<CardReconciliation> logger)
    : IStoredMessageObserver
{
    public Task ObserveAsync(ContractMessage message, CancellationToken cancellationToken)
    {
        if (message is SessionMessage { Card: { } card } session)
        {
            Reconcile(session, card);
        }

        return Task.CompletedTask;
    }

    private void Reconcile(SessionMessage session, string card)
    {
        TenantSite? site = tenants.Current.Site(session.Site);
        // The gateway's cost is the bill; a gateway that reports none is billed by the platform's rule from its tariff.
        long? cost = session.CostFen ?? Tariffs.CostFen(session.Tariff ?? site?.Tariff, session.EnergyWh, TimeSpan.FromSeconds(session.DurationS));
        DateTimeOffset now = time.GetUtcNow();
        (CardSpendOutcome outcome, string? reason) = store.ApplySpend(session.Site, session.Gateway, session.SessionId, site?.Company, card, cost, now);
        switch (outcome)
        {
            case CardSpendOutcome.Applied:
                publisher.Changed(site!.Company);
                break;
            case CardSpendOutcome.Unmatched:
                LogUnmatched(logger, session.Site, session.Gateway, session.SessionId, card, reason!);
                audit.Audit(new AuditEntry(
                    now, "system", null, "card_unmatched_spend", $"{session.Site}/{session.Gateway}/{session.SessionId}",
                    $"card: {card}; cost_fen: {cost?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}", "unmatched: " + reason));
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cards: session {Site}/{Gateway}/{SessionId} of card {Card} is unmatched: {Reason}")]
    private static partial void LogUnmatched(ILogger logger, string site, string gateway, string sessionId, string card, string reason);
}
