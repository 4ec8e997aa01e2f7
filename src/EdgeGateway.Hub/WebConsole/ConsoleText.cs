using System.Globalization;
using EdgeGateway.Contracts.Localization;
using EdgeGateway.Hub.Notifications;

namespace EdgeGateway.Hub.WebConsole;

/// <summary>The console's languages: cookie <c>lang</c> first, then the user's configured language, then zh-CN.</summary>
internal static class ConsoleLanguage
{
    public const string Chinese = "zh-CN";
    public const string English = "en";
    public const string Cookie = "lang";

    /// <summary>zh-CN or en for what the console accepts (zh, zh-CN, zh-Hans, en, en-US …), null otherwise.</summary>
    public static string? Normalize(string? language) => language switch
    {
        null => null,
        _ when language.Equals("zh", StringComparison.OrdinalIgnoreCase) || language.StartsWith("zh-", StringComparison.OrdinalIgnoreCase) => Chinese,
        _ when language.Equals("en", StringComparison.OrdinalIgnoreCase) || language.StartsWith("en-", StringComparison.OrdinalIgnoreCase) => English,
        _ => null,
    };

    public static string Of(HttpContext http, ConsoleUserDirectory users)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(users);
        if (Normalize(http.Request.Cookies[Cookie]) is { } chosen)
        {
            return chosen;
        }

        return users.Find(http.User.Identity?.Name) is { } user ? user.Language : Chinese;
    }

    public static ConsoleText Text(HttpContext http, ConsoleUserDirectory users) => ConsoleText.For(Of(http, users));
}

/// <summary>What the console says to people (error messages, CSV headers), in Chinese or English.</summary>
internal sealed class ConsoleText
{
    public static readonly ConsoleText Chinese = new(true);
    public static readonly ConsoleText English = new(false);

    private readonly bool _chinese;

    private ConsoleText(bool chinese) => _chinese = chinese;

    public DisplayText Display => _chinese ? DisplayText.Chinese : DisplayText.English;

    public string Language => _chinese ? ConsoleLanguage.Chinese : ConsoleLanguage.English;

    public string NotSignedIn => _chinese ? "请先登录" : "Please sign in";

    public string Forbidden => _chinese ? "您的角色无权使用此功能" : "Your role may not use this";

    public string Antiforgery => _chinese ? "页面已过期,请刷新页面后重试" : "The page has expired; reload it and try again";

    public string BrokerUnreachable => _chinese ? "无法连接 MQTT 服务器,未发送任何内容" : "The MQTT broker is not reachable; nothing was sent";

    public string InfluxDisabled => _chinese ? "未配置 InfluxDB(Hub:Influx),没有历史数据" : "No InfluxDB is configured (Hub:Influx): there is no history";

    public static ConsoleText For(string? language) => ConsoleLanguage.Normalize(language) == ConsoleLanguage.English ? English : Chinese;

    public string NotFound(string what) => _chinese ? $"未找到{what}" : $"{what} not found";

    public string Gateway(string site, string gateway) => _chinese ? $"网关 {site}/{gateway}" : $"Gateway {site}/{gateway}";

    public string Port(string site, string gateway, string port) => _chinese ? $"端口 {site}/{gateway}/{port}" : $"Port {site}/{gateway}/{port}";

    public string Bin(string site, string gateway, string bin) => _chinese ? $"垃圾桶 {site}/{gateway}/{bin}" : $"Bin {site}/{gateway}/{bin}";

    public string Alarm(string alarmId) => _chinese ? $"报警 {alarmId}" : $"Alarm {alarmId}";

    public string InvalidCommand(string detail) => _chinese ? $"命令无效:{detail}" : $"Invalid command: {detail}";

    public string UnknownCommand(string command) => _chinese
        ? $"未知命令 '{command}';控制台可发送 port_reset、port_disable、port_enable、snapshot"
        : $"unknown command '{command}'; the console sends port_reset, port_disable, port_enable and snapshot";

    public string NoReply(string gateway, TimeSpan timeout) => _chinese
        ? string.Create(CultureInfo.InvariantCulture, $"{gateway} 未在 {timeout.TotalSeconds:0.#} 秒内应答")
        : string.Create(CultureInfo.InvariantCulture, $"{gateway} did not answer within {timeout.TotalSeconds:0.#} s");

    public string InvalidRequest(string detail) => _chinese ? $"请求无效:{detail}" : $"Invalid request: {detail}";

    public string CommentTooLong(int max) => _chinese
        ? string.Create(CultureInfo.InvariantCulture, $"备注最多 {max} 个字符")
        : string.Create(CultureInfo.InvariantCulture, $"the comment may be at most {max} characters");

    public string AlreadyAcknowledged(string by, DateTimeOffset at) => _chinese
        ? $"该报警已由 {by} 于 {AlarmNoticeText.Time(at)} 确认"
        : $"already acknowledged by {by} at {AlarmNoticeText.Time(at)}";

    public string HistoryUnavailable(string reason) => _chinese ? $"历史数据不可用:{reason}" : $"History is not available: {reason}";

    public string KindText(string kind) => AlarmNoticeText.KindName(kind, Display);

    /// <summary>The alarm CSV's header row.</summary>
    public IReadOnlyList<string> AlarmCsvHeader => _chinese
        ? ["报警编号", "站点", "网关", "类型", "类型名称", "严重程度", "来源", "端口", "垃圾桶", "数值", "阈值", "单位", "发生时间 (UTC+8)", "解除时间 (UTC+8)", "详情", "解除原因", "已确认", "确认人", "确认时间 (UTC+8)", "确认备注", "站点名称"]
        : ["Alarm id", "Site", "Gateway", "Kind", "Kind name", "Severity", "Source", "Port", "Bin", "Value", "Threshold", "Unit", "Raised (UTC+8)", "Cleared (UTC+8)", "Detail", "Clear reason", "Acknowledged", "Acknowledged by", "Acknowledged at (UTC+8)", "Comment", "Site name"];

    public string Yes => _chinese ? "是" : "yes";

    public string No => _chinese ? "否" : "no";
}
