using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Testing.Network;
using MQTTnet;

namespace EdgeGateway.Hub.Tests.WebConsole.Api;

/// <summary>
/// The real gateway's overload, through the console: P02 locked out on the board and in the active alarms; the manager
/// acknowledges (the gateway gets <c>cmd/alarm_ack</c>, the audit log the entry); maintenance resets the port (the
/// gateway's reply comes back, the port leaves its lockout, the alarm clears); the live stream shows it; the port's
/// history and the alarm history (with the acknowledgement merged, as CSV too) come from InfluxDB.
/// </summary>
[Collection(SharedConsoleApi.Name)]
[Trait("Category", "Servers")]
public sealed class OverloadStoryTests(ConsoleApiRig stack)
{
    private const string Site = ConsoleApiRig.Site;
    private const string Gw = ConsoleApiRig.Gateway;

    [Fact]
    public async Task An_overload_is_shown_acknowledged_reset_and_recorded_from_end_to_end()
    {
        ConsoleClient maintenance = await stack.AsAsync("maintenance");
        ConsoleClient manager = await stack.AsAsync("manager");
        ConsoleClient admin = await stack.AsAsync("admin");

        // 1. The board: P02 locked out, needing attention; the gateway online, with its active alarm counted.
        JsonElement p02 = default;
        await ConsoleApiRig.Eventually(async () =>
        {
            JsonElement board = await maintenance.GetJsonAsync("/api/board");
            JsonElement gateway = ConsoleApiRig.FindGateway(board, Site, Gw)!.Value;
            p02 = ConsoleApiRig.FindItem(gateway, "ports", "port", "P02")!.Value;
            return p02.GetProperty("lockout").ValueKind == JsonValueKind.String && gateway.GetProperty("active_alarms").GetInt32() >= 1;
        }, TimeSpan.FromSeconds(180), $"P02 never showed a lockout on the board; gateway output:\n{stack.GatewayOutput}");
        Assert.Equal("disabled", p02.GetProperty("state").GetString());
        Assert.True(p02.GetProperty("needs_attention").GetBoolean());
        Assert.False(p02.GetProperty("relay_closed").GetBoolean());
        JsonElement shed = ConsoleApiRig.FindGateway(await maintenance.GetJsonAsync("/api/board"), Site, Gw)!.Value;
        Assert.True(shed.GetProperty("online").GetBoolean());
        Assert.Equal("charging", ConsoleApiRig.FindItem(shed, "ports", "port", "P01")!.Value.GetProperty("state").GetString());
        Assert.False(ConsoleApiRig.FindItem(shed, "ports", "port", "P05")!.Value.GetProperty("needs_attention").GetBoolean());

        // 2. The active alarms: the overload, in Chinese by default.
        JsonElement alarm = (await manager.GetJsonAsync("/api/alarms/active")).GetProperty("alarms").EnumerateArray()
            .Single(a => a.GetProperty("site").GetString() == Site && a.GetProperty("kind").GetString() == "port_overload");
        string alarmId = alarm.GetProperty("alarm_id").GetString()!;
        Assert.Equal("端口过载", alarm.GetProperty("kind_text").GetString());
        Assert.Equal("major", alarm.GetProperty("severity").GetString());
        Assert.Equal("P02", alarm.GetProperty("port").GetString());
        Assert.Equal("W", alarm.GetProperty("unit").GetString());
        Assert.True(alarm.GetProperty("value").GetDouble() > alarm.GetProperty("threshold").GetDouble());
        Assert.Equal(JsonValueKind.Null, alarm.GetProperty("cleared_ts").ValueKind);
        Assert.False(alarm.GetProperty("acknowledged").GetBoolean());

        // 3. The manager acknowledges: the gateway gets cmd/alarm_ack with the operator and the comment.
        await using ProbeClient probe = await ProbeClient.ConnectAsync(stack.Broker);
        await probe.SubscribeAsync(ContractTopics.Command(Site, Gw, ContractCommands.AlarmAck));
        (HttpStatusCode ackStatus, JsonElement acknowledged) = await manager.PostAsync($"/api/alarms/{alarmId}/ack", """{"comment":"已通知车主"}""");
        Assert.Equal(HttpStatusCode.OK, ackStatus);
        Assert.True(acknowledged.GetProperty("acknowledged").GetBoolean());
        Assert.Equal("li", acknowledged.GetProperty("acknowledged_by").GetString());
        MqttApplicationMessage sent = await probe.NextAsync(TimeSpan.FromSeconds(60));
        Assert.True(ContractJson.TryDeserializeCommand(sent.Payload.ToArray(), out CommandRequest? request, out string? error), error);
        Assert.Equal(alarmId, request!.AlarmId);
        Assert.Equal("li", request.Operator);
        Assert.Equal("已通知车主", request.Comment);
        // Every command the console sends has an id and an issue time: the gateway applies it once, and not when stale.
        Assert.True(ContractIds.IsValid(request.Id), request.Id);
        Assert.InRange(request.IssuedTs!.Value, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));

