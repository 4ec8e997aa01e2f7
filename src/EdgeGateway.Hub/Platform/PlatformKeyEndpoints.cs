using System.Net;
using System.Text.Json;
using EdgeGateway.Hub.Access;
using EdgeGateway.Hub.Tenants;
using EdgeGateway.Hub.WebConsole;
using EdgeGateway.Hub.WebConsole.Api;
using EdgeGateway.Hub.WebConsole.Store;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EdgeGateway.Hub.Platform;

/// <summary>
/// The platform API keys, for the console's admins (signed in, antiforgery token on POST, like the rest of the console
/// API): <c>GET /api/platform/keys</c>, <c>POST /api/platform/keys</c> (the key and its webhook secret are in that
/// answer only), <c>POST /api/platform/keys/{id}/revoke</c>. Every change is audited.
/// </summary>
internal static class PlatformKeyEndpoints
{
    private const int MaxBody = 4096;
    private const int MaxNameLength = 100;

    public static IEndpointRouteBuilder MapPlatformKeyEndpoints(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder keys = app.MapGroup("/api/platform/keys")
            .RequireAuthorization(ConsolePolicies.Audit)
            .AdminOnly()
            .AddEndpointFilter(ConsoleServices.RequireAntiforgeryAsync);
        keys.MapGet("", (PlatformStore store) => List(store));
        keys.MapPost("", CreateAsync);
        keys.MapPost("/{id}/revoke", Revoke);
        return app;
    }

    private static async Task<Results<JsonHttpResult<ApiKeyCreated>, JsonHttpResult<ConsoleError>>> CreateAsync(
        HttpContext http, PlatformStore store, TenantRegistry tenants, ConsoleUserDirectory users, ConsoleStore audit, TimeProvider time)
    {
        var caller = ConsoleCaller.Of(http, users);
        DateTimeOffset now = time.GetUtcNow();
        ApiKeyRequest? request = null;
        byte[]? bytes = await CommandEndpoints.ReadBodyAsync(http.Request, MaxBody, http.RequestAborted);
        try
        {
            request = bytes is null or { Length: 0 } ? null : JsonSerializer.Deserialize(bytes, PlatformJson.Api.ApiKeyRequest);
        }
        catch (JsonException)
        {
            request = null;
        }

        string? problem = request is null ? "the body is not a key ({\"company\":…,\"name\":…,\"webhook_url\":…})"
            : tenants.Current.Company(request.Company) is null ? $"company: '{request.Company}' is not a company of the registry"
            : string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > MaxNameLength || request.Name.Any(char.IsControl)
                ? $"name: 1 to {MaxNameLength} characters, no control characters (who uses the key, e.g. the payment platform's name)"
            : WebhookProblem(request.WebhookUrl);
        string detail = request is null ? "malformed" : $"company: {request.Company}; name: {request.Name}; webhook: {(request.WebhookUrl is null ? "none" : "yes")}";
        if (problem is not null)
        {
            audit.Audit(caller.Audit(now, "platform_key_create", request?.Company, detail, "invalid: " + problem));
            return ConsoleResults.InvalidRequest(caller.Text, problem);
        }

        (string id, string token, string hash) = ApiKeyToken.Create();
        string? webhookSecret = request!.WebhookUrl is null ? null : ApiKeyToken.NewWebhookSecret();
        store.AddKey(new ApiKeyRecord(id, request.Company!, request.Name!.Trim(), hash, request.WebhookUrl, webhookSecret, now, caller.Name, null));
        audit.Audit(caller.Audit(now, "platform_key_create", id, detail, "ok"));
        return TypedResults.Json(new ApiKeyCreated(id, request.Company!, request.Name.Trim(), token, request.WebhookUrl, webhookSecret), PlatformJson.Api.ApiKeyCreated);
    }

    private static Results<JsonHttpResult<ApiKeyList>, JsonHttpResult<ConsoleError>> Revoke(
        string id, HttpContext http, PlatformStore store, ConsoleUserDirectory users, ConsoleStore audit, TimeProvider time)
    {
        var caller = ConsoleCaller.Of(http, users);
        DateTimeOffset now = time.GetUtcNow();
        string target = id.Length > 64 ? id[..64] : id;
        if (!store.RevokeKey(id, now))
        {
            audit.Audit(caller.Audit(now, "platform_key_revoke", target, null, "not_found"));
            return ConsoleResults.NotFound(caller.Text, target);
        }

        audit.Audit(caller.Audit(now, "platform_key_revoke", target, null, "ok"));
        return List(store);
    }

    /// <summary>Every key, revoked ones too, without a secret.</summary>
    private static JsonHttpResult<ApiKeyList> List(PlatformStore store) => TypedResults.Json(
        new ApiKeyList([.. store.Keys().Select(k => new ApiKeyView(k.Id, k.Company, k.Name, k.WebhookUrl, k.CreatedAt, k.CreatedBy, k.RevokedAt))]),
        PlatformJson.Api.ApiKeyList);

    /// <summary>Null when <paramref name="url"/> is absent or a webhook URL the hub may post to: absolute http(s),
    /// https unless on loopback (a signature proves the sender, not secrecy: the body is billing data), no credentials in it.</summary>
    internal static string? WebhookProblem(string? url)
    {
        if (url is null)
        {
            return null;
        }

        if (url.Length > 2000 || !Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return "webhook_url: an absolute https:// URL";
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback && !(IPAddress.TryParse(uri.Host, out IPAddress? address) && IPAddress.IsLoopback(address)))
        {
            return "webhook_url: https:// off this machine (plain http only to loopback)";
        }

        return uri.UserInfo.Length > 0 ? "webhook_url: no user name or password in the URL" : null;
    }
}
