using System.Globalization;
using System.Text;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Mqtt;

namespace EdgeGateway.Hub.Notifications;

/// <summary>What a notice announces about an alarm.</summary>
internal enum NoticeKind
{
    /// <summary>The alarm was raised.</summary>
    Raised = 0,

    /// <summary>The alarm cleared.</summary>
    Cleared = 1,

    /// <summary>A critical alarm is still neither acknowledged nor cleared <see cref="NotificationOptions.ReminderAfter"/> after it was raised.</summary>
    Reminder = 2,

    /// <summary>An incident was assigned to a maintenance user (Incidents): not made from an alarm message, see <see cref="AssignmentNotice"/>.</summary>
    Assigned = 3,
}

/// <summary>One labelled line of a notice.</summary>
internal readonly record struct NoticeField(string Label, string Value);

/// <summary>A notice as people read it: a one-line title and labelled facts; each platform lays it out its own way.</summary>
internal sealed record AlarmNotice(string Title, IReadOnlyList<NoticeField> Fields, string Separator)
{
    /// <summary>Title, then one <c>label: value</c> line per field.</summary>
    public string ToPlainText()
    {
        var text = new StringBuilder(Title);
        foreach (NoticeField field in Fields)
        {
            text.Append('\n').Append(field.Label).Append(Separator).Append(field.Value);
        }

        return text.ToString();
    }

    /// <summary>Bold title, then one <c>**label**: value</c> line per field, lines joined by <paramref name="lineBreak"/>.</summary>
    public string ToMarkdown(string titlePrefix, string lineBreak)
    {
        StringBuilder text = new StringBuilder(titlePrefix).Append("**").Append(Title).Append("**");
        foreach (NoticeField field in Fields)
        {
            text.Append(lineBreak).Append("**").Append(field.Label).Append("**").Append(Separator).Append(field.Value);
        }

        return text.ToString();
    }
}

/// <summary>
/// The words of alarm notices, Chinese (zh-CN) by default, English selectable: site, gateway, port or bin, what
/// happened, measured value and limit with unit, when (China Standard Time), severity; a cleared notice adds when and
/// why it cleared and how long it lasted; a reminder says how long it has been unacknowledged.
/// </summary>
/// <remarks>
/// Times are shown at the fixed offset UTC+8 (China Standard Time has had no daylight saving since 1991), computed
/// here rather than looked up in the machine's time zone database, which a minimal server image may lack.
/// </remarks>
internal static class AlarmNoticeText
{
    private static readonly TimeSpan ChinaStandardTime = TimeSpan.FromHours(8);

    private static readonly Words Chinese = new()
    {
        Separator = "：",
        Site = "站点",
        Gateway = "网关",
        Where = "位置",
        Alarm = "报警",
        Severity = "级别",
        Detail = "详情",
        Value = "测量值",
        Limit = "限值",
        Raised = "报警时间",
        ClearedAt = "解除时间",
        Lasted = "持续时间",
        ClearReason = "解除原因",
        Unacknowledged = "未确认时长",
        AlarmId = "报警编号",
        ClearedTag = "已解除",
        Port = "端口",
        Bin = "垃圾桶",
        Shed = "车棚",
        Thermometer = "温度计",
        VoltageTransformer = "电压互感器",
        SmokeDetector = "烟雾探测器",
        GatewayItself = "网关",
        GatewayBufferFull = "网关缓存已满(遥测数据被丢弃)",
        Flapping = "（反复报警）",
        AssignedTag = "事件指派",
        ShedName = "车棚",
        AssignedTo = "指派给",
        AssignedBy = "指派人",
        AssignedAt = "指派时间",
        Comment = "备注",
        Day = "天",
        Hour = "小时",
        Minute = "分",
        Second = "秒",
        Minutes = " 分钟",
        UnitSpace = string.Empty,
    };

