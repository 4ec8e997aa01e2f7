using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Platform;
using EdgeGateway.Hub.Tests.WebConsole;
using EdgeGateway.Hub.Tests.WebConsole.Api;
using EdgeGateway.Testing.Http;

namespace EdgeGateway.Hub.Tests.Platform;

/// <summary>
/// The platform API against the real hub process (<see cref="PlatformRig"/>): keys and their company's scope, problem
/// answers, an order that starts once, the gateway's own reply or 504, the OpenAPI document, and webhooks signed,
/// retried and delivered once, across a hub restart too. The gateways are test-side responders (<see cref="PlatformGateway"/>).
/// </summary>
[Collection(SharedPlatformApi.Name)]
public sealed class PlatformApiTests(PlatformRig rig)
{
    private const string ProblemJson = "application/problem+json";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60); // bounds a failure only

    private static string PortPath(string site, string gateway, string port) => $"/api/platform/v1/sites/{site}/gateways/{gateway}/ports/{port}";

    private static string Start(string order, string? limit = null) => $$"""{"order_id":"{{order}}","limit":{{limit ?? """{"energy_wh":500}"""}}}""";

    [Fact]
    public async Task The_OpenAPI_document_describes_every_platform_endpoint_and_nothing_of_the_console()
    {
        (HttpStatusCode status, _, string body) = await rig.CallAsync(HttpMethod.Get, PlatformEndpoints.OpenApiPath, null);

        Assert.Equal(HttpStatusCode.OK, status);
        JsonElement paths = JsonDocument.Parse(body).RootElement.GetProperty("paths");
        string[] names = [.. paths.EnumerateObject().Select(p => p.Name)];
        string port = "/api/platform/v1/sites/{site}/gateways/{gw}/ports/{port}";
        Assert.True(paths.GetProperty(port + "/start").TryGetProperty("post", out _), body);
        Assert.True(paths.GetProperty(port + "/stop").TryGetProperty("post", out _), body);
        Assert.True(paths.GetProperty(port).TryGetProperty("get", out _), body);
        Assert.True(paths.GetProperty("/api/platform/v1/sessions").TryGetProperty("get", out _), body);
        Assert.All(names, name => Assert.StartsWith("/api/platform/v1/", name, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_admins_key_page_is_served_and_lists_the_keys_without_secrets()
    {
        using HttpResponseMessage page = await rig.Admin.GetAsync("/platform-keys");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("/app/platform-keys.js", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        JsonElement keys = await rig.Admin.GetJsonAsync("/api/platform/keys");
        string listed = keys.ToString();
        Assert.True(ApiKeyToken.TryParse(rig.OwnKey, out string? id, out string? secret));
        Assert.Contains(id, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(rig.OwnWebhookSecret, listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_key_a_wrong_key_or_a_revoked_key_is_401_problem_and_audited()
    {
        string path = PortPath(PlatformRig.OwnSite, PlatformRig.OwnGateway, "P01");
        Assert.True(ApiKeyToken.TryParse(rig.OwnKey, out string? id, out _));
        JsonElement revoked = await rig.CreateKeyAsync(ConsoleHubRig.OwnCompany, "to-revoke", null);
        string revokedId = revoked.GetProperty("id").GetString()!;
        using (HttpResponseMessage revoke = await rig.Admin.PostJsonAsync($"/api/platform/keys/{revokedId}/revoke", null))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        foreach (string? key in new[] { null, "egk_" + id + "_wrong-secret", "not-a-key", revoked.GetProperty("key").GetString() })
        {
            using HttpResponseMessage response = await rig.SendAsync(HttpMethod.Get, path, key);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal(ProblemJson, response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        }

        JsonElement audit = await rig.Admin.GetJsonAsync("/api/audit?limit=50");
        string log = audit.ToString();
        Assert.Contains($"api-key:{revokedId}", log, StringComparison.Ordinal);
        Assert.Contains("the API key is revoked", log, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_of_another_company_cannot_start_stop_or_read_a_port_of_this_one()
    {
        int before = rig.Own.Received.Count;
        string path = PortPath(PlatformRig.OwnSite, PlatformRig.OwnGateway, "P01");

        (HttpStatusCode start, string? type, string body) = await rig.CallAsync(HttpMethod.Post, path + "/start", rig.OtherKey, Start("beta-order-1"));
        Assert.Equal(HttpStatusCode.NotFound, start);
        Assert.Equal(ProblemJson, type);
        Assert.Contains($"no site '{PlatformRig.OwnSite}'", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await rig.CallAsync(HttpMethod.Post, path + "/stop", rig.OtherKey)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await rig.CallAsync(HttpMethod.Get, path, rig.OtherKey)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await rig.CallAsync(HttpMethod.Get, PortPath(ConsoleHubRig.OtherSite, PlatformRig.OtherGateway, "P01"), rig.OwnKey)).Status);
        Assert.Equal(HttpStatusCode.OK, (await rig.CallAsync(HttpMethod.Get, PortPath(ConsoleHubRig.OtherSite, PlatformRig.OtherGateway, "P01"), rig.OtherKey)).Status);
        Assert.Equal(before, rig.Own.Received.Count);
    }

    [Fact]
    public async Task A_bad_start_is_a_validation_problem_and_sends_nothing()
    {
        int before = rig.Own.Received.Count;
        string path = PortPath(PlatformRig.OwnSite, PlatformRig.OwnGateway, "P01") + "/start";

        (HttpStatusCode status, string? type, string body) = await rig.CallAsync(HttpMethod.Post, path, rig.OwnKey, Start("bad-1", """{"energy_wh":0}"""));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(ProblemJson, type);
        Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("errors").TryGetProperty("limit.energy_wh", out _), body);

        (status, type, body) = await rig.CallAsync(HttpMethod.Post, path, rig.OwnKey, """{"order_id":"bad-2","limit":{"energy_wh":100},"surprise":1}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(ProblemJson, type);

        (status, _, body) = await rig.CallAsync(HttpMethod.Post, PortPath(PlatformRig.OwnSite, PlatformRig.OwnGateway, "P99") + "/start", rig.OwnKey, Start("bad-3"));
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("no port 'P99'", body, StringComparison.Ordinal);
        Assert.Equal(before, rig.Own.Received.Count);
    }

    [Fact]
    public async Task The_same_order_twice_starts_once_and_answers_the_same()
    {
        string path = PortPath(PlatformRig.OwnSite, PlatformRig.OwnGateway, "P01") + "/start";
        string order = "order-" + Guid.NewGuid().ToString("N")[..12];

        Task<(HttpStatusCode, string?, string)>[] both = [rig.CallAsync(HttpMethod.Post, path, rig.OwnKey, Start(order)), rig.CallAsync(HttpMethod.Post, path, rig.OwnKey, Start(order))];
        (HttpStatusCode Status, string? Type, string Body)[] answers = await Task.WhenAll(both);
        (HttpStatusCode Status, string? Type, string Body) later = await rig.CallAsync(HttpMethod.Post, path, rig.OwnKey, Start(order));

        Assert.All(answers.Append(later), a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal(answers[0].Body, answers[1].Body);
        Assert.Equal(answers[0].Body, later.Body);
        JsonElement answer = JsonDocument.Parse(later.Body).RootElement;
        Assert.True(answer.GetProperty("accepted").GetBoolean());
        Assert.False(string.IsNullOrEmpty(answer.GetProperty("session_id").GetString()));
        CommandRequest sent = Assert.Single(rig.Own.Commands(ContractCommands.PortStart), c => c.OrderId == order);
        Assert.Equal(500, sent.Limit!.EnergyWh);
        Assert.Equal("P01", sent.Port);

        (HttpStatusCode conflict, string? type, _) = await rig.CallAsync(HttpMethod.Post, path, rig.OwnKey, Start(order, """{"energy_wh":600}"""));
        Assert.Equal(HttpStatusCode.Conflict, conflict);
        Assert.Equal(ProblemJson, type);
        Assert.Single(rig.Own.Commands(ContractCommands.PortStart), c => c.OrderId == order);
    }

    [Fact]
    public async Task A_refused_start_answers_the_gateways_reason_and_the_same_again()
    {
        string path = PortPath(PlatformRig.OwnSite, PlatformRig.OwnGateway, "P02") + "/start";
        string order = "refused-" + Guid.NewGuid().ToString("N")[..12];
        Func<string, CommandRequest, CommandReply?> usual = rig.Own.Answer;
        rig.Own.Answer = (command, request) => request.Port == "P02"
            ? CommandReply.Refused(command, DateTimeOffset.UtcNow, "port P02 is locked out (overload); reset it first")
            : usual(command, request);
        try
        {
            (HttpStatusCode status, string? type, string body) = await rig.CallAsync(HttpMethod.Post, path, rig.OwnKey, Start(order));
            (HttpStatusCode againStatus, _, string again) = await rig.CallAsync(HttpMethod.Post, path, rig.OwnKey, Start(order));

            Assert.Equal(HttpStatusCode.Conflict, status);
            Assert.Equal(ProblemJson, type);
            Assert.Contains("locked out (overload)", JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Conflict, againStatus);
            Assert.Equal(body, again);
            Assert.Single(rig.Own.Commands(ContractCommands.PortStart), c => c.OrderId == order);
        }
        finally
        {
            rig.Own.Answer = usual;
        }
    }

    [Fact]
    public async Task A_gateway_that_does_not_answer_or_is_offline_is_504_and_the_order_can_be_asked_again()
    {
        string order = "silent-" + Guid.NewGuid().ToString("N")[..12];
        (HttpStatusCode silent, string? type, string body) = await rig.CallAsync(
            HttpMethod.Post, PortPath(PlatformRig.OwnSite, PlatformRig.SilentGateway, "P01") + "/start", rig.OwnKey, Start(order));
        Assert.Equal(HttpStatusCode.GatewayTimeout, silent);
        Assert.Equal(ProblemJson, type);
        Assert.Contains("did not answer within 2 s", body, StringComparison.Ordinal);

        // Asked again, the order tries again with the same command id: a gateway that got the first applies it once.
        Assert.Equal(HttpStatusCode.GatewayTimeout, (await rig.CallAsync(
            HttpMethod.Post, PortPath(PlatformRig.OwnSite, PlatformRig.SilentGateway, "P01") + "/start", rig.OwnKey, Start(order))).Status);
        CommandRequest[] attempts = [.. rig.Silent.Commands(ContractCommands.PortStart).Where(c => c.OrderId == order)];
        Assert.Equal(2, attempts.Length);
        Assert.Equal(attempts[0].Id, attempts[1].Id);

        (HttpStatusCode offline, _, string offlineBody) = await rig.CallAsync(
            HttpMethod.Post, PortPath(PlatformRig.OwnSite, PlatformRig.OfflineGateway, "P01") + "/start", rig.OwnKey, Start("offline-" + order));
        Assert.Equal(HttpStatusCode.GatewayTimeout, offline);
        Assert.Contains("offline", offlineBody, StringComparison.Ordinal);
        Assert.Empty(rig.Offline.Received);
    }

    [Fact]
    public async Task An_amount_in_yuan_goes_to_the_gateway_in_fen_with_the_sites_tariff_and_stop_is_port_stop()
    {
        string order = "amount-" + Guid.NewGuid().ToString("N")[..12];
        string port = PortPath(PlatformRig.OwnSite, PlatformRig.OwnGateway, "P03");

        (HttpStatusCode status, _, string body) = await rig.CallAsync(HttpMethod.Post, port + "/start", rig.OwnKey, Start(order, """{"amount_yuan":2.5,"duration_min":90}"""));
        Assert.Equal(HttpStatusCode.OK, status);
        CommandRequest sent = Assert.Single(rig.Own.Commands(ContractCommands.PortStart), c => c.OrderId == order);
        Assert.Equal(new ChargeLimit { AmountFen = 250, DurationMin = 90 }, sent.Limit);
        Assert.Equal(new ChargeTariff { FenPerKwh = 120 }, sent.Tariff);
        Assert.Equal(250, JsonDocument.Parse(body).RootElement.GetProperty("limit").GetProperty("amount_fen").GetInt64());

        (HttpStatusCode stop, _, _) = await rig.CallAsync(HttpMethod.Post, port + "/stop", rig.OwnKey);
        Assert.Equal(HttpStatusCode.OK, stop);
        Assert.Contains(rig.Own.Commands(ContractCommands.PortStop), c => c.Port == "P03");
    }

    [Fact]
    public async Task A_charge_started_by_the_api_is_read_running_and_its_end_reaches_the_webhook_signed_after_retries()
    {
        string order = "hook-" + Guid.NewGuid().ToString("N")[..12];
        string port = PortPath(PlatformRig.OwnSite, PlatformRig.OwnGateway, "P04");
        var ended = new ConcurrentQueue<ReceivedRequest>();
        var started = new ConcurrentQueue<ReceivedRequest>();
        int refused = 0;
        rig.Receiver.Answer(request =>
        {
            if (request.Text.Contains(order, StringComparison.Ordinal) && request.Text.Contains("\"session_ended\"", StringComparison.Ordinal))
            {
                if (Interlocked.Increment(ref refused) <= 2)
                {
                    return new ReceiverReply(500, "busy");
                }

                ended.Enqueue(request);
            }
            else if (request.Text.Contains(order, StringComparison.Ordinal) && request.Text.Contains("\"session_started\"", StringComparison.Ordinal))
            {
                started.Enqueue(request);
            }

            return ReceiverReply.Ok;
        });
        try
        {
            (HttpStatusCode status, _, string body) = await rig.CallAsync(HttpMethod.Post, port + "/start", rig.OwnKey, Start(order, """{"energy_wh":1000}"""));
            Assert.Equal(HttpStatusCode.OK, status);
            string session = JsonDocument.Parse(body).RootElement.GetProperty("session_id").GetString()!;

            await rig.Own.ChargingAsync("P04", energyWh: 300, sessionS: 600);
            JsonElement running = default;
            await ConsoleApiRig.Eventually(async () =>
            {
                (HttpStatusCode s, _, string b) = await rig.CallAsync(HttpMethod.Get, port, rig.OwnKey);
                running = JsonDocument.Parse(b).RootElement;
                return s == HttpStatusCode.OK && running.TryGetProperty("session", out JsonElement r) && r.GetProperty("energy_wh").GetDouble() == 300;
            }, Deadline, "the port never showed its running session");
            Assert.Equal("charging", running.GetProperty("state").GetString());
            Assert.Equal(order, running.GetProperty("session").GetProperty("order_id").GetString());
            Assert.Equal(36, running.GetProperty("session").GetProperty("cost_fen").GetInt64()); // 0.3 kWh at 1.20 元

            await rig.Own.EndSessionAsync("P04", session, energyWh: 500, TimeSpan.FromMinutes(30), orderId: null);
            await ConsoleApiRig.Eventually(() => Task.FromResult(!ended.IsEmpty), Deadline, "session_ended never delivered");
            ReceivedRequest delivered = Assert.Single(ended);
            JsonElement end = delivered.Json;
            Assert.True(WebhookSignature.Verify(rig.OwnWebhookSecret, delivered.Headers[WebhookSignature.Header], delivered.Body, DateTimeOffset.UtcNow), "signature");
            Assert.Equal(session, end.GetProperty("session_id").GetString());
            Assert.Equal(PlatformEvents.EventId("session_ended", PlatformRig.OwnSite, PlatformRig.OwnGateway, session), end.GetProperty("event_id").GetString());
            Assert.Equal(500, end.GetProperty("energy_wh").GetDouble());
            Assert.Equal(60, end.GetProperty("cost_fen").GetInt64()); // 0.5 kWh at 1.20 元; this gateway reported no cost
            Assert.Equal(1800, end.GetProperty("duration_s").GetDouble());
            Assert.Equal("complete", end.GetProperty("end_reason").GetString());
            Assert.Equal(3, Volatile.Read(ref refused)); // two 500s, then delivered
            Assert.Single(started);

            (HttpStatusCode listed, _, string list) = await rig.CallAsync(HttpMethod.Get, $"/api/platform/v1/sessions?order_id={order}", rig.OwnKey);
            Assert.Equal(HttpStatusCode.OK, listed);
            JsonElement item = Assert.Single(JsonDocument.Parse(list).RootElement.GetProperty("sessions").EnumerateArray());
            Assert.Equal(60, item.GetProperty("cost_fen").GetInt64());
            (_, _, string otherList) = await rig.CallAsync(HttpMethod.Get, $"/api/platform/v1/sessions?order_id={order}", rig.OtherKey);
            Assert.Empty(JsonDocument.Parse(otherList).RootElement.GetProperty("sessions").EnumerateArray());
        }
        finally
        {
            rig.Receiver.Answer(_ => ReceiverReply.Ok);
        }
    }

    [Fact]
    public async Task A_charge_started_without_the_api_is_told_as_session_started_once_from_the_port_s_state()
    {
        // A start from the console or a card at the shed: the platform learns of it from the port's retained state,
        // whose running session appears with a new id; a later state of the same session is the same event.
        string session = Guid.NewGuid().ToString();
        await rig.Own.SessionRunningAsync("P02", session, card: "card-0042", energyWh: 0);
        await rig.Own.SessionRunningAsync("P02", session, card: "card-0042", energyWh: 120);
        // The session's end is recorded after both states, so once it arrives any second session_started would have too.
        await rig.Own.EndSessionAsync("P02", session, energyWh: 150, TimeSpan.FromMinutes(10), orderId: null);
        await ConsoleApiRig.Eventually(
            () => Task.FromResult(rig.Receiver.On("/own").Any(r => r.Text.Contains(session, StringComparison.Ordinal) && r.Text.Contains("\"session_ended\"", StringComparison.Ordinal))),
            Deadline, "session_ended never delivered");

        ReceivedRequest started = Assert.Single(rig.Receiver.On("/own"), r => r.Text.Contains(session, StringComparison.Ordinal) && r.Text.Contains("\"session_started\"", StringComparison.Ordinal));
        JsonElement e = started.Json;
        Assert.Equal(
            (PlatformEvents.EventId("session_started", PlatformRig.OwnSite, PlatformRig.OwnGateway, session), "P02", "card-0042"),
            (e.GetProperty("event_id").GetString(), e.GetProperty("port").GetString(), e.GetProperty("card").GetString()));
        Assert.Equal("session_started", started.Headers["X-EdgeGateway-Event"]);
        Assert.True(WebhookSignature.Verify(rig.OwnWebhookSecret, started.Headers[WebhookSignature.Header], started.Body, DateTimeOffset.UtcNow), "signature");
    }

    [Fact]
    public async Task A_webhook_pending_when_the_hub_restarts_is_delivered_once_after()
    {
        string order = "restart-" + Guid.NewGuid().ToString("N")[..12];
        string session = Guid.NewGuid().ToString();
        int receiving = 0;
        int failed = 0;
        var delivered = new ConcurrentQueue<ReceivedRequest>();
        rig.Receiver.Answer(request =>
        {
            if (!request.Text.Contains(session, StringComparison.Ordinal))
            {
                return ReceiverReply.Ok;
            }

            if (Volatile.Read(ref receiving) == 0)
            {
                Interlocked.Increment(ref failed);
                return new ReceiverReply(500, "down");
            }

            delivered.Enqueue(request);
            return ReceiverReply.Ok;
        });
        try
        {
            await rig.Own.EndSessionAsync("P04", session, energyWh: 200, TimeSpan.FromMinutes(10), orderId: order);
            await ConsoleApiRig.Eventually(() => Task.FromResult(Volatile.Read(ref failed) > 0), Deadline, "the webhook was never attempted");

            await rig.RestartHubAsync();
            Volatile.Write(ref receiving, 1);
            await ConsoleApiRig.Eventually(() => Task.FromResult(!delivered.IsEmpty), Deadline, "the webhook was not delivered after the restart");
            await Task.Delay(TimeSpan.FromSeconds(2)); // retries are 0.2-0.4 s apart: a second delivery would come within this

            ReceivedRequest once = Assert.Single(delivered);
            Assert.True(once.Json.TryGetProperty("order_id", out JsonElement orderId), once.Text);
            Assert.Equal(order, orderId.GetString());
            Assert.Equal(24, once.Json.GetProperty("cost_fen").GetInt64()); // 0.2 kWh at 1.20 元
        }
        finally
        {
            rig.Receiver.Answer(_ => ReceiverReply.Ok);
        }
    }
}
