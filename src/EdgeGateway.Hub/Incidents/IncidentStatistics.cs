using System.Globalization;

namespace EdgeGateway.Hub.Incidents;

/// <summary>One company's incidents in one ISO week (China Standard Time): the figure the district reports.</summary>
/// <remarks><c>Week</c>: ISO 8601 week of China Standard Time (UTC+8), <c>2026-W49</c>; <c>Opened</c>: incidents opened
/// in the week; <c>Closed</c>: incidents closed in the week, whenever opened; the durations: of the incidents opened in
/// the week, from the opening to the first acknowledgement and to the close (null when none was); <c>Kinds</c>:
/// incidents opened in the week by alarm kind.</remarks>
internal sealed record IncidentWeek(
    string Company,
    string Week,
    int Opened,
    int Closed,
    TimeSpan? AcknowledgeMedian,
    TimeSpan? AcknowledgeP90,
    TimeSpan? CloseMedian,
    TimeSpan? CloseP90,
    IReadOnlyDictionary<string, int> Kinds);

/// <summary>The district's figures: per company and per ISO week, and each company's oldest open incidents.</summary>
internal sealed record IncidentReport(IReadOnlyList<IncidentWeek> Weeks, IReadOnlyDictionary<string, IReadOnlyList<Incident>> OldestOpen);

/// <summary>Pure arithmetic over incidents (no clock but the one passed in).</summary>
internal static class IncidentStatistics
{
    public static readonly TimeSpan ChinaStandardTime = TimeSpan.FromHours(8);

    /// <summary>The company an incident counts for when the registry did not know its site at opening.</summary>
    public const string NoCompany = "-";

    /// <summary>
    /// Weeks from <paramref name="since"/> to now, per company (newest week first, companies by id): opened, closed, the
    /// median and 90th percentile (nearest rank) of time to acknowledge and to close — of the incidents opened in the
    /// week, from the opening to the first acknowledgement and to the latest close — and the kinds; plus each company's
    /// <paramref name="oldest"/> oldest incidents still open.
    /// </summary>
    public static IncidentReport Compute(IReadOnlyCollection<Incident> incidents, DateTimeOffset since, int oldest = 5)
    {
        ArgumentNullException.ThrowIfNull(incidents);
        var weeks = new Dictionary<(string Company, string Week), Tally>();
        foreach (Incident incident in incidents)
        {
            string company = incident.Company ?? NoCompany;
            if (incident.OpenedAt >= since)
            {
                Tally opened = TallyOf(weeks, company, WeekOf(incident.OpenedAt));
                opened.Opened++;
                opened.Kinds[incident.Kind] = opened.Kinds.GetValueOrDefault(incident.Kind) + 1;
                if (incident.FirstAcknowledgedAt is { } acknowledged)
                {
                    opened.ToAcknowledge.Add(acknowledged - incident.OpenedAt);
                }

                if (incident.Closing is { } closedStep)
                {
                    opened.ToClose.Add(closedStep.At - incident.OpenedAt);
                }
            }

            if (incident.Closing is { } closing && closing.At >= since)
            {
                TallyOf(weeks, company, WeekOf(closing.At)).Closed++;
            }
        }

        List<IncidentWeek> rows = [.. weeks
            .OrderBy(w => w.Key.Company, StringComparer.Ordinal).ThenByDescending(w => w.Key.Week, StringComparer.Ordinal)
            .Select(w => new IncidentWeek(
                w.Key.Company, w.Key.Week, w.Value.Opened, w.Value.Closed,
                Percentile(w.Value.ToAcknowledge, 50), Percentile(w.Value.ToAcknowledge, 90),
                Percentile(w.Value.ToClose, 50), Percentile(w.Value.ToClose, 90),
                new SortedDictionary<string, int>(w.Value.Kinds, StringComparer.Ordinal)))];
        var open = incidents
            .Where(i => !i.IsClosed)
            .GroupBy(i => i.Company ?? NoCompany, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<Incident>)[.. g.OrderBy(i => i.OpenedAt).Take(oldest)], StringComparer.Ordinal);
        return new IncidentReport(rows, open);
    }

    /// <summary>The ISO 8601 week of <paramref name="at"/> in China Standard Time, as <c>2026-W49</c>.</summary>
    public static string WeekOf(DateTimeOffset at)
    {
        DateTime local = at.ToOffset(ChinaStandardTime).DateTime;
        return string.Create(CultureInfo.InvariantCulture, $"{ISOWeek.GetYear(local):D4}-W{ISOWeek.GetWeekOfYear(local):D2}");
    }

    /// <summary>The nearest-rank percentile (the smallest value with at least <paramref name="percent"/>% of the values at
    /// or below it); null for no values.</summary>
    public static TimeSpan? Percentile(IReadOnlyList<TimeSpan> values, int percent)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return null;
        }

        TimeSpan[] sorted = [.. values.Order()];
        int rank = (int)Math.Ceiling(percent / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }

    private static Tally TallyOf(Dictionary<(string, string), Tally> weeks, string company, string week)
    {
        if (!weeks.TryGetValue((company, week), out Tally? tally))
        {
            weeks[(company, week)] = tally = new Tally();
        }

        return tally;
    }

    private sealed class Tally
    {
        public int Opened { get; set; }

        public int Closed { get; set; }

        public List<TimeSpan> ToAcknowledge { get; } = [];

        public List<TimeSpan> ToClose { get; } = [];

        public Dictionary<string, int> Kinds { get; } = new(StringComparer.Ordinal);
    }
}