    private static readonly Words English = new()
    {
        Separator = ": ",
        Site = "Site",
        Gateway = "Gateway",
        Where = "Where",
        Alarm = "Alarm",
        Severity = "Severity",
        Detail = "Detail",
        Value = "Value",
        Limit = "Limit",
        Raised = "Raised",
        ClearedAt = "Cleared",
        Lasted = "Lasted",
        ClearReason = "Clear reason",
        Unacknowledged = "Unacknowledged for",
        AlarmId = "Alarm id",
        ClearedTag = "Cleared",
        Port = "port",
        Bin = "bin",
        Shed = "shed",
        Thermometer = "thermometer",
        VoltageTransformer = "voltage transformer",
        SmokeDetector = "smoke detector",
        GatewayItself = "gateway",
        GatewayBufferFull = "Gateway buffer full (telemetry dropped)",
        Flapping = " (flapping)",
        AssignedTag = "Incident assigned",
        ShedName = "Shed",
        AssignedTo = "Assigned to",
        AssignedBy = "Assigned by",
        AssignedAt = "Assigned",
        Comment = "Comment",
        Day = " d",
        Hour = " h",
        Minute = " min",
        Second = " s",
        Minutes = " min",
        UnitSpace = " ",
    };

    /// <summary>The notice for <paramref name="alarm"/> in the language of <paramref name="text"/>; <paramref name="now"/> dates a reminder.</summary>
    public static AlarmNotice Compose(AlarmMessage alarm, NoticeKind notice, DisplayText text, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(alarm);
        ArgumentNullException.ThrowIfNull(text);
        bool chinese = ReferenceEquals(text, DisplayText.Chinese);
        Words words = chinese ? Chinese : English;

        // A flapping alarm's clear (and any notice composed from a flapping message) says so beside what it was.
        string kind = KindName(alarm.Kind, text, words) + (alarm.Flapping ? words.Flapping : string.Empty);
        string severity = text.Severity(alarm.Severity);
        string where = Where(alarm.Source, words);
        string subject = $"{kind} — {alarm.Site} {alarm.Gateway} {where}";
        int unacknowledgedMinutes = (int)Math.Max(0, Math.Floor((now - alarm.RaisedTs).TotalMinutes));

        string title = (notice, chinese) switch
        {
            (NoticeKind.Cleared, true) => $"【{words.ClearedTag}】{subject}",
            (NoticeKind.Cleared, false) => $"[{words.ClearedTag}] {subject}",
            (NoticeKind.Reminder, true) => $"【{severity}·未确认 {unacknowledgedMinutes} 分钟】{subject}",
            (NoticeKind.Reminder, false) => $"[{severity}, unacknowledged {unacknowledgedMinutes} min] {subject}",
            (_, true) => $"【{severity}】{subject}",
            _ => $"[{severity}] {subject}",
        };

        var fields = new List<NoticeField>
        {
            new(words.Site, alarm.Site),
            new(words.Gateway, alarm.Gateway),
            new(words.Where, where),
            new(words.Alarm, kind),
            new(words.Severity, severity),
        };
        // The reason code in the reader's language; the gateway's English detail for a code this hub does not know.
        string detail = ReasonText.For(text).Render(alarm.Reason, alarm.Detail);
        if (!string.IsNullOrWhiteSpace(detail))
        {
            fields.Add(new(words.Detail, detail));
        }

        if (alarm.Value is double value)
        {
            fields.Add(new(words.Value, Quantity(value, alarm.Unit)));
        }

        if (alarm.Threshold is double threshold)
        {
            fields.Add(new(words.Limit, Quantity(threshold, alarm.Unit)));
        }

        fields.Add(new(words.Raised, Time(alarm.RaisedTs)));
        if (notice == NoticeKind.Cleared)
        {
            if (alarm.ClearedTs is DateTimeOffset cleared)
            {
                fields.Add(new(words.ClearedAt, Time(cleared)));
                fields.Add(new(words.Lasted, Duration(cleared - alarm.RaisedTs, words)));
            }

            if (!string.IsNullOrWhiteSpace(alarm.ClearReason))
            {
                // The clear code in the reader's language; the gateway's English for a code this hub does not know.
                fields.Add(new(words.ClearReason, ReasonText.For(text).Render(alarm.ClearCode, alarm.ClearReason)));
            }
        }
        else if (notice == NoticeKind.Reminder)
        {
            fields.Add(new(words.Unacknowledged, string.Create(CultureInfo.InvariantCulture, $"{unacknowledgedMinutes}{words.Minutes}")));
        }

        fields.Add(new(words.AlarmId, alarm.AlarmId));
        return new AlarmNotice(title, fields, words.Separator);
    }

