using System.Globalization;
using EdgeGateway.Hub.Access;
using EdgeGateway.Hub.Incidents;
using EdgeGateway.Hub.WebConsole.Scope;
using EdgeGateway.Hub.WebConsole.Store;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EdgeGateway.Hub.WebConsole.Api;

/// <summary><c>GET /api/me</c> and <c>GET /api/audit</c>.</summary>
internal static class AccountEndpoints
{
    public static RouteGroupBuilder MapMeEndpoint(this RouteGroupBuilder api)
    {
        api.MapGet("/me", Results<JsonHttpResult<MeView>, JsonHttpResult<ConsoleError>> (HttpContext http, ConsoleUserDirectory users, ConsoleScope scope) =>
        {
            // The cookie outlives nothing: a user removed from the configuration is signed out when the cookie is checked.
            if (users.Find(http.User.Identity?.Name) is not { } account)
            {
                return ConsoleResults.Error(StatusCodes.Status401Unauthorized, ConsoleError.UnauthorizedCode, ConsoleText.For(null).NotSignedIn);
            }

            string language = ConsoleLanguage.Of(http, users);
            string? companyName = account.Company is { } company ? scope.Directory.CompanyNameOf(company, language) : null;
            return TypedResults.Json(
                new MeView(account.Name, account.DisplayName, account.Role, language, account.Company, companyName, scope.MayAct),
                ConsoleJson.Web.MeView);
        }).WithoutSiteData("the caller's own account");
        return api;
    }

    public static RouteGroupBuilder MapAuditEndpoint(this RouteGroupBuilder api)
    {
        api.MapGet("/audit", Results<JsonHttpResult<AuditList>, JsonHttpResult<ConsoleError>> (string? limit, HttpContext http, ConsoleStore store, ConsoleUserDirectory users) =>
        {
            int count = 200;
            if (!string.IsNullOrEmpty(limit) && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > 1000))
            {
                return ConsoleResults.InvalidRequest(ConsoleLanguage.Text(http, users), "limit: 1 .. 1000");
            }

            // The steps of incidents no person took (opening, the gateway's clear, automatic close, reopening) are audited
            // too: read from the incident database, their one record, shared by every hub instance on the host.
            IEnumerable<AuditEntry> system = http.RequestServices.GetService<IncidentStore>() is { } incidents ? IncidentEndpoints.SystemAudit(incidents, count) : [];
            return TypedResults.Json(
                new AuditList([.. store.RecentAudit(count).Concat(system).OrderByDescending(e => e.At).Take(count)
                    .Select(e => new AuditEntryView(e.At, e.User, e.Role, e.Action, e.Target, e.Detail, e.Result))]),
                ConsoleJson.Web.AuditList);
        });
        return api;
    }
}