        // ... shown in the active list, and audited.
        JsonElement listed = (await maintenance.GetJsonAsync("/api/alarms/active")).GetProperty("alarms").EnumerateArray().Single(a => a.GetProperty("alarm_id").GetString() == alarmId);
        Assert.True(listed.GetProperty("acknowledged").GetBoolean());
        Assert.Equal("已通知车主", listed.GetProperty("ack_comment").GetString());
        JsonElement ackEntry = (await admin.GetJsonAsync("/api/audit")).GetProperty("entries").EnumerateArray()
            .First(e => e.GetProperty("action").GetString() == "alarm_ack" && e.GetProperty("detail").GetString()!.Contains(alarmId, StringComparison.Ordinal));
        Assert.Equal("li", ackEntry.GetProperty("user").GetString());
        Assert.Equal("manager", ackEntry.GetProperty("role").GetString());
        Assert.Equal($"{Site}/{Gw}/port:P02", ackEntry.GetProperty("target").GetString());
        Assert.Equal("ok", ackEntry.GetProperty("result").GetString());

        // 4. The stream is open when maintenance resets the port.
        using var streamStop = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        using HttpResponseMessage stream = await maintenance.OpenStreamAsync("/api/board/stream?site=" + Site, streamStop.Token);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        using var events = new StreamReader(await stream.Content.ReadAsStreamAsync(streamStop.Token), Encoding.UTF8);

        (HttpStatusCode resetStatus, JsonElement reply) = await maintenance.PostAsync(
            $"/api/gateways/{Site}/{Gw}/commands/port_reset", """{"port":"P02","reason":"charger replaced","comment":"换了原装充电器"}""");
        Assert.Equal(HttpStatusCode.OK, resetStatus);
        Assert.True(reply.GetProperty("ok").GetBoolean(), reply.ToString());
        // The gateway's reason code in the reader's language (zh-CN); the audit keeps the gateway's English words.
        Assert.Equal("已复位", reply.GetProperty("message").GetString());

        // The stream delivers P02 idle, without its lockout, and the alarm cleared (in whichever order they came).
        bool IsP02Reset((string Name, JsonElement Data) e) =>
            e.Name == "port" && e.Data.GetProperty("port").GetString() == "P02" && e.Data.GetProperty("lockout").ValueKind == JsonValueKind.Null;
        bool IsCleared((string Name, JsonElement Data) e) =>
            e.Name == "alarm" && e.Data.GetProperty("alarm_id").GetString() == alarmId && e.Data.GetProperty("cleared_ts").ValueKind == JsonValueKind.String;
        List<(string Name, JsonElement Data)> seen = await ReadEventsUntilAsync(events, all => all.Any(IsP02Reset) && all.Any(IsCleared), streamStop.Token);
        JsonElement portEvent = seen.First(IsP02Reset).Data;
        Assert.Equal(Site, portEvent.GetProperty("site").GetString());
        Assert.Equal(Gw, portEvent.GetProperty("gateway").GetString());
        Assert.Equal("idle", portEvent.GetProperty("state").GetString());
        JsonElement clearEvent = seen.First(IsCleared).Data;
        Assert.True(clearEvent.GetProperty("acknowledged").GetBoolean());
        Assert.Contains("charger replaced", clearEvent.GetProperty("clear_reason").GetString(), StringComparison.Ordinal);

        // The board agrees, the alarm is no longer active, and a second reset is the gateway's refusal.
        JsonElement after = ConsoleApiRig.FindItem(ConsoleApiRig.FindGateway(await maintenance.GetJsonAsync("/api/board"), Site, Gw)!.Value, "ports", "port", "P02")!.Value;
        Assert.Equal("idle", after.GetProperty("state").GetString());
        Assert.False(after.GetProperty("needs_attention").GetBoolean());
        Assert.DoesNotContain((await maintenance.GetJsonAsync("/api/alarms/active")).GetProperty("alarms").EnumerateArray(), a => a.GetProperty("alarm_id").GetString() == alarmId);
        (HttpStatusCode againStatus, JsonElement again) = await maintenance.PostAsync($"/api/gateways/{Site}/{Gw}/commands/port_reset", """{"port":"P02","reason":"again"}""");
        Assert.Equal(HttpStatusCode.OK, againStatus);
        Assert.False(again.GetProperty("ok").GetBoolean());
        Assert.Equal("无需复位（当前空闲）", again.GetProperty("message").GetString());

