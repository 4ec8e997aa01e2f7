using EdgeGateway.Hub.WebConsole.Dashboard;
using EdgeGateway.Hub.WebConsole.Scope;

namespace EdgeGateway.Hub.WebConsole.Api;

/// <summary>
/// The name a person reads for a site: the registry's (in the reader's language, English where it has one), else the
/// name the gateway's site file gave in its status, else none (the page shows the id). The id stays in every answer.
/// </summary>
internal static class SiteNames
{
    public static Func<string, string?> For(HttpContext http, ConsoleScope scope, LiveDashboard board, ConsoleUserDirectory users)
    {
        string language = ConsoleLanguage.Of(http, users);
        return site => scope.Directory.NameOf(site, language) ?? board.StatusName(site);
    }
}
