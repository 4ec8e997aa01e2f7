using EdgeGateway.Hub.Incidents;

namespace EdgeGateway.Hub.Tests.Incidents;

/// <summary>The district's weekly figures: ISO weeks of China Standard Time, nearest-rank percentiles, per company.</summary>
public sealed class IncidentStatisticsTests
{
    // Monday 7 December 2026, 00:30 in China is Sunday 6 December 16:30 UTC: week 50 in China, week 49 in UTC.
    private static readonly DateTimeOffset MondayInChina = new(2026, 12, 6, 16, 30, 0, TimeSpan.Zero);

    [Fact]
    public void Weeks_are_iso_weeks_of_china_standard_time()
    {
        Assert.Equal("2026-W50", IncidentStatistics.WeekOf(MondayInChina));
        Assert.Equal("2026-W49", IncidentStatistics.WeekOf(MondayInChina.AddHours(-1)));
        Assert.Equal("2026-W53", IncidentStatistics.WeekOf(new DateTimeOffset(2026, 12, 31, 20, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        TimeSpan[] minutes = [.. Enumerable.Range(1, 10).Select(m => TimeSpan.FromMinutes(m))];
        Assert.Equal(TimeSpan.FromMinutes(5), IncidentStatistics.Percentile(minutes, 50));
        Assert.Equal(TimeSpan.FromMinutes(9), IncidentStatistics.Percentile(minutes, 90));
        Assert.Equal(TimeSpan.FromMinutes(7), IncidentStatistics.Percentile([TimeSpan.FromMinutes(7)], 90));
        Assert.Null(IncidentStatistics.Percentile([], 50));
    }

    [Fact]
    public void Each_company_and_week_counts_opened_closed_times_to_acknowledge_and_close_kinds_and_the_oldest_open()
    {
        DateTimeOffset week = MondayInChina;
        Incident[] incidents =
        [
            Make("a1", "acme", "smoke", week.AddHours(1), acknowledgedAfter: 2, closedAfter: 60),
            Make("a2", "acme", "smoke", week.AddHours(2), acknowledgedAfter: 4, closedAfter: null),
            Make("a3", "acme", "port_overload", week.AddHours(3), acknowledgedAfter: null, closedAfter: null),
            Make("a4", "acme", "port_overload", week.AddDays(-3), acknowledgedAfter: 1, closedAfter: 60 * 24 * 4),
            Make("b1", "beta", "bin_fire", week.AddHours(5), acknowledgedAfter: 10, closedAfter: 30),
        ];

        IncidentReport report = IncidentStatistics.Compute(incidents, week.AddDays(-7));

        IncidentWeek acme = report.Weeks.Single(w => w.Company == "acme" && w.Week == "2026-W50");
        Assert.Equal((3, 2), (acme.Opened, acme.Closed));
        Assert.Equal((TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(4)), (acme.AcknowledgeMedian, acme.AcknowledgeP90));
        Assert.Equal(TimeSpan.FromMinutes(60), acme.CloseMedian);
        Assert.Equal(new Dictionary<string, int> { ["port_overload"] = 1, ["smoke"] = 2 }, acme.Kinds);
        IncidentWeek acmeBefore = report.Weeks.Single(w => w.Company == "acme" && w.Week == "2026-W49");
        Assert.Equal((1, 0), (acmeBefore.Opened, acmeBefore.Closed));
        Assert.Equal(["a2", "a3"], report.OldestOpen["acme"].Select(i => i.Key.AlarmId));
        IncidentWeek beta = Assert.Single(report.Weeks, w => w.Company == "beta");
        Assert.Equal((1, 1), (beta.Opened, beta.Closed));
        Assert.False(report.OldestOpen.ContainsKey("beta"));
    }

    private static Incident Make(string id, string company, string kind, DateTimeOffset opened, int? acknowledgedAfter, int? closedAfter)
    {
        var steps = new List<IncidentStep> { new(IncidentWire.Opened, opened, IncidentWire.System) };
        if (acknowledgedAfter is { } ack)
        {
            steps.Add(new(IncidentWire.Acknowledged, opened.AddMinutes(ack), "li"));
        }

        if (closedAfter is { } close)
        {
            steps.Add(new(IncidentWire.Resolved, opened.AddMinutes(close), "wang", Detail: "reset_port"));
            steps.Add(new(IncidentWire.Closed, opened.AddMinutes(close), "li"));
        }

        return new Incident(new IncidentKey("site-" + company, "gw-01", id), company, kind, "critical", "port:P01", steps);
    }
}
