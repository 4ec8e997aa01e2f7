using System.Net;
using System.Text.Json;
using EdgeGateway.Contracts.Alarms;

namespace EdgeGateway.Hub.Tests.WebConsole.Api;

/// <summary>
/// The tenant matrix (issue 17): every API endpoint × every role × a user of the company that runs the sites
/// (<see cref="ConsoleHubRig.OwnCompany"/>: the demo shed and the fake gateway's site), of another company, of the
/// district, and an admin, against the real stack (Mosquitto, InfluxDB, the hub, the simulated shed and two fake
/// gateways of two companies). A company's user reaches only their company's sites: another company's site is not
/// found, its items are not listed (board, stream, alarms, history, CSV, trends); district staff read everything and
/// act on nothing; a role the role table refuses is refused first.
/// </summary>
[Collection(SharedConsoleApi.Name)]
[Trait("Category", "Servers")]
public sealed class TenantMatrixTests(ConsoleApiRig stack)
{
    private const string Shed = $"{ConsoleApiRig.Site}/{ConsoleApiRig.Gateway}";

    private static readonly SemaphoreSlim SharedAlarmGate = new(1, 1);
    private static string? _sharedAlarm;
    private static string? _sharedIncident;
    private static string? _sharedCard;

    /// <summary>What a user got from an endpoint about the own company's sites.</summary>
    public enum Access
    {
        /// <summary>403: the role (or the district's read-only rule) refuses it.</summary>
        Forbidden,

        /// <summary>404: the site or alarm is not the user's.</summary>
        NotFound,

        /// <summary>2xx with the own company's items (or the action done).</summary>
        Sees,

        /// <summary>2xx without any of the own company's items.</summary>
        Hidden,
    }

