using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Testing.Network;

namespace EdgeGateway.Hub.Tests.WebConsole.Api;

/// <summary>
/// Prepaid cards through the console API against the real stack (<see cref="ConsoleApiRig"/>): a manager issues a card
/// and tops it up in 元 (kept as integer fen); bad amounts, duplicate UIDs and numbers, unknown cards and another
/// company's cards are refused as problem details and audited; a card session the fake gateway reports is deducted once
/// and listed in the gateway's retained card list; a session of an unknown card is unmatched, shown to the own company only.
/// </summary>
[Collection(SharedConsoleApi.Name)]
[Trait("Category", "Servers")]
public sealed class CardApiTests(ConsoleApiRig stack)
{
    private const string Cards = $"/api/cards/{ConsoleHubRig.OwnCompany}";

    [Fact]
    public async Task A_manager_issues_and_tops_up_in_yuan_and_bad_amounts_duplicates_and_foreign_cards_are_refused_and_audited()
    {
        ConsoleClient manager = await stack.AsAsync("manager");
        (HttpStatusCode issued, JsonElement card) = await manager.PostAsync(Cards, """{"uid":"04 a1:b2 c3","reference":"API-0001","opening_yuan":12.34}""");
        Assert.Equal(HttpStatusCode.OK, issued);
        Assert.Equal(("04A1B2C3", 1234L), (card.GetProperty("card").GetProperty("uid").GetString(), card.GetProperty("card").GetProperty("balance_fen").GetInt64()));

        (HttpStatusCode toppedUp, JsonElement after) = await manager.PostAsync($"{Cards}/API-0001/top_up", """{"amount_yuan":0.5,"comment":"现金"}""");
        Assert.Equal(HttpStatusCode.OK, toppedUp);
        Assert.Equal(1284, after.GetProperty("card").GetProperty("balance_fen").GetInt64());
        Assert.Equal(["top_up", "issue"], after.GetProperty("ledger").EnumerateArray().Select(e => e.GetProperty("kind").GetString()));

        await RefusedAsync(manager, $"{Cards}/API-0001/top_up", """{"amount_yuan":-1}""", HttpStatusCode.BadRequest);
        await RefusedAsync(manager, $"{Cards}/API-0001/top_up", """{"amount_yuan":1.234}""", HttpStatusCode.BadRequest);
        await RefusedAsync(manager, $"{Cards}/API-0001/top_up", """{"amount_yuan":"5"}""", HttpStatusCode.BadRequest);
        await RefusedAsync(manager, Cards, """{"uid":"04A1B2C3","reference":"API-0002"}""", HttpStatusCode.Conflict);
        await RefusedAsync(manager, Cards, """{"uid":"04A1B2C9","reference":"API-0001"}""", HttpStatusCode.Conflict);
        await RefusedAsync(manager, Cards, """{"uid":"04A1B2","reference":"API-0003"}""", HttpStatusCode.BadRequest);
        await RefusedAsync(manager, $"{Cards}/API-0404/top_up", """{"amount_yuan":1}""", HttpStatusCode.NotFound);
        ConsoleClient other = await stack.AsUserAsync(ConsoleApiRig.TenantUser(ConsoleHubRig.OtherCompany, "manager"));
        await RefusedAsync(other, $"{Cards}/API-0001/top_up", """{"amount_yuan":1}""", HttpStatusCode.NotFound);
        using (HttpResponseMessage foreign = await other.GetAsync($"{Cards}/API-0001"))
        {
            Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        }

        using (HttpResponseMessage maintenance = await (await stack.AsAsync("maintenance")).PostJsonAsync($"{Cards}/API-0001/block", "{}"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, maintenance.StatusCode);
        }

        (HttpStatusCode blocked, JsonElement blockedCard) = await manager.PostAsync($"{Cards}/API-0001/block", "{}");
        Assert.Equal(HttpStatusCode.OK, blocked);
        Assert.True(blockedCard.GetProperty("card").GetProperty("blocked").GetBoolean());
        Assert.Equal(1284, (await manager.GetJsonAsync($"{Cards}/API-0001")).GetProperty("card").GetProperty("balance_fen").GetInt64());

        JsonElement[] audit = [.. (await (await stack.AsAsync("admin")).GetJsonAsync("/api/audit")).GetProperty("entries").EnumerateArray()];
        string Result(string action, string detailStart) => audit.First(e => e.GetProperty("action").GetString() == action
            && e.GetProperty("target").GetString() == $"{ConsoleHubRig.OwnCompany}/API-0001"
            && (e.GetProperty("detail").GetString() ?? "").StartsWith(detailStart, StringComparison.Ordinal)).GetProperty("result").GetString()!;
        Assert.Equal("ok", Result("card_issue", "uid: 04A1B2C3"));
        Assert.Equal("ok", Result("card_top_up", "amount_yuan: 0.5"));
        Assert.StartsWith("invalid: ", Result("card_top_up", "amount_yuan: -1"), StringComparison.Ordinal);
        Assert.Equal("ok", Result("card_block", ""));
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "card_top_up" && e.GetProperty("user").GetString() == ConsoleApiRig.TenantUser(ConsoleHubRig.OtherCompany, "manager")
            && e.GetProperty("result").GetString()!.StartsWith("not_found: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_card_session_is_deducted_once_and_listed_for_its_gateway_and_an_unknown_card_s_session_is_unmatched_for_the_own_company_only()
    {
        ConsoleClient manager = await stack.AsAsync("manager");
        (HttpStatusCode issued, _) = await manager.PostAsync(Cards, """{"uid":"04D1E2F3","reference":"API-0100","opening_yuan":20}""");
        Assert.Equal(HttpStatusCode.OK, issued);
        await using ProbeClient terminal = await ProbeClient.ConnectAsync(stack.Broker, clientId: "card-terminal-" + Guid.NewGuid().ToString("N")[..6]);
        await terminal.SubscribeAsync(ContractTopics.Cards(FakeGateway.Site, FakeGateway.Gateway));

        string session = "card-" + Guid.NewGuid().ToString("N")[..8];
        await stack.Fake.EndCardSessionAsync(session, "API-0100", costFen: 360);
        await stack.Fake.EndCardSessionAsync(session, "API-0100", costFen: 360); // the same record again
        string unknown = "card-" + Guid.NewGuid().ToString("N")[..8];
        await stack.Fake.EndCardSessionAsync(unknown, "API-0404", costFen: 100);

        CardListMessage? listed = null;
        await ConsoleApiRig.Eventually(async () =>
        {
            while (await terminal.TryNextAsync(TimeSpan.FromMilliseconds(500)) is { } message)
            {
                if (ContractJson.TryDeserialize(message.Payload.ToArray(), out CardListMessage? list, out _) && list!.AppliedSessions.Contains(session))
                {
                    listed = list;
                }
            }

            return listed is not null;
        }, TimeSpan.FromSeconds(30), "the gateway's card list never listed the session");
        Assert.Equal(2000 - 360, listed!.Cards.Single(c => c.Card == "API-0100").BalanceFen);
        Assert.Equal(120, listed.Tariff!.FenPerKwh);
        Assert.Equal(2000 - 360, (await manager.GetJsonAsync($"{Cards}/API-0100")).GetProperty("card").GetProperty("balance_fen").GetInt64());

        JsonElement own = await manager.GetJsonAsync("/api/cards/unmatched");
        Assert.Contains(own.GetProperty("spends").EnumerateArray(), s => s.GetProperty("session_id").GetString() == unknown && s.GetProperty("reason").GetString() == "no such card");
        JsonElement foreign = await (await stack.AsUserAsync(ConsoleApiRig.TenantUser(ConsoleHubRig.OtherCompany, "manager"))).GetJsonAsync("/api/cards/unmatched");
        Assert.DoesNotContain(foreign.GetProperty("spends").EnumerateArray(), s => s.GetProperty("session_id").GetString() == unknown);
    }

    private static async Task RefusedAsync(ConsoleClient client, string path, string json, HttpStatusCode expected)
    {
        using HttpResponseMessage response = await client.PostJsonAsync(path, json);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{path} {json}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(string.IsNullOrWhiteSpace(JsonDocument.Parse(Encoding.UTF8.GetBytes(body)).RootElement.GetProperty("detail").GetString()));
    }
}
