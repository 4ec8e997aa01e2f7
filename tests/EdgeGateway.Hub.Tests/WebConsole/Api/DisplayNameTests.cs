using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Testing.Network;

namespace EdgeGateway.Hub.Tests.WebConsole.Api;

/// <summary>
/// Sheds by name where a person reads: the gateway publishes its site file's <c>name:</c> in its retained status; the
/// board, the alarms and the alarm CSV carry <c>site_name</c> beside the id — the registry's name (in the reader's
/// language) where it has one, else the gateway's.
/// </summary>
[Collection(SharedConsoleApi.Name)]
[Trait("Category", "Servers")]
public sealed class DisplayNameTests(ConsoleApiRig stack)
{
    [Fact]
    public async Task The_gateway_publishes_its_site_file_s_name_in_its_retained_status()
    {
        await using ProbeClient probe = await ProbeClient.ConnectAsync(stack.Broker, clientId: "name-probe-" + Guid.NewGuid().ToString("N")[..6]);
        await probe.SubscribeAsync(ContractTopics.Status(ConsoleApiRig.Site, ConsoleApiRig.Gateway));
        MQTTnet.MqttApplicationMessage status = await probe.NextAsync(TimeSpan.FromSeconds(30));
        using var json = JsonDocument.Parse(Encoding.UTF8.GetString(status.Payload));
        Assert.Equal("临淄区演示充电棚", json.RootElement.GetProperty("name").GetString()); // firmware-config/sites/demo.yaml
    }

    [Fact]
    public async Task The_board_and_the_alarms_show_the_registry_s_name_in_the_reader_s_language_with_the_id()
    {
        JsonElement board = await (await stack.AsAsync("admin")).GetJsonAsync("/api/board");
        JsonElement shed = ConsoleApiRig.FindGateway(board, ConsoleApiRig.Site, ConsoleApiRig.Gateway)!.Value;
        Assert.Equal("临淄区演示充电棚", shed.GetProperty("site_name").GetString());
        Assert.Equal("测试车棚", ConsoleApiRig.FindGateway(board, FakeGateway.Site, FakeGateway.Gateway)!.Value.GetProperty("site_name").GetString());

        using ConsoleClient english = stack.Anonymous();
        english.Cookies.Add(english.BaseUri, new Cookie("lang", "en"));
        await english.SignInAsync(ConsoleHubRig.UserOf("manager"), ConsoleHubRig.Password);
        string id = await stack.Fake.RaiseAlarmAsync();
        JsonElement alarm = default;
        await ConsoleApiRig.Eventually(async () =>
        {
            alarm = (await english.GetJsonAsync("/api/alarms/active")).GetProperty("alarms").EnumerateArray().FirstOrDefault(a => a.GetProperty("alarm_id").GetString() == id);
            return alarm.ValueKind == JsonValueKind.Object;
        }, TimeSpan.FromSeconds(10), "the alarm never showed");
        Assert.Equal("Test shed", alarm.GetProperty("site_name").GetString());
        Assert.Equal(FakeGateway.Site, alarm.GetProperty("site").GetString());
        Assert.Equal("Linzi demo shed", ConsoleApiRig.FindGateway(await english.GetJsonAsync("/api/board"), ConsoleApiRig.Site, ConsoleApiRig.Gateway)!.Value.GetProperty("site_name").GetString());

        string csv = "";
        await ConsoleApiRig.Eventually(async () =>
        {
            using HttpResponseMessage response = await english.GetAsync($"/api/alarms/history.csv?site={FakeGateway.Site}");
            csv = await response.Content.ReadAsStringAsync();
            return csv.Contains(id, StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(30), "the alarm never reached the history CSV");
        Assert.EndsWith(",Site name", csv.Split("\r\n")[0], StringComparison.Ordinal);
        Assert.EndsWith(",Test shed", csv.Split("\r\n").Single(l => l.Contains(id, StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_acknowledgement_shows_the_user_s_display_name_and_sends_the_login_as_the_operator()
    {
        ConsoleClient manager = await stack.AsUserAsync("manager"); // display name 张经理
        string id = await stack.Fake.RaiseAlarmAsync();
        await ConsoleApiRig.Eventually(
            async () => (await manager.GetJsonAsync("/api/alarms/active")).GetProperty("alarms").EnumerateArray().Any(a => a.GetProperty("alarm_id").GetString() == id),
            TimeSpan.FromSeconds(10),
            "the alarm never showed");
        await using ProbeClient probe = await ProbeClient.ConnectAsync(stack.Broker, clientId: "ack-probe-" + Guid.NewGuid().ToString("N")[..6]);
        await probe.SubscribeAsync(ContractTopics.Command(FakeGateway.Site, FakeGateway.Gateway, ContractCommands.AlarmAck));

        (HttpStatusCode status, JsonElement acknowledged) = await manager.PostAsync($"/api/alarms/{id}/ack", """{"comment":"已通知车主"}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("张经理", acknowledged.GetProperty("acknowledged_by").GetString());
        Assert.Equal("manager", acknowledged.GetProperty("acknowledged_by_user").GetString());
        JsonElement listed = (await manager.GetJsonAsync("/api/alarms/active")).GetProperty("alarms").EnumerateArray().Single(a => a.GetProperty("alarm_id").GetString() == id);
        Assert.Equal("张经理", listed.GetProperty("acknowledged_by").GetString());
        MQTTnet.MqttApplicationMessage sent = await probe.NextAsync(TimeSpan.FromSeconds(30));
        Assert.True(ContractJson.TryDeserializeCommand(sent.Payload.ToArray(), out CommandRequest? request, out string? error), error);
        Assert.Equal("manager", request!.Operator);
    }

    [Fact]
    public async Task A_site_the_registry_does_not_have_is_named_as_its_gateway_s_status_names_it()
    {
        await using ProbeClient gateway = await ProbeClient.ConnectAsync(stack.Broker, clientId: "named-probe-" + Guid.NewGuid().ToString("N")[..6]);
        DateTimeOffset now = ContractTime.Truncate(DateTimeOffset.UtcNow);
        await gateway.PublishAsync(ContractTopics.Status("named-site", "gw-named"), ContractJson.SerializeToString(new StatusMessage
        {
            Seq = 1, Ts = now, Site = "named-site", Gateway = "gw-named", Online = true, Version = "0.1.0-test", UptimeS = 5, OutboxDepth = 0, Name = "无名路充电棚",
        }));
        ConsoleClient admin = await stack.AsAsync("admin");
        await ConsoleApiRig.Eventually(
            async () => ConsoleApiRig.FindGateway(await admin.GetJsonAsync("/api/board"), "named-site", "gw-named")?.GetProperty("site_name").GetString() == "无名路充电棚",
            TimeSpan.FromSeconds(10),
            "the board never named the site as its gateway did");
    }
}
