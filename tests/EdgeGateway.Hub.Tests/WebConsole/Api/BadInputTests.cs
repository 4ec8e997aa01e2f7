using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace EdgeGateway.Hub.Tests.WebConsole.Api;

/// <summary>What the API refuses, and how: unknown things are 404, malformed or incomplete requests 400, a gateway
/// that does not answer 504, a second acknowledgement 409 — each with the error JSON, and each audited.</summary>
[Collection(SharedConsoleApi.Name)]
[Trait("Category", "Servers")]
public sealed class BadInputTests(ConsoleApiRig stack)
{
    private const string Shed = $"{ConsoleApiRig.Site}/{ConsoleApiRig.Gateway}";

    [Theory]
    [InlineData("/api/ports/no-such-site/gw-01/P01")]
    [InlineData("/api/ports/linzi-demo-001/gw-99/P01")]
    [InlineData("/api/ports/linzi-demo-001/gw-01/P99")]
    [InlineData("/api/ports/linzi-demo-001/gw-01/B1")]
    [InlineData("/api/bins/linzi-demo-001/gw-01/B9")]
    [InlineData("/api/bins/no-such-site/gw-01/B1")]
    [InlineData("/api/ports/linzi-demo-001/gw-01/P%2B1")]
    public async Task An_unknown_site_gateway_port_or_bin_is_404_not_found(string path)
    {
        ConsoleClient client = await stack.AsAsync("maintenance");
        using HttpResponseMessage response = await client.GetAsync(path);
        await AssertErrorAsync(response, HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("73")]
    [InlineData("six")]
    public async Task Hours_outside_1_to_72_are_400(string hours)
    {
        ConsoleClient client = await stack.AsAsync("maintenance");
        using HttpResponseMessage response = await client.GetAsync($"/api/ports/{Shed}/P01?hours={hours}");
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Theory]
    [InlineData("no-such-site/gw-01", "port_disable", """{"port":"P05"}""")]
    [InlineData("linzi-demo-001/gw-99", "snapshot", "{}")]
    [InlineData("linzi-demo-001/gw-01", "port_disable", """{"port":"P99"}""")]
    public async Task A_command_to_an_unknown_gateway_or_port_is_404_and_nothing_is_sent(string gateway, string command, string body)
    {
        ConsoleClient client = await stack.AsAsync("maintenance");
        using HttpResponseMessage response = await client.PostJsonAsync($"/api/gateways/{gateway}/commands/{command}", body);
        await AssertErrorAsync(response, HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("port_reset", "{\"port\":\"P02\"", "malformed JSON")]
    [InlineData("port_reset", "[1,2]", "wrong type")]
    [InlineData("port_reset", """{"port":3}""", "wrong type")]
    [InlineData("port_reset", """{"port":"P02","speed":"fast"}""", "unknown field")]
    [InlineData("port_reset", """{"port":"P02"}""", "reason is required")]
    [InlineData("port_reset", """{"port":"P02","reason":"   "}""", "reason is required")]
    [InlineData("port_disable", "{}", "port is required")]
    [InlineData("port_enable", """{"port":"P 02"}""", "port must be")]
    [InlineData("reboot", "{}", "未知命令")]
    [InlineData("port_start", """{"port":"P05"}""", "未知命令")]
    [InlineData("alarm_ack", """{"alarm_id":"x"}""", "未知命令")]
    [InlineData("reload_config", "{}", "未知命令")]
    public async Task A_malformed_incomplete_or_unknown_command_is_400_invalid_command(string command, string body, string says)
    {
        ConsoleClient client = await stack.AsAsync("maintenance");
        using HttpResponseMessage response = await client.PostJsonAsync($"/api/gateways/{Shed}/commands/{command}", body);
        JsonElement error = await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_command");
        Assert.Contains(says, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_body_over_4_KiB_is_400()
    {
        ConsoleClient client = await stack.AsAsync("maintenance");
        string body = $$"""{"port":"P05","comment":"{{new string('x', 5000)}}"}""";
        using HttpResponseMessage response = await client.PostJsonAsync($"/api/gateways/{Shed}/commands/port_disable", body);
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_command");
    }

    [Fact]
    public async Task Refused_commands_are_in_the_audit_log_with_who_and_why()
    {
        ConsoleClient client = await stack.AsAsync("maintenance");
        string reason = "audit-" + Guid.NewGuid().ToString("N")[..8];
        using (HttpResponseMessage response = await client.PostJsonAsync($"/api/gateways/{Shed}/commands/port_reset", $$"""{"comment":"{{reason}}"}"""))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        ConsoleClient admin = await stack.AsAsync("admin");
        JsonElement entry = (await admin.GetJsonAsync("/api/audit")).GetProperty("entries").EnumerateArray()
            .First(e => e.GetProperty("detail").GetString()?.Contains(reason, StringComparison.Ordinal) == true);
        Assert.Equal("wang", entry.GetProperty("user").GetString());
        Assert.Equal("maintenance", entry.GetProperty("role").GetString());
        Assert.Equal("port_reset", entry.GetProperty("action").GetString());
        Assert.StartsWith("invalid: port is required", entry.GetProperty("result").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gateway_that_does_not_answer_gets_504_no_reply_after_the_command_timeout()
    {
        ConsoleClient client = await stack.AsAsync("admin");
        var watch = Stopwatch.StartNew();
        using HttpResponseMessage response = await client.PostJsonAsync(
            $"/api/gateways/{FakeGateway.Site}/{FakeGateway.Gateway}/commands/port_disable", $$"""{"port":"{{FakeGateway.Port}}"}""");
        watch.Stop();
        JsonElement error = await AssertErrorAsync(response, HttpStatusCode.GatewayTimeout, "no_reply");
        Assert.Equal($"{FakeGateway.Gateway} 未在 3 秒内应答", error.GetProperty("message").GetString());
        Assert.InRange(watch.Elapsed, ConsoleApiRig.CommandTimeout - TimeSpan.FromMilliseconds(100), ConsoleApiRig.CommandTimeout + TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task Acknowledging_an_unknown_alarm_is_404()
    {
        ConsoleClient client = await stack.AsAsync("manager");
        using HttpResponseMessage response = await client.PostJsonAsync($"/api/alarms/{Guid.NewGuid()}/ack", """{"comment":"?"}""");
        await AssertErrorAsync(response, HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_comment_over_500_characters_is_400_and_the_alarm_stays_unacknowledged()
    {
        string id = await RaiseAsync();
        ConsoleClient client = await stack.AsAsync("manager");
        using (HttpResponseMessage response = await client.PostJsonAsync($"/api/alarms/{id}/ack", JsonSerializer.Serialize(new { comment = new string('长', 501) })))
        {
            await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        }

        using (HttpResponseMessage malformed = await client.PostJsonAsync($"/api/alarms/{id}/ack", "{\"comment\":"))
        {
            await AssertErrorAsync(malformed, HttpStatusCode.BadRequest, "invalid_request");
        }

        JsonElement alarm = (await client.GetJsonAsync("/api/alarms/active")).GetProperty("alarms").EnumerateArray().Single(a => a.GetProperty("alarm_id").GetString() == id);
        Assert.False(alarm.GetProperty("acknowledged").GetBoolean());

        // Exactly 500 is allowed.
        using HttpResponseMessage ok = await client.PostJsonAsync($"/api/alarms/{id}/ack", JsonSerializer.Serialize(new { comment = new string('长', 500) }));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task A_second_acknowledgement_of_the_same_alarm_is_409_naming_who_acknowledged_it()
    {
        string id = await RaiseAsync();
        ConsoleClient manager = await stack.AsAsync("manager");
        ConsoleClient admin = await stack.AsAsync("admin");
        (HttpStatusCode first, JsonElement acknowledged) = await manager.PostAsync($"/api/alarms/{id}/ack", """{"comment":"已通知车主"}""");
        Assert.Equal(HttpStatusCode.OK, first);
        Assert.True(acknowledged.GetProperty("acknowledged").GetBoolean());
        Assert.Equal("li", acknowledged.GetProperty("acknowledged_by").GetString());
        Assert.Equal("已通知车主", acknowledged.GetProperty("ack_comment").GetString());

        (HttpStatusCode second, JsonElement conflict) = await admin.PostAsync($"/api/alarms/{id}/ack", "{}");
        Assert.Equal(HttpStatusCode.Conflict, second);
        Assert.Equal("already_acknowledged", conflict.GetProperty("error").GetString());
        Assert.Contains("li", conflict.GetProperty("message").GetString(), StringComparison.Ordinal);

        JsonElement audit = await admin.GetJsonAsync("/api/audit");
        Assert.Contains(audit.GetProperty("entries").EnumerateArray(), e =>
            e.GetProperty("user").GetString() == "admin" && e.GetProperty("action").GetString() == "alarm_ack"
            && e.GetProperty("result").GetString()!.StartsWith("conflict", StringComparison.Ordinal)
            && e.GetProperty("detail").GetString()!.Contains(id, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("?from=yesterday")]
    [InlineData("?from=2026-11-10&to=2026-11-01")]
    [InlineData("?limit=0")]
    [InlineData("?limit=10001")]
    [InlineData("?site=a/b")]
    [InlineData("?from=2024-01-01&to=2026-01-01")]
    public async Task A_bad_history_query_is_400(string query)
    {
        ConsoleClient client = await stack.AsAsync("manager");
        using HttpResponseMessage response = await client.GetAsync("/api/alarms/history" + query);
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        using HttpResponseMessage csv = await client.GetAsync("/api/alarms/history.csv" + query);
        Assert.Equal(HttpStatusCode.BadRequest, csv.StatusCode);
    }

    private async Task<string> RaiseAsync()
    {
        string id = await stack.Fake.RaiseAlarmAsync();
        ConsoleClient admin = await stack.AsAsync("admin");
        await ConsoleApiRig.Eventually(
            async () => (await admin.GetJsonAsync("/api/alarms/active")).GetProperty("alarms").EnumerateArray().Any(a => a.GetProperty("alarm_id").GetString() == id),
            TimeSpan.FromSeconds(10),
            $"alarm {id} never became active on the console");
        return id;
    }

    private static async Task<JsonElement> AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        JsonElement json = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(error, json.GetProperty("error").GetString());
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("message").GetString()));
        return json;
    }
}
