using System.Security.Claims;
using EdgeGateway.Hub.Access;
using EdgeGateway.Hub.Ingest;
using EdgeGateway.Hub.Storage;
using EdgeGateway.Hub.Tenants;
using EdgeGateway.Hub.WebConsole.Api;
using EdgeGateway.Hub.WebConsole.Dashboard;
using EdgeGateway.Hub.WebConsole.History;
using EdgeGateway.Hub.WebConsole.Pages;
using EdgeGateway.Hub.WebConsole.Scope;
using EdgeGateway.Hub.WebConsole.Store;
using EdgeGateway.Hub.WebConsole.Trends;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Hub.WebConsole;

/// <summary>The authorization policies of the console (API.md "Roles").</summary>
public static class ConsolePolicies
{
    /// <summary>Any role: <c>/api/me</c>, and the whole <c>/api</c> group.</summary>
    public const string SignedIn = "console.signed-in";

    /// <summary>manager, maintenance, admin: the board and its stream, port and bin details, alarms (read).</summary>
    public const string Dashboard = "console.dashboard";

    /// <summary>maintenance, admin: commands to gateways.</summary>
    public const string Commands = "console.commands";

    /// <summary>manager, admin: acknowledging alarms.</summary>
    public const string Acknowledge = "console.acknowledge";

    /// <summary>viewer, manager, admin: trends.</summary>
    public const string Trends = "console.trends";

    /// <summary>admin: the audit log, and the registry of companies and sites.</summary>
    public const string Audit = "console.audit";
}

/// <summary>The web console: its services (<see cref="AddConsoleServices"/>) and its middleware and routes (<see cref="MapConsole"/>).</summary>
public static class ConsoleServices
{
    /// <summary>The session cookie.</summary>
    public const string AuthCookie = "edge.auth";

    /// <summary>The antiforgery cookie (HttpOnly; its pair, the request token, is in <c>XSRF-TOKEN</c>).</summary>
    public const string AntiforgeryCookie = "edge.af";

