using System.Globalization;
using System.Text.Json.Serialization;

namespace EdgeGateway.Contracts.Mqtt;

/// <summary>
/// What a charge may use before the gateway ends it as <c>limit_reached</c>: any combination; the first one reached
/// ends the session. Carried by <c>cmd/port_start</c> and reported in the session record and the port's state; a limit
/// not set is left out of the JSON.
/// </summary>
public sealed record ChargeLimit
{
    /// <summary>The most energy (Wh) the session may deliver.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? EnergyWh { get; init; }

    /// <summary>The longest the session may charge (min), on the gateway's monotonic clock.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? DurationMin { get; init; }

    /// <summary>The most the session may cost (fen, 1 元 = 100 分) at its <see cref="ChargeTariff"/>; needs a tariff.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? AmountFen { get; init; }

    /// <summary>The largest energy limit accepted: 100 kWh is days of charging for an e-bike battery.</summary>
    public const double MaxEnergyWh = 100_000;

    /// <summary>The longest duration limit accepted: a week.</summary>
    public const double MaxDurationMin = 7 * 24 * 60;

    /// <summary>The largest amount accepted: 10 000 元.</summary>
    public const long MaxAmountFen = 1_000_000;
}

/// <summary>
/// The price of a charge, in integer fen on the wire (no binary fractions in billing): either per kWh of metered
/// energy, or per started hour block of charging (a charge of 61 minutes costs two blocks). The JSON has exactly one of
/// <c>fen_per_kwh</c> and <c>fen_per_hour</c>.
/// </summary>
public sealed record ChargeTariff
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? FenPerKwh { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? FenPerHour { get; init; }

    /// <summary>The highest price accepted, per kWh or per hour: 1 000 元.</summary>
    public const long MaxFen = 100_000;

    /// <summary>
    /// What a charge costs (fen) after <paramref name="energyWh"/> over <paramref name="charged"/>: per kWh, the energy's
    /// price rounded to the nearest fen; per hour, every started hour block (at least one). With an
    /// <paramref name="amountFen"/> limit the cost never exceeds what was prepaid: per hour, only the blocks it buys.
    /// </summary>
    public long CostFen(double energyWh, TimeSpan charged, long? amountFen)
    {
        long cost;
        if (FenPerHour is { } perHour)
        {
            long blocks = Math.Max(1, (long)Math.Ceiling(Math.Max(0, charged.Ticks) / (double)TimeSpan.TicksPerHour));
            if (amountFen is { } amount && perHour > 0)
            {
                blocks = Math.Min(blocks, Math.Max(1, amount / perHour));
            }

            cost = blocks * perHour;
        }
        else
        {
            // decimal: 0.5 fen rounds up, whatever binary fraction the energy's double carries.
            cost = (long)Math.Round((decimal)Math.Max(0, energyWh) * (FenPerKwh ?? 0) / 1000m, MidpointRounding.AwayFromZero);
        }

        return amountFen is { } cap ? Math.Min(cost, cap) : cost;
    }

    /// <summary>
    /// Whether <paramref name="amountFen"/> is used up: per kWh once the energy's price reaches it; per hour once the
    /// charge has run every block it buys. A free tariff (0 fen) never uses an amount up.
    /// </summary>
    public bool AmountReached(long amountFen, double energyWh, TimeSpan charged) => FenPerHour is { } perHour
        ? perHour > 0 && charged.Ticks >= amountFen / perHour * TimeSpan.TicksPerHour
        : FenPerKwh is > 0 && (decimal)Math.Max(0, energyWh) * FenPerKwh.Value / 1000m >= amountFen;

    public override string ToString() => FenPerHour is { } perHour
        ? string.Create(CultureInfo.InvariantCulture, $"{perHour} fen per started hour")
        : string.Create(CultureInfo.InvariantCulture, $"{FenPerKwh ?? 0} fen/kWh");
}

/// <summary>The running session in a port's retained state (<see cref="PortStateMessage.Session"/>).</summary>
public sealed record PortSessionState
{
    public required string Id { get; init; }

    public string? OrderId { get; init; }

    public string? Card { get; init; }

    public required DateTimeOffset StartedTs { get; init; }

    public required double EnergyWh { get; init; }

    /// <summary>What the session costs so far at its tariff; null without one.</summary>
    public long? CostFen { get; init; }

    public ChargeLimit? Limit { get; init; }
}

/// <summary>The checks of a <c>port_start</c>'s order, card, limit and tariff (<see cref="ContractCommands.TryValidate"/>).</summary>
internal static class ChargeOrderRules
{
    private const string IdRule = "must be 1 to 64 of A-Z a-z 0-9 _ -, starting with a letter or digit";

    public static string? Check(CommandRequest request)
    {
        if (request.OrderId is not null && !ContractIds.IsValid(request.OrderId))
        {
            return "order_id " + IdRule;
        }

        if (request.Card is not null && !ContractIds.IsValid(request.Card))
        {
            return "card " + IdRule;
        }

        return CheckTariff(request.Tariff) ?? CheckLimit(request.Limit, request.Tariff);
    }

    private static string? CheckTariff(ChargeTariff? tariff) => tariff switch
    {
        null => null,
        { FenPerKwh: null, FenPerHour: null } or { FenPerKwh: not null, FenPerHour: not null } => "tariff needs exactly one of fen_per_kwh, fen_per_hour",
        { FenPerKwh: < 0 or > ChargeTariff.MaxFen } => Invariant($"tariff.fen_per_kwh must be 0 to {ChargeTariff.MaxFen}"),
        { FenPerHour: < 0 or > ChargeTariff.MaxFen } => Invariant($"tariff.fen_per_hour must be 0 to {ChargeTariff.MaxFen}"),
        _ => null,
    };

    private static string? CheckLimit(ChargeLimit? limit, ChargeTariff? tariff)
    {
        if (limit is null)
        {
            return null;
        }

        if (limit is { EnergyWh: null, DurationMin: null, AmountFen: null })
        {
            return "limit needs at least one of energy_wh, duration_min, amount_fen";
        }

        if (limit.EnergyWh is { } wh && !(wh > 0 && wh <= ChargeLimit.MaxEnergyWh))
        {
            return Invariant($"limit.energy_wh must be more than 0 and at most {ChargeLimit.MaxEnergyWh}");
        }

        if (limit.DurationMin is { } min && !(min > 0 && min <= ChargeLimit.MaxDurationMin))
        {
            return Invariant($"limit.duration_min must be more than 0 and at most {ChargeLimit.MaxDurationMin}");
        }

        if (limit.AmountFen is not { } fen)
        {
            return null;
        }

        if (fen is <= 0 or > ChargeLimit.MaxAmountFen)
        {
            return Invariant($"limit.amount_fen must be 1 to {ChargeLimit.MaxAmountFen}");
        }

        if (tariff is null)
        {
            return "limit.amount_fen needs a tariff";
        }

        return tariff.FenPerHour is { } perHour && fen < perHour
            ? Invariant($"limit.amount_fen {fen} does not buy one hour block at {perHour} fen")
            : null;
    }

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
