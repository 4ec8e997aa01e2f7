namespace EdgeGateway.Hub.Platform;

/// <summary>
/// The platform API's authentication, an endpoint filter on its group: <c>Authorization: Bearer egk_{id}_{secret}</c>,
/// a key that exists, is not revoked, and whose secret hashes to the stored hash. Anything else is 401 (problem JSON,
/// <c>WWW-Authenticate: Bearer</c>), audited with the key id it named, never the secret.
/// </summary>
internal static class PlatformAuthentication
{
    private const string CallerItem = "edge.platform.key";

    /// <summary>The key of the request (set by the filter before any handler runs).</summary>
    public static ApiKeyRecord Caller(HttpContext http) =>
        http.Items[CallerItem] as ApiKeyRecord ?? throw new InvalidOperationException("the platform API's authentication filter did not run");

    public static async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        HttpContext http = context.HttpContext;
        string? header = http.Request.Headers.Authorization;
        string? token = header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
        PlatformStore store = http.RequestServices.GetRequiredService<PlatformStore>();
        string? refusal;
        ApiKeyRecord? key = null;
        if (!ApiKeyToken.TryParse(token, out string? id, out string? secret))
        {
            refusal = header is null ? "no Authorization header: send Authorization: Bearer egk_…" : "the Authorization header is not Bearer and a platform API key";
        }
        else if ((key = store.FindKey(id)) is null || !ApiKeyToken.Verify(secret, key.SecretHash))
        {
            refusal = "unknown API key";
            key = null;
        }
        else if (key.RevokedAt is not null)
        {
            refusal = "the API key is revoked";
        }
        else
        {
            http.Items[CallerItem] = key;
            return await next(context);
        }

        PlatformApi platform = http.RequestServices.GetRequiredService<PlatformApi>();
        string path = http.Request.Path.Value ?? "";
        platform.Audit(key, http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow(), "auth", path.Length > 200 ? path[..200] : path, http.Request.Method, "unauthorized: " + refusal, id);
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return TypedResults.Problem(refusal, statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized");
    }
}
