using System.Net;
using System.Text.Json;
using EdgeGateway.Contracts.Alarms;

namespace EdgeGateway.Hub.Tests.WebConsole.Api;

/// <summary>
/// Incident transitions through the console API against the real stack (<see cref="ConsoleApiRig"/>): a smoke alarm of
/// the own company's fake gateway opens an incident; a transition out of order and an assignment to another company's
/// maintenance user are refused with the reason in the user's language (400, never a 500) and audited with it.
/// </summary>
[Collection(SharedConsoleApi.Name)]
[Trait("Category", "Servers")]
public sealed class IncidentApiTests(ConsoleApiRig stack)
{
    [Fact]
    public async Task Transitions_out_of_order_or_to_another_company_s_user_are_refused_with_the_reason_and_audited()
    {
        string id = await stack.Fake.RaiseAlarmAsync("smoke", AlarmSeverity.Critical);
        string path = $"/api/incidents/{FakeGateway.Site}/{FakeGateway.Gateway}/{id}";
        ConsoleClient manager = await stack.AsAsync("manager");
        await ConsoleApiRig.Eventually(async () =>
        {
            using HttpResponseMessage response = await manager.GetAsync(path);
            return response.IsSuccessStatusCode;
        }, TimeSpan.FromSeconds(10), $"alarm {id} never opened an incident");

        (HttpStatusCode early, JsonElement earlyBody) = await PostAsync(manager, path + "/assign", """{"assignee":"wang"}""");
        Assert.Equal(HttpStatusCode.BadRequest, early);
        Assert.Equal("invalid_transition", earlyBody.GetProperty("error").GetString());
        Assert.Contains("请先确认", earlyBody.GetProperty("message").GetString(), StringComparison.Ordinal);

        (HttpStatusCode acknowledged, _) = await PostAsync(manager, path + "/ack", """{"comment":"收到"}""");
        Assert.Equal(HttpStatusCode.OK, acknowledged);
        string outsider = ConsoleApiRig.TenantUser(ConsoleHubRig.OtherCompany, "maintenance");
        (HttpStatusCode other, JsonElement otherBody) = await PostAsync(manager, path + "/assign", $$"""{"assignee":"{{outsider}}"}""");
        Assert.Equal(HttpStatusCode.BadRequest, other);
        Assert.Contains("不属于运营该充电棚的物业企业", otherBody.GetProperty("message").GetString(), StringComparison.Ordinal);

        JsonElement incident = await manager.GetJsonAsync(path);
        Assert.Equal("acknowledged", incident.GetProperty("state").GetString());
        Assert.Equal(["opened", "acknowledged"], incident.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("action").GetString()));
        Assert.Equal("测试车棚", incident.GetProperty("site_name").GetString());

        JsonElement audit = await (await stack.AsAsync("admin")).GetJsonAsync("/api/audit");
        Assert.Contains(audit.GetProperty("entries").EnumerateArray(), e =>
            e.GetProperty("action").GetString() == "incident_assign"
            && e.GetProperty("target").GetString() == $"{FakeGateway.Site}/{FakeGateway.Gateway}/{id}"
            && e.GetProperty("result").GetString() == $"refused: cannot assign: '{outsider}' does not belong to the company that runs this shed");
        Assert.Contains(audit.GetProperty("entries").EnumerateArray(), e =>
            e.GetProperty("action").GetString() == "incident_ack" && e.GetProperty("user").GetString() == "li" && e.GetProperty("result").GetString() == "ok");
        // The step no person took is in the audit too, by "system".
        Assert.Contains(audit.GetProperty("entries").EnumerateArray(), e =>
            e.GetProperty("action").GetString() == "incident_opened" && e.GetProperty("user").GetString() == "system"
            && e.GetProperty("target").GetString() == $"{FakeGateway.Site}/{FakeGateway.Gateway}/{id}" && e.GetProperty("detail").GetString() == "alarm: " + id);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(ConsoleClient client, string path, string json)
    {
        using HttpResponseMessage response = await client.PostJsonAsync(path, json);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }
}