    /// <summary>
    /// The notice that an incident was assigned, in the language of <paramref name="text"/>: to whom and by whom (display
    /// names), the shed by its name (the English one for an English channel when the registry has one), where (port or
    /// bin), the alarm's kind, the manager's comment, when, and the alarm id. The title and a label carry 报警 / Alarm,
    /// the keyword a DingTalk robot may be set to require.
    /// </summary>
    public static AlarmNotice ComposeAssignment(AssignmentNotice assignment, DisplayText text)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        ArgumentNullException.ThrowIfNull(text);
        bool chinese = ReferenceEquals(text, DisplayText.Chinese);
        Words words = chinese ? Chinese : English;
        string kind = KindName(assignment.Kind, text, words);
        string where = Where(assignment.Source, words);
        string shed = !chinese && !string.IsNullOrWhiteSpace(assignment.SiteNameEn) ? assignment.SiteNameEn : assignment.SiteName ?? assignment.Site;
        string subject = $"{kind} — {shed} {where} → {assignment.AssigneeName}";
        var fields = new List<NoticeField>
        {
            new(words.AssignedTo, assignment.AssigneeName),
            new(words.ShedName, shed),
            new(words.Site, assignment.Site),
            new(words.Gateway, assignment.Gateway),
            new(words.Where, where),
            new(words.Alarm, kind),
            new(words.AssignedBy, assignment.AssignedByName),
        };
        if (!string.IsNullOrWhiteSpace(assignment.Comment))
        {
            fields.Add(new(words.Comment, assignment.Comment));
        }

