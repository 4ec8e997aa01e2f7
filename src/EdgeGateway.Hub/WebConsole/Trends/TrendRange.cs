using System.Globalization;

namespace EdgeGateway.Hub.WebConsole.Trends;

/// <summary>Why a requested range was refused (400).</summary>
internal enum TrendRangeError
{
    None,

    /// <summary><c>from</c> or <c>to</c> is not a <c>YYYY-MM-DD</c> date.</summary>
    NotADate,

    /// <summary><c>from</c> is after <c>to</c>.</summary>
    Reversed,

    /// <summary>More than <see cref="TrendRange.MaxDays"/> days.</summary>
    TooLong,
}

/// <summary>
/// A range of whole China Standard Time days, both ends included. China keeps UTC+8 all year (no daylight saving
/// since 1991), so the fixed offset is exact and needs no time-zone database on the hub or on the InfluxDB server.
/// </summary>
internal readonly record struct TrendRange(DateOnly From, DateOnly To)
{
    /// <summary>China Standard Time's offset from UTC.</summary>
    public static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);

    public const int DefaultDays = 14;

    public const int MaxDays = 366;

    public int Days => To.DayNumber - From.DayNumber + 1;

    /// <summary>00:00 CST of <see cref="From"/>.</summary>
    public DateTimeOffset Start => StartOf(From);

    /// <summary>00:00 CST of the day after <see cref="To"/> (exclusive).</summary>
    public DateTimeOffset End => StartOf(To.AddDays(1));

    public static DateTimeOffset StartOf(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), ChinaOffset);

    /// <summary>The China Standard Time day an instant falls on.</summary>
    public static DateOnly DayOf(DateTimeOffset instant) => DateOnly.FromDateTime(instant.ToOffset(ChinaOffset).DateTime);

    /// <summary>The Monday (CST) of the ISO week a day is in.</summary>
    public static DateOnly MondayOf(DateOnly day) => day.AddDays(-(((int)day.DayOfWeek + 6) % 7));

    /// <summary><c>2026-W45</c>: the ISO 8601 week-numbering year and week of a day.</summary>
    public static string WeekLabel(DateOnly day)
    {
        var date = day.ToDateTime(TimeOnly.MinValue);
        return string.Create(CultureInfo.InvariantCulture, $"{ISOWeek.GetYear(date):D4}-W{ISOWeek.GetWeekOfYear(date):D2}");
    }

    public static string DayText(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>
    /// The range of a request: <c>from</c> and <c>to</c> are <c>YYYY-MM-DD</c> (CST days, both included). Without
    /// <c>to</c>, today (CST); without <c>from</c>, the <see cref="DefaultDays"/> days ending at <c>to</c>.
    /// </summary>
    public static TrendRangeError TryParse(string? from, string? to, DateOnly today, out TrendRange range)
    {
        range = default;
        DateOnly end = today;
        if (!string.IsNullOrEmpty(to) && !TryParseDay(to, out end))
        {
            return TrendRangeError.NotADate;
        }

        DateOnly start = end.AddDays(-(DefaultDays - 1));
        if (!string.IsNullOrEmpty(from) && !TryParseDay(from, out start))
        {
            return TrendRangeError.NotADate;
        }

        if (start > end)
        {
            return TrendRangeError.Reversed;
        }

        range = new TrendRange(start, end);
        return range.Days > MaxDays ? TrendRangeError.TooLong : TrendRangeError.None;
    }

    /// <summary>Today in China Standard Time.</summary>
    public static DateOnly Today(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return DayOf(time.GetUtcNow());
    }

    private static bool TryParseDay(string text, out DateOnly day) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);
}
