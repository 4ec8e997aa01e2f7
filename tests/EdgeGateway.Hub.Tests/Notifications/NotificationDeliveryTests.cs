using System.Runtime.CompilerServices;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Notifications;
using EdgeGateway.Testing.Http;
using EdgeGateway.Testing.Network;

namespace EdgeGateway.Hub.Tests.Notifications;

/// <summary>Delivery: retries with backoff, never drops, keeps order per alarm, isolates alarms and channels, keeps secrets out of logs.</summary>
public sealed class NotificationDeliveryTests
{
    [Fact]
    public async Task A_failing_notice_is_retried_with_backoff_until_delivered_and_holds_back_neither_another_alarm_nor_another_channel()
    {
        await using NotificationRig rig = await NotificationRig.StartAsync((options, receiver) =>
        {
            options.Channels["flaky"] = new() { Type = "WeCom", Url = receiver.Url("/flaky?key=k1") };
            options.Channels["steady"] = new() { Type = "WeCom", Url = receiver.Url("/steady?key=k2") };
            options.Routes.Add(new() { Channels = { "flaky", "steady" } });
        });
        // The flaky robot refuses alm-1's first two attempts (each request is recorded before it is answered).
        rig.Receiver.Answer(request => (request.Path, rig.Receiver.On("/flaky").Count(r => AlarmOf(r) == "alm-1")) switch
        {
            ("/flaky", 1) when AlarmOf(request) == "alm-1" => new ReceiverReply(500, "boom"),
            ("/flaky", 2) when AlarmOf(request) == "alm-1" => new ReceiverReply(200, """{"errcode":310000,"errmsg":"keywords not in content"}"""),
            _ => ReceiverReply.Ok,
        });
        using var sent = new MeasurementSum(rig.MeterFactory, "edgegateway.hub.notifications.sent");
        using var failed = new MeasurementSum(rig.MeterFactory, "edgegateway.hub.notifications.failed");

        await rig.RecordAsync(Alarms.Raised("alm-1", "port_overload", AlarmSeverity.Major));
        await rig.RecordAsync(Alarms.Raised("alm-2", "port_overload", AlarmSeverity.Major, source: "port:p04"));

        // The steady channel delivers both, and the flaky one alm-2, while the clock stands still, i.e. while alm-1 is
        // backing off: a failing notice holds back only its own alarm's later notices.
        await rig.UntilAsync(() => rig.Receiver.On("/steady").Count == 2 && rig.Receiver.On("/flaky").Count == 2 && sent.Total == 3);
        Assert.All(rig.Receiver.On("/steady"), request => Assert.Equal(NotificationRig.Start, request.ReceivedAt));
        Assert.Equal(NotificationRig.Start, Assert.Single(rig.Receiver.On("/flaky"), request => AlarmOf(request) == "alm-2").ReceivedAt);

        await rig.UntilAsync(() => rig.Receiver.On("/flaky").Count == 4, advance: TimeSpan.FromMilliseconds(250));
        await rig.UntilAsync(() => sent.Total == 4);

        ReceivedRequest[] flaky = [.. rig.Receiver.On("/flaky").Where(request => AlarmOf(request) == "alm-1")];
        Assert.Equal(3, flaky.Length);
        Assert.Single(rig.Receiver.On("/flaky"), request => AlarmOf(request) == "alm-2");

        // Equal jitter: the n-th wait is between half and all of InitialBackoff · 2^(n-1) (5 s, then 10 s).
        Assert.InRange(flaky[1].ReceivedAt - flaky[0].ReceivedAt, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(5));
        Assert.InRange(flaky[2].ReceivedAt - flaky[1].ReceivedAt, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));

        LedgerJob first = rig.Notifier.Ledger.Jobs("alm-1").Single(job => job.Channel == "flaky");
        Assert.Equal((JobState.Sent, 3), (first.State, first.Attempts));
        Assert.Equal(2, failed.Total);
        Assert.Contains("channel flaky failed (attempt 1): HTTP 500: boom", rig.DeliveryLog.Text, StringComparison.Ordinal);
        Assert.Contains("channel flaky failed (attempt 2): errcode 310000: keywords not in content", rig.DeliveryLog.Text, StringComparison.Ordinal);

