using System.Globalization;
using System.Text.Json.Serialization;

namespace EdgeGateway.Contracts.Mqtt;

/// <summary>
/// <c>edge/v1/{site}/{gw}/cards</c>, retained, QoS 1, written by the hub only and read by that gateway only (the
/// broker's ACL): the prepaid cards (刷卡充电) the shed's card terminal accepts, with their balances as the hub knows
/// them, so that the terminal works while the shed is offline. The hub publishes a new list whenever a card of the
/// site's company is issued, topped up or blocked, and whenever it has charged one of this gateway's card sessions.
/// </summary>
/// <remarks>
/// Spending is reconciled through the session records the gateway already sends with nothing lost: a card session's
/// <c>sessions</c> message carries <c>card</c> and <c>cost_fen</c>; the hub deducts it once per
/// (site, gateway, session id) and lists the session id in <see cref="AppliedSessions"/>. Until a session is listed
/// there, the gateway subtracts its cost from the listed balance itself; once listed, it no longer does, so no session
/// is charged twice or forgotten, whatever the order in which the list and the session record cross.
/// </remarks>
public sealed record CardListMessage
{
    /// <summary>Contract version; 1.</summary>
    [JsonPropertyOrder(-6)]
    [JsonRequired]
    public int V { get; init; } = ContractTopics.ContractVersion;

    /// <summary>Increases with every list the hub publishes for this gateway (from 1). A gateway keeps the highest it
    /// has seen and ignores a lower or equal one (a retained list replayed from a restored broker).</summary>
    [JsonPropertyOrder(-5)]
    [JsonRequired]
    public long Revision { get; init; }

    /// <summary>When the hub made the list (its wall clock; informational only).</summary>
    [JsonPropertyOrder(-4)]
    public required DateTimeOffset Ts { get; init; }

    [JsonPropertyOrder(-3)]
    public required string Site { get; init; }

    [JsonPropertyOrder(-2)]
    public required string Gateway { get; init; }

    /// <summary>The site's tariff, which prices card sessions; null when the hub's registry gives the site none
    /// (the terminal then refuses cards: it cannot price a charge).</summary>
    [JsonRequired]
    public ChargeTariff? Tariff { get; init; }

    /// <summary>Every card of the site's company: active and blocked ones (a blocked card is refused by name, not
    /// as unknown). At most <see cref="MaxCards"/>.</summary>
    public required IReadOnlyList<CardEntry> Cards { get; init; }

    /// <summary>Ids of this gateway's card sessions whose cost is already deducted from the balances above: the
    /// newest <see cref="MaxAppliedSessions"/> the hub charged.</summary>
    public required IReadOnlyList<string> AppliedSessions { get; init; }

    /// <summary>The most cards one list carries (a company's cards; about 100 bytes each).</summary>
    public const int MaxCards = 20_000;

    /// <summary>The most applied session ids one list carries: far more card sessions than a shed ends while offline.</summary>
    public const int MaxAppliedSessions = 1024;

    /// <summary>
    /// What is wrong with a list that deserialized (null when nothing): version, revision, ids, the topic's site and
    /// gateway, each card's UID and reference (unique), the counts, the tariff's form.
    /// </summary>
    public string? Problem(string site, string gateway)
    {
        if (V != ContractTopics.ContractVersion)
        {
            return Invariant($"v must be {ContractTopics.ContractVersion}, not {V}");
        }

        if (Revision < 1 || Revision > ContractMessage.MaxSeq)
        {
            return Invariant($"revision must be between 1 and {ContractMessage.MaxSeq}, not {Revision}");
        }

        if (Site != site || Gateway != gateway)
        {
            return $"the list is for {Site}/{Gateway}, published on the topic of {site}/{gateway}";
        }

        if (Tariff is { } tariff && (tariff.FenPerKwh is null == tariff.FenPerHour is null
            || (tariff.FenPerKwh ?? tariff.FenPerHour) is < 0 or > ChargeTariff.MaxFen))
        {
            return Invariant($"tariff must have exactly one of fen_per_kwh and fen_per_hour, from 0 to {ChargeTariff.MaxFen}");
        }

        if (Cards is null || Cards.Count > MaxCards)
        {
            return Invariant($"cards must be a list of at most {MaxCards}");
        }

        if (AppliedSessions is null || AppliedSessions.Count > MaxAppliedSessions)
        {
            return Invariant($"applied_sessions must be a list of at most {MaxAppliedSessions}");
        }

        var uids = new HashSet<string>(StringComparer.Ordinal);
        var references = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < Cards.Count; i++)
        {
            CardEntry? entry = Cards[i];
            if (entry is null)
            {
                return Invariant($"cards[{i}] is null");
            }

            if (!CardEntry.IsValidUid(entry.Uid))
            {
                return Invariant($"cards[{i}].uid '{entry.Uid}' is not a 4-, 7- or 10-byte ISO/IEC 14443-3 UID in upper-case hex");
            }

            if (!ContractIds.IsValid(entry.Card))
            {
                return Invariant($"cards[{i}].card '{entry.Card}' is not a contract id");
            }

            if (Math.Abs(entry.BalanceFen) > ChargeLimit.MaxAmountFen)
            {
                return Invariant($"cards[{i}].balance_fen {entry.BalanceFen} is beyond ±{ChargeLimit.MaxAmountFen}");
            }

            if (!uids.Add(entry.Uid) || !references.Add(entry.Card))
            {
                return Invariant($"cards[{i}] repeats the uid or card of an earlier entry");
            }
        }

        for (int i = 0; i < AppliedSessions.Count; i++)
        {
            if (!ContractIds.IsValid(AppliedSessions[i]))
            {
                return Invariant($"applied_sessions[{i}] is not a contract id");
            }
        }

        return null;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One prepaid card as the hub knows it.</summary>
public sealed record CardEntry
{
    /// <summary>The card's UID as the reader's anticollision loop returns it (ISO/IEC 14443-3 §6.5.4: 4, 7 or 10
    /// bytes), upper-case hex without separators: <c>04A1B2C3D4E5F6</c>. The UID is what the terminal reads.</summary>
    public required string Uid { get; init; }

    /// <summary>The card's reference (a contract id, e.g. the number printed on it): what <c>port_start</c> and the
    /// session record carry in <c>card</c>, never the UID.</summary>
    public required string Card { get; init; }

    /// <summary>The balance in fen after every session listed in <see cref="CardListMessage.AppliedSessions"/> and every
    /// earlier one; negative when offline sheds spent more than it held.</summary>
    public required long BalanceFen { get; init; }

    /// <summary>A blocked card starts nothing (lost, stolen, refunded); a session it already runs carries on.</summary>
    public required bool Blocked { get; init; }

    /// <summary>True for 8, 14 or 20 upper-case hex digits (a 4-, 7- or 10-byte UID).</summary>
    public static bool IsValidUid(string? uid) =>
        uid is { Length: 8 or 14 or 20 } && uid.All(c => char.IsAsciiDigit(c) || c is >= 'A' and <= 'F');
}
