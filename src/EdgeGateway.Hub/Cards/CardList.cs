using EdgeGateway.Contracts.Mqtt;

namespace EdgeGateway.Hub.Cards;

/// <summary>The <see cref="CardListMessage"/> of one gateway, from the store's cards and applied sessions: pure code.</summary>
internal static class CardList
{
    /// <summary>
    /// The list of <paramref name="site"/>/<paramref name="gateway"/>: every card of the site's company (blocked ones
    /// too, so the terminal refuses them by name), the site's tariff, and the newest
    /// <see cref="CardListMessage.MaxAppliedSessions"/> of <paramref name="appliedNewestFirst"/> (this gateway's only).
    /// </summary>
    public static CardListMessage Compose(
        string site, string gateway, ChargeTariff? tariff, IReadOnlyList<Card> cards, IReadOnlyList<string> appliedNewestFirst, long revision, DateTimeOffset ts)
    {
        ArgumentNullException.ThrowIfNull(cards);
        ArgumentNullException.ThrowIfNull(appliedNewestFirst);
        return new CardListMessage
        {
            Revision = revision,
            Ts = ContractTime.Truncate(ts),
            Site = site,
            Gateway = gateway,
            Tariff = tariff,
            Cards = [.. cards.OrderBy(c => c.Reference, StringComparer.Ordinal).Take(CardListMessage.MaxCards).Select(c => new CardEntry
            {
                Uid = c.Uid,
                Card = c.Reference,
                BalanceFen = Math.Clamp(c.BalanceFen, -ChargeLimit.MaxAmountFen, ChargeLimit.MaxAmountFen),
                Blocked = c.Blocked,
            })],
            AppliedSessions = [.. appliedNewestFirst.Take(CardListMessage.MaxAppliedSessions)],
        };
    }

    /// <summary>The bytes of <see cref="Compose"/>; with revision 0 and a fixed time they are the list's content, which
    /// decides whether the gateway needs a new one.</summary>
    public static byte[] Payload(
        string site, string gateway, ChargeTariff? tariff, IReadOnlyList<Card> cards, IReadOnlyList<string> appliedNewestFirst, long revision, DateTimeOffset ts) =>
        ContractJson.Serialize(Compose(site, gateway, tariff, cards, appliedNewestFirst, revision, revision == 0 ? DateTimeOffset.UnixEpoch : ts));
}
