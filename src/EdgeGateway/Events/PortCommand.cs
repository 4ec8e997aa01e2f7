using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Mqtt;

namespace EdgeGateway.Events;

/// <summary>What can be asked of a port: by a user's start request (card or payment platform), or by maintenance staff.</summary>
public enum PortCommandKind
{
    Start,
    Stop,
    Enable,
    Disable,
    Reset,
}

/// <summary>A request to a port. <see cref="By"/> names who asked; resets also need a reason; a start may carry a <see cref="ChargeOrder"/>.</summary>
public sealed record PortCommand(PortCommandKind Kind, string PortId, string By, string? Reason = null, ChargeOrder? Order = null);

/// <summary>
/// What a start was asked for: the platform's order or the card that pays, the limit the gateway enforces itself (the
/// first one reached ends the session as limit_reached) and the tariff its cost is worked out at. Kept with the open
/// session and in the session journal, so a session resumed after a restart keeps its limit.
/// </summary>
public sealed record ChargeOrder(string? OrderId, string? Card, ChargeLimit? Limit, ChargeTariff? Tariff)
{
    /// <summary>What the session costs (fen) at its tariff after <paramref name="energyWh"/> over <paramref name="charged"/>; null without a tariff.</summary>
    public long? CostFen(double energyWh, TimeSpan charged) => Tariff?.CostFen(energyWh, charged, Limit?.AmountFen);
}

/// <summary>
/// The outcome of a command: applied, or refused with the reason — <see cref="Reason"/> a catalogue code, and
/// <see cref="Message"/> its English text. Two results are equal when they say the same (accepted and message).
/// </summary>
public sealed record CommandResult(bool Accepted, string Message)
{
    public ContractReason? Reason { get; init; }

    /// <summary>The session a start opened, or the one already running for its order.</summary>
    public string? SessionId { get; init; }

    public static CommandResult Applied(ContractReason reason) => new(true, ReasonText.Detail(reason)) { Reason = reason };

    public static CommandResult Refused(ContractReason reason) => new(false, ReasonText.Detail(reason)) { Reason = reason };

    public bool Equals(CommandResult? other) => other is not null && Accepted == other.Accepted && string.Equals(Message, other.Message, StringComparison.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Accepted, StringComparer.Ordinal.GetHashCode(Message));
}
