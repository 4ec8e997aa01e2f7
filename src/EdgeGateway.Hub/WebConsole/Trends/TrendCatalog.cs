using System.Collections.Frozen;

namespace EdgeGateway.Hub.WebConsole.Trends;

/// <summary>What a trend's x values are.</summary>
internal enum TrendAxis
{
    /// <summary>China Standard Time days, <c>2026-11-02</c>.</summary>
    Day,

    /// <summary>ISO weeks in China Standard Time (Monday 00:00 CST), <c>2026-W45</c>.</summary>
    Week,

    /// <summary>Hours of the day in China Standard Time, <c>00</c> .. <c>23</c>.</summary>
    HourOfDay,
}

/// <summary>What a trend's series are keyed by.</summary>
internal enum TrendSeriesKey
{
    Site,

    /// <summary>The alarm kind (wire name); the series' site is null.</summary>
    Kind,
}

/// <summary>How a day, week or hour without data is shown: a count or sum is 0, a mean or share has no value (null).</summary>
internal enum TrendGap
{
    Zero,
    Null,
}

/// <summary>One trend of the console (README.md in this folder documents each one's query, meaning and limits).</summary>
internal sealed record TrendDefinition(string Name, string Unit, TrendAxis Axis, TrendSeriesKey Key, TrendGap Gap);

/// <summary>The trends <c>GET /api/trends/{name}</c> answers, by name.</summary>
internal static class TrendCatalog
{
    public static TrendDefinition EnergyPerDay { get; } = new("energy_per_day", "kWh", TrendAxis.Day, TrendSeriesKey.Site, TrendGap.Zero);

    public static TrendDefinition SessionsPerDay { get; } = new("sessions_per_day", "sessions", TrendAxis.Day, TrendSeriesKey.Site, TrendGap.Zero);

    public static TrendDefinition SessionLength { get; } = new("session_length", "min", TrendAxis.Day, TrendSeriesKey.Site, TrendGap.Null);

    public static TrendDefinition SessionsCutAtStart { get; } = new("sessions_cut_at_start", "sessions", TrendAxis.Day, TrendSeriesKey.Site, TrendGap.Zero);

    public static TrendDefinition Utilisation { get; } = new("utilisation", "%", TrendAxis.Day, TrendSeriesKey.Site, TrendGap.Null);

    public static TrendDefinition StartHourProfile { get; } = new("start_hour_profile", "sessions", TrendAxis.HourOfDay, TrendSeriesKey.Site, TrendGap.Zero);

    public static TrendDefinition AlarmsPerWeek { get; } = new("alarms_per_week", "alarms", TrendAxis.Week, TrendSeriesKey.Kind, TrendGap.Zero);

    public static TrendDefinition BinOverflows { get; } = new("bin_overflows", "alarms", TrendAxis.Week, TrendSeriesKey.Site, TrendGap.Zero);

    public static TrendDefinition FillAtCollection { get; } = new("fill_at_collection", "%", TrendAxis.Day, TrendSeriesKey.Site, TrendGap.Null);

    public static IReadOnlyList<TrendDefinition> All { get; } =
        [EnergyPerDay, SessionsPerDay, SessionLength, SessionsCutAtStart, Utilisation, StartHourProfile, AlarmsPerWeek, BinOverflows, FillAtCollection];

    private static readonly FrozenDictionary<string, TrendDefinition> ByName =
        All.ToFrozenDictionary(trend => trend.Name, StringComparer.Ordinal);

    /// <summary>The trend of that exact name (case-sensitive, as in the API).</summary>
    public static bool TryFind(string? name, out TrendDefinition trend)
    {
        if (name is not null && ByName.TryGetValue(name, out TrendDefinition? found))
        {
            trend = found;
            return true;
        }

        trend = EnergyPerDay;
        return false;
    }
}
