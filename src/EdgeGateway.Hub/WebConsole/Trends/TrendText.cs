using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Mqtt;

namespace EdgeGateway.Hub.WebConsole.Trends;

/// <summary>The trends' words in the user's language: zh-CN (the default) or en, from cookie <c>lang</c>.</summary>
internal sealed class TrendText
{
    public const string LanguageCookie = "lang";

    public static readonly TrendText Chinese = new(true);
    public static readonly TrendText English = new(false);

    private readonly bool _chinese;

    private TrendText(bool chinese) => _chinese = chinese;

    /// <summary><c>en</c> (or <c>en-…</c>) gives English; anything else, or no cookie, Chinese.</summary>
    public static TrendText For(string? language) =>
        language is not null && language.StartsWith("en", StringComparison.OrdinalIgnoreCase) ? English : Chinese;

    public static TrendText For(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return For(context.Request.Cookies[LanguageCookie]);
    }

    /// <summary>What the page shows instead of a chart: what trends need, and what is wrong.</summary>
    public string Unavailable(TrendProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return problem.Kind switch
        {
            TrendProblemKind.NotConfigured => _chinese
                ? "趋势需要 InfluxDB（InfluxQL /query）：请设置 Hub:Influx:Url 为 InfluxDB 1.x，或启用了 v1 兼容接口的 InfluxDB 2.x/3.x。当前未配置 InfluxDB（Hub:Influx:Enabled 为 false，或 --influx-url none）。"
                : "Trends need InfluxDB (InfluxQL over /query): set Hub:Influx:Url to InfluxDB 1.x, or 2.x/3.x with the v1 compatibility API. No InfluxDB is configured now (Hub:Influx:Enabled is false, or --influx-url none).",
            TrendProblemKind.Refused => _chinese
                ? $"InfluxDB 拒绝了趋势查询：{problem.ServerMessage}。趋势需要 InfluxDB（InfluxQL /query）中 Hub:Influx:Database 指定的数据库，以及能读取它的账号（Hub:Influx:Username 或 Token）。"
                : $"InfluxDB refused the trend query: {problem.ServerMessage}. Trends need the database named by Hub:Influx:Database in InfluxDB (InfluxQL /query) and credentials that may read it (Hub:Influx:Username or Token).",
            TrendProblemKind.NotInfluxQl => _chinese
                ? "趋势需要 InfluxDB（InfluxQL /query）：Hub:Influx:Url 指向的服务器不支持 InfluxQL 查询（例如 VictoriaMetrics）。请设置 Hub:Influx:Url 为 InfluxDB 1.x，或启用了 v1 兼容接口的 InfluxDB 2.x/3.x。"
                : "Trends need InfluxDB (InfluxQL over /query): the server at Hub:Influx:Url does not answer InfluxQL queries (VictoriaMetrics, for example). Set Hub:Influx:Url to InfluxDB 1.x, or 2.x/3.x with the v1 compatibility API.",
            _ => _chinese
                ? "趋势需要 InfluxDB（InfluxQL /query）：请设置 Hub:Influx:Url 为可访问的 InfluxDB 1.x，或启用了 v1 兼容接口的 InfluxDB 2.x/3.x。当前无法连接。"
                : "Trends need InfluxDB (InfluxQL over /query): set Hub:Influx:Url to a reachable InfluxDB 1.x, or 2.x/3.x with the v1 compatibility API. It cannot be reached now.",
        };
    }

    public string NotFound(string name) => _chinese ? $"没有名为 {name} 的趋势" : $"There is no trend named {name}";

    public string RangeRefused(TrendRangeError error) => error switch
    {
        TrendRangeError.Reversed => _chinese ? "开始日期晚于结束日期" : "from is after to",
        TrendRangeError.TooLong => _chinese
            ? $"时间范围最多 {TrendRange.MaxDays} 天"
            : $"The range is at most {TrendRange.MaxDays} days",
        _ => _chinese ? "日期格式应为 YYYY-MM-DD" : "Dates are YYYY-MM-DD",
    };

    public string SitesRefused => _chinese
        ? $"最多 {TrendEndpoints.MaxSites} 个站点，每个站点名最多 {TrendEndpoints.MaxSiteLength} 个字符"
        : $"At most {TrendEndpoints.MaxSites} sites, each name at most {TrendEndpoints.MaxSiteLength} characters";

    /// <summary>An alarm kind's name (the wire name for a kind this hub does not know).</summary>
    public string Kind(string wireName)
    {
        ArgumentNullException.ThrowIfNull(wireName);
        if (AlarmKinds.TryParse(wireName, out AlarmKind kind))
        {
            return (_chinese ? DisplayText.Chinese : DisplayText.English).Alarm(kind);
        }

        return wireName == ContractAlarmKinds.GatewayBufferFull ? (_chinese ? "网关缓存已满" : "Gateway buffer full") : wireName;
    }

    /// <summary>The CSV header: the series key (for alarm kinds: code and name), x, y.</summary>
    public IReadOnlyList<string> CsvHeader(TrendDefinition trend)
    {
        ArgumentNullException.ThrowIfNull(trend);
        string x = trend.Axis switch
        {
            TrendAxis.Week => _chinese ? "周（ISO）" : "ISO week",
            TrendAxis.HourOfDay => _chinese ? "开始时段（时）" : "Start hour",
            _ => _chinese ? "日期" : "Date",
        };
        string y = trend.Name switch
        {
            "energy_per_day" => _chinese ? "用电量（kWh）" : "Energy (kWh)",
            "sessions_per_day" => _chinese ? "充电次数" : "Sessions",
            "session_length" => _chinese ? "平均充电时长（分钟）" : "Mean session length (min)",
            "sessions_cut_at_start" => _chinese ? "开始即被保护切断次数" : "Sessions cut at start",
            "utilisation" => _chinese ? "充电占用率（%）" : "Utilisation (%)",
            "start_hour_profile" => _chinese ? "开始充电次数" : "Sessions started",
            "alarms_per_week" => _chinese ? "告警次数" : "Alarms raised",
            "bin_overflows" => _chinese ? "满溢告警次数" : "Overflow alarms raised",
            "fill_at_collection" => _chinese ? "清运时平均满溢度（%）" : "Mean fill at collection (%)",
            _ => trend.Unit,
        };
        return trend.Key == TrendSeriesKey.Kind
            ? [_chinese ? "告警类型" : "Alarm kind", _chinese ? "类型代码" : "Kind code", x, y]
            : [_chinese ? "站点" : "Site", x, y];
    }
}
