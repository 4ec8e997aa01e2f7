using System.Security.Claims;
using EdgeGateway.Hub.WebConsole.Store;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;

namespace EdgeGateway.Hub.WebConsole.Api;

/// <summary>The console's answers that are not plain JSON documents.</summary>
internal static class ConsoleResults
{
    public static JsonHttpResult<ConsoleError> Error(int status, string code, string message) =>
        TypedResults.Json(new ConsoleError(code, message), ConsoleJson.Web.ConsoleError, statusCode: status);

    public static JsonHttpResult<ConsoleError> NotFound(ConsoleText text, string what) =>
        Error(StatusCodes.Status404NotFound, ConsoleError.NotFoundCode, text.NotFound(what));

    public static JsonHttpResult<ConsoleError> InvalidRequest(ConsoleText text, string detail) =>
        Error(StatusCodes.Status400BadRequest, ConsoleError.InvalidRequestCode, text.InvalidRequest(detail));

    /// <summary>303 See Other: after a form post the browser follows with a GET (RFC 9110 §15.4.4).</summary>
    public static SeeOtherResult SeeOther(string location) => new(location);

    /// <summary>A local URL (<c>/…</c>, not <c>//host</c> or <c>/\host</c>, no control characters), or <paramref name="fallback"/>:
    /// a sign-in link can never send the browser to another site.</summary>
    public static string LocalOr(string? url, string fallback) =>
        url is { Length: > 0 and <= 2000 } && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Any(char.IsControl)
            ? url
            : fallback;
}

/// <summary>A 303 redirect.</summary>
internal sealed class SeeOtherResult(string location) : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
{
    public int? StatusCode => StatusCodes.Status303SeeOther;

    public string Location { get; } = location;

    public static void PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status303SeeOther, typeof(void)));
    }

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
        httpContext.Response.Headers.Location = Location;
        return Task.CompletedTask;
    }
}

/// <summary>Who is asking (signed in: the login, and the name people read), and in which language to answer.</summary>
internal sealed record ConsoleCaller(string Name, string? Role, ConsoleText Text, string DisplayName)
{
    public static ConsoleCaller Of(HttpContext http, ConsoleUserDirectory users)
    {
        ArgumentNullException.ThrowIfNull(http);
        string name = http.User.Identity?.Name ?? "(anonymous)";
        return new ConsoleCaller(
            name,
            http.User.FindFirstValue(ClaimTypes.Role),
            ConsoleLanguage.Text(http, users),
            users.Find(name)?.DisplayName ?? name);
    }

    public AuditEntry Audit(DateTimeOffset at, string action, string? target, string? detail, string result) =>
        new(at, Name, Role, action, target, detail, result);

    /// <summary>Audits a refused request that tried to change something (not a GET or HEAD): action <c>forbidden</c>,
    /// the path as target, the method as detail, <paramref name="result"/> saying why.</summary>
    public void AuditRefusal(HttpContext http, string result)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))
        {
            return;
        }

        string path = http.Request.Path.Value ?? "";
        http.RequestServices.GetRequiredService<ConsoleStore>().Audit(Audit(
            http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow(), "forbidden", path.Length > 200 ? path[..200] : path, http.Request.Method, result));
    }
}
