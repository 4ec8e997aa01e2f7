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
    /// What a session of <paramref name="energyWh"/> over <paramref name="duration"/> costs at <paramref name="tariff"/>:
    /// per kWh, the energy's price rounded down to the fen (a resident never pays for a fraction of a fen); per hour,
    /// every started hour block in full (a session of 61 minutes is two blocks). Null without a tariff.
    /// </summary>
    public static long? CostFen(ChargeTariff? tariff, double energyWh, TimeSpan duration) => tariff switch
    {
        { FenPerKwh: { } perKwh } => (long)Math.Floor(Math.Max(0, energyWh) * perKwh / 1000.0),
        { FenPerHour: { } perHour } => (long)Math.Ceiling(Math.Max(0, duration.TotalSeconds) / 3600.0) * perHour,
        _ => null,
    };

    /// <summary>Fen as 元 with two decimals, for messages.</summary>
    public static string Yuan(long fen) => (fen / 100m).ToString("0.00", CultureInfo.InvariantCulture);
}
