using EdgeGateway.Contracts.Alarms;

namespace EdgeGateway.Hub.Notifications;

/// <summary>
/// Alarm notifications (configuration section <c>Notifications</c>): which alarm kinds are pushed, to which chat
/// robots and webhooks (<see cref="Channels"/>), chosen by site and severity (<see cref="Routes"/>).
/// README.md beside this file documents every key and each platform's request format.
/// </summary>
/// <remarks>
/// Channel URLs and secrets are credentials (the WeCom key, the DingTalk access token, the Feishu hook id and every
/// signing secret): keep them out of appsettings.json in the repository and supply them through environment variables
/// (<c>Notifications__Channels__ops__Url</c>) or a protected file. They are never logged; logs name the channel only.
/// </remarks>
internal sealed class NotificationOptions
{
    public const string Section = "Notifications";

    /// <summary>The kinds notified when <see cref="Kinds"/> is empty: the alarms that mean danger or a locked-out port.</summary>
    public static IReadOnlyList<string> DefaultKinds { get; } =
    [
        AlarmKind.PortOverload.WireName(),
        AlarmKind.ShedOverload.WireName(),
        AlarmKind.PortShortCircuit.WireName(),
        AlarmKind.PortMaliciousLoad.WireName(),
        AlarmKind.Smoke.WireName(),
        AlarmKind.OverTemperature.WireName(),
        AlarmKind.BinFire.WireName(),
        AlarmKind.BinOverflow.WireName(),
    ];

    /// <summary><c>zh-CN</c> (default) or <c>en</c>: the language of the notices; a channel may override it.</summary>
    public string Language { get; set; } = "zh-CN";

    /// <summary>A critical alarm still neither acknowledged nor cleared this long after it was raised gets one reminder.</summary>
    public TimeSpan ReminderAfter { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Alarm kinds (contract wire names) that are notified at all; empty means <see cref="DefaultKinds"/>.
    /// Empty rather than pre-filled because the configuration binder appends to a list it finds filled.
    /// </summary>
    public List<string> Kinds { get; set; } = [];

    /// <summary>Where notices go, by channel name (configuration keys are case-insensitive, so are these names).</summary>
    public Dictionary<string, NotificationChannelOptions> Channels { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Which alarms go to which channels; an alarm that several routes match reaches each channel once.</summary>
    public List<NotificationRouteOptions> Routes { get; set; } = [];

    /// <summary>
    /// The SQLite ledger of this hub instance (pending and sent notices). A relative path is resolved against the
    /// host's content root; the host may set an absolute path under its data directory instead. Each hub instance needs
    /// its own file: the ledger holds an exclusive lock on it.
    /// </summary>
    public string LedgerPath { get; set; } = "notifications.db";

    /// <summary>The wait after the first failed attempt; it doubles with each further failure (with jitter).</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between attempts; delivery is retried at this pace for as long as it fails.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long one HTTP request may take, answer included.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Requests one channel may have under way at once (1 to 32): notices of different alarms overlap, so one slow or
    /// hanging request does not hold back the others; the notices of one alarm still go one after another, in recording
    /// order. While the channel's last attempt failed it sends one at a time (a robot that is down is not flooded).
    /// </summary>
    public int ChannelConcurrency { get; set; } = 4;

    /// <summary>The kinds in force: <see cref="Kinds"/>, or <see cref="DefaultKinds"/> when it is empty.</summary>
    public IReadOnlyList<string> NotifiedKinds => Kinds.Count > 0 ? Kinds : DefaultKinds;

    /// <summary>The ledger's full path: <see cref="LedgerPath"/> as is when absolute, else under <paramref name="contentRoot"/>.</summary>
    public string ResolveLedgerPath(string? contentRoot) =>
        Path.GetFullPath(Path.IsPathRooted(LedgerPath) ? LedgerPath : Path.Combine(contentRoot ?? AppContext.BaseDirectory, LedgerPath));
}

/// <summary>One chat robot or webhook.</summary>
internal sealed class NotificationChannelOptions
{
    /// <summary><c>WeCom</c>, <c>DingTalk</c>, <c>Feishu</c> (or <c>Lark</c>) or <c>Webhook</c>.</summary>
    public string? Type { get; set; }

    /// <summary>The robot's webhook address as the platform shows it, credentials included; https (http only to loopback).</summary>
    public string? Url { get; set; }

    /// <summary>DingTalk 加签 secret (<c>SEC…</c>), Feishu signature secret, or the generic webhook's HMAC key; optional.</summary>
    public string? Secret { get; set; }

    /// <summary>Overrides <see cref="NotificationOptions.Language"/> for this channel.</summary>
    public string? Language { get; set; }
}

/// <summary>Alarms of these sites, at least this severe, of these kinds, go to these channels.</summary>
internal sealed class NotificationRouteOptions
{
    /// <summary>Site ids; empty or <c>*</c> means every site.</summary>
    public List<string> Sites { get; set; } = [];

    /// <summary><c>info</c>, <c>warning</c>, <c>major</c> (default) or <c>critical</c>.</summary>
    public string MinSeverity { get; set; } = "major";

    /// <summary>Narrows <see cref="NotificationOptions.Kinds"/> for this route; empty means all of them.</summary>
    public List<string> Kinds { get; set; } = [];

    /// <summary>Names of entries in <see cref="NotificationOptions.Channels"/>.</summary>
    public List<string> Channels { get; set; } = [];
}
