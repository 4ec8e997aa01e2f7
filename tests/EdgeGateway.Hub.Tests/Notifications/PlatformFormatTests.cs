using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Hub.Notifications;
using EdgeGateway.Testing.Http;

namespace EdgeGateway.Hub.Tests.Notifications;

/// <summary>Each platform receives exactly the request its documentation describes, signed where configured.</summary>
public sealed class PlatformFormatTests
{
    private const string WeComPath = "/cgi-bin/webhook/send";
    private const string DingTalkPath = "/robot/send";
    private const string FeishuPath = "/open-apis/bot/v2/hook/3f1e2d4c-5b6a-4789-9abc-def012345678";
    private const string WebhookPath = "/hooks/alarms";

    [Fact]
    public async Task WeCom_gets_a_markdown_message_in_Chinese_with_site_gateway_port_kind_value_limit_and_China_time()
    {
        await using NotificationRig rig = await NotificationRig.StartAsync(NotificationRig.OneChannel("wecom-ops", "WeCom", WeComPath + "?key=wecom-key-0001"));

        await rig.RecordAsync(Alarms.Raised());
        await rig.UntilAsync(() => rig.Receiver.On(WeComPath).Count == 1);

        ReceivedRequest request = rig.Receiver.On(WeComPath)[0];
        Assert.Equal("POST", request.Method);
        Assert.Equal("wecom-key-0001", request.Query["key"]);
        Assert.StartsWith("application/json", request.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.Contains("charset=utf-8", request.Headers["Content-Type"], StringComparison.OrdinalIgnoreCase);

        JsonElement body = request.Json;
        Assert.Equal(new[] { "msgtype", "markdown" }, body.EnumerateObject().Select(p => p.Name));
        Assert.Equal("markdown", body.GetProperty("msgtype").GetString());
        string content = body.GetProperty("markdown").GetProperty("content").GetString()!;
        Assert.StartsWith("**【紧急】端口短路 — dongguan shed-1 端口 p03**", content, StringComparison.Ordinal);
        foreach (string expected in new[]
                 {
                     "**站点**：dongguan", "**网关**：shed-1", "**位置**：端口 p03", "**报警**：端口短路", "**级别**：紧急",
                     "**详情**：instantaneous current 16.0 A beyond the 10 A limit", "**测量值**：3520 W", "**限值**：2000 W",
                     "**报警时间**：2026-11-25 19:30:00 (UTC+8)", "**报警编号**：alm-0001",
                 })
        {
            Assert.Contains(expected, content, StringComparison.Ordinal);
        }

        // Readable UTF-8 on the wire, not \u escapes.
        Assert.Contains("端口短路", request.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_channel_with_Language_en_gets_the_notice_in_English()
    {
        await using NotificationRig rig = await NotificationRig.StartAsync(
            NotificationRig.OneChannel("wecom-en", "WeCom", WeComPath + "?key=k-en-1", language: "en"));

        await rig.RecordAsync(Alarms.Raised(kind: "bin_fire", source: "bin:b1", value: 85.5, threshold: 70, unit: "°C", detail: "temperature rising 4 °C/min"));
        await rig.UntilAsync(() => rig.Receiver.On(WeComPath).Count == 1);

        string content = rig.Receiver.On(WeComPath)[0].Json.GetProperty("markdown").GetProperty("content").GetString()!;
        Assert.StartsWith("**[Critical] Bin fire — dongguan shed-1 bin b1**", content, StringComparison.Ordinal);
        Assert.Contains("**Value**: 85.5°C", content, StringComparison.Ordinal);
        Assert.Contains("**Limit**: 70°C", content, StringComparison.Ordinal);
        Assert.Contains("**Raised**: 2026-11-25 19:30:00 (UTC+8)", content, StringComparison.Ordinal);
        Assert.DoesNotContain("报警", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DingTalk_gets_markdown_and_a_signature_that_recomputes_from_the_received_timestamp()
    {
        const string Secret = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd";
        await using NotificationRig rig = await NotificationRig.StartAsync(
            NotificationRig.OneChannel("dingtalk-ops", "DingTalk", DingTalkPath + "?access_token=dt-token-0001", Secret));

        await rig.RecordAsync(Alarms.Raised());
        await rig.UntilAsync(() => rig.Receiver.On(DingTalkPath).Count == 1);

        ReceivedRequest request = rig.Receiver.On(DingTalkPath)[0];
        Assert.Equal("dt-token-0001", request.Query["access_token"]);
        string timestamp = request.Query["timestamp"];
        Assert.Equal(NotificationRig.Start.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), timestamp);

        // DingTalk: Base64(HMAC-SHA256(key = secret, message = timestamp + "\n" + secret)), URL-encoded in the query.
        string expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(timestamp + "\n" + Secret)));
        Assert.Equal(expected, request.Query["sign"]);
        Assert.Contains("sign=" + Uri.EscapeDataString(expected), request.QueryString, StringComparison.Ordinal);

        JsonElement body = request.Json;
        Assert.Equal("markdown", body.GetProperty("msgtype").GetString());
        JsonElement markdown = body.GetProperty("markdown");
        Assert.Equal("【紧急】端口短路 — dongguan shed-1 端口 p03", markdown.GetProperty("title").GetString());
        string text = markdown.GetProperty("text").GetString()!;
        Assert.StartsWith("#### **【紧急】端口短路", text, StringComparison.Ordinal);
        Assert.Contains("\n\n**测量值**：3520 W\n\n**限值**：2000 W", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DingTalk_without_a_secret_sends_no_timestamp_or_sign()
    {
        await using NotificationRig rig = await NotificationRig.StartAsync(
            NotificationRig.OneChannel("dingtalk-plain", "DingTalk", DingTalkPath + "?access_token=dt-token-0002"));

        await rig.RecordAsync(Alarms.Raised());
        await rig.UntilAsync(() => rig.Receiver.On(DingTalkPath).Count == 1);

        Assert.Equal(new[] { "access_token" }, rig.Receiver.On(DingTalkPath)[0].Query.Keys);
    }

    [Fact]
    public async Task Feishu_gets_a_text_message_with_timestamp_and_sign_in_the_body()
    {
        const string Secret = "feishu-signing-secret-0001";
        await using NotificationRig rig = await NotificationRig.StartAsync(NotificationRig.OneChannel("feishu-ops", "Feishu", FeishuPath, Secret));

        await rig.RecordAsync(Alarms.Raised());
        await rig.UntilAsync(() => rig.Receiver.On(FeishuPath).Count == 1);

        JsonElement body = rig.Receiver.On(FeishuPath)[0].Json;
        Assert.Equal("text", body.GetProperty("msg_type").GetString());
        string timestamp = body.GetProperty("timestamp").GetString()!;
        Assert.Equal(NotificationRig.Start.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), timestamp);

        // Feishu: Base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = empty)).
        string expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(timestamp + "\n" + Secret), Array.Empty<byte>()));
        Assert.Equal(expected, body.GetProperty("sign").GetString());

        string text = body.GetProperty("content").GetProperty("text").GetString()!;
        Assert.StartsWith("【紧急】端口短路 — dongguan shed-1 端口 p03\n站点：dongguan\n网关：shed-1\n位置：端口 p03\n", text, StringComparison.Ordinal);
        Assert.Contains("\n测量值：3520 W\n限值：2000 W\n报警时间：2026-11-25 19:30:00 (UTC+8)\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Feishu_without_a_secret_sends_neither_timestamp_nor_sign()
    {
        await using NotificationRig rig = await NotificationRig.StartAsync(NotificationRig.OneChannel("lark", "Lark", FeishuPath));

        await rig.RecordAsync(Alarms.Raised());
        await rig.UntilAsync(() => rig.Receiver.On(FeishuPath).Count == 1);

        Assert.Equal(new[] { "msg_type", "content" }, rig.Receiver.On(FeishuPath)[0].Json.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Webhook_gets_notice_language_title_text_and_the_contract_alarm_with_an_HMAC_signature_header()
    {
        const string Secret = "webhook-hmac-secret-0001";
        await using NotificationRig rig = await NotificationRig.StartAsync(NotificationRig.OneChannel("hook", "Webhook", WebhookPath, Secret));

        await rig.RecordAsync(Alarms.Raised());
        await rig.UntilAsync(() => rig.Receiver.On(WebhookPath).Count == 1);

        ReceivedRequest request = rig.Receiver.On(WebhookPath)[0];
        string expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), request.Body));
        Assert.Equal(expected, request.Headers[WebhookChannel.SignatureHeader]);

        JsonElement body = request.Json;
        Assert.Equal(new[] { "notice", "language", "title", "text", "alarm" }, body.EnumerateObject().Select(p => p.Name));
        Assert.Equal("raised", body.GetProperty("notice").GetString());
        Assert.Equal("zh-CN", body.GetProperty("language").GetString());
        Assert.Equal("【紧急】端口短路 — dongguan shed-1 端口 p03", body.GetProperty("title").GetString());
        Assert.Contains("测量值：3520 W", body.GetProperty("text").GetString(), StringComparison.Ordinal);

        JsonElement alarm = body.GetProperty("alarm");
        Assert.Equal("alm-0001", alarm.GetProperty("alarm_id").GetString());
        Assert.Equal("raised", alarm.GetProperty("event").GetString());
        Assert.Equal("port_short_circuit", alarm.GetProperty("kind").GetString());
        Assert.Equal("critical", alarm.GetProperty("severity").GetString());
        Assert.Equal("port:p03", alarm.GetProperty("source").GetString());
        Assert.Equal(3520, alarm.GetProperty("value").GetDouble());
        Assert.Equal(2000, alarm.GetProperty("threshold").GetDouble());
        Assert.Equal("W", alarm.GetProperty("unit").GetString());
        Assert.Equal("2026-11-25T11:30:00.000Z", alarm.GetProperty("raised_ts").GetString());
        Assert.Equal(JsonValueKind.Null, alarm.GetProperty("cleared_ts").ValueKind);
        Assert.Equal("dongguan", alarm.GetProperty("site").GetString());
        Assert.Equal("shed-1", alarm.GetProperty("gateway").GetString());
    }

    [Fact]
    public async Task Webhook_without_a_secret_sends_no_signature_header()
    {
        await using NotificationRig rig = await NotificationRig.StartAsync(NotificationRig.OneChannel("hook", "Webhook", WebhookPath));

        await rig.RecordAsync(Alarms.Raised());
        await rig.UntilAsync(() => rig.Receiver.On(WebhookPath).Count == 1);

        Assert.False(rig.Receiver.On(WebhookPath)[0].Headers.ContainsKey(WebhookChannel.SignatureHeader));
    }

    [Fact]
    public async Task A_WeCom_notice_longer_than_4096_bytes_is_cut_on_a_character_boundary()
    {
        await using NotificationRig rig = await NotificationRig.StartAsync(NotificationRig.OneChannel("wecom-ops", "WeCom", WeComPath + "?key=k-long"));

        // 3000 three-byte characters and some four-byte ones: far over the limit, with boundaries to get wrong.
        string detail = string.Concat(Enumerable.Repeat("过载🔥", 1500));
        await rig.RecordAsync(Alarms.Raised(severity: AlarmSeverity.Major, kind: "port_overload", detail: detail));
        await rig.UntilAsync(() => rig.Receiver.On(WeComPath).Count == 1);

        string content = rig.Receiver.On(WeComPath)[0].Json.GetProperty("markdown").GetProperty("content").GetString()!;
        Assert.InRange(Encoding.UTF8.GetByteCount(content), 4000, WeComChannel.MaxContentBytes);
        Assert.EndsWith("…", content, StringComparison.Ordinal);
        Assert.DoesNotContain('\uFFFD', content);
        Assert.False(char.IsHighSurrogate(content[^2]), "a surrogate pair was split");
        Assert.StartsWith("**【重要】端口过载", content, StringComparison.Ordinal);
    }
}
