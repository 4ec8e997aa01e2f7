using System.Globalization;
using EdgeGateway.Contracts.Mqtt;

namespace EdgeGateway.Hub.Platform;

/// <summary>
/// Money as the platform API and the contract carry it: amounts in 元 with at most two decimals on the API, integer fen
/// (分, 1 元 = 100 分) on the wire and in the store, never a binary fraction.
/// </summary>
internal static class Tariffs
{
    /// <summary>The largest amount one start may prepay: 1000 元.</summary>
    public const long MaxAmountFen = 100_000;

    /// <summary><paramref name="yuan"/> in fen; false when it has more than two decimals, is not positive or exceeds <see cref="MaxAmountFen"/>.</summary>
    public static bool TryFen(decimal yuan, out long fen)
    {
        fen = 0;
        decimal scaled = yuan * 100m;
        if (yuan <= 0 || scaled != decimal.Truncate(scaled) || scaled > MaxAmountFen)
        {
            return false;
        }

        fen = (long)scaled;
        return true;
    }

    /// <summary>
    /// What a session of <paramref name="energyWh"/> over <paramref name="duration"/> costs at <paramref name="tariff"/>,
    /// by the contract's one rule (<see cref="ChargeTariff.CostFen"/>), the one the gateway bills with: per kWh, the
    /// energy's price to the nearest fen; per hour, every started hour block in full (at least one). Null without a
    /// tariff. One rule on both sides, so that the running cost the API shows is the bill the gateway then reports.
    /// </summary>
    public static long? CostFen(ChargeTariff? tariff, double energyWh, TimeSpan duration) => tariff?.CostFen(energyWh, duration, amountFen: null);

    /// <summary>Fen as 元 with two decimals, for messages.</summary>
    public static string Yuan(long fen) => (fen / 100m).ToString("0.00", CultureInfo.InvariantCulture);
}
