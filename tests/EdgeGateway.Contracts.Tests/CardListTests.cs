using System.Text;
using EdgeGateway.Contracts.Mqtt;

namespace EdgeGateway.Contracts.Tests;

public sealed class CardListTests
{
    [Fact]
    public void A_card_list_round_trips_in_snake_case_and_is_valid_for_its_own_topic()
    {
        string json = ContractJson.SerializeToString(MqttSamples.Cards);
        Assert.Contains("\"applied_sessions\":[\"0193a5c4-5f6e-7b8c\"]", json, StringComparison.Ordinal);
        Assert.Contains("\"balance_fen\":-35", json, StringComparison.Ordinal);

        Assert.True(ContractJson.TryDeserialize(Encoding.UTF8.GetBytes(json), out CardListMessage? read, out string? error), error);
        Assert.Equal(MqttSamples.Cards.Cards, read!.Cards);
        Assert.Equal(120, read.Tariff!.FenPerKwh);
        Assert.Null(read.Problem("hz-xixi-07", "shed-a"));
    }

    public static TheoryData<string, string> Broken => new()
    {
        { "another gateway's topic", Problem(MqttSamples.Cards, gateway: "shed-b") },
        { "revision 0", Problem(MqttSamples.Cards with { Revision = 0 }) },
        { "version 2", Problem(MqttSamples.Cards with { V = 2 }) },
        { "lower-case uid", Problem(WithCard(new CardEntry { Uid = "04a1b2c3", Card = "C1", BalanceFen = 0, Blocked = false })) },
        { "5-byte uid", Problem(WithCard(new CardEntry { Uid = "04A1B2C3D4", Card = "C1", BalanceFen = 0, Blocked = false })) },
        { "card reference with a space", Problem(WithCard(new CardEntry { Uid = "04A1B2C3", Card = "C 1", BalanceFen = 0, Blocked = false })) },
        { "balance beyond the largest amount", Problem(WithCard(new CardEntry { Uid = "04A1B2C3", Card = "C1", BalanceFen = 1_000_001, Blocked = false })) },
        { "repeated uid", Problem(WithCard(MqttSamples.Cards.Cards[0] with { Card = "C9" })) },
        { "repeated reference", Problem(WithCard(MqttSamples.Cards.Cards[0] with { Uid = "01020304" })) },
        { "two prices", Problem(MqttSamples.Cards with { Tariff = new ChargeTariff { FenPerKwh = 1, FenPerHour = 1 } }) },
        { "bad applied id", Problem(MqttSamples.Cards with { AppliedSessions = ["a/b"] }) },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void A_broken_card_list_is_refused_with_what_is_wrong(string what, string problem)
    {
        Assert.False(string.IsNullOrEmpty(problem), what);
    }

    [Fact]
    public void The_problem_names_the_entry_that_is_wrong()
    {
        Assert.Equal(
            "cards[2].uid '04a1b2c3' is not a 4-, 7- or 10-byte ISO/IEC 14443-3 UID in upper-case hex",
            Problem(WithCard(new CardEntry { Uid = "04a1b2c3", Card = "C1", BalanceFen = 0, Blocked = false })));
        Assert.Equal("the list is for hz-xixi-07/shed-a, published on the topic of hz-xixi-07/shed-b", Problem(MqttSamples.Cards, gateway: "shed-b"));
    }

    private static CardListMessage WithCard(CardEntry entry) =>
        MqttSamples.Cards with { Cards = [.. MqttSamples.Cards.Cards, entry] };

    private static string Problem(CardListMessage list, string gateway = "shed-a") =>
        list.Problem("hz-xixi-07", gateway) ?? string.Empty;
}
