using EdgeGateway.Hub.WebConsole.Trends;

namespace EdgeGateway.Hub.Tests.WebConsole.Trends;

/// <summary>Ranges of China Standard Time days, the site list of a request, and CSV cells.</summary>
public sealed class TrendRangeTests
{
    private static readonly DateOnly Today = new(2026, 11, 25);

    [Fact]
    public void A_CST_day_starts_at_16_00_UTC_the_day_before_and_the_range_end_is_exclusive()
    {
        var range = new TrendRange(new DateOnly(2026, 11, 2), new DateOnly(2026, 11, 3));

        Assert.Equal(new DateTimeOffset(2026, 11, 1, 16, 0, 0, TimeSpan.Zero), range.Start);
        Assert.Equal(new DateTimeOffset(2026, 11, 3, 16, 0, 0, TimeSpan.Zero), range.End);
        Assert.Equal(2, range.Days);
    }

    [Fact]
    public void An_instant_falls_on_its_CST_day()
    {
        Assert.Equal(new DateOnly(2026, 11, 2), TrendRange.DayOf(new DateTimeOffset(2026, 11, 2, 15, 59, 59, TimeSpan.Zero)));
        Assert.Equal(new DateOnly(2026, 11, 3), TrendRange.DayOf(new DateTimeOffset(2026, 11, 2, 16, 0, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData("2026-11-02", "2026-W45")]
    [InlineData("2026-11-08", "2026-W45")]
    [InlineData("2026-11-09", "2026-W46")]
    [InlineData("2027-01-01", "2026-W53")]
    [InlineData("2025-12-29", "2026-W01")]
    public void Weeks_are_labelled_by_ISO_year_and_week(string day, string label) =>
        Assert.Equal(label, TrendRange.WeekLabel(DateOnly.Parse(day, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void Without_from_and_to_the_range_is_the_14_days_ending_today()
    {
        Assert.Equal(TrendRangeError.None, TrendRange.TryParse(null, null, Today, out TrendRange range));

        Assert.Equal(new TrendRange(new DateOnly(2026, 11, 12), Today), range);
        Assert.Equal(14, range.Days);
    }

    [Fact]
    public void With_only_to_the_range_is_the_14_days_ending_there_and_with_only_from_it_ends_today()
    {
        TrendRange.TryParse(null, "2026-10-14", Today, out TrendRange byTo);
        TrendRange.TryParse("2026-11-20", null, Today, out TrendRange byFrom);

        Assert.Equal(new TrendRange(new DateOnly(2026, 10, 1), new DateOnly(2026, 10, 14)), byTo);
        Assert.Equal(new TrendRange(new DateOnly(2026, 11, 20), Today), byFrom);
    }

    [Theory]
    [InlineData("2026-11-05", "2026-11-04", "Reversed")]
    [InlineData("2025-11-24", "2026-11-25", "TooLong")]
    [InlineData("2025-11-25", "2026-11-25", "None")]
    [InlineData("2026-11-05", "2026-11-05", "None")]
    [InlineData("20261105", "2026-11-05", "NotADate")]
    [InlineData("2026-11-05", "2026-11-05T00:00:00Z", "NotADate")]
    public void Ranges_are_one_to_366_days_of_YYYY_MM_DD(string from, string to, string expected) =>
        Assert.Equal(Enum.Parse<TrendRangeError>(expected), TrendRange.TryParse(from, to, Today, out _));

    [Fact]
    public void The_site_list_is_trimmed_without_empty_or_repeated_names()
    {
        Assert.Equal(["a", "b c", "o'x"], TrendEndpoints.Sites(" a ,,b c,a, o'x ,"));
        Assert.Empty(TrendEndpoints.Sites(null));
        Assert.Empty(TrendEndpoints.Sites(" , "));
    }

    [Theory]
    [InlineData("linzi-demo-001", "linzi-demo-001")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("o'brien \"yard\"", "\"o'brien \"\"yard\"\"\"")]
    [InlineData("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("-1.5", "-1.5")]
    [InlineData("+cmd", "'+cmd")]
    public void CSV_cells_are_quoted_where_needed_and_never_read_as_formulas(string value, string cell) =>
        Assert.Equal(cell, TrendCsv.Cell(value));
}
