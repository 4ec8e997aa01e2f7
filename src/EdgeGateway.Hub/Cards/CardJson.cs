using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;

namespace EdgeGateway.Hub.Cards;

/// <summary><c>POST /api/cards/{company}</c>: a new card; the UID as hex (spaces and colons ignored), the opening balance in 元.</summary>
internal sealed record CardIssueRequest(string? Uid, string? Reference, decimal? OpeningYuan);

/// <summary><c>POST /api/cards/{company}/{reference}/top_up</c>: an amount in 元 (at most two decimals).</summary>
internal sealed record CardTopUpRequest(decimal? AmountYuan, string? Comment);

internal sealed record CardView(
    string Uid, string Reference, string Company, string? CompanyName, long BalanceFen, bool Blocked,
    DateTimeOffset IssuedTs, string IssuedBy, DateTimeOffset UpdatedTs, string UpdatedBy);

/// <summary><c>GET /api/cards</c>: the cards the caller sees, and whether the caller may issue, top up and block them.</summary>
internal sealed record CardListView(IReadOnlyList<CardView> Cards, bool MayManage);

internal sealed record CardLedgerView(
    long Seq, string Kind, long AmountFen, long BalanceFen, DateTimeOffset Ts, string By, string? Site, string? Gateway, string? SessionId, string? Comment);

internal sealed record CardSpendView(
    string Site, string? SiteName, string Gateway, string SessionId, string? Company, string Card, long CostFen, bool Applied, string? Reason, DateTimeOffset Ts);

/// <summary><c>GET /api/cards/{company}/{reference}</c>: the card, its ledger and its sessions, newest first.</summary>
internal sealed record CardDetailView(CardView Card, IReadOnlyList<CardLedgerView> Ledger, IReadOnlyList<CardSpendView> Sessions, bool MayManage);

/// <summary><c>GET /api/cards/unmatched</c>: card sessions of the caller's sites that matched no card of the site's company.</summary>
internal sealed record CardUnmatchedView(IReadOnlyList<CardSpendView> Spends);

/// <summary>The cards API's JSON: snake_case, nulls left out, no unknown fields, Chinese kept readable.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(CardIssueRequest))]
[JsonSerializable(typeof(CardTopUpRequest))]
[JsonSerializable(typeof(CardListView))]
[JsonSerializable(typeof(CardDetailView))]
[JsonSerializable(typeof(CardUnmatchedView))]
internal sealed partial class CardJson : JsonSerializerContext
{
    /// <summary>The generated options with Chinese left readable.</summary>
    public static CardJson Api => ApiContext.Instance;

    // Its own class: a static initializer beside the generated Default could run before Default is set.
    private static class ApiContext
    {
        public static readonly CardJson Instance = new(new JsonSerializerOptions(Default.Options) { Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) });
    }
}
