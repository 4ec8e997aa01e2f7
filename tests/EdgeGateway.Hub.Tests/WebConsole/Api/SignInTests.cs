using System.Net;
using System.Text.Json;

namespace EdgeGateway.Hub.Tests.WebConsole.Api;

/// <summary>Sign-in, sign-out, lockout, the antiforgery token on every POST, local-only return URLs, the language.</summary>
[Collection(SharedConsoleApi.Name)]
[Trait("Category", "Servers")]
public sealed class SignInTests(ConsoleApiRig stack)
{
    [Fact]
    public async Task Behind_a_loopback_TLS_proxy_the_cookies_are_marked_Secure_and_without_it_they_are_not()
    {
        using ConsoleClient client = stack.Anonymous();
        using var http = new HttpClient { BaseAddress = client.BaseUri };

        using var proxied = new HttpRequestMessage(HttpMethod.Get, "/login");
        proxied.Headers.Add("X-Forwarded-Proto", "https");
        using HttpResponseMessage viaProxy = await http.SendAsync(proxied);
        using HttpResponseMessage direct = await http.GetAsync(new Uri("/login", UriKind.Relative));

        string[] proxiedCookies = [.. viaProxy.Headers.GetValues("Set-Cookie")];
        string[] directCookies = [.. direct.Headers.GetValues("Set-Cookie")];
        Assert.Contains(proxiedCookies, c => c.StartsWith("XSRF-TOKEN=", StringComparison.Ordinal));
        Assert.All(proxiedCookies, c => Assert.Contains("secure", c, StringComparison.OrdinalIgnoreCase));
        Assert.All(directCookies, c => Assert.DoesNotContain("secure", c, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Signing_in_redirects_303_to_the_local_returnUrl_and_api_me_names_the_user_and_role()
    {
        using ConsoleClient client = stack.Anonymous();
        using HttpResponseMessage response = await client.SignInAsync("wang", ConsoleApiRig.Password, returnUrl: "/ports/a/b/P01?hours=6");
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/ports/a/b/P01?hours=6", response.Headers.Location?.OriginalString);

        JsonElement me = await client.GetJsonAsync("/api/me");
        Assert.Equal("wang", me.GetProperty("name").GetString());
        Assert.Equal("maintenance", me.GetProperty("role").GetString());
        Assert.Equal("wang", me.GetProperty("display_name").GetString());
        Assert.Equal("zh-CN", me.GetProperty("language").GetString());
    }

    [Fact]
    public async Task A_wrong_password_redirects_to_the_login_page_with_error_1_and_sets_no_session_cookie()
    {
        using ConsoleClient client = stack.Anonymous();
        using HttpResponseMessage response = await client.SignInAsync("wrong-pw", "not-the-password", returnUrl: "/alarms");
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/login?error=1&returnUrl=%2Falarms", response.Headers.Location?.OriginalString);
        Assert.Null(client.Cookie("edge.auth"));
        using HttpResponseMessage me = await client.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
    }

    [Fact]
    public async Task An_unknown_user_name_gets_the_same_answer_as_a_wrong_password()
    {
        using ConsoleClient client = stack.Anonymous();
        using HttpResponseMessage response = await client.SignInAsync("nobody-" + Guid.NewGuid().ToString("N")[..6], ConsoleApiRig.Password);
        Assert.Equal("/login?error=1", response.Headers.Location?.OriginalString);
        Assert.Null(client.Cookie("edge.auth"));
    }

    [Fact]
    public async Task Five_failures_lock_the_user_name_so_that_even_the_right_password_is_refused()
    {
        using ConsoleClient client = stack.Anonymous();
        for (int attempt = 1; attempt <= 4; attempt++)
        {
            using HttpResponseMessage failed = await client.SignInAsync("lock-me", "guess-" + attempt);
            Assert.Equal("/login?error=1", failed.Headers.Location?.OriginalString);
        }

        using (HttpResponseMessage fifth = await client.SignInAsync("lock-me", "guess-5"))
        {
            Assert.Equal("/login?error=locked", fifth.Headers.Location?.OriginalString);
        }

        using (HttpResponseMessage right = await client.SignInAsync("lock-me", ConsoleApiRig.Password))
        {
            Assert.Equal("/login?error=locked", right.Headers.Location?.OriginalString);
        }

        Assert.Null(client.Cookie("edge.auth"));

        // Another name is not affected, and the failures are in the audit log.
        using ConsoleClient other = stack.Anonymous();
        using (HttpResponseMessage ok = await other.SignInAsync("zhang", ConsoleApiRig.Password))
        {
            Assert.Equal(HttpStatusCode.SeeOther, ok.StatusCode);
            Assert.NotNull(other.Cookie("edge.auth"));
        }

        ConsoleClient admin = await stack.AsAsync("admin");
        JsonElement[] entries = [.. (await admin.GetJsonAsync("/api/audit?limit=1000")).GetProperty("entries").EnumerateArray()
            .Where(e => e.GetProperty("user").GetString() == "lock-me")];
        Assert.Equal(5, entries.Count(e => e.GetProperty("result").GetString()!.StartsWith("failed:", StringComparison.Ordinal)));
        Assert.Contains(entries, e => e.GetProperty("result").GetString()!.StartsWith("refused: locked", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/x")]
    [InlineData("/\\evil.example/x")]
    [InlineData("http:/evil.example")]
    [InlineData("javascript:alert(1)")]
    public async Task A_returnUrl_to_another_site_is_refused_and_the_user_lands_on_the_home_page(string returnUrl)
    {
        using ConsoleClient client = stack.Anonymous();
        using HttpResponseMessage response = await client.SignInAsync("li", ConsoleApiRig.Password, returnUrl: returnUrl);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);

        using HttpResponseMessage language = await client.GetAsync("/lang/en?returnUrl=" + Uri.EscapeDataString(returnUrl));
        Assert.Equal(HttpStatusCode.SeeOther, language.StatusCode);
        Assert.Equal("/", language.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task A_login_form_without_the_antiforgery_token_goes_back_with_error_expired_and_signs_nobody_in()
    {
        using ConsoleClient client = stack.Anonymous();
        using HttpResponseMessage response = await client.SignInAsync("li", ConsoleApiRig.Password, withToken: false);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/login?error=expired", response.Headers.Location?.OriginalString);
        Assert.Null(client.Cookie("edge.auth"));
    }

    [Fact]
    public async Task A_POST_without_the_antiforgery_header_answers_400_antiforgery_and_does_nothing()
    {
        using ConsoleClient client = stack.Anonymous();
        await client.SignInAsync("admin", ConsoleApiRig.Password);
        using HttpResponseMessage response = await client.PostJsonAsync(
            $"/api/gateways/{ConsoleApiRig.Site}/{ConsoleApiRig.Gateway}/commands/snapshot", "{}", withToken: false);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        JsonElement body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("antiforgery", body.GetProperty("error").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task A_stale_token_from_before_the_sign_in_or_another_users_token_answers_400()
    {
        using ConsoleClient client = stack.Anonymous();
        await client.RefreshTokenAsync();
        string anonymousToken = client.XsrfToken!;
        await client.SignInAsync("admin", ConsoleApiRig.Password);
        string path = $"/api/alarms/{Guid.NewGuid()}/ack";

        using (HttpResponseMessage stale = await client.PostJsonAsync(path, "{}", token: anonymousToken))
        {
            Assert.Equal(HttpStatusCode.BadRequest, stale.StatusCode);
            Assert.Contains("\"antiforgery\"", await stale.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        ConsoleClient manager = await stack.AsAsync("manager");
        using (HttpResponseMessage foreign = await client.PostJsonAsync(path, "{}", token: manager.XsrfToken))
        {
            Assert.Equal(HttpStatusCode.BadRequest, foreign.StatusCode);
        }

        using (HttpResponseMessage garbage = await client.PostJsonAsync(path, "{}", token: "not-a-token"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        }

        // With its own token the same request passes the check (and finds no such alarm).
        using HttpResponseMessage own = await client.PostJsonAsync(path, "{}");
        Assert.Equal(HttpStatusCode.NotFound, own.StatusCode);
    }

    [Fact]
    public async Task Signing_out_needs_the_token_then_clears_the_session()
    {
        using ConsoleClient client = stack.Anonymous();
        await client.SignInAsync("li", ConsoleApiRig.Password);
        using (HttpResponseMessage refused = await client.PostJsonAsync("/logout", null, withToken: false))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/me")).StatusCode);
        using (HttpResponseMessage done = await client.PostJsonAsync("/logout", null))
        {
            Assert.Equal(HttpStatusCode.SeeOther, done.StatusCode);
            Assert.Equal("/login", done.Headers.Location?.OriginalString);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task The_language_cookie_switches_messages_and_api_me_to_English_and_back()
    {
        using ConsoleClient client = stack.Anonymous();
        await client.SignInAsync("zhang", ConsoleApiRig.Password);
        using (HttpResponseMessage english = await client.GetAsync("/lang/en?returnUrl=%2Ftrends"))
        {
            Assert.Equal(HttpStatusCode.SeeOther, english.StatusCode);
            Assert.Equal("/trends", english.Headers.Location?.OriginalString);
        }

        Assert.Equal("en", client.Cookie("lang"));
        Assert.Equal("en", (await client.GetJsonAsync("/api/me")).GetProperty("language").GetString());
        using (HttpResponseMessage forbidden = await client.GetAsync("/api/board"))
        {
            Assert.Equal("Your role may not use this", JsonDocument.Parse(await forbidden.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetString());
        }

        await client.GetAsync("/lang/zh-CN");
        Assert.Equal("zh-CN", (await client.GetJsonAsync("/api/me")).GetProperty("language").GetString());
        using HttpResponseMessage unknown = await client.GetAsync("/lang/fr");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }

    [Fact]
    public async Task Static_assets_are_served_and_ECharts_is_at_lib_echarts()
    {
        using ConsoleClient anonymous = stack.Anonymous();
        using HttpResponseMessage css = await anonymous.GetAsync("/app/app.css");
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
        using HttpResponseMessage echarts = await anonymous.GetAsync("/lib/echarts/echarts.min.js");
        Assert.Equal(HttpStatusCode.OK, echarts.StatusCode);
    }
}
