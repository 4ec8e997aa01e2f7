using System.Net;
using System.Text.Json;

namespace EdgeGateway.Hub.Tests.WebConsole.Api;

/// <summary>
/// API.md's role table, every cell: each role on each endpoint group gets 2xx where the table has a ✓ and 403
/// otherwise; without a sign-in every API endpoint answers 401 (not a redirect) and every page a 303 to the sign-in
/// page with the way back; a page a role may not see is the 403 page.
/// </summary>
[Collection(SharedConsoleApi.Name)]
[Trait("Category", "Servers")]
public sealed class RoleBoundaryTests(ConsoleApiRig stack)
{
    private const string Shed = $"{ConsoleApiRig.Site}/{ConsoleApiRig.Gateway}";

    /// <summary>Endpoint group → the roles that may use it (API.md "Roles").</summary>
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["me"] = ["viewer", "manager", "maintenance", "admin"],
        ["board"] = ["manager", "maintenance", "admin"],
        ["board_stream"] = ["manager", "maintenance", "admin"],
        ["port_detail"] = ["manager", "maintenance", "admin"],
        ["bin_detail"] = ["manager", "maintenance", "admin"],
        ["command"] = ["maintenance", "admin"],
        ["alarms_active"] = ["manager", "maintenance", "admin"],
        ["alarms_history"] = ["manager", "maintenance", "admin"],
        ["alarms_history_csv"] = ["manager", "maintenance", "admin"],
        ["alarm_ack"] = ["manager", "admin"],
        ["trends"] = ["viewer", "manager", "admin"],
        ["trends_csv"] = ["viewer", "manager", "admin"],
        ["trends_sites"] = ["viewer", "manager", "admin"],
        ["audit"] = ["admin"],
    };

    /// <summary>Page → the roles that may open it.</summary>
    private static readonly Dictionary<string, string[]> Pages = new()
    {
        ["/alarms"] = ["manager", "maintenance", "admin"],
        ["/trends"] = ["viewer", "manager", "admin"],
        [$"/ports/{Shed}/P01"] = ["manager", "maintenance", "admin"],
        [$"/bins/{Shed}/B1"] = ["manager", "maintenance", "admin"],
        ["/audit"] = ["admin"],
        ["/upgrades"] = ["manager", "maintenance", "admin"],
        ["/"] = ["manager", "maintenance", "admin"],
    };

    public static TheoryData<string, string> EveryRoleOnEveryEndpoint()
    {
        var data = new TheoryData<string, string>();
        foreach (string role in ConsoleApiRig.Roles)
        {
            foreach (string endpoint in Allowed.Keys)
            {
                data.Add(role, endpoint);
            }
        }

        return data;
    }

    public static TheoryData<string, string> EveryRoleOnEveryPage()
    {
        var data = new TheoryData<string, string>();
        foreach (string role in ConsoleApiRig.Roles)
        {
            foreach (string page in Pages.Keys)
            {
                data.Add(role, page);
            }
        }

        return data;
    }

    public static TheoryData<string> EveryEndpoint() => [.. Allowed.Keys];

    public static TheoryData<string> EveryPage() => [.. Pages.Keys.Append("/ports/x/y/z")];

    [Theory]
    [MemberData(nameof(EveryRoleOnEveryEndpoint))]
    public async Task A_role_gets_2xx_where_API_md_allows_it_and_403_elsewhere(string role, string endpoint)
    {
        ConsoleClient client = await stack.AsAsync(role);
        HttpStatusCode status = await CallAsync(client, endpoint, allowed: Allowed[endpoint].Contains(role));
        if (Allowed[endpoint].Contains(role))
        {
            Assert.True((int)status is >= 200 and < 300, $"{role} on {endpoint}: {(int)status}, expected 2xx");
        }
        else
        {
            Assert.Equal(HttpStatusCode.Forbidden, status);
        }
    }

    [Theory]
    [MemberData(nameof(EveryEndpoint))]
    public async Task Without_a_sign_in_every_API_endpoint_answers_401_JSON_not_a_redirect(string endpoint)
    {
        using ConsoleClient anonymous = stack.Anonymous();
        await anonymous.RefreshTokenAsync(); // a valid (anonymous) token: what is refused is the missing sign-in
        HttpStatusCode status = await CallAsync(anonymous, endpoint, allowed: false);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task The_401_and_403_answers_are_the_error_JSON_with_a_localized_message()
    {
        using ConsoleClient anonymous = stack.Anonymous();
        using HttpResponseMessage unauthorized = await anonymous.GetAsync("/api/board");
        JsonElement body = JsonDocument.Parse(await unauthorized.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("unauthorized", body.GetProperty("error").GetString());
        Assert.Equal("请先登录", body.GetProperty("message").GetString());
        Assert.Null(unauthorized.Headers.Location);

        ConsoleClient viewer = await stack.AsAsync("viewer");
        using HttpResponseMessage forbidden = await viewer.GetAsync("/api/board");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal("forbidden", JsonDocument.Parse(await forbidden.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_refused_POST_is_in_the_audit_log_with_the_user_and_role()
    {
        ConsoleClient viewer = await stack.AsAsync("viewer");
        string path = $"/api/gateways/{Shed}/commands/port_disable";
        using (HttpResponseMessage refused = await viewer.PostJsonAsync(path, """{"port":"P07"}"""))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        ConsoleClient admin = await stack.AsAsync("admin");
        Assert.Contains((await admin.GetJsonAsync("/api/audit")).GetProperty("entries").EnumerateArray(), e =>
            e.GetProperty("user").GetString() == "zhang" && e.GetProperty("role").GetString() == "viewer"
            && e.GetProperty("action").GetString() == "forbidden" && e.GetProperty("target").GetString() == path);
    }

    [Theory]
    [MemberData(nameof(EveryRoleOnEveryPage))]
    public async Task A_page_is_served_to_the_roles_that_may_see_it_and_the_403_page_to_the_others(string role, string page)
    {
        ConsoleClient client = await stack.AsAsync(role);
        using HttpResponseMessage response = await client.GetAsync(page);
        if (Pages[page].Contains(role))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(client.XsrfToken);
        }
        else if (page == "/" && role == "viewer")
        {
            // The viewer's only page is trends: "/" takes them there.
            Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
            Assert.Equal("/trends", response.Headers.Location?.OriginalString);
        }
        else
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Theory]
    [MemberData(nameof(EveryPage))]
    public async Task Without_a_sign_in_a_page_redirects_303_to_the_login_page_with_the_way_back(string page)
    {
        using ConsoleClient anonymous = stack.Anonymous();
        using HttpResponseMessage response = await anonymous.GetAsync(page + "?x=1");
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/login?returnUrl=" + Uri.EscapeDataString(page + "?x=1"), response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task The_login_page_is_served_to_anyone_and_sets_the_script_readable_XSRF_TOKEN_cookie()
    {
        using ConsoleClient anonymous = stack.Anonymous();
        using HttpResponseMessage response = await anonymous.GetAsync("/login");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string[] cookies = [.. response.Headers.GetValues("Set-Cookie")];
        string xsrf = Assert.Single(cookies, c => c.StartsWith("XSRF-TOKEN=", StringComparison.Ordinal));
        Assert.DoesNotContain("httponly", xsrf, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", xsrf, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(cookies, c => c.StartsWith("edge.af=", StringComparison.Ordinal) && c.Contains("httponly", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task The_session_cookie_is_HttpOnly_SameSite_Strict_and_not_Secure_over_plain_HTTP()
    {
        using ConsoleClient client = stack.Anonymous();
        using HttpResponseMessage response = await client.SignInAsync("admin", ConsoleApiRig.Password);
        string auth = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("edge.auth=", StringComparison.Ordinal));
        Assert.Contains("httponly", auth, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", auth, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", auth.Replace("samesite", "", StringComparison.OrdinalIgnoreCase), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Calls one endpoint of a group. <paramref name="allowed"/>: whether the call should go through, so that it
    /// is a request that succeeds (a fresh alarm to acknowledge, a command the gateway accepts).</summary>
    private async Task<HttpStatusCode> CallAsync(ConsoleClient client, string endpoint, bool allowed)
    {
        switch (endpoint)
        {
            case "board_stream":
                using (var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
                using (HttpResponseMessage stream = await client.OpenStreamAsync("/api/board/stream", cancel.Token))
                {
                    if (stream.IsSuccessStatusCode)
                    {
                        Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
                    }

                    return stream.StatusCode;
                }

            case "command":
                using (HttpResponseMessage command = await client.PostJsonAsync($"/api/gateways/{Shed}/commands/snapshot", "{}"))
                {
                    if (command.IsSuccessStatusCode)
                    {
                        JsonElement reply = JsonDocument.Parse(await command.Content.ReadAsStringAsync()).RootElement;
                        Assert.True(reply.GetProperty("ok").GetBoolean(), reply.ToString());
                    }

                    return command.StatusCode;
                }

            case "alarm_ack":
                string alarmId = allowed ? await FreshAlarmAsync() : Guid.NewGuid().ToString();
                using (HttpResponseMessage ack = await client.PostJsonAsync($"/api/alarms/{alarmId}/ack", """{"comment":"role test"}"""))
                {
                    return ack.StatusCode;
                }

            default:
                string path = endpoint switch
                {
                    "me" => "/api/me",
                    "board" => "/api/board",
                    "port_detail" => $"/api/ports/{Shed}/P01",
                    "bin_detail" => $"/api/bins/{Shed}/B1",
                    "alarms_active" => "/api/alarms/active",
                    "alarms_history" => "/api/alarms/history",
                    "alarms_history_csv" => "/api/alarms/history.csv",
                    "trends" => "/api/trends/energy_per_day",
                    "trends_csv" => "/api/trends/sessions_per_day.csv",
                    "trends_sites" => "/api/trends/sites",
                    "audit" => "/api/audit",
                    _ => throw new ArgumentOutOfRangeException(nameof(endpoint), endpoint, null),
                };
                using (HttpResponseMessage response = await client.GetAsync(path))
                {
                    return response.StatusCode;
                }
        }
    }

    /// <summary>A new alarm raised by the fake gateway, once the console shows it.</summary>
    private async Task<string> FreshAlarmAsync()
    {
        string id = await stack.Fake.RaiseAlarmAsync();
        ConsoleClient admin = await stack.AsAsync("admin");
        await ConsoleApiRig.Eventually(
            async () => (await admin.GetJsonAsync("/api/alarms/active")).GetProperty("alarms").EnumerateArray().Any(a => a.GetProperty("alarm_id").GetString() == id),
            TimeSpan.FromSeconds(10),
            $"alarm {id} never became active on the console");
        return id;
    }
}