        fields.Add(new(words.AssignedAt, Time(assignment.AssignedAt)));
        fields.Add(new(words.AlarmId, assignment.AlarmId));
        return new AlarmNotice(chinese ? $"【{words.AssignedTag}】{subject}" : $"[{words.AssignedTag}] {subject}", fields, words.Separator);
    }

    /// <summary>The name of an alarm kind; the link's own <c>gateway_buffer_full</c> and kinds newer than this hub get a text too.</summary>
    public static string KindName(string wireName, DisplayText text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return KindName(wireName, text, ReferenceEquals(text, DisplayText.Chinese) ? Chinese : English);
    }

    /// <summary><paramref name="value"/> at UTC+8 as <c>yyyy-MM-dd HH:mm:ss (UTC+8)</c>.</summary>
    public static string Time(DateTimeOffset value) =>
        value.ToOffset(ChinaStandardTime).ToString("yyyy'-'MM'-'dd' 'HH':'mm':'ss", CultureInfo.InvariantCulture) + " (UTC+8)";

    /// <summary>
    /// Cuts <paramref name="text"/> to at most <paramref name="maxBytes"/> UTF-8 bytes on a character boundary (never
    /// inside a surrogate pair or a multi-byte sequence) and marks the cut with an ellipsis.
    /// </summary>
    public static string TruncateUtf8(string text, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }

        const char Ellipsis = '…';
        int budget = maxBytes - 3; // the ellipsis, U+2026, is three bytes in UTF-8
        var kept = new StringBuilder();
        int used = 0;
        foreach (Rune rune in text.EnumerateRunes())
        {
            if (used + rune.Utf8SequenceLength > budget)
            {
                break;
            }

            used += rune.Utf8SequenceLength;
            kept.Append(rune.ToString());
        }

        return kept.Append(Ellipsis).ToString();
    }

    private static string KindName(string wireName, DisplayText text, Words words)
    {
        if (AlarmKinds.TryParse(wireName, out AlarmKind kind))
        {
            return text.Alarm(kind);
        }

        return wireName == ContractAlarmKinds.GatewayBufferFull ? words.GatewayBufferFull : wireName;
    }

    /// <summary>The contract's <c>source</c> in words: <c>port:p03</c> → 端口 p03 / port p03.</summary>
    private static string Where(string source, Words words)
    {
        int colon = source.IndexOf(':', StringComparison.Ordinal);
        string prefix = colon < 0 ? source : source[..colon];
        string id = colon < 0 ? string.Empty : source[(colon + 1)..];
        string? name = prefix switch
        {
            "port" => words.Port,
            "bin" => words.Bin,
            "shed" => words.Shed,
            "thermometer" => words.Thermometer,
            "vt" => words.VoltageTransformer,
            "smoke" => words.SmokeDetector,
            "gateway" => words.GatewayItself,
            _ => null,
        };
        return name is null ? source : id.Length == 0 ? name : $"{name} {id}";
    }

    private static string Quantity(double value, string? unit)
    {
        string number = value.ToString("0.###", CultureInfo.InvariantCulture);
        if (string.IsNullOrEmpty(unit))
        {
            return number;
        }

        // SI style (a space before the unit symbol) except the two symbols written closed up in both languages.
        return unit is "%" or "°C" ? number + unit : number + " " + unit;
    }

    /// <summary>The two largest non-zero units: 1天3小时, 2 min 5 s.</summary>
    private static string Duration(TimeSpan span, Words words)
    {
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }

        (long Amount, string Unit)[] parts =
        [
            ((long)span.TotalDays, words.Day),
            (span.Hours, words.Hour),
            (span.Minutes, words.Minute),
            (span.Seconds, words.Second),
        ];
        int first = Array.FindIndex(parts, part => part.Amount > 0);
        if (first < 0)
        {
            return "0" + words.Second;
        }

        string separator = words.UnitSpace;
        return string.Join(separator, parts.Skip(first).Take(2).Where(part => part.Amount > 0)
            .Select(part => string.Create(CultureInfo.InvariantCulture, $"{part.Amount}{part.Unit}")));
    }

    private sealed record Words
    {
        public required string Separator { get; init; }

        public required string Site { get; init; }

        public required string Gateway { get; init; }

        public required string Where { get; init; }

        public required string Alarm { get; init; }

        public required string Severity { get; init; }

        public required string Detail { get; init; }

        public required string Value { get; init; }

        public required string Limit { get; init; }

        public required string Raised { get; init; }

        public required string ClearedAt { get; init; }

        public required string Lasted { get; init; }

        public required string ClearReason { get; init; }

        public required string Unacknowledged { get; init; }

        public required string AlarmId { get; init; }

        public required string ClearedTag { get; init; }

        public required string Port { get; init; }

        public required string Bin { get; init; }

        public required string Shed { get; init; }

        public required string Thermometer { get; init; }

        public required string VoltageTransformer { get; init; }

        public required string SmokeDetector { get; init; }

        public required string GatewayItself { get; init; }

        public required string GatewayBufferFull { get; init; }

        /// <summary>After the alarm's name when it was flapping (raised and cleared too often, held raised).</summary>
        public required string Flapping { get; init; }

        public required string AssignedTag { get; init; }

        public required string ShedName { get; init; }

        public required string AssignedTo { get; init; }

        public required string AssignedBy { get; init; }

        public required string AssignedAt { get; init; }

        public required string Comment { get; init; }

        public required string Day { get; init; }

        public required string Hour { get; init; }

        public required string Minute { get; init; }

        public required string Second { get; init; }

        public required string Minutes { get; init; }

        /// <summary>Between the parts of a duration: none in Chinese (1小时2分), a space in English (1 h 2 min).</summary>
        public required string UnitSpace { get; init; }
    }
}
