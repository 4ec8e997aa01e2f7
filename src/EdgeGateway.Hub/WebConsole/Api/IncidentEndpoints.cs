using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Incidents;
using EdgeGateway.Hub.Notifications;
using EdgeGateway.Hub.Tenants;
using EdgeGateway.Hub.WebConsole.Dashboard;
using EdgeGateway.Hub.WebConsole.Scope;
using EdgeGateway.Hub.WebConsole.Store;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EdgeGateway.Hub.WebConsole.Api;

/// <summary>
/// <c>/api/incidents…</c> (API.md "Incidents"): the list and one incident with its steps (manager, maintenance, admin;
/// a company's users their company's, district staff every company's), the managers' transitions (acknowledge,
/// assign, close), the maintenance staff's (on site, resolve), and the weekly statistics with their CSV (viewer,
/// manager, admin). Every transition is decided by <see cref="IncidentLifecycle"/>, refused with a reason (400), and
/// audited.
/// </summary>
internal static partial class IncidentEndpoints
{
    private const string IncidentRoute = "/incidents/{site}/{gw}/{alarmId}";
    private const int MaxWeeks = 53;

    /// <summary>Reads: the list, one incident, the maintenance staff an incident of a site may be assigned to.</summary>
    public static RouteGroupBuilder MapIncidentReadEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/incidents", List);
        api.MapGet(IncidentRoute, Get);
        api.MapGet("/incidents/assignees/{site}", Assignees);
        return api;
    }

    /// <summary>The managers' transitions (manager, admin).</summary>
    public static RouteGroupBuilder MapIncidentManagerEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost(IncidentRoute + "/ack", (string site, string gw, string alarmId, HttpContext http) => TransitionAsync(IncidentLifecycle.Acknowledge, new IncidentKey(site, gw, alarmId), http));
        api.MapPost(IncidentRoute + "/assign", (string site, string gw, string alarmId, HttpContext http) => TransitionAsync(IncidentLifecycle.Assign, new IncidentKey(site, gw, alarmId), http));
        api.MapPost(IncidentRoute + "/close", (string site, string gw, string alarmId, HttpContext http) => TransitionAsync(IncidentLifecycle.Close, new IncidentKey(site, gw, alarmId), http));
        return api;
    }

    /// <summary>The maintenance staff's transitions (maintenance, admin).</summary>
    public static RouteGroupBuilder MapIncidentFieldEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost(IncidentRoute + "/on_site", (string site, string gw, string alarmId, HttpContext http) => TransitionAsync(IncidentLifecycle.ArriveOnSite, new IncidentKey(site, gw, alarmId), http));
        api.MapPost(IncidentRoute + "/resolve", (string site, string gw, string alarmId, HttpContext http) => TransitionAsync(IncidentLifecycle.Resolve, new IncidentKey(site, gw, alarmId), http));
        return api;
    }

    /// <summary>The weekly statistics and their CSV (viewer, manager, admin).</summary>
    public static RouteGroupBuilder MapIncidentStatisticsEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/incidents/stats", Statistics);
        api.MapGet("/incidents/stats.csv", StatisticsCsv);
        return api;
    }

    /// <summary><c>?state=</c> a state, or <c>open</c> (every state but closed); <c>mine=true</c>: assigned to the caller;
    /// <c>site=</c> one site.</summary>
    private static Results<JsonHttpResult<IncidentList>, JsonHttpResult<ConsoleError>> List(
        string? state, string? mine, string? site, HttpContext http, IncidentStore store, LiveDashboard board, ConsoleUserDirectory users, ConsoleScope scope, TimeProvider time)
    {
        ConsoleText text = ConsoleLanguage.Text(http, users);
        IncidentState? only = null;
        if (state is not null and not "open")
        {
            if (!IncidentWire.TryParseState(state, out IncidentState parsed))
            {
                return ConsoleResults.InvalidRequest(text, "state: open or one of " + string.Join(", ", IncidentWire.States));
            }

            only = parsed;
        }

        if (site is not null && !ContractTopics.IsValidSegment(site))
        {
            return ConsoleResults.InvalidRequest(text, "site: a site id");
        }

        IReadOnlyList<string>? sites = site is null ? scope.Sites : scope.Sees(site) ? [site] : [];
        var filter = new IncidentFilter(sites, only, state == "open", mine == "true" ? http.User.Identity?.Name : null);
        Func<string, string?> name = SiteNames.For(http, scope, board, users);
        DateTimeOffset now = time.GetUtcNow();
        return TypedResults.Json(new IncidentList([.. store.List(filter).Select(i => View(i, text, name, users, scope.Directory, now, withSteps: false))]), ConsoleJson.Web.IncidentList);
    }

    private static Results<JsonHttpResult<IncidentView>, JsonHttpResult<ConsoleError>> Get(
        string site, string gw, string alarmId, HttpContext http, IncidentStore store, LiveDashboard board, ConsoleUserDirectory users, ConsoleScope scope, TimeProvider time)
    {
        ConsoleText text = ConsoleLanguage.Text(http, users);
        var key = new IncidentKey(site, gw, alarmId);
        return scope.Sees(site) && store.Find(key) is { } incident
            ? TypedResults.Json(View(incident, text, SiteNames.For(http, scope, board, users), users, scope.Directory, time.GetUtcNow(), withSteps: true), ConsoleJson.Web.IncidentView)
            : ConsoleResults.NotFound(text, Incident(text, key));
    }

    /// <summary>The maintenance staff of the company that runs <paramref name="site"/>: whom a manager may assign.</summary>
    private static Results<JsonHttpResult<AssigneeList>, JsonHttpResult<ConsoleError>> Assignees(string site, HttpContext http, ConsoleUserDirectory users, ConsoleScope scope)
    {
        string? company = scope.Directory.CompanyOf(site);
        return TypedResults.Json(
            new AssigneeList([.. users.Accounts
                .Where(a => a.Role == ConsoleRoles.Maintenance && company is not null && string.Equals(a.Company, company, StringComparison.Ordinal))
                .OrderBy(a => a.Name, StringComparer.Ordinal)
                .Select(a => new AssigneeView(a.Name, a.DisplayName))]),
            ConsoleJson.Web.AssigneeList);
    }

    private static async Task<Results<JsonHttpResult<IncidentView>, JsonHttpResult<ConsoleError>>> TransitionAsync(string transition, IncidentKey key, HttpContext http)
    {
        IServiceProvider services = http.RequestServices;
        ConsoleUserDirectory users = services.GetRequiredService<ConsoleUserDirectory>();
        ConsoleStore console = services.GetRequiredService<ConsoleStore>();
        IncidentStore store = services.GetRequiredService<IncidentStore>();
        IncidentLifecycle lifecycle = services.GetRequiredService<IncidentLifecycle>();
        var scope = ConsoleScope.Of(http);
        var caller = ConsoleCaller.Of(http, users);
        ConsoleText text = caller.Text;
        DateTimeOffset now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        // Named as the route names the transition: incident_ack, incident_assign, incident_on_site, incident_resolve, incident_close.
        string action = "incident_" + (transition == IncidentLifecycle.Acknowledge ? "ack" : transition);
        string target = key.ToString();
        if (target.Length > 300)
        {
            target = target[..300];
        }

        IncidentRequest? body;
        try
        {
            // Room for 500 characters of any script, escaped; nothing larger is read.
            byte[] bytes = await CommandEndpoints.ReadBodyAsync(http.Request, 16 * 1024, http.RequestAborted)
                ?? throw new JsonException("the body is larger than 16 KiB");
            body = bytes.Length == 0 ? null : JsonSerializer.Deserialize(bytes, ConsoleJson.Web.IncidentRequest);
        }
        catch (JsonException exception)
        {
            console.Audit(caller.Audit(now, action, target, null, "invalid: malformed JSON"));
            return ConsoleResults.InvalidRequest(text, "malformed JSON: " + exception.Message);
        }

        var actor = new IncidentActor(caller.Name, caller.Role ?? "", users.Find(caller.Name)?.Company);
        string? assigneeName = body?.Assignee?.Trim();
        IncidentActor? assignee = users.Find(assigneeName) is { } account ? new IncidentActor(account.Name, account.Role, account.Company) : null;
        (Incident Incident, IncidentDecision Decision)? outcome = !ContractIds.IsValid(key.AlarmId) || !scope.Sees(key.Site) ? null : store.Apply(key, incident => transition switch
        {
            IncidentLifecycle.Acknowledge => lifecycle.AcknowledgeBy(incident, actor, body?.Comment),
            IncidentLifecycle.Assign => lifecycle.AssignTo(incident, actor, assigneeName ?? "", assignee, body?.Comment),
            IncidentLifecycle.ArriveOnSite => lifecycle.OnSiteBy(incident, actor, body?.Comment),
            IncidentLifecycle.Resolve => lifecycle.ResolveBy(incident, actor, body?.Resolution, body?.Comment),
            _ => lifecycle.CloseBy(incident, actor, body?.Comment),
        });
        string detail = string.Join("; ", new[] { assigneeName is null ? null : "assignee: " + assigneeName, body?.Resolution is null ? null : "resolution: " + body.Resolution, string.IsNullOrWhiteSpace(body?.Comment) ? null : "comment: " + body.Comment.Trim() }.OfType<string>());
        detail = detail.Length > 700 ? detail[..700] : detail;
        if (outcome is not { } done)
        {
            console.Audit(caller.Audit(now, action, target, detail, "not_found"));
            return ConsoleResults.NotFound(text, Incident(text, key));
        }

        if (done.Decision.Refusal is { } refusal)
        {
            console.Audit(caller.Audit(now, action, target, detail, "refused: " + IncidentText.Refusal(refusal, chinese: false)));
            return ConsoleResults.Error(StatusCodes.Status400BadRequest, ConsoleError.InvalidTransitionCode, IncidentText.Refusal(refusal, IsChinese(text)));
        }

        console.Audit(caller.Audit(now, action, target, detail, "ok"));
        ILogger<IncidentStore> logger = services.GetRequiredService<ILogger<IncidentStore>>();
        LogTransition(logger, target, transition, caller.Name);
        LiveDashboard board = services.GetRequiredService<LiveDashboard>();
        if (transition == IncidentLifecycle.Assign)
        {
            NotifyAssignee(services, done.Incident, board, users, logger);
        }

        Func<string, string?> name = SiteNames.For(http, scope, board, users);
        return TypedResults.Json(View(done.Incident, text, name, users, scope.Directory, now, withSteps: true), ConsoleJson.Web.IncidentView);
    }

    /// <summary>
    /// The newest <paramref name="limit"/> incident steps taken by <c>system</c> as audit entries: <c>incident_opened</c>,
    /// <c>incident_reopened</c>, <c>incident_alarm_cleared</c> (the gateway's clear) and <c>incident_auto_close</c>, the
    /// target the incident, the detail the alarm it is about.
    /// </summary>
    internal static IEnumerable<AuditEntry> SystemAudit(IncidentStore store, int limit) =>
        store.SystemSteps(limit).Select(s => new AuditEntry(
            s.Step.At, IncidentWire.System, null, s.Step.Action == IncidentWire.Closed ? "incident_auto_close" : "incident_" + s.Step.Action,
            s.Incident.ToString(), s.Step.Action == IncidentWire.Closed ? s.Step.Detail : "alarm: " + (s.Step.Detail ?? s.Incident.AlarmId), "ok"));

    /// <summary>
    /// Records the notice of the assignment <paramref name="incident"/> just took (its last step) in the notification
    /// ledger, for the robots of the company that runs the site, which delivers it (retried, once). The step is already
    /// committed: should the ledger fail, the assignment stands and the failure is logged (the assignee still finds it
    /// on "my incidents").
    /// </summary>
    private static void NotifyAssignee(IServiceProvider services, Incident incident, LiveDashboard board, ConsoleUserDirectory users, ILogger logger)
    {
        if (services.GetService<AlarmNotifier>() is not { } notifier || incident.Assignment is not { } step || incident.Assignee is not { } assignee)
        {
            return;
        }

        TenantDirectory registry = services.GetService<TenantRegistry>()?.Current ?? TenantDirectory.Empty;
        string site = incident.Key.Site;
        var notice = new AssignmentNotice(
            site, incident.Key.Gateway, incident.Key.AlarmId, incident.Steps.Count - 1,
            registry.NameOf(site, "zh-CN") ?? board.StatusName(site), registry.Site(site)?.NameEn, incident.Source, incident.Kind,
            assignee, users.Find(assignee)?.DisplayName ?? assignee, step.User, users.Find(step.User)?.DisplayName ?? step.User, step.At, step.Comment);
        try
        {
            int channels = notifier.RecordAssignment(notice);
            LogAssigneeNotice(logger, notice.Key, assignee, channels);
        }
        catch (Microsoft.Data.Sqlite.SqliteException exception)
        {
            LogAssigneeNoticeFailed(logger, notice.Key, assignee, exception.Message);
        }
    }

    /// <summary><c>?weeks=</c> 1 .. 53 (default 8): the weeks up to this one, per company the caller sees.</summary>
    private static Results<JsonHttpResult<IncidentStatsView>, JsonHttpResult<ConsoleError>> Statistics(
        string? weeks, HttpContext http, IncidentStore store, LiveDashboard board, ConsoleUserDirectory users, ConsoleScope scope, TimeProvider time)
    {
        ConsoleText text = ConsoleLanguage.Text(http, users);
        DateTimeOffset now = time.GetUtcNow();
        if (Report(weeks, store, scope, now) is not { } report)
        {
            return ConsoleResults.InvalidRequest(text, $"weeks: 1 .. {MaxWeeks}");
        }

        Func<string, string?> name = SiteNames.For(http, scope, board, users);
        return TypedResults.Json(
            new IncidentStatsView(
                report.Since,
                [.. report.Report.Weeks.Select(w => new IncidentWeekView(
                    w.Company, scope.Directory.CompanyNameOf(w.Company, text.Language), w.Week, w.Opened, w.Closed,
                    Seconds(w.AcknowledgeMedian), Seconds(w.AcknowledgeP90), Seconds(w.CloseMedian), Seconds(w.CloseP90), w.Kinds))],
                [.. report.Report.OldestOpen.OrderBy(o => o.Key, StringComparer.Ordinal).SelectMany(o => o.Value).Select(i => View(i, text, name, users, scope.Directory, now, withSteps: false))]),
            ConsoleJson.Web.IncidentStatsView);
    }

    /// <summary>The statistics as CSV for Excel (UTF-8 with a byte order mark, CRLF, the header in the user's language,
    /// durations in minutes).</summary>
    private static Results<FileContentHttpResult, JsonHttpResult<ConsoleError>> StatisticsCsv(
        string? weeks, HttpContext http, IncidentStore store, ConsoleUserDirectory users, ConsoleScope scope, TimeProvider time)
    {
        ConsoleText text = ConsoleLanguage.Text(http, users);
        DateTimeOffset now = time.GetUtcNow();
        if (Report(weeks, store, scope, now) is not { } report)
        {
            return ConsoleResults.InvalidRequest(text, $"weeks: 1 .. {MaxWeeks}");
        }

        bool chinese = IsChinese(text);
        var csv = new StringBuilder();
        AlarmEndpoints.Line(csv, chinese
            ? ["物业企业", "企业名称", "周 (UTC+8)", "新增事件", "关闭事件", "确认用时中位数 (分钟)", "确认用时 P90 (分钟)", "关闭用时中位数 (分钟)", "关闭用时 P90 (分钟)", "报警类型"]
            : ["Company", "Company name", "Week (UTC+8)", "Opened", "Closed", "Time to acknowledge, median (min)", "Time to acknowledge, p90 (min)", "Time to close, median (min)", "Time to close, p90 (min)", "Kinds"]);
        foreach (IncidentWeek w in report.Report.Weeks)
        {
            AlarmEndpoints.Line(csv,
            [
                w.Company, scope.Directory.CompanyNameOf(w.Company, text.Language), w.Week,
                w.Opened.ToString(CultureInfo.InvariantCulture), w.Closed.ToString(CultureInfo.InvariantCulture),
                Minutes(w.AcknowledgeMedian), Minutes(w.AcknowledgeP90), Minutes(w.CloseMedian), Minutes(w.CloseP90),
                string.Join("; ", w.Kinds.Select(k => $"{text.KindText(k.Key)} {k.Value.ToString(CultureInfo.InvariantCulture)}")),
            ]);
        }

        byte[] bytes = [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(csv.ToString())];
        string file = string.Create(CultureInfo.InvariantCulture, $"incidents-{IncidentStatistics.WeekOf(report.Since)}-{IncidentStatistics.WeekOf(now)}.csv");
        return TypedResults.File(bytes, "text/csv; charset=utf-8", file);
    }

    /// <summary>The report of the caller's companies over <paramref name="weeksText"/> weeks; null when that is not 1 .. 53.</summary>
    private static (DateTimeOffset Since, IncidentReport Report)? Report(string? weeksText, IncidentStore store, ConsoleScope scope, DateTimeOffset now)
    {
        int weeks = 8;
        if (weeksText is not null && (!int.TryParse(weeksText, NumberStyles.None, CultureInfo.InvariantCulture, out weeks) || weeks is < 1 or > MaxWeeks))
        {
            return null;
        }

        // Monday 00:00 China Standard Time of the first week.
        DateTimeOffset local = now.ToOffset(IncidentStatistics.ChinaStandardTime);
        int sinceMonday = ((int)local.DayOfWeek + 6) % 7;
        DateTimeOffset since = new DateTimeOffset(local.Date, IncidentStatistics.ChinaStandardTime).AddDays(-sinceMonday - (7 * (weeks - 1)));

        // Incidents opened up to a year before the first week: those closed in it, and the oldest still open.
        List<Incident> incidents = store.List(new IncidentFilter(scope.Sites, OpenedSince: since.AddDays(-366), Limit: 1_000_000));
        return (since, IncidentStatistics.Compute(incidents, since));
    }

    private static IncidentView View(Incident i, ConsoleText text, Func<string, string?> siteName, ConsoleUserDirectory users, TenantDirectory companies, DateTimeOffset now, bool withSteps)
    {
        bool chinese = IsChinese(text);
        string? Display(string? user) => user is null || user == IncidentWire.System ? null : users.Find(user)?.DisplayName ?? user;
        return new IncidentView(
            i.Key.Site, i.Key.Gateway, i.Key.AlarmId, siteName(i.Key.Site), i.Company, i.Company is null ? null : companies.CompanyNameOf(i.Company, text.Language), i.Kind, text.KindText(i.Kind), i.Severity, i.Source,
            IncidentWire.Name(i.State), IncidentText.State(i.State, chinese), i.OpenedAt, (long)Math.Max(0, ((i.Closing?.At ?? now) - i.OpenedAt).TotalSeconds),
            i.CurrentAlarmId, i.Acknowledgement?.At, i.Acknowledgement?.User, Display(i.Acknowledgement?.User), i.Assignee, Display(i.Assignee), i.OnSite?.At,
            i.ResolutionCode is { } code ? IncidentWire.Name(code) : null, i.ResolutionCode is { } named ? IncidentText.Resolution(named, chinese) : null,
            i.Resolution?.Comment, i.Resolution?.At, i.AlarmClearedAt, i.Closing?.At, i.Closing?.User, i.Reopenings,
            withSteps ? [.. i.Steps.Select(s => new IncidentStepView(s.Action, s.At, s.User, Display(s.User), s.Comment, s.Detail))] : null);
    }

    private static bool IsChinese(ConsoleText text) => text.Language == ConsoleLanguage.Chinese;

    private static string Incident(ConsoleText text, IncidentKey key) => IsChinese(text) ? $"事件 {key}" : $"Incident {key}";

    private static double? Seconds(TimeSpan? value) => value?.TotalSeconds;

    private static string? Minutes(TimeSpan? value) => value?.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "Console: incident assignment {Notice} to {Assignee}: notice recorded for {Channels} channels of the company")]
    private static partial void LogAssigneeNotice(ILogger logger, string notice, string assignee, int channels);

    [LoggerMessage(Level = LogLevel.Error, Message = "Console: incident assignment {Notice} to {Assignee}: its notice could not be recorded in the notification ledger: {Reason}")]
    private static partial void LogAssigneeNoticeFailed(ILogger logger, string notice, string assignee, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Console: incident {Incident}: {Transition} by {User}")]
    private static partial void LogTransition(ILogger logger, string incident, string transition, string user);
}
