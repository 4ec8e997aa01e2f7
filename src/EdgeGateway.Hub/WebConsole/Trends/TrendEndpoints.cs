using System.Text.Json.Serialization;
using EdgeGateway.Hub.Ingest;
using EdgeGateway.Hub.Storage;
using EdgeGateway.Hub.WebConsole.Scope;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Hub.WebConsole.Trends;

/// <summary>
/// The console's usage trends (API.md, "Trends"): <c>GET /api/trends/sites</c>, <c>GET /api/trends/{name}</c> and
/// <c>GET /api/trends/{name}.csv</c>, for roles viewer, manager and admin. README.md in this folder documents each trend.
/// </summary>
public static class TrendEndpoints
{
    /// <summary>The roles that may read trends.</summary>
    public static IReadOnlyList<string> Roles { get; } = ["viewer", "manager", "admin"];

    /// <summary>At most this many sites in <c>sites=</c> (each becomes a term of the query).</summary>
    public const int MaxSites = 100;

    /// <summary>At most this many characters in one site name of <c>sites=</c>.</summary>
    public const int MaxSiteLength = 200;

    /// <summary>
    /// <see cref="TrendQueries"/> (a singleton with its own <see cref="Storage.InfluxQlClient"/> built from
    /// <c>IOptions&lt;HubOptions&gt;</c>' <see cref="HubOptions.Influx"/>, which AddIngestServices binds from <c>Hub</c>,
    /// on a client of <see cref="Storage.StorageServiceCollectionExtensions.AddInfluxHttpClients"/>) and
    /// <see cref="TimeProvider.System"/> unless a TimeProvider is registered already.
    /// </summary>
    public static IHostApplicationBuilder AddTrendServices(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<HubOptions>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddInfluxHttpClients();
        builder.Services.TryAddSingleton(provider => new TrendQueries(
            provider.GetRequiredService<IOptions<HubOptions>>().Value.Influx,
            provider.GetRequiredService<IHttpClientFactory>(),
            provider.GetRequiredService<ILogger<TrendQueries>>()));
        return builder;
    }

    /// <summary>
    /// Maps the trends under <c>{api}/trends</c> on a sub-group that requires role viewer, manager or admin (the
    /// <c>/api</c> group itself requires a signed-in user). Returns <paramref name="api"/>, so that further groups
    /// mapped on the result are not under <c>/trends</c> nor limited to these roles.
    /// </summary>
    public static RouteGroupBuilder MapTrendEndpoints(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        RouteGroupBuilder trends = api.MapGroup("/trends")
            .RequireAuthorization(policy => policy.RequireRole(Roles));
        trends.MapGet("/sites", SitesAsync);
        trends.MapGet("/{name}.csv", CsvAsync);
        trends.MapGet("/{name}", TrendAsync);
        return api;
    }

    internal static async Task<JsonHttpResult<TrendSitesResponse>> SitesAsync(HttpContext context, TrendQueries queries, ConsoleScope scope, CancellationToken cancellationToken)
    {
        TrendSites sites = await queries.SitesAsync(cancellationToken);
        return TypedResults.Json(
            new TrendSitesResponse([.. sites.Sites.Where(scope.Sees)], sites.Problem is null, sites.Problem is { } problem ? TrendText.For(context).Unavailable(problem) : null),
            TrendJson.Default.TrendSitesResponse);
    }

    internal static async Task<Results<JsonHttpResult<TrendResponse>, JsonHttpResult<TrendError>>> TrendAsync(
        HttpContext context,
        string name,
        [FromQuery(Name = "from")] string? from,
        [FromQuery(Name = "to")] string? to,
        [FromQuery(Name = "sites")] string? sites,
        TrendQueries queries,
        ConsoleScope scope,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var text = TrendText.For(context);
        if (Refusal(name, from, to, sites, time, text, out TrendDefinition trend, out TrendRange range, out IReadOnlyList<string> siteList) is { } refusal)
        {
            return refusal;
        }

        TrendData data = await ReadAsync(queries, scope, trend, range, siteList, cancellationToken);
        return TypedResults.Json(
            new TrendResponse(
                trend.Name,
                trend.Unit,
                TrendRange.DayText(range.From),
                TrendRange.DayText(range.To),
                [.. data.Series.Select(series => series.Kind is { } kind
                    ? series with { KindText = text.Kind(kind) }
                    : series with { SiteName = series.Site is { } site ? scope.Directory.NameOf(site, context.Request.Cookies[TrendText.LanguageCookie]) : null })],
                data.Problem is null,
                data.Problem is { } problem ? text.Unavailable(problem) : null),
            TrendJson.Default.TrendResponse);
    }