    /// <summary>
    /// Users and roles (section <c>Console</c>, validated at start), cookie authentication and the role policies,
    /// antiforgery, the live board and its MQTT connection, the console's store (<c>console.db</c> in the hub's data
    /// directory), history from InfluxDB, and the trends.
    /// </summary>
    public static IHostApplicationBuilder AddConsoleServices(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IServiceCollection services = builder.Services;
        if (builder is WebApplicationBuilder web)
        {
            // Run from the build output (bin/…), the pages are the project's wwwroot, found through the static web
            // assets manifest built next to the program; published, they are in wwwroot beside it and this does nothing.
            web.WebHost.UseStaticWebAssets();
        }

        services.AddOptions<ConsoleOptions>().BindConfiguration(ConsoleOptions.Section).ValidateOnStart();
        services.AddSingleton<IPostConfigureOptions<ConsoleOptions>, ConsoleOptionsSetup>();
        services.AddSingleton<IValidateOptions<ConsoleOptions>, ConsoleOptionsSetup>();
        services.AddTenantServices();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ConsoleUserDirectory>();
        services.AddSingleton<SignInThrottle>();
        services.AddSignInLimits();
        ConsoleForwardedHeadersOptions.AddConsoleForwardedHeaders(services);
        services.AddSingleton(sp => ConsoleStore.Open(Path.Combine(sp.GetRequiredService<IOptions<HubOptions>>().Value.DataDirectory, "console.db")));
        services.AddInfluxHttpClients();
        services.AddSingleton<ConsoleHistory>();
        services.AddSingleton<DashboardStream>();
        services.AddSingleton<LiveDashboard>();
        services.AddSingleton<ConsoleLink>();
        services.AddHostedService(sp => sp.GetRequiredService<ConsoleLink>());

        // Cookies and antiforgery tokens must survive a restart: the keys are kept in the data directory (0700).
        services.AddDataProtection().SetApplicationName("EdgeGateway.Hub");
        services.AddOptions<KeyManagementOptions>().Configure<IOptions<HubOptions>, ILoggerFactory>((keys, hub, loggers) =>
        {
            var directory = new DirectoryInfo(Path.Combine(hub.Value.DataDirectory, "console-keys"));
            if (!directory.Exists)
            {
                if (OperatingSystem.IsWindows())
                {
                    directory.Create();
                }
                else
                {
                    Directory.CreateDirectory(directory.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
            }

            keys.XmlRepository = new FileSystemXmlRepository(directory, loggers);
        });

        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(cookie =>
        {
            cookie.Cookie.Name = AuthCookie;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
            cookie.SlidingExpiration = true;
            cookie.LoginPath = "/login";
            cookie.LogoutPath = "/logout";
            cookie.Events = new CookieAuthenticationEvents
            {
                OnRedirectToLogin = OnAnonymousAsync,
                OnRedirectToAccessDenied = OnForbiddenAsync,
                OnValidatePrincipal = OnValidatePrincipalAsync,
            };
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(ConsolePolicies.SignedIn, p => p.RequireAuthenticatedUser().RequireRole(ConsoleRoles.All))
            .AddPolicy(ConsolePolicies.Dashboard, p => p.RequireRole(ConsoleRoles.Manager, ConsoleRoles.Maintenance, ConsoleRoles.Admin))
            .AddPolicy(ConsolePolicies.Commands, p => p.RequireRole(ConsoleRoles.Maintenance, ConsoleRoles.Admin))
            .AddPolicy(ConsolePolicies.Acknowledge, p => p.RequireRole(ConsoleRoles.Manager, ConsoleRoles.Admin))
            .AddPolicy(ConsolePolicies.Trends, p => p.RequireRole(ConsoleRoles.Viewer, ConsoleRoles.Manager, ConsoleRoles.Admin))
            .AddPolicy(ConsolePolicies.Audit, p => p.RequireRole(ConsoleRoles.Admin));
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.HeaderName = "X-XSRF-TOKEN";
            antiforgery.FormFieldName = "__RequestVerificationToken";
            antiforgery.Cookie.Name = AntiforgeryCookie;
            antiforgery.Cookie.HttpOnly = true;
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            antiforgery.SuppressXFrameOptionsHeader = true; // every answer has DENY (ConsoleSecurityHeaders)
        });

        builder.AddTrendServices();
        return builder;
    }

    /// <summary>
    /// Static files, authentication, authorization, antiforgery; then the pages, sign-in, and <c>/api</c>: every API
    /// endpoint needs a signed-in user, its role policy, and on POST the antiforgery token (400 JSON otherwise).
    /// </summary>
    public static WebApplication MapConsole(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseConsoleSecurityHeaders();
        _ = app.Services.GetRequiredService<ConsoleMetrics>(); // its instruments exist from the start, not the first sign-in
        // Behind the TLS-terminating proxy deployment documents (deploy/hub, nginx on the same machine), the request
        // arrives as plain HTTP from the proxy: X-Forwarded-Proto/-For are believed from the configured proxies only
        // (Console:ForwardedHeaders, none by default), so that the cookies are marked Secure, and the sign-in limits and
        // the audit log see the client.
        app.UseForwardedHeaders();
        app.UseStaticFiles();
        app.UseRouting();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapGroup("").WithoutSiteData("pages, sign-in, sign-out and the language: a page is an empty shell whose data comes from the API").MapConsolePages();

        RouteGroupBuilder api = app.MapGroup("/api").RequireAuthorization(ConsolePolicies.SignedIn);
        api.AddEndpointFilter(RequireAntiforgeryAsync);
        api.AddEndpointFilter(SiteScopeFilter.InvokeAsync);

        // Each group's tenant decision (Access/SiteScope.cs): a test fails on any endpoint without one.
        api.MapMeEndpoint();
        api.MapGroup("").RequireAuthorization(ConsolePolicies.Dashboard).RequireSiteScope(SiteAccess.Read).MapDashboardEndpoints().MapAlarmReadEndpoints();
        api.MapGroup("").RequireAuthorization(ConsolePolicies.Commands).RequireSiteScope(SiteAccess.Act).MapCommandEndpoints();
        api.MapGroup("").RequireAuthorization(ConsolePolicies.Acknowledge).RequireSiteScope(SiteAccess.Act).MapAlarmAckEndpoints();
        api.MapGroup("").RequireAuthorization(ConsolePolicies.Audit).AdminOnly().MapAuditEndpoint().MapRegistryEndpoints();
        api.MapGroup("").RequireAuthorization(ConsolePolicies.Trends).RequireSiteScope(SiteAccess.Read).MapTrendEndpoints();
        api.MapGroup("").RequireAuthorization(ConsolePolicies.Dashboard).RequireSiteScope(SiteAccess.Read).MapIncidentReadEndpoints();
        api.MapGroup("").RequireAuthorization(ConsolePolicies.Acknowledge).RequireSiteScope(SiteAccess.Act).MapIncidentManagerEndpoints();
        api.MapGroup("").RequireAuthorization(ConsolePolicies.Commands).RequireSiteScope(SiteAccess.Act).MapIncidentFieldEndpoints();
        api.MapGroup("").RequireAuthorization(ConsolePolicies.Trends).RequireSiteScope(SiteAccess.Read).MapIncidentStatisticsEndpoints();
        return app;
    }

    /// <summary>The console API's filter: a POST without the antiforgery token is answered 400 JSON (other console groups
    /// mapped outside <c>/api</c>'s, the platform keys', use it too).</summary>
    internal static async ValueTask<object?> RequireAntiforgeryAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        HttpContext http = context.HttpContext;
        if (HttpMethods.IsPost(http.Request.Method) && !await http.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(http))
        {
            ConsoleText text = ConsoleLanguage.Text(http, http.RequestServices.GetRequiredService<ConsoleUserDirectory>());
            return ConsoleResults.Error(StatusCodes.Status400BadRequest, ConsoleError.AntiforgeryCode, text.Antiforgery);
        }

        return await next(context);
    }

    private static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api", StringComparison.Ordinal);

    /// <summary>Not signed in: 401 JSON for the API (a script must not follow a redirect to an HTML page), 303 to the
    /// sign-in page for a page, with the way back.</summary>
    private static Task OnAnonymousAsync(RedirectContext<CookieAuthenticationOptions> context)
    {
        HttpContext http = context.HttpContext;
        if (IsApi(http.Request))
        {
            ConsoleText text = ConsoleLanguage.Text(http, http.RequestServices.GetRequiredService<ConsoleUserDirectory>());
            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return http.Response.WriteAsJsonAsync(new ConsoleError(ConsoleError.UnauthorizedCode, text.NotSignedIn), ConsoleJson.Web.ConsoleError);
        }

        string back = http.Request.PathBase + http.Request.Path + http.Request.QueryString;
        http.Response.StatusCode = StatusCodes.Status303SeeOther;
        http.Response.Headers.Location = "/login?returnUrl=" + Uri.EscapeDataString(back);
        return Task.CompletedTask;
    }

    /// <summary>Signed in with a role that may not: 403 JSON for the API (audited when it tried to change something),
    /// the forbidden page for a page.</summary>
    private static Task OnForbiddenAsync(RedirectContext<CookieAuthenticationOptions> context)
    {
        HttpContext http = context.HttpContext;
        if (!IsApi(http.Request))
        {
            return ConsolePages.WritePageAsync(http, "forbidden.html", StatusCodes.Status403Forbidden);
        }

        ConsoleUserDirectory users = http.RequestServices.GetRequiredService<ConsoleUserDirectory>();
        var caller = ConsoleCaller.Of(http, users);
        caller.AuditRefusal(http, "refused: the role may not do this");

        http.Response.StatusCode = StatusCodes.Status403Forbidden;
        return http.Response.WriteAsJsonAsync(new ConsoleError(ConsoleError.ForbiddenCode, caller.Text.Forbidden), ConsoleJson.Web.ConsoleError);
    }

    /// <summary>A cookie of a user no longer configured, or whose role or company changed, signs nobody in.</summary>
    private static async Task OnValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        ConsoleUserDirectory users = context.HttpContext.RequestServices.GetRequiredService<ConsoleUserDirectory>();
        ConsoleAccount? account = users.Find(context.Principal?.Identity?.Name);
        if (account is null || account.Role != context.Principal!.FindFirstValue(ClaimTypes.Role)
            || account.Company != context.Principal!.FindFirstValue(ConsoleClaims.Company))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }
}
