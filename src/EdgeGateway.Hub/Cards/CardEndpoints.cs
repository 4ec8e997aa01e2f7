using System.Globalization;
using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Access;
using EdgeGateway.Hub.Tenants;
using EdgeGateway.Hub.WebConsole;
using EdgeGateway.Hub.WebConsole.Api;
using EdgeGateway.Hub.WebConsole.Scope;
using EdgeGateway.Hub.WebConsole.Store;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EdgeGateway.Hub.Cards;

/// <summary>
/// The console's cards (<c>/api/cards…</c>, WebConsole/API.md "Cards"): reads for managers, maintenance staff and admins
/// (a company's users their company's cards, district staff every company's), changes — issue, top up, block, unblock —
/// for a company's managers on their company's cards and for admins on any company's (district staff never: no money
/// moves from the district). Refusals are problem details (RFC 9457); every change and every refused change is audited.
/// </summary>
internal static class CardEndpoints
{
    private const string ProblemBase = "https://edgegateway.example/problems/cards/";
    private const int MaxBody = 4096;
    private const int MaxComment = 200;

    public static IEndpointRouteBuilder MapCardEndpoints(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder cards = app.MapGroup("/api/cards").RequireAuthorization(ConsolePolicies.SignedIn);
        cards.AddEndpointFilter(ConsoleServices.RequireAntiforgeryAsync);
        cards.AddEndpointFilter(SiteScopeFilter.InvokeAsync);

        RouteGroupBuilder read = cards.MapGroup("").RequireAuthorization(ConsolePolicies.Dashboard).RequireSiteScope(SiteAccess.Read);
        read.MapGet("", List);
        read.MapGet("/unmatched", Unmatched);
        read.MapGet("/{company}/{reference}", Get);

        RouteGroupBuilder change = cards.MapGroup("").RequireAuthorization(ConsolePolicies.Acknowledge).RequireSiteScope(SiteAccess.Act);
        change.MapPost("/{company}", IssueAsync);
        change.MapPost("/{company}/{reference}/top_up", TopUpAsync);
        change.MapPost("/{company}/{reference}/block", (string company, string reference, HttpContext http) => Block(company, reference, blocked: true, http));
        change.MapPost("/{company}/{reference}/unblock", (string company, string reference, HttpContext http) => Block(company, reference, blocked: false, http));
        return app;
    }

    /// <summary><c>?company=</c> one company (district staff and admins; a company's user gets their own either way).</summary>
    private static JsonHttpResult<CardListView> List(string? company, HttpContext http, CardStore store, ConsoleUserDirectory users, ConsoleScope scope)
    {
        string language = ConsoleLanguage.Of(http, users);
        string? only = scope.Kind == ConsoleScopeKind.Company ? scope.CompanyId : company;
        List<Card> cards = scope.Kind == ConsoleScopeKind.None ? [] : store.Cards(only);
        return TypedResults.Json(new CardListView([.. cards.Select(c => View(c, scope.Directory, language))], MayManage(http, scope)), CardJson.Api.CardListView);
    }

    private static JsonHttpResult<CardUnmatchedView> Unmatched(HttpContext http, CardStore store, ConsoleUserDirectory users, ConsoleScope scope)
    {
        string language = ConsoleLanguage.Of(http, users);
        return TypedResults.Json(
            new CardUnmatchedView([.. store.Spends(null, null, unmatchedOnly: true, scope.Sites).Select(s => SpendView(s, scope.Directory, language))]),
            CardJson.Api.CardUnmatchedView);
    }

    private static Results<JsonHttpResult<CardDetailView>, ProblemHttpResult> Get(
        string company, string reference, HttpContext http, CardStore store, ConsoleUserDirectory users, ConsoleScope scope)
    {
        ConsoleText text = ConsoleLanguage.Text(http, users);
        if (!Reaches(scope, company) || store.Find(company, reference) is not { } card)
        {
            return NotFound(text, company, reference);
        }

        return TypedResults.Json(DetailOf(card, store, scope, text.Language, MayManage(http, scope)), CardJson.Api.CardDetailView);
    }

