using System.Security.Claims;
using System.Text.Encodings.Web;
using EdgeGateway.Hub.Ingest;
using EdgeGateway.Hub.Storage;
using EdgeGateway.Hub.WebConsole.Scope;
using EdgeGateway.Hub.WebConsole.Trends;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Hub.Tests.WebConsole.Trends;

/// <summary>
/// The trend endpoints in a real Kestrel on 127.0.0.1 and a free port, mapped the way the console maps them (on an
/// <c>/api</c> group that requires a signed-in user), with a sign-in scheme that takes the user's role from header
/// <see cref="RoleHeader"/> (no header: anonymous).
/// </summary>
internal sealed class TrendHost : IAsyncDisposable
{
    public const string RoleHeader = "X-Test-Role";

    private readonly WebApplication _app;

    private TrendHost(WebApplication app, Uri address)
    {
        _app = app;
        Client = new HttpClient { BaseAddress = address };
    }

    public HttpClient Client { get; }

    public static async Task<TrendHost> StartAsync(InfluxSettings influx, TimeProvider? time = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.Configure<HubOptions>(options => options.Influx = influx);
        builder.Services.AddAuthentication(RoleHeaderAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, RoleHeaderAuthentication>(RoleHeaderAuthentication.SchemeName, null);
        builder.Services.AddAuthorization();
        builder.AddTrendServices();

        WebApplication app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGroup("/api").RequireAuthorization().MapTrendEndpoints();
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new TrendHost(app, new Uri(address));
    }

    /// <summary>GET as a user with <paramref name="role"/> (null: anonymous), with cookie <c>lang</c> if given.</summary>
    public async Task<HttpResponseMessage> GetAsync(string path, string? role = "viewer", string? language = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (role is not null)
        {
            request.Headers.Add(RoleHeader, role);
        }

        if (language is not null)
        {
            request.Headers.Add("Cookie", "lang=" + language);
        }

        return await Client.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Signs a request in as user "test" with the role in <see cref="RoleHeader"/>; without it, no user.</summary>
    private sealed class RoleHeaderAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string SchemeName = "test-role";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            string? role = Request.Headers[RoleHeader];
            if (string.IsNullOrEmpty(role))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            // District staff: every site (the tenant scope is the console's; these tests are about the trends themselves).
            var identity = new ClaimsIdentity(
                [new Claim(ClaimTypes.Name, "test"), new Claim(ClaimTypes.Role, role), new Claim(ConsoleClaims.Company, "district")], SchemeName);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
        }
    }
}