    internal static async Task<Results<FileContentHttpResult, JsonHttpResult<TrendError>>> CsvAsync(
        HttpContext context,
        string name,
        [FromQuery(Name = "from")] string? from,
        [FromQuery(Name = "to")] string? to,
        [FromQuery(Name = "sites")] string? sites,
        TrendQueries queries,
        ConsoleScope scope,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var text = TrendText.For(context);
        if (Refusal(name, from, to, sites, time, text, out TrendDefinition trend, out TrendRange range, out IReadOnlyList<string> siteList) is { } refusal)
        {
            return refusal;
        }

        TrendData data = await ReadAsync(queries, scope, trend, range, siteList, cancellationToken);
        if (data.Problem is { } problem)
        {
            // A CSV with a header and no rows would read as "nothing happened"; the page shows the reason instead.
            return Error(StatusCodes.Status503ServiceUnavailable, "trends_unavailable", text.Unavailable(problem));
        }

        return TypedResults.File(TrendCsv.Write(trend, data.Series, text), TrendCsv.ContentType, TrendCsv.FileName(trend, range));
    }

    /// <summary>The trend of the caller's sites among those asked for (a company's users: their company's only; none of
    /// theirs asked for, or none at all, is no series, never every site's).</summary>
    private static async Task<TrendData> ReadAsync(
        TrendQueries queries, ConsoleScope scope, TrendDefinition trend, TrendRange range, IReadOnlyList<string> sites, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> limited = scope.Limit(sites);
        return scope.Sites is not null && limited.Count == 0
            ? new TrendData([], null)
            : await queries.ReadAsync(trend, range, limited, cancellationToken);
    }

    /// <summary>404 for an unknown trend, 400 for a bad range or site list; null when the request is good.</summary>
    private static JsonHttpResult<TrendError>? Refusal(
        string name, string? from, string? to, string? sites, TimeProvider time, TrendText text,
        out TrendDefinition trend, out TrendRange range, out IReadOnlyList<string> siteList)
    {
        range = default;
        siteList = [];
        if (!TrendCatalog.TryFind(name, out trend))
        {
            return Error(StatusCodes.Status404NotFound, "not_found", text.NotFound(name));
        }

        TrendRangeError rangeError = TrendRange.TryParse(from, to, TrendRange.Today(time), out range);
        if (rangeError != TrendRangeError.None)
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_range", text.RangeRefused(rangeError));
        }

        siteList = Sites(sites);
        if (siteList.Count > MaxSites || siteList.Any(site => site.Length > MaxSiteLength))
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_sites", text.SitesRefused);
        }

        return null;
    }

    /// <summary><c>a,b</c> → [a, b]: trimmed, empty names dropped, each once. None: every site.</summary>
    internal static IReadOnlyList<string> Sites(string? sites) =>
        string.IsNullOrWhiteSpace(sites)
            ? []
            : [.. sites.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal)];

    private static JsonHttpResult<TrendError> Error(int status, string error, string message) =>
        TypedResults.Json(new TrendError(error, message), TrendJson.Default.TrendError, statusCode: status);
}

/// <summary><c>GET /api/trends/{name}</c>.</summary>
internal sealed record TrendResponse(
    string Name, string Unit, string From, string To, IReadOnlyList<TrendSeries> Series, bool Available, string? Message);

/// <summary><c>GET /api/trends/sites</c>.</summary>
internal sealed record TrendSitesResponse(IReadOnlyList<string> Sites, bool Available, string? Message);

/// <summary>The console's error shape, <c>{"error": "...", "message": "..."}</c>.</summary>
internal sealed record TrendError(string Error, string Message);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TrendResponse))]
[JsonSerializable(typeof(TrendSitesResponse))]
[JsonSerializable(typeof(TrendError))]
internal sealed partial class TrendJson : JsonSerializerContext;
