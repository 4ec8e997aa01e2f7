using System.Security.Claims;
using EdgeGateway.Hub.WebConsole.Api;
using EdgeGateway.Hub.WebConsole.Scope;
using EdgeGateway.Hub.WebConsole.Store;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.FileProviders;

namespace EdgeGateway.Hub.WebConsole.Pages;

/// <summary>
/// The console's pages (static files in <c>wwwroot/app/</c>, each behind its role check), sign-in and sign-out, and the
/// language switch. Every page response sets the script-readable <c>XSRF-TOKEN</c> cookie that the page's script
/// (and the sign-in form) send back with each POST.
/// </summary>
internal static partial class ConsolePages
{
    public const string XsrfCookie = "XSRF-TOKEN";

    public static IEndpointRouteBuilder MapConsolePages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext http) => http.User.IsInRole(ConsoleRoles.Viewer)
                ? (IResult)ConsoleResults.SeeOther("/trends") // the viewer's only page: trends is their home
                : new PageResult("board.html"))
            .RequireAuthorization(ConsolePolicies.SignedIn);
        app.MapGet("/alarms", () => new PageResult("alarms.html")).RequireAuthorization(ConsolePolicies.Dashboard);
        app.MapGet("/trends", () => new PageResult("trends.html")).RequireAuthorization(ConsolePolicies.Trends);
        app.MapGet("/ports/{site}/{gw}/{port}", () => new PageResult("port.html")).RequireAuthorization(ConsolePolicies.Dashboard);
        app.MapGet("/bins/{site}/{gw}/{bin}", () => new PageResult("bin.html")).RequireAuthorization(ConsolePolicies.Dashboard);
        app.MapGet("/incidents", () => new PageResult("incidents.html")).RequireAuthorization(ConsolePolicies.Dashboard);
        app.MapGet("/incidents/stats", () => new PageResult("incident-stats.html")).RequireAuthorization(ConsolePolicies.Trends);
        app.MapGet("/audit", () => new PageResult("audit.html")).RequireAuthorization(ConsolePolicies.Audit);
        app.MapGet("/registry", () => new PageResult("registry.html")).RequireAuthorization(ConsolePolicies.Audit);
        app.MapGet("/platform-keys", () => new PageResult("platform-keys.html")).RequireAuthorization(ConsolePolicies.Audit);
        app.MapGet("/cards", () => new PageResult("cards.html")).RequireAuthorization(ConsolePolicies.Dashboard);
        app.MapGet("/login", () => new PageResult("login.html"));
        app.MapPost("/login", SignInAsync);
        app.MapPost("/logout", SignOutAsync);
        app.MapGet("/lang/{code}", (string code, string? returnUrl, HttpContext http, ConsoleUserDirectory users) =>
        {
            if (ConsoleLanguage.Normalize(code) is not { } language)
            {
                return (IResult)ConsoleResults.InvalidRequest(ConsoleLanguage.Text(http, users), "language: zh-CN or en");
            }

            http.Response.Cookies.Append(ConsoleLanguage.Cookie, language, new CookieOptions
            {
                Path = "/",
                HttpOnly = false, // the pages read it to pick their texts
                SameSite = SameSiteMode.Lax,
                Secure = http.Request.IsHttps,
                MaxAge = TimeSpan.FromDays(365),
                IsEssential = true,
            });
            return ConsoleResults.SeeOther(ConsoleResults.LocalOr(returnUrl, "/"));
        });
        return app;
    }

    /// <summary>Sets the <c>XSRF-TOKEN</c> cookie: the antiforgery request token for the signed-in user (or anonymous).</summary>
    public static void IssueXsrfToken(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        AntiforgeryTokenSet tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
        http.Response.Cookies.Append(XsrfCookie, tokens.RequestToken!, new CookieOptions
        {
            Path = "/",
            HttpOnly = false, // read by the page's script, sent back as X-XSRF-TOKEN: what a cross-site page cannot do
            SameSite = SameSiteMode.Strict,
            Secure = http.Request.IsHttps,
            IsEssential = true,
        });
    }

    /// <summary>Writes <c>app/{file}</c> with <paramref name="status"/>, and the antiforgery cookies.</summary>
    public static async Task WritePageAsync(HttpContext http, string file, int status)
    {
        ArgumentNullException.ThrowIfNull(http);
        IssueXsrfToken(http);
        http.Response.Headers.CacheControl = "no-store";
        IFileInfo page = http.RequestServices.GetRequiredService<IWebHostEnvironment>().WebRootFileProvider.GetFileInfo("app/" + file);
        if (!page.Exists)
        {
            http.Response.StatusCode = status == StatusCodes.Status200OK ? StatusCodes.Status404NotFound : status;
            http.Response.ContentType = "text/plain; charset=utf-8";
            await http.Response.WriteAsync($"app/{file} is not installed (wwwroot of the hub)");
            return;
        }

        http.Response.StatusCode = status;
        http.Response.ContentType = "text/html; charset=utf-8";
        http.Response.ContentLength = page.Length;
        await http.Response.SendFileAsync(page, http.RequestAborted);
    }

    private static async Task<IResult> SignInAsync(
        HttpContext http, IAntiforgery antiforgery, ConsoleUserDirectory users, SignInThrottle throttle, ConsoleStore store, TimeProvider time, ConsoleMetrics metrics, ILogger<ConsoleUserDirectory> logger)
    {
        DateTimeOffset now = time.GetUtcNow();
        string from = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        string client = ClientAddress.Of(http);
        if (!http.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(http))
        {
            store.Audit(new AuditEntry(now, "(anonymous)", null, "sign_in", null, "from " + from, "refused: missing or stale antiforgery token"));
            metrics.SignIn("expired");
            return ConsoleResults.SeeOther("/login?error=expired");
        }

        IFormCollection form = await http.Request.ReadFormAsync(http.RequestAborted);
        string name = (form["username"].ToString() ?? "").Trim();
        string password = form["password"].ToString() ?? "";
        string returnUrl = ConsoleResults.LocalOr(form["returnUrl"].ToString(), "/");
        string again = returnUrl == "/" ? "" : "&returnUrl=" + Uri.EscapeDataString(returnUrl);
        string who = name.Length is > 0 and <= 64 ? name : "(invalid name)";

        if (name.Length is 0 or > 64 || password.Length is 0 or > 1024)
        {
            store.Audit(new AuditEntry(now, who, null, "sign_in", null, "from " + from, "failed: wrong user name or password"));
            metrics.SignIn("failed");
            return ConsoleResults.SeeOther("/login?error=1" + again);
        }

        if (throttle.IsLocked(name, client))
        {
            store.Audit(new AuditEntry(now, who, null, "sign_in", null, "from " + from, "refused: locked after repeated failures"));
            metrics.SignIn("locked");
            return ConsoleResults.SeeOther("/login?error=locked" + again);
        }

        if (users.Verify(name, password) is not { } account)
        {
            bool locked = throttle.Fail(name, client);
            store.Audit(new AuditEntry(now, who, null, "sign_in", null, "from " + from, locked ? "failed: wrong user name or password; now locked" : "failed: wrong user name or password"));
            if (locked)
            {
                LogLocked(logger, name, from, SignInThrottle.MaxFailures, SignInThrottle.Window);
            }

            metrics.SignIn("failed");
            return ConsoleResults.SeeOther((locked ? "/login?error=locked" : "/login?error=1") + again);
        }

        throttle.Succeeded(name, client);
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, account.Name),
                new Claim(ClaimTypes.Name, account.Name),
                new Claim(ClaimTypes.Role, account.Role),
                .. account.Company is { } company ? [new Claim(ConsoleClaims.Company, company)] : Array.Empty<Claim>(),
            ],
            CookieAuthenticationDefaults.AuthenticationScheme,
            ClaimTypes.Name,
            ClaimTypes.Role);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity), new AuthenticationProperties { IsPersistent = false });
        store.Audit(new AuditEntry(now, account.Name, account.Role, "sign_in", null, "from " + from, "ok"));
        metrics.SignIn("ok");
        return ConsoleResults.SeeOther(returnUrl);
    }

    private static async Task<IResult> SignOutAsync(HttpContext http, IAntiforgery antiforgery, ConsoleUserDirectory users, ConsoleStore store, TimeProvider time)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            ConsoleText text = ConsoleLanguage.Text(http, users);
            return ConsoleResults.Error(StatusCodes.Status400BadRequest, ConsoleError.AntiforgeryCode, text.Antiforgery);
        }

        if (http.User.Identity?.IsAuthenticated == true)
        {
            store.Audit(new AuditEntry(time.GetUtcNow(), http.User.Identity.Name ?? "", http.User.FindFirstValue(ClaimTypes.Role), "sign_out", null, null, "ok"));
        }

        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return ConsoleResults.SeeOther("/login");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Console sign-in for {User} from {From} locked after repeated failures: {Failures} within {Window}")]
    private static partial void LogLocked(ILogger logger, string user, string from, int failures, TimeSpan window);

    /// <summary>A page: <c>app/{file}</c> with the antiforgery cookies.</summary>
    private sealed class PageResult(string file) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => WritePageAsync(httpContext, file, StatusCodes.Status200OK);
    }
}
