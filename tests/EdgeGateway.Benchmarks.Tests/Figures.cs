using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeGateway.Benchmarks.Tests;

/// <summary>Reads the figures a bench printed: a number with its unit on a line of a known shape.</summary>
internal static partial class Figures
{
    /// <summary>
    /// The number before <paramref name="unit"/> on the one line matching <paramref name="line"/> (a regular expression
    /// for the text before the number); fails, with the output, when there is no such line or its number is not above 0.
    /// </summary>
    public static double Positive(BenchRun run, string line, string unit)
    {
        var pattern = new Regex(line + @"\s*(?<n>\d[\d,]*(\.\d+)?) " + Regex.Escape(unit) + @"(\b|\s|$)", RegexOptions.Multiline);
        Match[] matches = pattern.Matches(run.Output).ToArray();
        Assert.True(matches.Length == 1, $"expected one figure line /{line} N {unit}/, found {matches.Length}: {run}");
        double value = double.Parse(matches[0].Groups["n"].Value, NumberStyles.Number, CultureInfo.InvariantCulture);
        Assert.True(value > 0, $"figure '{matches[0].Value.Trim()}' is not above 0: {run}");
        return value;
    }

    /// <summary>
    /// The Mean column of every BenchmarkDotNet summary table in the output, one (value, unit) per benchmark row;
    /// fails when a row's mean is missing (BenchmarkDotNet prints NA for a benchmark that failed) or not above 0.
    /// </summary>
    public static IReadOnlyList<(string Row, double Mean, string Unit)> BenchmarkDotNetMeans(BenchRun run)
    {
        var rows = new List<(string, double, string)>();
        string[] lines = run.Output.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string[] header = Cells(lines[i]);
            int mean = Array.IndexOf(header, "Mean");
            if (!lines[i].StartsWith('|') || header.Length == 0 || header[0] != "Method" || mean < 0)
            {
                continue;
            }

            // The header, then |---|---|, then one row per benchmark up to the first line that is not a row.
            for (int j = i + 2; j < lines.Length && lines[j].StartsWith('|'); j++)
            {
                string[] cells = Cells(lines[j]);
                Match figure = MeanCell().Match(cells.ElementAtOrDefault(mean) ?? "");
                Assert.True(figure.Success, $"benchmark row without a mean ('{cells.ElementAtOrDefault(mean)}'): {lines[j]}\n{run}");
                double value = double.Parse(figure.Groups["n"].Value, NumberStyles.Number, CultureInfo.InvariantCulture);
                Assert.True(value > 0, $"benchmark mean not above 0: {lines[j]}\n{run}");
                rows.Add((lines[j], value, figure.Groups["unit"].Value));
            }
        }

        return rows;
    }

    private static string[] Cells(string line) => line.StartsWith('|') ? [.. line.Trim().Trim('|').Split('|').Select(c => c.Trim())] : [];

    [GeneratedRegex(@"^(?<n>\d[\d,]*(\.\d+)?) (?<unit>ns|us|μs|µs|ms|s)$")]
    private static partial Regex MeanCell();
}
