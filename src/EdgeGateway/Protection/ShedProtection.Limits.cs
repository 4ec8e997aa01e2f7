using EdgeGateway.Contracts.Ports;
using EdgeGateway.Contracts.Reasons;
using EdgeGateway.Events;
using static System.FormattableString;

namespace EdgeGateway.Protection;

// The limits of a charge the platform or a card paid for (an energy, a duration, an amount at a tariff): enforced here,
// on the sampling path, on the gateway's own monotonic clock and metered energy, so a gateway without its broker still
// stops a charge when what was paid for is used up. A session that reaches its limit ends as limit_reached: the relay
// opens and the port is free for the next charge (no alarm, no lock-out).
public sealed partial class ShedProtection
{
    /// <summary>How many ended orders a start for the same order is still refused after (in memory; the platform keeps the rest).</summary>
    private const int EndedOrdersKept = 1024;

    private readonly Dictionary<string, (string SessionId, SessionEndReason Reason)> _endedOrders = new(StringComparer.Ordinal);
    private readonly Queue<string> _endedOrderAge = new();

    /// <summary>
    /// Checks a charging session's limit after its measurement was added: the energy limit on the metered energy, the
    /// duration on the monotonic clock since the start, the amount at the tariff (per kWh on the energy, per started
    /// hour block on the duration). True when the session ended.
    /// </summary>
    private bool CheckLimit(ChargingPort port, OpenSession session, ProtectionInstant now)
    {
        if (LimitReached(session, now.Elapsed) is not { } which)
        {
            return false;
        }

        OpenRelay(port, now);
        EndSession(port, SessionEndReason.LimitReached, now);
        SetState(port, PortState.Idle, "limit_reached: " + which, now);
        return true;
    }

    /// <summary>
    /// At the end of a round, every limited session again: one whose port was not measured on the charging path (a meter
    /// that does not answer, a session resuming or paused with its relay open) still runs out of the time paid for.
    /// </summary>
    private void EndSessionsOutOfTime(ProtectionInstant now)
    {
        foreach (ChargingPort port in _ports)
        {
            if (port.Session is { Order.Limit: not null } session)
            {
                CheckLimit(port, session, now);
            }
        }
    }

    /// <summary>Which limit <paramref name="session"/> has reached at <paramref name="now"/>, or null.</summary>
    private static string? LimitReached(OpenSession session, TimeSpan now)
    {
        if (session.Order is not { Limit: { } limit } order)
        {
            return null;
        }

        TimeSpan charged = now - session.StartedElapsed;
        if (limit.EnergyWh is { } wh && session.EnergyWh >= wh)
        {
            return Invariant($"{session.EnergyWh:0.0} Wh of the {wh:0.###} Wh limit");
        }

        if (limit.DurationMin is { } minutes && charged >= TimeSpan.FromMinutes(minutes))
        {
            return Invariant($"{charged.TotalMinutes:0.0} min of the {minutes:0.###} min limit");
        }

        if (limit.AmountFen is { } fen && order.Tariff is { } tariff && tariff.AmountReached(fen, session.EnergyWh, charged))
        {
            return Invariant($"the {fen} fen paid at {tariff} is used up");
        }

        return null;
    }

    /// <summary>
    /// A start for an order this gateway already knows: its session runs (answered as the first start was, with that
    /// session's id) or ended (refused: an order pays for one charge); null for a new order.
    /// </summary>
    private CommandResult? StartForKnownOrder(string? orderId)
    {
        if (orderId is null)
        {
            return null;
        }

        foreach (ChargingPort running in _ports)
        {
            if (running.Session is { } session && session.Order?.OrderId == orderId)
            {
                return CommandResult.Applied(ReasonCatalogue.OrderAlreadyCharging(orderId, running.Id)) with { SessionId = session.Id };
            }
        }

        return _endedOrders.TryGetValue(orderId, out (string SessionId, SessionEndReason Reason) ended)
            ? CommandResult.Refused(ReasonCatalogue.OrderAlreadyCharged(orderId, ended.Reason)) with { SessionId = ended.SessionId }
            : null;
    }

    /// <summary>The closed session with its order and cost; remembers its order as ended.</summary>
    private ChargingSession WithOrder(ChargingSession closed, ChargeOrder? order, TimeSpan charged)
    {
        if (order is null)
        {
            return closed;
        }

        if (order.OrderId is { } orderId && _endedOrders.TryAdd(orderId, (closed.Id, closed.EndReason)))
        {
            _endedOrderAge.Enqueue(orderId);
            if (_endedOrderAge.Count > EndedOrdersKept)
            {
                _endedOrders.Remove(_endedOrderAge.Dequeue());
            }
        }

        return closed with { Order = order, CostFen = order.CostFen(closed.EnergyWh, charged) };
    }
}