    private static async Task<Results<JsonHttpResult<CardDetailView>, ProblemHttpResult>> IssueAsync(string company, HttpContext http)
    {
        var change = Change.Of(http, "card_issue", company);
        CardIssueRequest? request = await ReadAsync(http, CardJson.Api.CardIssueRequest);
        string? uid = request?.Uid is { } raw ? string.Concat(raw.Where(c => c is not (' ' or ':' or '-'))).ToUpperInvariant() : null;
        string? reference = request?.Reference?.Trim();
        change = change with { Target = $"{company}/{reference ?? "?"}", Detail = $"uid: {uid ?? "?"}; opening_yuan: {request?.OpeningYuan?.ToString(CultureInfo.InvariantCulture) ?? "?"}" };
        if (!Reaches(change.Scope, company))
        {
            return change.Refuse(StatusCodes.Status404NotFound, "not-found", "not_found", change.Text.NotFound(CompanyText(change.Text, company)));
        }

        string? problem = request is null ? "the body is not a card ({\"uid\":…,\"reference\":…,\"opening_yuan\":…})"
            : !CardEntry.IsValidUid(uid) ? "uid: the card's 4-, 7- or 10-byte UID in hex (8, 14 or 20 hex digits)"
            : !ContractIds.IsValid(reference) ? "reference: 1 to 64 of A-Z a-z 0-9 . _ - (the number printed on the card)"
            : Fen(request.OpeningYuan ?? 0, allowZero: true) is null ? $"opening_yuan: 0 to {Yuan(ChargeLimit.MaxAmountFen)} with at most two decimals"
            : null;
        if (problem is not null)
        {
            return change.Refuse(StatusCodes.Status400BadRequest, "invalid", "invalid", change.Text.InvalidRequest(problem));
        }

        CardChangeOutcome outcome = change.Store.IssueCard(company, uid!, reference!, Fen(request!.OpeningYuan ?? 0, allowZero: true)!.Value, change.Caller.Name, change.Now);
        return outcome switch
        {
            CardChangeOutcome.DuplicateUid => change.Refuse(StatusCodes.Status409Conflict, "duplicate-uid", "duplicate",
                Chinese(change.Text) ? $"UID {uid} 已被另一张卡使用" : $"the UID {uid} is already another card's"),
            CardChangeOutcome.DuplicateReference => change.Refuse(StatusCodes.Status409Conflict, "duplicate-reference", "duplicate",
                Chinese(change.Text) ? $"卡号 {reference} 已存在" : $"the card number {reference} already exists"),
            _ => change.Done(reference!),
        };
    }

    private static async Task<Results<JsonHttpResult<CardDetailView>, ProblemHttpResult>> TopUpAsync(string company, string reference, HttpContext http)
    {
        var change = Change.Of(http, "card_top_up", $"{company}/{reference}");
        CardTopUpRequest? request = await ReadAsync(http, CardJson.Api.CardTopUpRequest);
        string? comment = request?.Comment?.Trim() is { Length: > 0 } given ? given : null;
        change = change with { Detail = $"amount_yuan: {request?.AmountYuan?.ToString(CultureInfo.InvariantCulture) ?? "?"}" + (comment is null ? "" : "; comment: " + comment) };
        if (!Reaches(change.Scope, company) || change.Store.Find(company, reference) is null)
        {
            return change.Refuse(StatusCodes.Status404NotFound, "not-found", "not_found", change.Text.NotFound(CardText(change.Text, company, reference)));
        }

        long? fen = request?.AmountYuan is { } yuan ? Fen(yuan, allowZero: false) : null;
        string? problem = request is null ? "the body is not a top-up ({\"amount_yuan\":…})"
            : fen is null ? $"amount_yuan: more than 0 and at most {Yuan(ChargeLimit.MaxAmountFen)} with at most two decimals"
            : comment is { Length: > MaxComment } || (comment?.Any(char.IsControl) ?? false) ? $"comment: at most {MaxComment} characters, no control characters"
            : null;
        if (problem is not null)
        {
            return change.Refuse(StatusCodes.Status400BadRequest, "invalid", "invalid", change.Text.InvalidRequest(problem));
        }

        return change.Store.Credit(company, reference, CardStore.TopUp, fen!.Value, change.Caller.Name, change.Now, comment) switch
        {
            CardChangeOutcome.NotFound => change.Refuse(StatusCodes.Status404NotFound, "not-found", "not_found", change.Text.NotFound(CardText(change.Text, company, reference))),
            CardChangeOutcome.BalanceLimit => change.Refuse(StatusCodes.Status409Conflict, "balance-limit", "balance_limit",
                Chinese(change.Text) ? $"余额不能超过 {Yuan(ChargeLimit.MaxAmountFen)} 元" : $"the balance may not exceed {Yuan(ChargeLimit.MaxAmountFen)} yuan"),
            _ => change.Done(reference),
        };
    }

    private static Results<JsonHttpResult<CardDetailView>, ProblemHttpResult> Block(string company, string reference, bool blocked, HttpContext http)
    {
        var change = Change.Of(http, blocked ? "card_block" : "card_unblock", $"{company}/{reference}");
        return !Reaches(change.Scope, company) || change.Store.SetBlocked(company, reference, blocked, change.Caller.Name, change.Now) == CardChangeOutcome.NotFound
            ? change.Refuse(StatusCodes.Status404NotFound, "not-found", "not_found", change.Text.NotFound(CardText(change.Text, company, reference)))
            : change.Done(reference);
    }

