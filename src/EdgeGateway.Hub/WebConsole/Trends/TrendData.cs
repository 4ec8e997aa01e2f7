namespace EdgeGateway.Hub.WebConsole.Trends;

/// <summary>Why trends cannot be shown.</summary>
internal enum TrendProblemKind
{
    /// <summary><c>Hub:Influx:Enabled</c> is false (<c>--influx-url none</c>): there is no database to ask.</summary>
    NotConfigured,

    /// <summary>No answer from <c>Hub:Influx:Url</c> (refused, timed out), or no <c>/query</c> there (404).</summary>
    Unreachable,

    /// <summary>Something answered <c>/query</c>, but not with InfluxQL results for the hub's measurements (VictoriaMetrics
    /// answers every <c>/query</c> with a made-up database list).</summary>
    NotInfluxQl,

    /// <summary>InfluxDB answered with an error (database not found, authorization failed, a query error).</summary>
    Refused,
}

/// <summary>Why trends cannot be shown; <see cref="Detail"/> is for the log (it may name the server's address).</summary>
internal sealed record TrendProblem(TrendProblemKind Kind, string Detail, string? ServerMessage = null);

/// <summary>One x value and its y (null: nothing to average on that day).</summary>
internal sealed record TrendPoint(string X, double? Y);

/// <summary>One series: a site's, or (alarms_per_week) an alarm kind's with <see cref="Site"/> null.</summary>
internal sealed record TrendSeries(string? Site, string? Kind, string? KindText, IReadOnlyList<TrendPoint> Points)
{
    /// <summary>The site's display name from the registry, when it has one (the chart's legend).</summary>
    public string? SiteName { get; init; }
}

/// <summary>A trend's series, or the problem that kept them from being read.</summary>
internal sealed record TrendData(IReadOnlyList<TrendSeries> Series, TrendProblem? Problem)
{
    public static TrendData Unavailable(TrendProblem problem) => new([], problem);
}

/// <summary>The sites InfluxDB knows, or the problem that kept them from being read.</summary>
internal sealed record TrendSites(IReadOnlyList<string> Sites, TrendProblem? Problem);
