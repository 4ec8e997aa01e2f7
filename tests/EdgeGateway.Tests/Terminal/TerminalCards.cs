using EdgeGateway.Contracts.Mqtt;

namespace EdgeGateway.Tests.Terminal;

/// <summary>Card lists as the hub would publish them for the test site.</summary>
internal static class TerminalCards
{
    public const string Site = "test-site";
    public const string Gateway = "gw-test";
    public const string AliceUid = "04A1B2C3D4E5F6";
    public const string BobUid = "DEADBEEF";
    public const string BlockedUid = "11223344";

    public static CardListMessage List(long revision, long aliceFen = 1500, IReadOnlyList<string>? applied = null, ChargeTariff? tariff = null, bool noTariff = false) => new()
    {
        Revision = revision,
        Ts = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero),
        Site = Site,
        Gateway = Gateway,
        Tariff = noTariff ? null : tariff ?? new ChargeTariff { FenPerKwh = 150 },
        Cards =
        [
            new CardEntry { Uid = AliceUid, Card = "card-0001", BalanceFen = aliceFen, Blocked = false },
            new CardEntry { Uid = BobUid, Card = "card-0002", BalanceFen = 30, Blocked = false },
            new CardEntry { Uid = BlockedUid, Card = "card-0003", BalanceFen = 5000, Blocked = true },
        ],
        AppliedSessions = applied ?? [],
    };
}
