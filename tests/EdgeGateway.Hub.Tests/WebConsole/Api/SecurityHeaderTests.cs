using System.Net;

namespace EdgeGateway.Hub.Tests.WebConsole.Api;

/// <summary>
/// Every answer of the hub carries the browser protections (issue 16 finding 9): a Content-Security-Policy without
/// inline script or style and with <c>frame-ancestors 'none'</c>, X-Frame-Options, X-Content-Type-Options and
/// Referrer-Policy; pages, static files, the API (signed in or not), errors and <c>/healthz</c> alike. What Chromium
/// makes of the policy on every page: ConsoleBrowserTests.
/// </summary>
[Collection(SharedConsoleApi.Name)]
[Trait("Category", "Servers")]
public sealed class SecurityHeaderTests(ConsoleApiRig stack)
{
    [Theory]
    [InlineData("/login", false)]
    [InlineData("/", true)]
    [InlineData("/", false)]
    [InlineData("/alarms", true)]
    [InlineData("/app/app.js", false)]
    [InlineData("/app/app.css", false)]
    [InlineData("/lib/echarts/echarts.min.js", false)]
    [InlineData("/api/me", false)]
    [InlineData("/api/me", true)]
    [InlineData("/api/board", true)]
    [InlineData("/api/no-such-thing", true)]
    [InlineData("/no-such-page", false)]
    [InlineData("/healthz", false)]
    public async Task Every_answer_carries_the_content_security_policy_and_the_framing_sniffing_and_referrer_headers(string path, bool signedIn)
    {
        ConsoleClient client = signedIn ? await stack.AsAsync("admin") : stack.Anonymous();
        using HttpResponseMessage response = await client.GetAsync(path);
        Assert.NotEqual(HttpStatusCode.InternalServerError, response.StatusCode);

        string csp = Header(response, "Content-Security-Policy");
        Dictionary<string, string> directives = csp.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ToDictionary(d => d.Split(' ')[0], d => d, StringComparer.Ordinal);
        Assert.Equal("default-src 'self'", directives["default-src"]);
        Assert.Equal("script-src 'self'", directives["script-src"]);
        Assert.Equal("style-src 'self'", directives["style-src"]);
        Assert.Equal("frame-ancestors 'none'", directives["frame-ancestors"]);
        Assert.Equal("object-src 'none'", directives["object-src"]);
        Assert.Equal("base-uri 'none'", directives["base-uri"]);
        Assert.Equal("form-action 'self'", directives["form-action"]);
        Assert.DoesNotContain("unsafe-", csp, StringComparison.Ordinal);

        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("same-origin", Header(response, "Referrer-Policy"));
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out IEnumerable<string>? values) || response.Content.Headers.TryGetValues(name, out values)
            ? Assert.Single(values)
            : throw new Xunit.Sdk.XunitException($"{response.RequestMessage?.RequestUri}: no {name} header ({(int)response.StatusCode})");
}