    /// <summary>Whether the caller reaches <paramref name="company"/>'s cards: a company's users their own, district
    /// staff and admins any company of the registry.</summary>
    private static bool Reaches(ConsoleScope scope, string company) => scope.Kind switch
    {
        ConsoleScopeKind.Company => string.Equals(scope.CompanyId, company, StringComparison.Ordinal),
        ConsoleScopeKind.Admin or ConsoleScopeKind.District => scope.Directory.Company(company) is not null,
        _ => false,
    };

    private static bool MayManage(HttpContext http, ConsoleScope scope) =>
        scope.MayAct && (http.User.IsInRole(ConsoleRoles.Manager) || http.User.IsInRole(ConsoleRoles.Admin));

    /// <summary><paramref name="yuan"/> in fen: at most two decimals, 0 (when allowed) or more, at most the most a card holds.</summary>
    internal static long? Fen(decimal yuan, bool allowZero)
    {
        decimal scaled = yuan * 100m;
        return scaled != decimal.Truncate(scaled) || scaled < 0 || (scaled == 0 && !allowZero) || scaled > ChargeLimit.MaxAmountFen ? null : (long)scaled;
    }

    private static string Yuan(long fen) => (fen / 100m).ToString("0.00", CultureInfo.InvariantCulture);

    private static async Task<T?> ReadAsync<T>(HttpContext http, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        byte[]? bytes = await CommandEndpoints.ReadBodyAsync(http.Request, MaxBody, http.RequestAborted);
        try
        {
            return bytes is null or { Length: 0 } ? null : JsonSerializer.Deserialize(bytes, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static CardDetailView DetailOf(Card card, CardStore store, ConsoleScope scope, string language, bool mayManage) => new(
        View(card, scope.Directory, language),
        [.. store.Ledger(card.Company, card.Reference).Select(e => new CardLedgerView(e.Seq, e.Kind, e.AmountFen, e.BalanceFen, e.At, e.By, e.Site, e.Gateway, e.SessionId, e.Comment))],
        [.. store.Spends(card.Company, card.Reference, unmatchedOnly: false, sites: null, limit: 50).Select(s => SpendView(s, scope.Directory, language))],
        mayManage);

    private static CardView View(Card c, TenantDirectory directory, string language) =>
        new(c.Uid, c.Reference, c.Company, directory.CompanyNameOf(c.Company, language), c.BalanceFen, c.Blocked, c.IssuedAt, c.IssuedBy, c.UpdatedAt, c.UpdatedBy);

    private static CardSpendView SpendView(CardSpend s, TenantDirectory directory, string language) =>
        new(s.Site, directory.NameOf(s.Site, language), s.Gateway, s.SessionId, s.Company, s.Card, s.CostFen, s.Applied, s.Reason, s.At);

    private static bool Chinese(ConsoleText text) => text.Language == ConsoleLanguage.Chinese;

    private static string CompanyText(ConsoleText text, string company) => Chinese(text) ? $"企业 {company}" : $"company {company}";

    private static string CardText(ConsoleText text, string company, string reference) => Chinese(text) ? $"卡 {company}/{reference}" : $"card {company}/{reference}";

    private static ProblemHttpResult NotFound(ConsoleText text, string company, string reference) =>
        TypedResults.Problem(text.NotFound(CardText(text, company, reference)), statusCode: StatusCodes.Status404NotFound, title: "Not found", type: ProblemBase + "not-found");

    /// <summary>One change as it is audited: who, what, on which card, and the answer.</summary>
    private sealed record Change(HttpContext Http, ConsoleCaller Caller, ConsoleScope Scope, CardStore Store, ConsoleStore Audit, DateTimeOffset Now, string Action, string Target, string? Detail)
    {
        public ConsoleText Text => Caller.Text;

        public static Change Of(HttpContext http, string action, string target)
        {
            IServiceProvider services = http.RequestServices;
            return new Change(
                http, ConsoleCaller.Of(http, services.GetRequiredService<ConsoleUserDirectory>()), ConsoleScope.Of(http), services.GetRequiredService<CardStore>(),
                services.GetRequiredService<ConsoleStore>(), services.GetRequiredService<TimeProvider>().GetUtcNow(), action, Clip(target, 200), null);
        }

        public ProblemHttpResult Refuse(int status, string type, string result, string message)
        {
            Audit.Audit(Caller.Audit(Now, Action, Target, Detail, result + ": " + message));
            return TypedResults.Problem(message, statusCode: status, title: type, type: ProblemBase + type);
        }

        public JsonHttpResult<CardDetailView> Done(string reference)
        {
            Audit.Audit(Caller.Audit(Now, Action, Target, Detail, "ok"));
            string company = Target[..Target.IndexOf('/', StringComparison.Ordinal)];
            Http.RequestServices.GetRequiredService<CardListPublisher>().Changed(company);
            Card card = Store.Find(company, reference)!;
            return TypedResults.Json(DetailOf(card, Store, Scope, Text.Language, mayManage: true), CardJson.Api.CardDetailView);
        }

        private static string Clip(string text, int length) => text.Length > length ? text[..length] : text;
    }
}
