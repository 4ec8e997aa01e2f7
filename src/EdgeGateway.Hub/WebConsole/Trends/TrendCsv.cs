using System.Globalization;
using System.Text;

namespace EdgeGateway.Hub.WebConsole.Trends;

/// <summary>
/// A trend as CSV for Excel: UTF-8 with a byte order mark (so Excel reads Chinese correctly), CRLF line ends (RFC 4180),
/// the header in the user's language, one row per series and x. Text cells that a spreadsheet would run as a formula
/// (starting with <c>= + - @</c>, tab or CR) get a leading apostrophe; numbers are invariant, an empty cell is no value.
/// </summary>
internal static class TrendCsv
{
    public const string ContentType = "text/csv; charset=utf-8";

    public static byte[] Write(TrendDefinition trend, IReadOnlyList<TrendSeries> series, TrendText text)
    {
        ArgumentNullException.ThrowIfNull(trend);
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(text);
        var csv = new StringBuilder();
        Row(csv, text.CsvHeader(trend));
        foreach (TrendSeries one in series)
        {
            foreach (TrendPoint point in one.Points)
            {
                string y = point.Y is { } value ? value.ToString("R", CultureInfo.InvariantCulture) : "";
                Row(csv, trend.Key == TrendSeriesKey.Kind
                    ? [text.Kind(one.Kind ?? ""), one.Kind ?? "", point.X, y]
                    : [one.Site ?? "", point.X, y]);
            }
        }

        byte[] preamble = Encoding.UTF8.GetPreamble();
        byte[] body = Encoding.UTF8.GetBytes(csv.ToString());
        return [.. preamble, .. body];
    }

    /// <summary><c>energy_per_day_2026-11-01_2026-11-25.csv</c>.</summary>
    public static string FileName(TrendDefinition trend, TrendRange range)
    {
        ArgumentNullException.ThrowIfNull(trend);
        return $"{trend.Name}_{TrendRange.DayText(range.From)}_{TrendRange.DayText(range.To)}.csv";
    }

    private static void Row(StringBuilder csv, IReadOnlyList<string> cells)
    {
        for (int i = 0; i < cells.Count; i++)
        {
            if (i > 0)
            {
                csv.Append(',');
            }

            csv.Append(Cell(cells[i]));
        }

        csv.Append("\r\n");
    }

    internal static string Cell(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
