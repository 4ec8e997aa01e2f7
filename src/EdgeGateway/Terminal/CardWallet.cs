using EdgeGateway.Contracts.Mqtt;

namespace EdgeGateway.Terminal;

/// <summary>A card session of this gateway that has ended, whose cost the hub has not yet listed as applied.</summary>
public sealed record PendingCardSession(string SessionId, string Card, long CostFen);

/// <summary>What became of a card list offered to the wallet.</summary>
public enum CardListOutcome
{
    /// <summary>Newer than the one held: it replaces it.</summary>
    Accepted,

    /// <summary>Its revision is not above the one held (a retained list replayed): ignored.</summary>
    Stale,

    /// <summary><see cref="CardListMessage.Problem"/> refused it: the list held is kept.</summary>
    Refused,
}

/// <summary>
/// The gateway's picture of the prepaid cards: the newest valid card list from the hub and this gateway's ended card
/// sessions the hub has not yet charged (Contracts README, "cards"). Pure arithmetic; the terminal service persists it.
/// </summary>
/// <remarks>
/// Available balance = listed balance − cost of this gateway's ended card sessions not in the list's
/// <c>applied_sessions</c> − the amount reserved by the card's running sessions. A session is pending from its end until
/// a list names it applied, whichever arrives first: a list that already names it (its record reached the hub before
/// the gateway noted the end) makes the end a no-op, so nothing is subtracted twice or forgotten.
/// </remarks>
public sealed class CardWallet
{
    private readonly Dictionary<string, PendingCardSession> _pending = new(StringComparer.Ordinal);
    private Dictionary<string, CardEntry> _byUid = new(StringComparer.Ordinal);
    private HashSet<string> _applied = new(StringComparer.Ordinal);

    public CardWallet(CardListMessage? list = null, IEnumerable<PendingCardSession>? pending = null)
    {
        if (list is not null)
        {
            Use(list);
        }

        foreach (PendingCardSession session in pending ?? [])
        {
            if (!_applied.Contains(session.SessionId))
            {
                _pending[session.SessionId] = session;
            }
        }
    }

    /// <summary>The list in force (null before the first one).</summary>
    public CardListMessage? List { get; private set; }

    /// <summary>Lists refused since the start (<see cref="CardListOutcome.Refused"/>).</summary>
    public int RefusedLists { get; private set; }

    /// <summary>The ended card sessions not yet applied by the hub, oldest first.</summary>
    public IReadOnlyList<PendingCardSession> Pending => [.. _pending.Values];

    /// <summary>Offers a list received on the gateway's <c>cards</c> topic; <paramref name="problem"/> says why it was refused.</summary>
    public CardListOutcome Offer(CardListMessage list, string site, string gateway, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(list);
        problem = list.Problem(site, gateway);
        if (problem is not null)
        {
            RefusedLists++;
            return CardListOutcome.Refused;
        }

        if (List is { } held && list.Revision <= held.Revision)
        {
            return CardListOutcome.Stale;
        }

        Use(list);
        foreach (string id in _pending.Keys.Where(_applied.Contains).ToList())
        {
            _pending.Remove(id);
        }

        return CardListOutcome.Accepted;
    }

    /// <summary>A card session ended with its cost: pending until a list names it applied (unless one already does).</summary>
    /// <returns>True when the pending set changed (to be persisted).</returns>
    public bool SessionEnded(string sessionId, string card, long costFen)
    {
        if (_applied.Contains(sessionId) || _pending.ContainsKey(sessionId))
        {
            return false;
        }

        _pending[sessionId] = new PendingCardSession(sessionId, card, costFen);
        return true;
    }

    /// <summary>The card with <paramref name="uid"/> (upper-case hex) in the list held, or null.</summary>
    public CardEntry? Find(string uid) => _byUid.GetValueOrDefault(uid);

    /// <summary>
    /// The card's available balance (fen): listed balance − pending sessions' costs − <paramref name="reservedFen"/> (the
    /// amount its running sessions may still spend).
    /// </summary>
    public long Available(CardEntry card, long reservedFen = 0)
    {
        ArgumentNullException.ThrowIfNull(card);
        long pending = 0;
        foreach (PendingCardSession session in _pending.Values)
        {
            if (session.Card == card.Card)
            {
                pending += session.CostFen;
            }
        }

        return card.BalanceFen - pending - reservedFen;
    }

    private void Use(CardListMessage list)
    {
        List = list;
        _byUid = list.Cards.ToDictionary(c => c.Uid, StringComparer.Ordinal);
        _applied = new HashSet<string>(list.AppliedSessions, StringComparer.Ordinal);
    }
}