    /// <summary>Endpoint → the roles the role table lets through (API.md "Roles").</summary>
    private static readonly Dictionary<string, string[]> RoleAllows = new()
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
        ["registry"] = ["admin"],
        ["incidents"] = ["manager", "maintenance", "admin"],
        ["incident_detail"] = ["manager", "maintenance", "admin"],
        ["incident_assignees"] = ["manager", "maintenance", "admin"],
        ["incident_ack"] = ["manager", "admin"],
        ["incident_resolve"] = ["maintenance", "admin"],
        ["incident_stats"] = ["viewer", "manager", "admin"],
        ["incident_stats_csv"] = ["viewer", "manager", "admin"],
        ["cards"] = ["manager", "maintenance", "admin"],
        ["card_detail"] = ["manager", "maintenance", "admin"],
        ["card_top_up"] = ["manager", "admin"],
        ["upgrades"] = ["manager", "maintenance", "admin"],
    };

    private static readonly string[] Actions = ["command", "alarm_ack", "incident_ack", "incident_resolve", "card_top_up"];
    private static readonly string[] SiteRoutes = ["port_detail", "bin_detail", "incident_detail", "incident_assignees", "card_detail"];

    /// <summary>Every endpoint × (own company, other company, district) × role, and the admin.</summary>
    public static TheoryData<string, string, string> EveryEndpointRoleAndCompany()
    {
        var data = new TheoryData<string, string, string>();
        foreach (string endpoint in RoleAllows.Keys)
        {
            foreach (string who in new[] { "own", "other", "district" })
            {
                foreach (string role in new[] { "viewer", "manager", "maintenance" })
                {
                    data.Add(endpoint, who, role);
                }
            }

            data.Add(endpoint, "admin", "admin");
        }

        return data;
    }

    /// <summary>What the user should get: the role table first, then the tenant rules.</summary>
    public static Access Expected(string endpoint, string who, string role)
    {
        if (!RoleAllows[endpoint].Contains(role))
        {
            return Access.Forbidden;
        }

        if (endpoint == "me" || who is "own" or "admin")
        {
            return Access.Sees;
        }

        if (Actions.Contains(endpoint))
        {
            return who == "district" ? Access.Forbidden : Access.NotFound;
        }

        return who == "district" ? Access.Sees : SiteRoutes.Contains(endpoint) ? Access.NotFound : Access.Hidden;
    }

    [Theory]
    [MemberData(nameof(EveryEndpointRoleAndCompany))]
    public async Task A_user_reaches_the_sites_of_their_own_company_only_and_district_staff_read_but_never_act(string endpoint, string who, string role)
    {
        string user = who switch
        {
            "own" or "admin" => ConsoleHubRig.UserOf(role),
            "other" => ConsoleApiRig.TenantUser(ConsoleHubRig.OtherCompany, role),
            _ => ConsoleApiRig.TenantUser("district", role),
        };
        ConsoleClient client = await stack.AsUserAsync(user);
        Access expected = Expected(endpoint, who, role);
        Access got = await CallAsync(client, endpoint, expected);
        Assert.True(expected == got, $"{user} ({who}, {role}) on {endpoint}: {got}, expected {expected}");
    }

    [Fact]
    public async Task The_other_company_sees_its_own_site_on_the_board_and_the_own_company_does_not()
    {
        JsonElement other = await (await stack.AsUserAsync(ConsoleApiRig.TenantUser(ConsoleHubRig.OtherCompany, "manager"))).GetJsonAsync("/api/board");
        Assert.NotNull(ConsoleApiRig.FindGateway(other, ConsoleHubRig.OtherSite, "gw-beta"));
        Assert.All(other.GetProperty("gateways").EnumerateArray(), g => Assert.Equal(ConsoleHubRig.OtherSite, g.GetProperty("site").GetString()));

        JsonElement own = await (await stack.AsAsync("manager")).GetJsonAsync("/api/board");
        Assert.Null(ConsoleApiRig.FindGateway(own, ConsoleHubRig.OtherSite, "gw-beta"));
        Assert.NotNull(ConsoleApiRig.FindGateway(own, FakeGateway.Site, FakeGateway.Gateway));
    }

    [Fact]
    public async Task A_refused_action_on_another_company_s_site_is_audited_with_the_reason()
    {
        ConsoleClient other = await stack.AsUserAsync(ConsoleApiRig.TenantUser(ConsoleHubRig.OtherCompany, "maintenance"));
        string path = $"/api/gateways/{Shed}/commands/port_disable";
        using (HttpResponseMessage refused = await other.PostJsonAsync(path, """{"port":"P07"}"""))
        {
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        }

        JsonElement audit = await (await stack.AsAsync("admin")).GetJsonAsync("/api/audit");
        Assert.Contains(audit.GetProperty("entries").EnumerateArray(), e =>
            e.GetProperty("user").GetString() == ConsoleApiRig.TenantUser(ConsoleHubRig.OtherCompany, "maintenance")
            && e.GetProperty("target").GetString() == path
            && e.GetProperty("result").GetString() == "refused: not a site of the user's company");
    }

    private async Task<Access> CallAsync(ConsoleClient client, string endpoint, Access expected)
    {
        switch (endpoint)
        {
            case "board_stream":
                return await StreamAsync(client);
            case "command":
                using (HttpResponseMessage command = await client.PostJsonAsync($"/api/gateways/{Shed}/commands/snapshot", "{}"))
                {
                    return Of(command.StatusCode, () => true);
                }

            case "alarm_ack":
                // A fresh alarm of the own company each time it should go through; any alarm of it otherwise.
                string alarmId = expected == Access.Sees ? await FreshAlarmAsync(stack.Fake) : await SharedAlarmAsync();
                using (HttpResponseMessage ack = await client.PostJsonAsync($"/api/alarms/{alarmId}/ack", """{"comment":"tenant test"}"""))
                {
                    return Of(ack.StatusCode, () => true);
                }

            case "incident_ack":
                // A fresh incident of the own company each time it should go through; any incident of it otherwise.
                string toAcknowledge = expected == Access.Sees ? await FreshIncidentAsync() : await SharedIncidentAsync();
                using (HttpResponseMessage ack = await client.PostJsonAsync(toAcknowledge + "/ack", """{"comment":"tenant test"}"""))
                {
                    return Of(ack.StatusCode, () => true);
                }

            case "incident_resolve":
                // Acknowledged and assigned to the own company's maintenance user by the admin, resolved by the caller.
                string toResolve = expected == Access.Sees ? await FreshIncidentAsync(assignTo: ConsoleHubRig.UserOf("maintenance")) : await SharedIncidentAsync();
                using (HttpResponseMessage resolve = await client.PostJsonAsync(toResolve + "/resolve", """{"resolution":"reset_port"}"""))
                {
                    return Of(resolve.StatusCode, () => true);
                }
            case "card_top_up":
                using (HttpResponseMessage topUp = await client.PostJsonAsync(await SharedCardAsync() + "/top_up", """{"amount_yuan":1}"""))
                {
                    return Of(topUp.StatusCode, () => true);
                }
        }

        if (endpoint is "cards" or "card_detail")
        {
            string card = await SharedCardAsync();
            using HttpResponseMessage cards = await client.GetAsync(endpoint == "cards" ? "/api/cards" : card);
            string cardsBody = await cards.Content.ReadAsStringAsync();
            return Of(cards.StatusCode, () => endpoint == "card_detail" || JsonDocument.Parse(cardsBody).RootElement.GetProperty("cards").EnumerateArray()
                .Any(c => c.GetProperty("company").GetString() == ConsoleHubRig.OwnCompany));
        }

        string shared = await SharedAlarmAsync();
        string incident = await SharedIncidentAsync();
        string path = endpoint switch
        {
            "me" => "/api/me",
            "board" => "/api/board",
            "port_detail" => $"/api/ports/{Shed}/P01",
            "bin_detail" => $"/api/bins/{Shed}/B1",
            "alarms_active" => "/api/alarms/active",
            "alarms_history" => "/api/alarms/history",
            "alarms_history_csv" => "/api/alarms/history.csv",
            "trends" => $"/api/trends/utilisation?sites={ConsoleApiRig.Site}",
            "trends_csv" => $"/api/trends/utilisation.csv?sites={ConsoleApiRig.Site}",
            "trends_sites" => "/api/trends/sites",
            "audit" => "/api/audit",
            "registry" => "/api/registry",
            "incidents" => "/api/incidents",
            "incident_detail" => incident,
            "incident_assignees" => $"/api/incidents/assignees/{FakeGateway.Site}",
            "incident_stats" => "/api/incidents/stats",
            "incident_stats_csv" => "/api/incidents/stats.csv",
            "upgrades" => "/api/upgrades",
            _ => throw new ArgumentOutOfRangeException(nameof(endpoint), endpoint, null),
        };

        // What the own company has must be there before its absence means anything.
        if (endpoint is "alarms_history" or "alarms_history_csv" or "trends" or "trends_csv" or "trends_sites")
        {
            await BaselineAsync(endpoint, path, shared);
        }

        using HttpResponseMessage response = await client.GetAsync(path);
        string body = await response.Content.ReadAsStringAsync();
        return Of(response.StatusCode, () => Shows(endpoint, body, shared));
    }

    private static Access Of(HttpStatusCode status, Func<bool> shows) => status switch
    {
        HttpStatusCode.Forbidden => Access.Forbidden,
        HttpStatusCode.NotFound => Access.NotFound,
        _ when (int)status is >= 200 and < 300 => shows() ? Access.Sees : Access.Hidden,
        _ => throw new Xunit.Sdk.XunitException($"unexpected status {(int)status}"),
    };

    /// <summary>Whether a 2xx answer shows anything of the own company's sites.</summary>
    private static bool Shows(string endpoint, string body, string sharedAlarm)
    {
        string[] ownSites = [ConsoleApiRig.Site, FakeGateway.Site];
        switch (endpoint)
        {
            case "board":
                return JsonDocument.Parse(body).RootElement.GetProperty("gateways").EnumerateArray().Any(g => ownSites.Contains(g.GetProperty("site").GetString()));
            case "alarms_active" or "alarms_history":
                JsonElement[] alarms = [.. JsonDocument.Parse(body).RootElement.GetProperty("alarms").EnumerateArray()];
                bool any = alarms.Any(a => ownSites.Contains(a.GetProperty("site").GetString()));
                Assert.True(!any || alarms.Any(a => a.GetProperty("alarm_id").GetString() == sharedAlarm), "own sites' alarms listed, but not the shared one");
                return any;
            case "alarms_history_csv" or "trends_csv":
                return ownSites.Any(site => body.Contains(site, StringComparison.Ordinal));
            case "trends":
                return JsonDocument.Parse(body).RootElement.GetProperty("series").EnumerateArray().Any(s => s.GetProperty("site").GetString() == ConsoleApiRig.Site);
            case "trends_sites":
                return JsonDocument.Parse(body).RootElement.GetProperty("sites").EnumerateArray().Any(s => ownSites.Contains(s.GetString()));
            case "incidents":
                return JsonDocument.Parse(body).RootElement.GetProperty("incidents").EnumerateArray().Any(i => ownSites.Contains(i.GetProperty("site").GetString()));
            case "incident_stats":
                return JsonDocument.Parse(body).RootElement.GetProperty("weeks").EnumerateArray().Any(w => w.GetProperty("company").GetString() == ConsoleHubRig.OwnCompany);
            case "incident_stats_csv":
                return body.Contains(ConsoleHubRig.OwnCompany, StringComparison.Ordinal);
            case "upgrades":
                return JsonDocument.Parse(body).RootElement.GetProperty("gateways").EnumerateArray().Any(g => ownSites.Contains(g.GetProperty("site").GetString()));
            default:
                return true;
        }
    }

    /// <summary>Waits until the admin's answer shows the own company's data (InfluxDB has what the hub ingested).</summary>
    private async Task BaselineAsync(string endpoint, string path, string sharedAlarm)
    {
        ConsoleClient admin = await stack.AsAsync("admin");
        await ConsoleApiRig.Eventually(async () =>
        {
            using HttpResponseMessage response = await admin.GetAsync(path);
            return response.IsSuccessStatusCode && Shows(endpoint, await response.Content.ReadAsStringAsync(), sharedAlarm)
                && (!endpoint.StartsWith("alarms_history", StringComparison.Ordinal) || (await response.Content.ReadAsStringAsync()).Contains(sharedAlarm, StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(60), $"the admin never saw the own company's data on {path}");
    }

    /// <summary>
    /// Opens the board stream, then raises an alarm at the own company's fake gateway and, once the hub has it, one at the
    /// other company's: the stream shows the own alarm (Sees) or, having had every chance to show it first, only the
    /// other one (Hidden). District and admin streams see both.
    /// </summary>
    private async Task<Access> StreamAsync(ConsoleClient client)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using HttpResponseMessage stream = await client.OpenStreamAsync("/api/board/stream", cancel.Token);
        if (!stream.IsSuccessStatusCode)
        {
            return Of(stream.StatusCode, () => false);
        }

        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync(cancel.Token));
        Assert.Equal(": connected", (await ReadUntilAsync(reader, line => line.StartsWith(": connected", StringComparison.Ordinal), cancel.Token))[^1]);
        string own = await FreshAlarmAsync(stack.Fake);
        string other = await FreshAlarmAsync(stack.OtherFake);

        // The hub had the own alarm before the other was raised: a stream that shows it shows it first.
        List<string> lines = await ReadUntilAsync(reader, line => line.Contains(own, StringComparison.Ordinal) || line.Contains(other, StringComparison.Ordinal), cancel.Token);
        return lines.Any(l => l.Contains(own, StringComparison.Ordinal)) ? Access.Sees : Access.Hidden;
    }

    private static async Task<List<string>> ReadUntilAsync(StreamReader reader, Func<string, bool> done, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            lines.Add(line);
            if (done(line))
            {
                return lines;
            }
        }

        return lines;
    }

    /// <summary>A card of the own company issued once for the whole run by the admin: its path under <c>/api/cards</c>.</summary>
    private async Task<string> SharedCardAsync()
    {
        await SharedAlarmGate.WaitAsync();
        try
        {
            if (_sharedCard is null)
            {
                ConsoleClient admin = await stack.AsAsync("admin");
                using HttpResponseMessage issued = await admin.PostJsonAsync($"/api/cards/{ConsoleHubRig.OwnCompany}", """{"uid":"0A0B0C0D","reference":"MATRIX-1","opening_yuan":10}""");
                Assert.True(issued.IsSuccessStatusCode, $"issuing the matrix's card: {(int)issued.StatusCode}");
                _sharedCard = $"/api/cards/{ConsoleHubRig.OwnCompany}/MATRIX-1";
            }

            return _sharedCard;
        }
        finally
        {
            SharedAlarmGate.Release();
        }
    }

    /// <summary>An alarm of the own company raised once for the whole run (active, and in InfluxDB's history).</summary>
    private async Task<string> SharedAlarmAsync()
    {
        await SharedAlarmGate.WaitAsync();
        try
        {
            return _sharedAlarm ??= await FreshAlarmAsync(stack.Fake);
        }
        finally
        {
            SharedAlarmGate.Release();
        }
    }

    /// <summary>An incident of the own company opened once for the whole run: its API path.</summary>
    private async Task<string> SharedIncidentAsync()
    {
        await SharedAlarmGate.WaitAsync();
        try
        {
            return _sharedIncident ??= await FreshIncidentAsync();
        }
        finally
        {
            SharedAlarmGate.Release();
        }
    }

    /// <summary>
    /// A new notifiable alarm (port overload, major) of the own company's fake gateway, once the admin sees the incident
    /// it opened: the incident's API path. With <paramref name="assignTo"/>, the admin acknowledges it and assigns it.
    /// </summary>
    private async Task<string> FreshIncidentAsync(string? assignTo = null)
    {
        string id = await stack.Fake.RaiseAlarmAsync("port_overload", AlarmSeverity.Major);
        string path = $"/api/incidents/{FakeGateway.Site}/{FakeGateway.Gateway}/{id}";
        ConsoleClient admin = await stack.AsAsync("admin");
        await ConsoleApiRig.Eventually(async () =>
        {
            using HttpResponseMessage response = await admin.GetAsync(path);
            return response.IsSuccessStatusCode;
        }, TimeSpan.FromSeconds(10), $"alarm {id} never opened an incident");
        if (assignTo is not null)
        {
            using HttpResponseMessage ack = await admin.PostJsonAsync(path + "/ack", "{}");
            Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
            using HttpResponseMessage assign = await admin.PostJsonAsync(path + "/assign", $$"""{"assignee":"{{assignTo}}"}""");
            Assert.Equal(HttpStatusCode.OK, assign.StatusCode);
        }

        return path;
    }

    /// <summary>A new alarm raised by <paramref name="fake"/>, once the console shows it to the admin.</summary>
    private async Task<string> FreshAlarmAsync(FakeGateway fake)
    {
        string id = await fake.RaiseAlarmAsync();
        ConsoleClient admin = await stack.AsAsync("admin");
        await ConsoleApiRig.Eventually(
            async () => (await admin.GetJsonAsync("/api/alarms/active")).GetProperty("alarms").EnumerateArray().Any(a => a.GetProperty("alarm_id").GetString() == id),
            TimeSpan.FromSeconds(10),
            $"alarm {id} never became active on the console");
        return id;
    }
}