        // Each delivery says when the alarm reached the hub and how long the hub took since (its monotonic clock: here
        // the test's), so a slow notice can be told from a slow way to the hub; the channel in trouble is timed apart.
        string arrived = NotificationRig.Start.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"Notice Raised of alarm alm-1 sent via channel steady (attempt 1); the alarm reached this hub at {arrived}, 0.0 ms before", rig.DeliveryLog.Text, StringComparison.Ordinal);
        System.Text.RegularExpressions.Match late = System.Text.RegularExpressions.Regex.Match(
            rig.DeliveryLog.Text, @"alarm alm-1 sent via channel flaky \(attempt 3\); the alarm reached this hub at \S+, (?<ms>[0-9.]+) ms before");
        Assert.True(late.Success, rig.DeliveryLog.Text);
        Assert.InRange(double.Parse(late.Groups["ms"].Value, System.Globalization.CultureInfo.InvariantCulture), 7_500, 15_000); // the two back-offs
        Assert.Equal(0, rig.Notifier.Arrivals.Count); // every channel delivered: nothing kept
    }

    [Fact]
    public async Task A_hanging_request_holds_back_only_its_own_alarm_and_every_notice_arrives_once_in_its_alarm_s_order_across_a_restart()
    {
        await using NotificationRig rig = await NotificationRig.StartAsync((options, receiver) =>
        {
            options.Channels["hook"] = new() { Type = "Webhook", Url = receiver.Url("/hook") };
            options.Channels["ops"] = new() { Type = "WeCom", Url = receiver.Url("/ops?key=k1") };
            options.Routes.Add(new() { Channels = { "hook", "ops" } });
            options.RequestTimeout = TimeSpan.FromMinutes(5); // the hang is not cut short by a timeout
        });
        // The webhook's receiver hangs on alm-hang's raise until the hub stops; everything else is answered at once.
        var hanging = new StrongBox<bool>(true);
        rig.Receiver.Answer(request => hanging.Value && request.Path == "/hook" && Key(request) == "alm-hang:raised"
            ? ReceiverReply.Ok with { Delay = TimeSpan.FromMinutes(5) }
            : ReceiverReply.Ok);
        AlarmMessage stuck = Alarms.Raised("alm-hang", "port_overload", AlarmSeverity.Major);
        AlarmMessage other = Alarms.Raised("alm-2", "port_overload", AlarmSeverity.Major, source: "port:p04");

        await rig.RecordAsync(stuck);
        await rig.UntilAsync(() => rig.Receiver.On("/hook").Count == 1);
        await rig.RecordAsync(Alarms.Cleared(stuck, NotificationRig.Start));
        await rig.RecordAsync(other);
        await rig.RecordAsync(Alarms.Cleared(other, NotificationRig.Start));
        await rig.RecordAsync(Alarms.Raised("alm-3", "port_overload", AlarmSeverity.Major, source: "port:p05"));

        // alm-2 and alm-3 reach the webhook while alm-hang's raise hangs, alm-2's clear after its raise; alm-hang's clear
        // waits behind its raise. The other channel gets all five.
        await rig.UntilAsync(() => rig.Receiver.On("/hook").Count == 4 && rig.Receiver.On("/ops").Count == 5);
        string[] hook = [.. rig.Receiver.On("/hook").Select(Key)];
        Assert.Equal(["alm-2:cleared", "alm-2:raised", "alm-3:raised", "alm-hang:raised"], hook.Order(StringComparer.Ordinal));
        Assert.True(Array.IndexOf(hook, "alm-2:raised") < Array.IndexOf(hook, "alm-2:cleared"), string.Join(", ", hook));
        Assert.Equal(JobState.Pending, rig.Notifier.Ledger.Jobs("alm-hang").Single(job => job.Channel == "hook" && job.Notice == NoticeKind.Cleared).State);

        // The hub restarts with alm-hang's raise under way: it is sent again (said so, with the same key), then its
        // clear; nothing that was answered is sent again.
        hanging.Value = false;
        await rig.RestartAsync();
        await rig.UntilAsync(() => rig.Notifier.Ledger.Jobs().All(job => job.State == JobState.Sent));

        hook = [.. rig.Receiver.On("/hook").Select(Key)];
        Assert.Equal(["alm-hang:raised", "alm-hang:cleared"], hook[4..]);
        Assert.Equal(6, hook.Length);
        Assert.Equal(5, rig.Receiver.On("/ops").Count);
        Assert.Equal(1, rig.Notifier.Ledger.Jobs("alm-hang").Single(job => job.Channel == "hook" && job.Notice == NoticeKind.Raised).Interrupted);
        Assert.Contains("Notice Raised of alarm alm-hang via channel hook was being sent when the hub stopped", rig.DeliveryLog.Text, StringComparison.Ordinal);
    }

    /// <summary>The alarm a WeCom notice is about (its text names the alarm id).</summary>
    private static string AlarmOf(ReceivedRequest request) =>
        new[] { "alm-1", "alm-2" }.FirstOrDefault(id => request.Text.Contains(id, StringComparison.Ordinal)) ?? "?";

    /// <summary>A webhook request's Idempotency-Key, unquoted: ALARM_ID:NOTICE.</summary>
    private static string Key(ReceivedRequest request) => request.Headers.TryGetValue(WebhookChannel.IdempotencyKeyHeader, out string? key)
        ? key.Trim('"')
        : "?";

    [Theory]
    [InlineData("Feishu", """{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}""", "code 19021: sign match fail")]
    [InlineData("Feishu", """{"StatusCode":9499,"StatusMessage":"Bad Request"}""", "StatusCode 9499: Bad Request")]
    [InlineData("DingTalk", """{"errcode":410100,"errmsg":"send too fast"}""", "errcode 410100: send too fast")]
    [InlineData("WeCom", """<html>gateway error</html>""", "unreadable answer: <html>gateway error</html>")]
    public async Task A_platform_error_in_a_200_answer_is_a_failed_attempt(string type, string answer, string reason)
    {
        string path = type == "DingTalk" ? "/robot/send?access_token=t1" : type == "WeCom" ? "/send?key=k1" : "/open-apis/bot/v2/hook/abc";
        await using NotificationRig rig = await NotificationRig.StartAsync(NotificationRig.OneChannel("ops", type, path));
        rig.Receiver.Answer(request => request.NthOnPath == 1 ? new ReceiverReply(200, answer) : ReceiverReply.Ok);

        await rig.RecordAsync(Alarms.Raised());
        await rig.UntilAsync(() => rig.Notifier.Ledger.Jobs("alm-0001")[0].State == JobState.Sent, advance: TimeSpan.FromSeconds(1));

        Assert.Equal(2, rig.Notifier.Ledger.Jobs("alm-0001")[0].Attempts);
        Assert.Contains($"failed (attempt 1): {reason}", rig.DeliveryLog.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Feishu_answering_the_older_StatusCode_0_counts_as_delivered()
    {
        await using NotificationRig rig = await NotificationRig.StartAsync(NotificationRig.OneChannel("ops", "Feishu", "/open-apis/bot/v2/hook/abc"));
        rig.Receiver.Answer(_ => new ReceiverReply(200, """{"Extra":null,"StatusCode":0,"StatusMessage":"success"}"""));

        await rig.RecordAsync(Alarms.Raised());
        await rig.UntilAsync(() => rig.Notifier.Ledger.Jobs("alm-0001")[0].State == JobState.Sent);

        Assert.Equal(1, rig.Notifier.Ledger.Jobs("alm-0001")[0].Attempts);
    }

    [Fact]
    public async Task A_notice_under_way_when_the_hub_stops_is_sent_again_after_the_restart_with_the_same_idempotency_key_and_said_so()
    {
        await using NotificationRig rig = await NotificationRig.StartAsync(NotificationRig.OneChannel("hook", "Webhook", "/hook"));
        // The first request reaches the receiver and is never answered before the hub stops: whether it "arrived" is
        // the receiver's to know, not the hub's.
        rig.Receiver.Answer(request => request.NthOnPath == 1 ? ReceiverReply.Ok with { Delay = TimeSpan.FromMinutes(5) } : ReceiverReply.Ok);

        await rig.RecordAsync(Alarms.Raised());
        await rig.UntilAsync(() => rig.Receiver.On("/hook").Count == 1);
        await rig.RestartAsync();
        await rig.UntilAsync(() => rig.Notifier.Ledger.Jobs("alm-0001")[0].State == JobState.Sent);

        IReadOnlyList<ReceivedRequest> requests = rig.Receiver.On("/hook");
        Assert.Equal(2, requests.Count);
        Assert.All(requests, request => Assert.Equal("\"alm-0001:raised\"", request.Headers[WebhookChannel.IdempotencyKeyHeader]));
        Assert.Equal(1, rig.Notifier.Ledger.Jobs("alm-0001")[0].Interrupted);
        Assert.Contains("Notice Raised of alarm alm-0001 via channel hook was being sent when the hub stopped", rig.DeliveryLog.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_receiver_that_does_not_answer_within_RequestTimeout_is_retried()
    {
        await using NotificationRig rig = await NotificationRig.StartAsync((options, receiver) =>
        {
            NotificationRig.OneChannel("slow", "Webhook", "/slow")(options, receiver);
            options.RequestTimeout = TimeSpan.FromMilliseconds(300);
        });
        rig.Receiver.Answer(request => request.NthOnPath == 1 ? ReceiverReply.Ok with { Delay = TimeSpan.FromSeconds(10) } : ReceiverReply.Ok);

        await rig.RecordAsync(Alarms.Raised());
        await rig.UntilAsync(() => rig.Notifier.Ledger.Jobs("alm-0001")[0].State == JobState.Sent, advance: TimeSpan.FromSeconds(1));

        Assert.Equal(2, rig.Receiver.On("/slow").Count);
        Assert.Contains("channel slow failed (attempt 1): no answer within 0.3 s", rig.DeliveryLog.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_connection_keeps_the_notice_pending_and_retrying_and_the_log_names_only_the_channel()
    {
        int closedPort = LoopbackPorts.Claim();
        string url = $"http://127.0.0.1:{closedPort}/cgi-bin/webhook/send?key=refused-key-0001";
        await using NotificationRig rig = await NotificationRig.StartAsync((options, _) =>
        {
            options.Channels["wecom-down"] = new() { Type = "WeCom", Url = url };
            options.Routes.Add(new() { Channels = { "wecom-down" } });
        });

        await rig.RecordAsync(Alarms.Raised("alm-1", "port_overload", AlarmSeverity.Major));
        await rig.UntilAsync(() => rig.Notifier.Ledger.Jobs("alm-1")[0].Attempts >= 3, advance: TimeSpan.FromSeconds(2));

        LedgerJob job = rig.Notifier.Ledger.Jobs("alm-1")[0];
        Assert.Equal(JobState.Pending, job.State);
        Assert.StartsWith("connection failed", job.LastError, StringComparison.Ordinal);
        Assert.Contains("via channel wecom-down failed (attempt 1): connection failed", rig.DeliveryLog.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("refused-key-0001", rig.AllLogs, StringComparison.Ordinal);
        Assert.DoesNotContain($":{closedPort}", rig.AllLogs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_tokens_hook_ids_and_signing_secrets_never_appear_in_the_logs_even_when_a_platform_echoes_them()
    {
        string[] secrets =
        [
            "W-KEY-SECRET-0001", "DT-TOKEN-SECRET-0002", "SEC-DT-SIGNING-0003", "FS-HOOK-SECRET-0004", "FS-SIGNING-SECRET-0005",
            "WH-TOKEN-SECRET-0006", "WH-HMAC-SECRET-0007",
        ];
        await using NotificationRig rig = await NotificationRig.StartAsync((options, receiver) =>
        {
            options.Channels["wecom-ops"] = new() { Type = "WeCom", Url = receiver.Url("/wecom?key=" + secrets[0]) };
            options.Channels["dingtalk-ops"] = new() { Type = "DingTalk", Url = receiver.Url("/dingtalk?access_token=" + secrets[1]), Secret = secrets[2] };
            options.Channels["feishu-ops"] = new() { Type = "Feishu", Url = receiver.Url("/open-apis/bot/v2/hook/" + secrets[3]), Secret = secrets[4] };
            options.Channels["archive"] = new() { Type = "Webhook", Url = receiver.Url("/hook?token=" + secrets[5]), Secret = secrets[6] };
            options.Routes.Add(new() { Channels = { "wecom-ops", "dingtalk-ops", "feishu-ops", "archive" } });
        });
        // First answers echo everything they got (as a careless proxy might), then success.
        rig.Receiver.Answer(request => request.NthOnPath > 1
            ? ReceiverReply.Ok
            : new ReceiverReply(
                request.Path == "/hook" ? 502 : 200,
                $$"""{"errcode":93000,"errmsg":"invalid {{request.Path}}{{request.QueryString}} {{Escape(request.Text)}}","code":19021,"msg":"bad {{request.Path}}"}"""));

        await rig.RecordAsync(Alarms.Raised());
        await rig.UntilAsync(
            () => rig.Notifier.Ledger.Jobs("alm-0001").Where(job => job.Notice == NoticeKind.Raised).All(job => job.State == JobState.Sent),
            advance: TimeSpan.FromSeconds(1));

        foreach (string channel in new[] { "wecom-ops", "dingtalk-ops", "feishu-ops", "archive" })
        {
            Assert.Contains($"via channel {channel} failed (attempt 1)", rig.DeliveryLog.Text, StringComparison.Ordinal);
            Assert.Contains($"sent via channel {channel} (attempt 2)", rig.DeliveryLog.Text, StringComparison.Ordinal);
        }

        foreach (string secret in secrets)
        {
            Assert.DoesNotContain(secret, rig.AllLogs, StringComparison.Ordinal);
            Assert.All(rig.Notifier.Ledger.Jobs(), job => Assert.DoesNotContain(secret, job.LastError ?? string.Empty, StringComparison.Ordinal));
        }
    }

    private static string Escape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

}
