using System.Text.Json;
using EdgeGateway.Contracts.Bundles;
using EdgeGateway.Hub.Access;
using EdgeGateway.Hub.Tenants;
using EdgeGateway.Hub.WebConsole;
using EdgeGateway.Hub.WebConsole.Api;
using EdgeGateway.Hub.WebConsole.Dashboard;
using EdgeGateway.Hub.WebConsole.Pages;
using EdgeGateway.Hub.WebConsole.Scope;
using EdgeGateway.Hub.WebConsole.Store;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Hub.Upgrades;

/// <summary>
/// The upgrade page and API (Upgrades/README.md): <c>GET /api/upgrades</c> (manager, maintenance, admin: the rollouts'
/// gateways in the caller's scope), the admins' <c>POST /api/upgrades/rollouts</c>, <c>…/{id}/pause</c>,
/// <c>…/{id}/resume</c> and <c>POST /api/upgrades/bundles/{file}</c> (upload), and the gateways' download
/// <c>GET /upgrade-bundles/{token}/{file}</c>.
/// </summary>
internal static class UpgradeEndpoints
{
    /// <summary>Where a gateway downloads the archive its command names.</summary>
    public const string DownloadPrefix = "/upgrade-bundles/";

    private const int MaxRequestBytes = 256 * 1024;

    public static WebApplication MapUpgrades(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/upgrades", (HttpContext http) => ConsolePages.WritePageAsync(http, "upgrades.html", StatusCodes.Status200OK))
            .RequireAuthorization(ConsolePolicies.Dashboard)
            .WithoutSiteData("a page is an empty shell whose data comes from the API");

        // No session: a gateway has none. The token names one gateway of one rollout (192 random bits, nothing to
        // enumerate), and the archive is signed: the gateway trusts its own key's check, not this transport.
        app.MapGet(DownloadPrefix + "{token}/{file}", Download)
            .WithoutSiteData("a gateway's download of the bundle its command names, by that command's token; the archive is signed and public in content");

        RouteGroupBuilder api = app.MapGroup("/api/upgrades")
            .RequireAuthorization(ConsolePolicies.SignedIn)
            .AddEndpointFilter(ConsoleServices.RequireAntiforgeryAsync)
            .AddEndpointFilter(SiteScopeFilter.InvokeAsync);
        api.MapGet("", List).RequireAuthorization(ConsolePolicies.Dashboard).RequireSiteScope(SiteAccess.Read);
        RouteGroupBuilder admin = api.MapGroup("").RequireAuthorization(ConsolePolicies.Audit).AdminOnly();
        admin.MapPost("/rollouts", StartAsync);
        admin.MapPost("/rollouts/{id}/pause", (string id, HttpContext http, UpgradeRollouts rollouts, ConsoleUserDirectory users) =>
            ChangeAsync(id, http, users, rollouts.PauseAsync));
        admin.MapPost("/rollouts/{id}/resume", (string id, HttpContext http, UpgradeRollouts rollouts, ConsoleUserDirectory users) =>
            ChangeAsync(id, http, users, rollouts.ResumeAsync));
        admin.MapPost("/bundles/{file}", UploadAsync);
        return app;
    }

    private static JsonHttpResult<UpgradesView> List(HttpContext http, ConsoleScope scope, BundleStore bundles, RolloutStore store, LiveDashboard board)
    {
        bool admin = http.User.IsInRole(ConsoleRoles.Admin);
        (IReadOnlyList<OfferedBundle> offered, IReadOnlyList<RefusedBundle> refused) = bundles.Scan();
        DashboardView view = board.Snapshot();
        var reported = view.Gateways.ToDictionary(g => (g.Site, g.Gateway), g => g.Version);
        List<RolloutView> rollouts = [];
        foreach (Rollout rollout in store.All())
        {
            GatewayUpgradeView[] gateways = [.. rollout.Gateways.Where(g => scope.Sees(g.Site)).Select(g => new GatewayUpgradeView(
                g.Site, g.Gateway, g.Stage, RolloutWire.Name(g.State), g.Reason, g.UpdatedTs, reported.GetValueOrDefault((g.Site, g.Gateway))))];
            if (admin || gateways.Length > 0)
            {
                rollouts.Add(new RolloutView(rollout.Id, rollout.Version, RolloutWire.Name(rollout.State), rollout.Stage, rollout.Stages, rollout.CreatedTs, rollout.CreatedBy, rollout.Note, gateways));
            }
        }

        GatewayVersionView[] versions = [.. view.Gateways.Where(g => scope.Sees(g.Site))
            .Select(g => new GatewayVersionView(g.Site, g.Gateway, g.Version, board.StatusOf(g.Site, g.Gateway)?.LastError))];
        return TypedResults.Json(
            new UpgradesView(bundles.KeyProblem is null, admin ? bundles.KeyProblem : null, admin,
                [.. offered.Select(b => new BundleView(b.Version, b.FileName, b.Bytes, b.Sha256))],
                admin ? [.. refused.Select(r => new RefusedBundleView(r.FileName, r.Reason))] : null,
                rollouts, versions),
            UpgradeJson.Default.UpgradesView);
    }

