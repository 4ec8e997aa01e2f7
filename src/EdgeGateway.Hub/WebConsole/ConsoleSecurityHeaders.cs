using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Hub.WebConsole;

/// <summary>
/// The browser protections on every answer of the hub — pages, static files, the API, errors, health — set before
/// anything else runs (docs/security.md, "Browser protections"). The console's pages load only their own scripts and
/// stylesheets: no inline script or style (an element's style is set through the CSSOM, which the policy allows).
/// </summary>
internal static class ConsoleSecurityHeaders
{
    /// <summary>Only the hub's own files; no plugins, no &lt;base&gt;, forms post only to the hub, never in a frame.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseConsoleSecurityHeaders(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        IHeaderDictionary headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XFrameOptions = "DENY"; // for browsers without frame-ancestors
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "same-origin";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        return next(http);
    });
}

/// <summary>
/// The proxies whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> the hub believes (section
/// <c>Console:ForwardedHeaders</c>); none by default, so that no client can claim another address (and escape the
/// sign-in limits) or HTTPS. deploy/hub/hub.json names loopback, where the nginx example runs.
/// </summary>
public sealed class ConsoleForwardedHeadersOptions
{
    public const string Section = "Console:ForwardedHeaders";

    /// <summary>Proxy addresses (127.0.0.1, ::1, 10.0.0.5).</summary>
    public IList<string> KnownProxies { get; } = [];

    /// <summary>Proxy networks in CIDR notation (10.0.0.0/24).</summary>
    public IList<string> KnownNetworks { get; } = [];

    /// <summary>Problems with these settings, each naming its key; empty when they are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        for (int i = 0; i < KnownProxies.Count; i++)
        {
            if (!IPAddress.TryParse(KnownProxies[i], out _))
            {
                problems.Add($"{Section}:{nameof(KnownProxies)}:{i}: '{KnownProxies[i]}' is not an IP address");
            }
        }

        for (int i = 0; i < KnownNetworks.Count; i++)
        {
            if (!System.Net.IPNetwork.TryParse(KnownNetworks[i], out _))
            {
                problems.Add($"{Section}:{nameof(KnownNetworks)}:{i}: '{KnownNetworks[i]}' is not a network (CIDR, e.g. 10.0.0.0/24)");
            }
        }

        return problems;
    }

    internal static IServiceCollection AddConsoleForwardedHeaders(IServiceCollection services)
    {
        services.AddOptions<ConsoleForwardedHeadersOptions>().BindConfiguration(Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConsoleForwardedHeadersOptions>, Validator>();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ConsoleForwardedHeadersOptions>>((forwarded, trusted) =>
        {
            // With both lists empty the middleware would believe anyone: then it reads no header at all.
            forwarded.ForwardedHeaders = trusted.Value.KnownProxies.Count + trusted.Value.KnownNetworks.Count == 0
                ? ForwardedHeaders.None
                : ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // The framework's defaults trust loopback; here only what is configured counts.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // obsolete, but its loopback default still counts: it must be emptied too
            forwarded.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
            foreach (string proxy in trusted.Value.KnownProxies)
            {
                forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (string network in trusted.Value.KnownNetworks)
            {
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        return services;
    }

    private sealed class Validator : IValidateOptions<ConsoleForwardedHeadersOptions>
    {
        public ValidateOptionsResult Validate(string? name, ConsoleForwardedHeadersOptions options)
        {
            IReadOnlyList<string> problems = options.Problems();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
