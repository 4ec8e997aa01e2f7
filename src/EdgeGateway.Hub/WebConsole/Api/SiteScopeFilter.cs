using EdgeGateway.Hub.Access;
using EdgeGateway.Hub.WebConsole.Scope;

namespace EdgeGateway.Hub.WebConsole.Api;

/// <summary>
/// Enforces an API endpoint's <see cref="SiteScoped"/> decision before its handler runs: district staff are refused
/// every action (403), and a <c>{site}</c> in the route that is not the caller's is not found (404, the same answer as
/// a site that does not exist, so that a company learns nothing of another's sheds). Refused actions are audited.
/// What an endpoint lists is limited by its handler, with the <see cref="ConsoleScope"/> it takes as a parameter.
/// </summary>
internal static class SiteScopeFilter
{
    public static async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        HttpContext http = context.HttpContext;
        if (http.GetEndpoint()?.Metadata.GetMetadata<SiteScoped>() is not { } decision)
        {
            return await next(context);
        }

        var scope = ConsoleScope.Of(http);
        string? site = http.GetRouteValue("site") as string;
        string? refusal = decision.Access == SiteAccess.Act && !scope.MayAct ? "refused: district staff are read-only"
            : site is not null && !scope.Sees(site) ? "refused: not a site of the user's company"
            : null;
        if (refusal is null)
        {
            return await next(context);
        }

        ConsoleUserDirectory users = http.RequestServices.GetRequiredService<ConsoleUserDirectory>();
        var caller = ConsoleCaller.Of(http, users);
        caller.AuditRefusal(http, refusal);

        return decision.Access == SiteAccess.Act && !scope.MayAct
            ? ConsoleResults.Error(StatusCodes.Status403Forbidden, ConsoleError.ForbiddenCode, caller.Text.Forbidden)
            : ConsoleResults.NotFound(caller.Text, site!);
    }
}