    private static async Task<Results<JsonHttpResult<RolloutView>, JsonHttpResult<ConsoleError>>> StartAsync(
        HttpContext http, BundleStore bundles, LiveDashboard board, TenantRegistry tenants, UpgradeRollouts rollouts, ConsoleUserDirectory users, ConsoleStore audit, TimeProvider time)
    {
        var caller = ConsoleCaller.Of(http, users);
        RolloutRequest? request;
        try
        {
            byte[]? body = await CommandEndpoints.ReadBodyAsync(http.Request, MaxRequestBytes, http.RequestAborted);
            request = body is null or { Length: 0 } ? null : JsonSerializer.Deserialize(body, UpgradeJson.Default.RolloutRequest);
        }
        catch (JsonException)
        {
            request = null;
        }

        OfferedBundle? bundle = request?.Version is { } version ? bundles.Find(version) : null;
        string? problem = request is null ? "the body is not a rollout ({\"version\":…, \"percentages\":[10,100]} …)"
            : bundle is null ? $"version: no offered bundle of '{request.Version}' (uploaded, with a signature that verifies)"
            : null;
        IReadOnlyList<(string Site, string Gateway, int Stage)>? stages = null;
        if (problem is null)
        {
            IReadOnlyList<(string Site, string Gateway)> known = [.. board.Snapshot().Gateways.Select(g => (g.Site, g.Gateway))];
            IReadOnlyList<(string Site, string Gateway)> chosen = request!.Gateways is { Count: > 0 } named
                ? [.. named.Select(n => n.Split('/')).Where(p => p.Length == 2).Select(p => (p[0], p[1]))]
                : [.. known.Where(g => (request.Company is null || tenants.Current.CompanyOf(g.Site) == request.Company)
                    && (request.Sites is not { Count: > 0 } || request.Sites.Contains(g.Site)))];
            stages = RolloutStages.Assign(chosen, request.Percentages, request.Stages, out problem);
            if (stages?.FirstOrDefault(s => !known.Contains((s.Site, s.Gateway))) is { Site: not null } unknown)
            {
                problem = $"{unknown.Site}/{unknown.Gateway}: no such gateway has reported to the hub";
                stages = null;
            }
        }

        if (stages is null)
        {
            audit.Audit(caller.Audit(time.GetUtcNow(), "upgrade_rollout_start", request?.Version, null, "invalid: " + problem));
            return ConsoleResults.InvalidRequest(caller.Text, problem!);
        }

        Rollout rollout = await rollouts.StartAsync(bundle!, stages, caller.Name, http.RequestAborted);
        return TypedResults.Json(new RolloutView(rollout.Id, rollout.Version, RolloutWire.Name(rollout.State), rollout.Stage, rollout.Stages, rollout.CreatedTs, rollout.CreatedBy, null,
            [.. rollout.Gateways.Select(g => new GatewayUpgradeView(g.Site, g.Gateway, g.Stage, RolloutWire.Name(g.State), null, null, null))]), UpgradeJson.Default.RolloutView);
    }

    private static async Task<IResult> ChangeAsync(string id, HttpContext http, ConsoleUserDirectory users, Func<string, string, CancellationToken, Task<bool>> change)
    {
        var caller = ConsoleCaller.Of(http, users);
        return await change(id, caller.Name, http.RequestAborted)
            ? TypedResults.NoContent()
            : ConsoleResults.Error(StatusCodes.Status409Conflict, ConsoleError.InvalidTransitionCode, "no such rollout, or it is not in a state that allows this");
    }

    private static async Task<IResult> UploadAsync(string file, HttpContext http, BundleStore bundles, IOptions<UpgradeOptions> options, ConsoleUserDirectory users, ConsoleStore audit, TimeProvider time)
    {
        var caller = ConsoleCaller.Of(http, users);
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = options.Value.MaxBundleBytes;
        }

        string target = file.Length > 120 ? file[..120] : file;
        string? problem = await bundles.SaveAsync(file, http.Request.Body, http.Request.ContentLength, http.RequestAborted);
        audit.Audit(caller.Audit(time.GetUtcNow(), "upgrade_bundle_upload", target, null, problem is null ? "ok" : "invalid: " + problem));
        return problem is null ? TypedResults.NoContent() : ConsoleResults.InvalidRequest(caller.Text, problem);
    }

    /// <summary>The archive, to the gateway whose command carried this token while it is sent or accepted; 404 for anything else (no hint which part was wrong).</summary>
    private static IResult Download(string token, string file, RolloutStore store, BundleStore bundles)
    {
        if (token.Length == 32 && store.FindToken(token) is { } found
            && found.Gateway.State is GatewayUpgradeState.Sent or GatewayUpgradeState.Accepted
            && file == BundleSignature.ArchiveName(found.Rollout.Version)
            && bundles.Find(found.Rollout.Version) is { } bundle
            && bundles.OpenOffered(bundle) is { } stream)
        {
            return TypedResults.Stream(stream, "application/gzip", file);
        }

        return TypedResults.NotFound();
    }
}
