using System.Globalization;
using System.Net;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Mqtt;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Hub.Notifications;

/// <summary>
/// Refuses a <c>Notifications</c> section that could not deliver what it promises, each problem on its own line and
/// prefixed with the exact configuration key, e.g. <c>Notifications:Routes:0:Channels:1: no channel named 'wecom-ops'</c>.
/// Runs at start (ValidateOnStart), so a typo stops the hub instead of silently dropping notices.
/// </summary>
internal sealed class NotificationOptionsValidator : IValidateOptions<NotificationOptions>
{
    private const string Root = NotificationOptions.Section;

    /// <summary>The most requests one channel may have under way (a robot allows 20 messages a minute: more is no use).</summary>
    internal const int MaxChannelConcurrency = 32;

    public ValidateOptionsResult Validate(string? name, NotificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> problems = Problems(options);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>Every problem of <paramref name="options"/>; empty when it is valid.</summary>
    public static List<string> Problems(NotificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();

        CheckLanguage(options.Language, $"{Root}:Language", problems);
        CheckPositive(options.ReminderAfter, $"{Root}:ReminderAfter", problems);
        CheckPositive(options.InitialBackoff, $"{Root}:InitialBackoff", problems);
        CheckPositive(options.MaxBackoff, $"{Root}:MaxBackoff", problems);
        CheckPositive(options.RequestTimeout, $"{Root}:RequestTimeout", problems);
        if (options.ChannelConcurrency is < 1 or > MaxChannelConcurrency)
        {
            problems.Add($"{Root}:ChannelConcurrency: {options.ChannelConcurrency} is not between 1 and {MaxChannelConcurrency}");
        }

        if (options.MaxBackoff > TimeSpan.Zero && options.InitialBackoff > options.MaxBackoff)
        {
            problems.Add($"{Root}:MaxBackoff: {options.MaxBackoff} is shorter than InitialBackoff {options.InitialBackoff}");
        }

        if (string.IsNullOrWhiteSpace(options.LedgerPath))
        {
            problems.Add($"{Root}:LedgerPath: a file path is required");
        }

        for (int i = 0; i < options.Kinds.Count; i++)
        {
            CheckKind(options.Kinds[i], $"{Root}:Kinds:{Index(i)}", problems);
        }

        foreach ((string channelName, NotificationChannelOptions channel) in options.Channels)
        {
            CheckChannel(channelName, channel, problems);
        }

        var notified = new HashSet<string>(options.NotifiedKinds, StringComparer.Ordinal);
        for (int r = 0; r < options.Routes.Count; r++)
        {
            CheckRoute(options, options.Routes[r], $"{Root}:Routes:{Index(r)}", notified, problems);
        }

        return problems;
    }

    /// <summary>The channel type named by <paramref name="text"/> (case-insensitive; <c>Lark</c> is Feishu's international name).</summary>
    public static bool TryParseType(string? text, out NotificationChannelType type)
    {
        switch (text?.Trim().ToUpperInvariant())
        {
            case "WECOM":
                type = NotificationChannelType.WeCom;
                return true;
            case "DINGTALK":
                type = NotificationChannelType.DingTalk;
                return true;
            case "FEISHU" or "LARK":
                type = NotificationChannelType.Feishu;
                return true;
            case "WEBHOOK":
                type = NotificationChannelType.Webhook;
                return true;
            default:
                type = default;
                return false;
        }
    }

    /// <summary>The contract's severity names only; numbers are refused (Enum.TryParse would take "3").</summary>
    public static bool TryParseSeverity(string? text, out AlarmSeverity severity)
    {
        switch (text?.Trim().ToUpperInvariant())
        {
            case "INFO":
                severity = AlarmSeverity.Info;
                return true;
            case "WARNING":
                severity = AlarmSeverity.Warning;
                return true;
            case "MAJOR":
                severity = AlarmSeverity.Major;
                return true;
            case "CRITICAL":
                severity = AlarmSeverity.Critical;
                return true;
            default:
                severity = default;
                return false;
        }
    }

    private static void CheckChannel(string name, NotificationChannelOptions channel, List<string> problems)
    {
        string key = $"{Root}:Channels:{name}";
        if (string.IsNullOrWhiteSpace(name))
        {
            problems.Add($"{Root}:Channels: a channel needs a name");
        }

        bool typed = TryParseType(channel.Type, out NotificationChannelType type);
        if (!typed)
        {
            problems.Add(string.IsNullOrWhiteSpace(channel.Type)
                ? $"{key}:Type: required: WeCom, DingTalk, Feishu or Webhook"
                : $"{key}:Type: unknown type '{channel.Type}'; use WeCom, DingTalk, Feishu or Webhook");
        }

        if (channel.Language is not null)
        {
            CheckLanguage(channel.Language, $"{key}:Language", problems);
        }

        // Messages name the key and the problem, never the URL or the secret: both are credentials.
        if (string.IsNullOrWhiteSpace(channel.Url))
        {
            problems.Add($"{key}:Url: required");
            return;
        }

        if (!Uri.TryCreate(channel.Url, UriKind.Absolute, out Uri? url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            problems.Add($"{key}:Url: not an absolute http(s) URL");
            return;
        }

        // The URL carries the robot's credential; plain http would show it to every hop on the way.
        if (url.Scheme == Uri.UriSchemeHttp && !IsLoopback(url))
        {
            problems.Add($"{key}:Url: plain http is only allowed to a loopback address; use https");
        }

        if (!typed)
        {
            return;
        }

        switch (type)
        {
            case NotificationChannelType.WeCom:
                if (!HasQueryParameter(url, "key"))
                {
                    problems.Add($"{key}:Url: a WeCom group robot URL carries its key (…/cgi-bin/webhook/send?key=…)");
                }

                if (!string.IsNullOrEmpty(channel.Secret))
                {
                    problems.Add($"{key}:Secret: WeCom group robots have no signing secret; remove it");
                }

                break;
            case NotificationChannelType.DingTalk:
                if (!HasQueryParameter(url, "access_token"))
                {
                    problems.Add($"{key}:Url: a DingTalk robot URL carries its token (…/robot/send?access_token=…)");
                }

                break;
            default:
                break;
        }
    }

    private static void CheckRoute(NotificationOptions options, NotificationRouteOptions route, string key, HashSet<string> notified, List<string> problems)
    {
        for (int s = 0; s < route.Sites.Count; s++)
        {
            if (string.IsNullOrWhiteSpace(route.Sites[s]))
            {
                problems.Add($"{key}:Sites:{Index(s)}: empty site id; use '*' for every site");
            }
        }

        if (!TryParseSeverity(route.MinSeverity, out _))
        {
            problems.Add($"{key}:MinSeverity: unknown severity '{route.MinSeverity}'; use info, warning, major or critical");
        }

        for (int k = 0; k < route.Kinds.Count; k++)
        {
            string kindKey = $"{key}:Kinds:{Index(k)}";
            if (CheckKind(route.Kinds[k], kindKey, problems) && !notified.Contains(route.Kinds[k]))
            {
                problems.Add($"{kindKey}: '{route.Kinds[k]}' is not in {Root}:Kinds, so it is never notified");
            }
        }

        if (route.Channels.Count == 0)
        {
            problems.Add($"{key}:Channels: a route needs at least one channel");
        }

        for (int c = 0; c < route.Channels.Count; c++)
        {
            string channel = route.Channels[c];
            if (!options.Channels.ContainsKey(channel ?? string.Empty))
            {
                problems.Add($"{key}:Channels:{Index(c)}: no channel named '{channel}'");
            }
        }
    }

    private static bool CheckKind(string kind, string key, List<string> problems)
    {
        if (ContractAlarmKinds.IsKnown(kind))
        {
            return true;
        }

        problems.Add($"{key}: unknown alarm kind '{kind}'; known kinds: {string.Join(", ", ContractAlarmKinds.All)}");
        return false;
    }

    private static void CheckLanguage(string? language, string key, List<string> problems)
    {
        if (language is null || !DisplayText.TryFor(language, out _))
        {
            problems.Add($"{key}: unknown language '{language}'; use zh-CN or en");
        }
    }

    private static void CheckPositive(TimeSpan value, string key, List<string> problems)
    {
        if (value <= TimeSpan.Zero)
        {
            problems.Add($"{key}: must be positive, not {value}");
        }
    }

    private static bool IsLoopback(Uri url) =>
        url.IsLoopback || (IPAddress.TryParse(url.DnsSafeHost, out IPAddress? address) && IPAddress.IsLoopback(address));

    private static bool HasQueryParameter(Uri url, string name) =>
        url.Query.TrimStart('?').Split('&').Any(pair => pair.StartsWith(name + "=", StringComparison.Ordinal) && pair.Length > name.Length + 1);

    private static string Index(int i) => i.ToString(CultureInfo.InvariantCulture);
}
