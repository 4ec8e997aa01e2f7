using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.WebConsole.Dashboard;
using EdgeGateway.Hub.WebConsole.History;
using EdgeGateway.Hub.WebConsole.Scope;
using EdgeGateway.Hub.WebConsole.Store;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EdgeGateway.Hub.WebConsole.Api;

/// <summary><c>/api/alarms/active</c>, <c>/api/alarms/{id}/ack</c>, <c>/api/alarms/history</c> and its CSV.</summary>
internal static partial class AlarmEndpoints
{
    public const int MaxCommentLength = 500;

    private const int MaxHistoryLimit = 10_000;
    private static readonly TimeSpan DefaultHistory = TimeSpan.FromDays(7);
    private static readonly TimeSpan MaxHistory = TimeSpan.FromDays(400);
    private static readonly TimeSpan ChinaStandardTime = TimeSpan.FromHours(8);

    public static RouteGroupBuilder MapAlarmReadEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/alarms/active", (HttpContext http, LiveDashboard board, ConsoleUserDirectory users, ConsoleScope scope) =>
        {
            ConsoleText text = ConsoleLanguage.Text(http, users);
            Func<string, string?> name = SiteNames.For(http, scope, board, users);
            return TypedResults.Json(
                new AlarmList([.. board.ActiveAlarms().Where(a => scope.Sees(a.Site)).Select(a => a.View(text) with { SiteName = name(a.Site) })]),
                ConsoleJson.Web.AlarmList);
        });
        api.MapGet("/alarms/history", HistoryAsync);
        api.MapGet("/alarms/history.csv", HistoryCsvAsync);
        return api;
    }

    public static RouteGroupBuilder MapAlarmAckEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/alarms/{alarmId}/ack", AcknowledgeAsync);
        return api;
    }

    /// <summary>Alarm objects in the caller's language, with the acknowledgements the console recorded.</summary>
    internal static List<AlarmView> Views(IEnumerable<AlarmRecord> alarms, ConsoleStore store, ConsoleText text, Func<string, string?>? name = null)
    {
        List<AlarmRecord> list = [.. alarms];
        Dictionary<(string Site, string Gateway, string AlarmId), AlarmAck> acks = store.FindAcks(list.Where(a => a.Ack is null).Select(a => (a.Site, a.Gateway, a.AlarmId)));
        return [.. list.Select(a => (a.Ack is null && acks.TryGetValue((a.Site, a.Gateway, a.AlarmId), out AlarmAck? ack) ? a with { Ack = ack } : a).View(text) with { SiteName = name?.Invoke(a.Site) })];
    }

    private static async Task<Results<JsonHttpResult<AlarmView>, JsonHttpResult<ConsoleError>>> AcknowledgeAsync(
        string alarmId, HttpContext http, LiveDashboard board, ConsoleLink link, ConsoleStore store, ConsoleUserDirectory users, ConsoleScope scope, TimeProvider time, ILogger<ConsoleLink> logger)
    {
        var caller = ConsoleCaller.Of(http, users);
        ConsoleText text = caller.Text;
        DateTimeOffset now = time.GetUtcNow();
        AckRequest? body;
        try
        {
            // Room for 500 characters of any script, escaped; nothing larger is read.
            byte[] bytes = await CommandEndpoints.ReadBodyAsync(http.Request, 16 * 1024, http.RequestAborted)
                ?? throw new JsonException("the body is larger than 16 KiB");
            body = bytes.Length == 0 ? null : JsonSerializer.Deserialize(bytes, ConsoleJson.Web.AckRequest);
        }
        catch (JsonException exception)
        {
            store.Audit(caller.Audit(now, "alarm_ack", alarmId, null, "invalid: malformed JSON"));
            return ConsoleResults.InvalidRequest(text, "malformed JSON: " + exception.Message);
        }

        string? comment = string.IsNullOrWhiteSpace(body?.Comment) ? null : body.Comment.Trim();
        if (comment is not null && comment.EnumerateRunes().Count() > MaxCommentLength)
        {
            store.Audit(caller.Audit(now, "alarm_ack", alarmId, null, "invalid: comment too long"));
            return ConsoleResults.InvalidRequest(text, text.CommentTooLong(MaxCommentLength));
        }

        // Another company's alarm is not found, as an unknown one is: a company learns nothing of another's sheds.
        if (!ContractIds.IsValid(alarmId) || board.FindAlarm(alarmId) is not { } alarm || !scope.Sees(alarm.Site))
        {
            store.Audit(caller.Audit(now, "alarm_ack", alarmId.Length > ContractIds.MaxLength ? alarmId[..ContractIds.MaxLength] : alarmId, comment, "not_found"));
            return ConsoleResults.NotFound(text, text.Alarm(alarmId));
        }

        string target = $"{alarm.Site}/{alarm.Gateway}/{alarm.Source}";
        string detail = $"{alarm.Kind} {alarm.AlarmId}" + (comment is null ? "" : "; comment: " + comment);
        var ack = new AlarmAck(alarm.AlarmId, alarm.Site, alarm.Gateway, caller.Name, caller.Role, now, comment, caller.DisplayName);

        // The store's key decides a race between two acknowledgements: the second is refused, whoever it came from.
        if (!store.TryAcknowledge(ack))
        {
            AlarmAck first = store.FindAck(alarm.Site, alarm.Gateway, alarm.AlarmId) ?? ack;
            board.Acknowledge(first);
            store.Audit(caller.Audit(now, "alarm_ack", target, detail, $"conflict: already acknowledged by {first.User}"));
            return ConsoleResults.Error(StatusCodes.Status409Conflict, ConsoleError.AlreadyAcknowledgedCode, text.AlreadyAcknowledged(first.ShownName, first.At));
        }

        // The operator is the login (an id the gateway logs); the display name travels beside it for the other instances' consoles.
        var request = new CommandRequest { AlarmId = alarm.AlarmId, Operator = caller.Name, Comment = comment };
        if (!await link.SendAsync(alarm.Site, alarm.Gateway, ContractCommands.AlarmAck, request, http.RequestAborted))
        {
            store.Withdraw(ack);
            store.Audit(caller.Audit(now, "alarm_ack", target, detail, "failed: the MQTT broker is not reachable"));
            return ConsoleResults.Error(StatusCodes.Status503ServiceUnavailable, ConsoleError.BrokerUnreachableCode, text.BrokerUnreachable);
        }

        AlarmRecord acknowledged = board.Acknowledge(ack) ?? alarm with { Ack = ack };
        store.Audit(caller.Audit(now, "alarm_ack", target, detail, "ok"));
        LogAcknowledged(logger, alarm.AlarmId, caller.Name);
        return TypedResults.Json(acknowledged.View(text), ConsoleJson.Web.AlarmView);
    }

    private static async Task<Results<JsonHttpResult<AlarmHistoryView>, JsonHttpResult<ConsoleError>>> HistoryAsync(
        HttpContext http, ConsoleHistory history, ConsoleStore store, LiveDashboard board, ConsoleUserDirectory users, ConsoleScope scope, TimeProvider time, CancellationToken cancellationToken)
    {
        ConsoleText text = ConsoleLanguage.Text(http, users);
        Func<string, string?> name = SiteNames.For(http, scope, board, users);
        if (HistoryQuery.Parse(http.Request.Query, time.GetUtcNow(), 500) is not { } query)
        {
            return ConsoleResults.InvalidRequest(text, HistoryQuery.Usage);
        }

        try
        {
            List<AlarmRecord> alarms = await history.AlarmsAsync(query.From, query.To, query.Site, query.Kind, query.Limit, cancellationToken, scope.Sites);
            return TypedResults.Json(new AlarmHistoryView(Views(alarms, store, text, name), true, null), ConsoleJson.Web.AlarmHistoryView);
        }
        catch (HistoryUnavailableException exception)
        {
            return TypedResults.Json(new AlarmHistoryView([], false, DashboardEndpoints.Unavailable(text, exception)), ConsoleJson.Web.AlarmHistoryView);
        }
    }

    /// <summary>The history as CSV for Excel: UTF-8 with a byte order mark (without it Excel reads Chinese as mojibake),
    /// CRLF lines (RFC 4180), the header in the user's language, times in China Standard Time.</summary>
    private static async Task<Results<FileContentHttpResult, JsonHttpResult<ConsoleError>>> HistoryCsvAsync(
        HttpContext http, ConsoleHistory history, ConsoleStore store, LiveDashboard board, ConsoleUserDirectory users, ConsoleScope scope, TimeProvider time, CancellationToken cancellationToken)
    {
        ConsoleText text = ConsoleLanguage.Text(http, users);
        Func<string, string?> siteName = SiteNames.For(http, scope, board, users);
        DateTimeOffset now = time.GetUtcNow();
        if (HistoryQuery.Parse(http.Request.Query, now, MaxHistoryLimit) is not { } query)
        {
            return ConsoleResults.InvalidRequest(text, HistoryQuery.Usage);
        }

        List<AlarmView> alarms;
        try
        {
            alarms = Views(await history.AlarmsAsync(query.From, query.To, query.Site, query.Kind, query.Limit, cancellationToken, scope.Sites), store, text, siteName);
        }
        catch (HistoryUnavailableException exception)
        {
            return ConsoleResults.Error(StatusCodes.Status503ServiceUnavailable, "history_unavailable", DashboardEndpoints.Unavailable(text, exception));
        }

        var csv = new StringBuilder();
        Line(csv, text.AlarmCsvHeader);
        foreach (AlarmView a in alarms)
        {
            Line(csv,
            [
                a.AlarmId, a.Site, a.Gateway, a.Kind, a.KindText, text.Display.Severity(AlarmRecord.ParseSeverity(a.Severity)), a.Source, a.Port, a.Bin,
                Number(a.Value), Number(a.Threshold), a.Unit, Local(a.RaisedTs), Local(a.ClearedTs), a.Detail, a.ClearReason,
                a.Acknowledged ? text.Yes : text.No, a.AcknowledgedBy, Local(a.AcknowledgedTs), a.AckComment, a.SiteName,
            ]);
        }

        byte[] bytes = [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(csv.ToString())];
        string name = string.Create(CultureInfo.InvariantCulture, $"alarms-{query.From.ToOffset(ChinaStandardTime):yyyyMMdd}-{query.To.ToOffset(ChinaStandardTime):yyyyMMdd}.csv");
        return TypedResults.File(bytes, "text/csv; charset=utf-8", name);
    }

    private static string? Number(double? value) => value?.ToString("0.###", CultureInfo.InvariantCulture);

    private static string? Local(DateTimeOffset? value) =>
        value?.ToOffset(ChinaStandardTime).ToString("yyyy'-'MM'-'dd' 'HH':'mm':'ss", CultureInfo.InvariantCulture);

    internal static void Line(StringBuilder csv, IReadOnlyList<string?> cells)
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

    /// <summary>One cell: quoted when it holds a comma, quote or line break; a text a spreadsheet would take for a formula
    /// (a gateway's detail text starting with '=', '+', '-', '@') gets a leading apostrophe (OWASP CSV injection).</summary>
    internal static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Console: alarm {AlarmId} acknowledged by {User}")]
    private static partial void LogAcknowledged(ILogger logger, string alarmId, string user);

    /// <summary>The history's query: <c>site</c>, <c>kind</c>, <c>from</c>, <c>to</c> (ISO 8601; a bare date is a China
    /// Standard Time day, <c>to</c> inclusive), <c>limit</c>.</summary>
    private sealed record HistoryQuery(DateTimeOffset From, DateTimeOffset To, string? Site, string? Kind, int Limit)
    {
        public const string Usage = "site and kind: ids; from, to: ISO 8601 dates or times, from before to, at most 400 days apart; limit: 1 .. 10000";

        public static HistoryQuery? Parse(IQueryCollection query, DateTimeOffset now, int defaultLimit)
        {
            if (!TryOptional(query["site"], out string? site) || !TryOptional(query["kind"], out string? kind)
                || !TryOptional(query["limit"], out string? limitText) || !TryOptional(query["from"], out string? fromText)
                || !TryOptional(query["to"], out string? toText))
            {
                return null;
            }

            if ((site is not null && !ContractTopics.IsValidSegment(site)) || (kind is not null && !ContractTopics.IsValidSegment(kind)))
            {
                return null;
            }

            int limit = defaultLimit;
            if (limitText is not null && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxHistoryLimit))
            {
                return null;
            }

            DateTimeOffset to = now;
            DateTimeOffset from = default;
            if ((toText is not null && !TryTime(toText, endOfDay: true, out to)) || (fromText is not null && !TryTime(fromText, endOfDay: false, out from)))
            {
                return null;
            }

            if (fromText is null)
            {
                from = to - DefaultHistory;
            }

            return from < to && to - from <= MaxHistory ? new HistoryQuery(from, to, site, kind, limit) : null;
        }

        /// <summary>A parameter given once (or not at all: null); false when it is given twice, which is refused rather than guessed.</summary>
        private static bool TryOptional(Microsoft.Extensions.Primitives.StringValues values, out string? value)
        {
            value = values.Count == 0 || string.IsNullOrWhiteSpace(values[0]) ? null : values[0]!.Trim();
            return values.Count <= 1;
        }

        private static bool TryTime(string text, bool endOfDay, out DateTimeOffset value)
        {
            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly day))
            {
                value = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), ChinaStandardTime) + (endOfDay ? TimeSpan.FromDays(1) - TimeSpan.FromMilliseconds(1) : TimeSpan.Zero);
                return true;
            }

            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
        }
    }
}
