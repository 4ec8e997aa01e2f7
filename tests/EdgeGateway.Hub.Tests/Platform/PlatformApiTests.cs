using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Platform;
using EdgeGateway.Hub.Tests.WebConsole;
using EdgeGateway.Hub.Tests.WebConsole.Api;
using EdgeGateway.Testing.Http;
using EdgeGateway.Testing.Servers;

namespace EdgeGateway.Hub.Tests.Platform;

/// <summary>
/// The platform API against the real stack (<see cref="PlatformRig"/>: the hub process and the gateway process on its
/// simulated shed, over Mosquitto): keys and their company's scope, problem answers, the OpenAPI document, an order that
/// starts once, the gateway's own acceptance or refusal, 504 for a gateway that does not answer or is offline, and
/// charges end to end: started by the API with a limit, stopped by the gateway at the limit (also while its link is cut,
/// and with the hub restarted mid-session), told by webhooks signed, retried and delivered once.
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
        int before = rig.Commands.Count;
        string path = PortPath(PlatformRig.OwnSite, PlatformRig.OwnGateway, "P01");

        (HttpStatusCode start, string? type, string body) = await rig.CallAsync(HttpMethod.Post, path + "/start", rig.OtherKey, Start("beta-order-1"));
        Assert.Equal(HttpStatusCode.NotFound, start);
        Assert.Equal(ProblemJson, type);
        Assert.Contains($"no site '{PlatformRig.OwnSite}'", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await rig.CallAsync(HttpMethod.Post, path + "/stop", rig.OtherKey)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await rig.CallAsync(HttpMethod.Get, path, rig.OtherKey)).Status);
        Assert.Equal(HttpStatusCode.OK, (await rig.CallAsync(HttpMethod.Get, path, rig.OwnKey)).Status);
        Assert.Equal(HttpStatusCode.OK, (await rig.CallAsync(HttpMethod.Get, "/api/platform/v1/sessions", rig.OtherKey)).Status); // the key itself is good
        Assert.Equal(before, rig.Commands.Count);
    }

    [Fact]
    public async Task A_bad_start_is_a_validation_problem_and_sends_nothing()
    {
        int before = rig.Commands.Count;
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
        Assert.Equal(before, rig.Commands.Count);
    }

    [Fact]
    public async Task The_same_order_twice_starts_once_and_answers_the_same()
    {
        // P01 has nothing plugged: the gateway starts it, and its no-load rule ends the session later.
        string path = PortPath(PlatformRig.OwnSite, PlatformRig.OwnGateway, "P01") + "/start";
        string order = NewOrder("order");

        Task<(HttpStatusCode, string?, string)>[] both = [rig.CallAsync(HttpMethod.Post, path, rig.OwnKey, Start(order)), rig.CallAsync(HttpMethod.Post, path, rig.OwnKey, Start(order))];
        (HttpStatusCode Status, string? Type, string Body)[] answers = await Task.WhenAll(both);
        (HttpStatusCode Status, string? Type, string Body) later = await rig.CallAsync(HttpMethod.Post, path, rig.OwnKey, Start(order));

        Assert.All(answers.Append(later), a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal(answers[0].Body, answers[1].Body);
        Assert.Equal(answers[0].Body, later.Body);
        JsonElement answer = JsonDocument.Parse(later.Body).RootElement;
        Assert.True(answer.GetProperty("accepted").GetBoolean());
        Assert.False(string.IsNullOrEmpty(answer.GetProperty("session_id").GetString()));
        CommandRequest sent = await SentAsync(PlatformRig.OwnGateway, ContractCommands.PortStart, order);
        Assert.Equal(500, sent.Limit!.EnergyWh);
        Assert.Equal("P01", sent.Port);

        (HttpStatusCode conflict, string? type, _) = await rig.CallAsync(HttpMethod.Post, path, rig.OwnKey, Start(order, """{"energy_wh":600}"""));
        Assert.Equal(HttpStatusCode.Conflict, conflict);
        Assert.Equal(ProblemJson, type);
        Assert.Single(rig.CommandsTo(PlatformRig.OwnGateway, ContractCommands.PortStart), c => c.OrderId == order);
    }

    [Fact]
    public async Task A_start_on_a_locked_out_port_answers_the_gateways_refusal_and_the_same_again()
    {
        // P02 was locked out by its overload when the rig started (the scenario's 1500 W charger).
        string path = PortPath(PlatformRig.OwnSite, PlatformRig.OwnGateway, "P02") + "/start";
        string order = NewOrder("refused");

        (HttpStatusCode status, string? type, string body) = await rig.CallAsync(HttpMethod.Post, path, rig.OwnKey, Start(order));
        (HttpStatusCode againStatus, _, string again) = await rig.CallAsync(HttpMethod.Post, path, rig.OwnKey, Start(order));

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal(ProblemJson, type);
        Assert.Contains("port_overload", JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, againStatus);
        Assert.Equal(body, again);
        await SentAsync(PlatformRig.OwnGateway, ContractCommands.PortStart, order);
        Assert.Single(rig.CommandsTo(PlatformRig.OwnGateway, ContractCommands.PortStart), c => c.OrderId == order);
    }

    [Fact]
    public async Task A_gateway_that_does_not_answer_is_504_and_the_order_can_be_asked_again_with_the_same_command_id()
    {
        string order = NewOrder("silent");
        string path = PortPath(PlatformRig.OwnSite, PlatformRig.SilentGateway, "P01") + "/start";
        (HttpStatusCode silent, string? type, string body) = await rig.CallAsync(HttpMethod.Post, path, rig.OwnKey, Start(order));
        Assert.Equal(HttpStatusCode.GatewayTimeout, silent);
        Assert.Equal(ProblemJson, type);
        Assert.Contains("did not answer within 2 s", body, StringComparison.Ordinal);

        // Asked again, the order tries again with the same command id: a gateway that got the first applies it once.
        Assert.Equal(HttpStatusCode.GatewayTimeout, (await rig.CallAsync(HttpMethod.Post, path, rig.OwnKey, Start(order))).Status);
        await ConsoleApiRig.Eventually(
            () => Task.FromResult(rig.CommandsTo(PlatformRig.SilentGateway, ContractCommands.PortStart).Count(c => c.OrderId == order) == 2), Deadline, "two attempts");
        CommandRequest[] attempts = [.. rig.CommandsTo(PlatformRig.SilentGateway, ContractCommands.PortStart).Where(c => c.OrderId == order)];
        Assert.Equal(attempts[0].Id, attempts[1].Id);
    }

    [Fact]
    public async Task An_amount_in_yuan_goes_to_the_gateway_in_fen_with_the_sites_tariff_and_stop_ends_the_charge_as_user_stop()
    {
        string order = NewOrder("amount");
        string port = PortPath(PlatformRig.OwnSite, PlatformRig.OwnGateway, "P03");

        (HttpStatusCode status, _, string body) = await rig.CallAsync(HttpMethod.Post, port + "/start", rig.OwnKey, Start(order, """{"amount_yuan":2.5,"duration_min":90}"""));
        Assert.Equal(HttpStatusCode.OK, status);
        string session = JsonDocument.Parse(body).RootElement.GetProperty("session_id").GetString()!;
        CommandRequest sent = await SentAsync(PlatformRig.OwnGateway, ContractCommands.PortStart, order);
        Assert.Equal(new ChargeLimit { AmountFen = 250, DurationMin = 90 }, sent.Limit);
        Assert.Equal(new ChargeTariff { FenPerKwh = 120 }, sent.Tariff);
        Assert.Equal(250, JsonDocument.Parse(body).RootElement.GetProperty("limit").GetProperty("amount_fen").GetInt64());

        (HttpStatusCode stop, _, _) = await rig.CallAsync(HttpMethod.Post, port + "/stop", rig.OwnKey);
        Assert.Equal(HttpStatusCode.OK, stop);
        JsonElement end = (await DeliveredAsync("session_ended", session)).Json;
        Assert.Equal((order, "user_stop"), (end.GetProperty("order_id").GetString(), end.GetProperty("end_reason").GetString()));
        Assert.Equal(CostFen(end.GetProperty("energy_wh").GetDouble()), end.GetProperty("cost_fen").GetInt64());
    }

    [Fact]
    public async Task A_charge_started_by_the_api_is_read_running_stopped_by_the_gateway_at_its_limit_and_billed_by_a_webhook_signed_after_retries()
    {
        string order = NewOrder("hook");
        string port = PortPath(PlatformRig.OwnSite, PlatformRig.OwnGateway, "P04");
        int refused = 0;
        var ended = new ConcurrentQueue<ReceivedRequest>();
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

            return ReceiverReply.Ok;
        });
        try
        {
            (HttpStatusCode status, _, string body) = await rig.CallAsync(HttpMethod.Post, port + "/start", rig.OwnKey, Start(order, """{"energy_wh":20}"""));
            Assert.Equal(HttpStatusCode.OK, status);
            string session = JsonDocument.Parse(body).RootElement.GetProperty("session_id").GetString()!;

            JsonElement running = await RunningAsync(port);
            Assert.Equal((session, order), (running.GetProperty("session_id").GetString(), running.GetProperty("order_id").GetString()));
            Assert.Equal(CostFen(running.GetProperty("energy_wh").GetDouble()), running.GetProperty("cost_fen").GetInt64());

            await ConsoleApiRig.Eventually(() => Task.FromResult(!ended.IsEmpty), Deadline, "session_ended never delivered");
            ReceivedRequest delivered = Assert.Single(ended);
            AssertEndedAtLimit(delivered, order, limitWh: 20, costFen: 2); // 0.02 kWh at 1.20 元 is 2.4 fen: 2 to the nearest fen
            Assert.Equal(PlatformEvents.EventId("session_ended", PlatformRig.OwnSite, PlatformRig.OwnGateway, session), delivered.Json.GetProperty("event_id").GetString());
            Assert.Equal(3, Volatile.Read(ref refused)); // two 500s, then delivered
            Assert.Single(rig.Receiver.On("/own"), r => r.Text.Contains(session, StringComparison.Ordinal) && r.Text.Contains("\"session_started\"", StringComparison.Ordinal));

            // By order within a window that reaches a day ahead: the shed's clock runs ahead at 30×, and its sessions
            // end in what is still the hub's future (an order alone is looked for in the last 24 h only).
            DateTimeOffset now = DateTimeOffset.UtcNow;
            string sessions = string.Create(CultureInfo.InvariantCulture, $"/api/platform/v1/sessions?order_id={order}&from={now.AddHours(-1):yyyy-MM-ddTHH:mm:ssZ}&to={now.AddDays(1):yyyy-MM-ddTHH:mm:ssZ}");
            (HttpStatusCode listed, _, string list) = await rig.CallAsync(HttpMethod.Get, sessions, rig.OwnKey);
            Assert.Equal(HttpStatusCode.OK, listed);
            JsonElement item = Assert.Single(JsonDocument.Parse(list).RootElement.GetProperty("sessions").EnumerateArray());
            Assert.Equal(2, item.GetProperty("cost_fen").GetInt64());
            (_, _, string otherList) = await rig.CallAsync(HttpMethod.Get, sessions, rig.OtherKey);
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
        // The scenario's operator start at P05, paid by card-0042 with a 5 Wh limit: the platform learns of it from the
        // port's retained state, whose running session appears with a new id; its later states are the same event.
        const string Card = "card-0042";
        ReceivedRequest ended = await DeliveredAsync("session_ended", Card);
        string session = ended.Json.GetProperty("session_id").GetString()!;
        Assert.Equal(("P05", "limit_reached"), (ended.Json.GetProperty("port").GetString(), ended.Json.GetProperty("end_reason").GetString()));

        ReceivedRequest started = Assert.Single(rig.Receiver.On("/own"), r => r.Text.Contains(session, StringComparison.Ordinal) && r.Text.Contains("\"session_started\"", StringComparison.Ordinal));
        JsonElement e = started.Json;
        Assert.Equal(
            (PlatformEvents.EventId("session_started", PlatformRig.OwnSite, PlatformRig.OwnGateway, session), "P05", Card),
            (e.GetProperty("event_id").GetString(), e.GetProperty("port").GetString(), e.GetProperty("card").GetString()));
        Assert.Equal("session_started", started.Headers["X-EdgeGateway-Event"]);
        Assert.True(WebhookSignature.Verify(rig.OwnWebhookSecret, started.Headers[WebhookSignature.Header], started.Body, DateTimeOffset.UtcNow), "signature");
    }

    [Fact]
    public async Task A_charge_whose_hub_restarts_mid_session_is_stopped_at_its_limit_and_its_pending_webhooks_are_delivered_once_after()
    {
        string order = NewOrder("restart");
        string port = PortPath(PlatformRig.OwnSite, PlatformRig.OwnGateway, "P06");
        int receiving = 0;
        int failed = 0;
        var accepted = new ConcurrentQueue<ReceivedRequest>();
        rig.Receiver.Answer(request =>
        {
            if (!request.Text.Contains(order, StringComparison.Ordinal))
            {
                return ReceiverReply.Ok;
            }

            if (Volatile.Read(ref receiving) == 0)
            {
                Interlocked.Increment(ref failed);
                return new ReceiverReply(500, "down");
            }

            accepted.Enqueue(request);
            return ReceiverReply.Ok;
        });
        try
        {
            (HttpStatusCode status, _, string body) = await rig.CallAsync(HttpMethod.Post, port + "/start", rig.OwnKey, Start(order, """{"energy_wh":30}"""));
            Assert.Equal(HttpStatusCode.OK, status);
            string session = JsonDocument.Parse(body).RootElement.GetProperty("session_id").GetString()!;
            await RunningAsync(port);
            await ConsoleApiRig.Eventually(() => Task.FromResult(Volatile.Read(ref failed) > 0), Deadline, "session_started was never attempted");

            await rig.RestartHubAsync();
            Volatile.Write(ref receiving, 1);

            // The session_started recorded before the restart, refused until after it, and the session's end.
            await ConsoleApiRig.Eventually(() => Task.FromResult(accepted.Any(r => r.Text.Contains("\"session_ended\"", StringComparison.Ordinal)) && accepted.Any(r => r.Text.Contains("\"session_started\"", StringComparison.Ordinal))),
                Deadline, $"the webhooks were not delivered after the restart");
            AssertEndedAtLimit(Assert.Single(accepted, r => r.Text.Contains("\"session_ended\"", StringComparison.Ordinal)), order, limitWh: 30, costFen: 4); // 0.03 kWh at 1.20 元 is 3.6 fen: 4 to the nearest fen
            Assert.Equal(session, Assert.Single(accepted, r => r.Text.Contains("\"session_started\"", StringComparison.Ordinal)).Json.GetProperty("session_id").GetString());
        }
        finally
        {
            rig.Receiver.Answer(_ => ReceiverReply.Ok);
        }
    }

    [Fact]
    public async Task A_charge_whose_gateway_is_offline_at_the_limit_is_stopped_by_the_gateway_and_billed_when_the_link_returns()
    {
        string order = NewOrder("offline");
        string port = PortPath(PlatformRig.OwnSite, PlatformRig.OwnGateway, "P07");
        (HttpStatusCode status, _, string body) = await rig.CallAsync(HttpMethod.Post, port + "/start", rig.OwnKey, Start(order, """{"energy_wh":30}"""));
        Assert.Equal(HttpStatusCode.OK, status);
        string session = JsonDocument.Parse(body).RootElement.GetProperty("session_id").GetString()!;
        await RunningAsync(port);

        rig.GatewayLink.Cut();
        try
        {
            // The broker publishes the gateway's Last Will: the hub answers a start at once, and sends nothing.
            await ConsoleApiRig.Eventually(async () =>
            {
                (_, _, string state) = await rig.CallAsync(HttpMethod.Get, port, rig.OwnKey);
                return !JsonDocument.Parse(state).RootElement.GetProperty("gateway_online").GetBoolean();
            }, Deadline, "the hub never saw the gateway offline");
            string refused = NewOrder("while-offline");
            (HttpStatusCode offline, string? type, string offlineBody) = await rig.CallAsync(
                HttpMethod.Post, PortPath(PlatformRig.OwnSite, PlatformRig.OwnGateway, "P03") + "/start", rig.OwnKey, Start(refused));
            Assert.Equal((HttpStatusCode.GatewayTimeout, ProblemJson), (offline, type));
            Assert.Contains("offline", offlineBody, StringComparison.Ordinal);

            // The gateway ends the charge on its own meter and clock, with nobody to tell.
            string closed = await rig.GatewayProcess.WaitForLineAsync($"session {session} closed", Deadline);
            Assert.Contains("LimitReached", closed, StringComparison.Ordinal);
            Assert.DoesNotContain(rig.Receiver.On("/own"), r => r.Text.Contains(session, StringComparison.Ordinal) && r.Text.Contains("\"session_ended\"", StringComparison.Ordinal));
            Assert.DoesNotContain(rig.Commands, c => c.Request.OrderId == refused);
        }
        finally
        {
            rig.GatewayLink.Restore();
        }

        AssertEndedAtLimit(await DeliveredAsync("session_ended", session), order, limitWh: 30, costFen: 4);
        await ConsoleApiRig.Eventually(async () =>
        {
            (_, _, string state) = await rig.CallAsync(HttpMethod.Get, port, rig.OwnKey);
            return JsonDocument.Parse(state).RootElement.GetProperty("gateway_online").GetBoolean();
        }, Deadline, "the hub never saw the gateway back online");
    }

    [Fact]
    public async Task A_resident_swipes_a_card_keys_a_port_and_swipes_again_to_stop_and_the_hub_stores_shows_and_charges_the_session_once()
    {
        // The scenario's card terminal (PlatformRig.ScenarioYaml): card RIG-0001 on the reader, 5#, and again to stop.
        // InfluxDB: the session record as the gateway sent it, with the card's reference, its limit and its cost.
        IReadOnlyDictionary<string, JsonElement>? row = null;
        await ConsoleApiRig.Eventually(async () =>
        {
            InfluxQueryResult stored = await rig.Influx.QueryAsync("edge",
                $"SELECT * FROM session WHERE gateway = '{PlatformRig.OwnGateway}' AND card = '{PlatformRig.CardReference}'");
            row = stored.Rows.Count > 0 ? Assert.Single(stored.Rows) : null;
            return row is not null;
        }, Deadline, "the card session never reached InfluxDB:\n" + rig.GatewayProcess.Output);
        string session = row!["session_id"].GetString()!;
        double energy = row["energy_wh"].GetDouble();
        long cost = row["cost_fen"].GetInt64();
        Assert.Equal(("P05", "user_stop"), (row["port"].GetString(), row["end_reason"].GetString()));
        Assert.Equal(PlatformRig.CardOpeningFen, row["limit_amount_fen"].GetInt64()); // the whole balance: below maxAmountFen
        Assert.InRange(energy, 12, 18); // 90 shed seconds of a 600 W charger, from one 5# to the other
        Assert.Equal(CostFen(energy), cost);
        Assert.True(cost > 0, "a charge of 15 Wh costs 2 fen");
        Assert.Contains($"Terminal port_start on P05 for card {PlatformRig.CardReference} (limit {PlatformRig.CardOpeningFen} fen): True", rig.GatewayProcess.Output, StringComparison.Ordinal);

        // The console, for the company's manager: the port's sessions carry the card and the cost.
        JsonElement detail = await rig.Manager.GetJsonAsync($"/api/ports/{PlatformRig.OwnSite}/{PlatformRig.OwnGateway}/P05?hours=6");
        JsonElement shown = Assert.Single(detail.GetProperty("sessions").EnumerateArray(), s => s.GetProperty("session_id").GetString() == session);
        Assert.Equal((PlatformRig.CardReference, cost, "user_stop"), (shown.GetProperty("card").GetString(), shown.GetProperty("cost_fen").GetInt64(), shown.GetProperty("end_reason").GetString()));

        // The hub charged the card once: one spend of the session's cost, and the next list names the session applied
        // with the balance after it (so the gateway's own pending spend is dropped, not subtracted again).
        string cardPath = $"/api/cards/{ConsoleHubRig.OwnCompany}/{PlatformRig.CardReference}";
        await ConsoleApiRig.Eventually(async () => (await rig.Manager.GetJsonAsync(cardPath)).GetProperty("ledger").EnumerateArray().Any(e => e.GetProperty("kind").GetString() == "spend"),
            Deadline, "the card was never charged");
        CardListMessage listed = await ListApplyingAsync(session);
        JsonElement card = await rig.Manager.GetJsonAsync(cardPath);
        JsonElement spend = Assert.Single(card.GetProperty("ledger").EnumerateArray(), e => e.GetProperty("kind").GetString() == "spend");
        Assert.Equal((session, -cost), (spend.GetProperty("session_id").GetString(), spend.GetProperty("amount_fen").GetInt64()));
        Assert.Equal(PlatformRig.CardOpeningFen - cost, card.GetProperty("card").GetProperty("balance_fen").GetInt64());
        Assert.Equal(PlatformRig.CardOpeningFen - cost, listed.Cards.Single(c => c.Card == PlatformRig.CardReference).BalanceFen);
        Assert.Equal(PlatformRig.CardUid, listed.Cards.Single(c => c.Card == PlatformRig.CardReference).Uid);
    }

    private static string NewOrder(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Cost at the test site's 1.20 元/kWh, to the nearest fen (Platform README, "Money and tariffs").</summary>
    private static long CostFen(double energyWh) => (long)Math.Round(energyWh * 120 / 1000, MidpointRounding.AwayFromZero);

    /// <summary>The command of <paramref name="order"/> the hub sent to <paramref name="gateway"/>, once the recorder has it.</summary>
    private async Task<CommandRequest> SentAsync(string gateway, string command, string order)
    {
        await ConsoleApiRig.Eventually(() => Task.FromResult(rig.CommandsTo(gateway, command).Any(c => c.OrderId == order)), Deadline, $"no {command} for {order}");
        return rig.CommandsTo(gateway, command).First(c => c.OrderId == order);
    }

    /// <summary>The first card list the hub published for the own gateway that names <paramref name="session"/> applied.</summary>
    private async Task<CardListMessage> ListApplyingAsync(string session)
    {
        await ConsoleApiRig.Eventually(() => Task.FromResult(rig.CardLists.Any(l => l.AppliedSessions.Contains(session))), Deadline, $"no card list named {session} applied");
        return rig.CardLists.First(l => l.AppliedSessions.Contains(session));
    }

    /// <summary>The port's running session once the gateway's telemetry shows energy drawn.</summary>
    private async Task<JsonElement> RunningAsync(string port)
    {
        JsonElement session = default;
        await ConsoleApiRig.Eventually(async () =>
        {
            (HttpStatusCode s, _, string b) = await rig.CallAsync(HttpMethod.Get, port, rig.OwnKey);
            JsonElement answer = JsonDocument.Parse(b).RootElement;
            return s == HttpStatusCode.OK && answer.GetProperty("state").GetString() == "charging"
                && answer.TryGetProperty("session", out session) && session.ValueKind == JsonValueKind.Object && session.GetProperty("energy_wh").GetDouble() > 0;
        }, Deadline, "the port never showed its running session");
        return session;
    }

    /// <summary>The first webhook of <paramref name="type"/> delivered to the own key's receiver whose body names <paramref name="text"/>.</summary>
    private async Task<ReceivedRequest> DeliveredAsync(string type, string text)
    {
        ReceivedRequest? found = null;
        await ConsoleApiRig.Eventually(() =>
        {
            found = rig.Receiver.On("/own").FirstOrDefault(r => r.Text.Contains(text, StringComparison.Ordinal) && r.Text.Contains($"\"{type}\"", StringComparison.Ordinal));
            return Task.FromResult(found is not null);
        }, Deadline, $"{type} for {text} never delivered");
        return found!;
    }

    /// <summary>
    /// A session_ended the gateway reported for a charge it stopped at an energy limit: signed with the key's webhook
    /// secret, the order's, <c>limit_reached</c>, the energy the gateway measured (the limit, and at most one 500 ms round
    /// of a 600 W charger past it: 0.083 Wh), the cost of that energy.
    /// </summary>
    private void AssertEndedAtLimit(ReceivedRequest delivered, string order, double limitWh, long costFen)
    {
        Assert.True(WebhookSignature.Verify(rig.OwnWebhookSecret, delivered.Headers[WebhookSignature.Header], delivered.Body, DateTimeOffset.UtcNow), "signature");
        Assert.Equal("session_ended", delivered.Headers["X-EdgeGateway-Event"]);
        JsonElement end = delivered.Json;
        Assert.Equal((order, "limit_reached"), (end.GetProperty("order_id").GetString(), end.GetProperty("end_reason").GetString()));
        Assert.InRange(end.GetProperty("energy_wh").GetDouble(), limitWh, limitWh + 0.1);
        Assert.Equal(limitWh, end.GetProperty("limit").GetProperty("energy_wh").GetDouble());
        Assert.Equal(costFen, end.GetProperty("cost_fen").GetInt64());
        Assert.True(end.GetProperty("duration_s").GetDouble() > 0, string.Create(CultureInfo.InvariantCulture, $"duration {end.GetProperty("duration_s")}"));
    }
}