        JsonElement[] resets = [.. (await admin.GetJsonAsync("/api/audit")).GetProperty("entries").EnumerateArray().Where(e => e.GetProperty("action").GetString() == "port_reset" && e.GetProperty("user").GetString() == "wang")];
        Assert.Contains(resets, e => e.GetProperty("result").GetString() == "ok: reset"
            && e.GetProperty("target").GetString() == $"{Site}/{Gw}/P02"
            && e.GetProperty("detail").GetString() == "port: P02; reason: charger replaced; comment: 换了原装充电器");
        Assert.Contains(resets, e => e.GetProperty("result").GetString()!.StartsWith("refused: nothing to reset", StringComparison.Ordinal));

        // 5. History from InfluxDB: P02's power series, the alarm raised and cleared with the acknowledgement merged.
        JsonElement detail = default;
        await ConsoleApiRig.Eventually(async () =>
        {
            detail = await maintenance.GetJsonAsync($"/api/ports/{Site}/{Gw}/P02?hours=1");
            return detail.GetProperty("alarms").EnumerateArray().Any(a => a.GetProperty("alarm_id").GetString() == alarmId && a.GetProperty("cleared_ts").ValueKind == JsonValueKind.String);
        }, TimeSpan.FromSeconds(120), "the port's history never showed the cleared overload");
        Assert.True(detail.GetProperty("history_available").GetBoolean());
        Assert.Equal(JsonValueKind.Null, detail.GetProperty("history_message").ValueKind);
        Assert.Equal("P02", detail.GetProperty("port").GetProperty("port").GetString());
        Assert.Contains(detail.GetProperty("series").EnumerateArray(), p => p.GetProperty("power_w").GetDouble() > 1000);
        Assert.Contains(detail.GetProperty("sessions").EnumerateArray(), s => s.GetProperty("end_reason").GetString() == "overload");
        JsonElement stored = detail.GetProperty("alarms").EnumerateArray().Single(a => a.GetProperty("alarm_id").GetString() == alarmId);
        Assert.True(stored.GetProperty("acknowledged").GetBoolean());
        Assert.Equal("li", stored.GetProperty("acknowledged_by").GetString());

        JsonElement history = await manager.GetJsonAsync($"/api/alarms/history?site={Site}&kind=port_overload");
        Assert.True(history.GetProperty("history_available").GetBoolean());
        JsonElement past = history.GetProperty("alarms").EnumerateArray().Single(a => a.GetProperty("alarm_id").GetString() == alarmId);
        Assert.Equal(JsonValueKind.String, past.GetProperty("cleared_ts").ValueKind);
        Assert.True(past.GetProperty("acknowledged").GetBoolean());
        Assert.Equal("已通知车主", past.GetProperty("ack_comment").GetString());

        // 6. The same as CSV for Excel: a BOM, the header in the user's language.
        using (HttpResponseMessage csv = await manager.GetAsync($"/api/alarms/history.csv?site={Site}"))
        {
            Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
            Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
            Assert.Equal("utf-8", csv.Content.Headers.ContentType?.CharSet);
            byte[] bytes = await csv.Content.ReadAsByteArrayAsync();
            Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
            string[] lines = Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.StartsWith("报警编号,站点,网关,类型,类型名称,严重程度", lines[0], StringComparison.Ordinal);
            string row = Assert.Single(lines, l => l.StartsWith(alarmId, StringComparison.Ordinal));
            Assert.Contains(",端口过载,重要,port:P02,P02,", row, StringComparison.Ordinal);
            Assert.Contains(",是,li,", row, StringComparison.Ordinal);
        }

        using ConsoleClient english = stack.Anonymous();
        await english.SignInAsync("li", ConsoleApiRig.Password);
        await english.GetAsync("/lang/en");
        using (HttpResponseMessage csv = await english.GetAsync($"/api/alarms/history.csv?site={Site}"))
        {
            string text = Encoding.UTF8.GetString(await csv.Content.ReadAsByteArrayAsync());
            Assert.StartsWith("\uFEFFAlarm id,Site,Gateway,Kind,Kind name,Severity", text, StringComparison.Ordinal);
            Assert.Contains(",Port overload,Major,", text, StringComparison.Ordinal);
        }

        stack.Hub.AssertNoErrorsLogged();
    }

    /// <summary>Reads SSE events (name and JSON data) until <paramref name="done"/> holds for what was read.</summary>
    private static async Task<List<(string Name, JsonElement Data)>> ReadEventsUntilAsync(
        StreamReader reader, Func<List<(string Name, JsonElement Data)>, bool> done, CancellationToken cancellationToken)
    {
        var events = new List<(string Name, JsonElement Data)>();
        string? eventName = null;
        while (!done(events))
        {
            string line = await reader.ReadLineAsync(cancellationToken) ?? throw new EndOfStreamException("the stream ended");
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                eventName = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && eventName is not null)
            {
                events.Add((eventName, JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone()));
            }
            else if (line.Length == 0)
            {
                eventName = null;
            }
        }

        return events;
    }
}
