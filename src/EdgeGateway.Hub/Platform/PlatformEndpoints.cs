using EdgeGateway.Hub.Access;
using Microsoft.AspNetCore.Mvc;

namespace EdgeGateway.Hub.Platform;

/// <summary>
/// The platform API, version 1 (README.md beside this file): <c>/api/platform/v1/…</c> for the operator's payment
/// platform, a machine client with an API key (<c>Authorization: Bearer egk_…</c>), separate from the console's
/// cookie API; errors as <c>application/problem+json</c>; described by <c>/api/platform/v1/openapi.json</c>.
/// </summary>
internal static class PlatformEndpoints
{
    public const string Root = "/api/platform/v1";

    /// <summary>Where the OpenAPI document is served.</summary>
    public const string OpenApiPath = Root + "/openapi.json";

    /// <summary>The OpenAPI document's name (<c>MapOpenApi</c> serves its default document at a path without a name).</summary>
    public const string DocumentName = "v1";

    private const string Port = "/sites/{site}/gateways/{gw}/ports/{port}";

    public static IEndpointRouteBuilder MapPlatformApi(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder api = app.MapGroup(Root).AddEndpointFilter(PlatformAuthentication.InvokeAsync).RequireApiKeyScope().WithTags("platform");
        api.MapPost(Port + "/start", (string site, string gw, string port, HttpContext http, PlatformApi platform) =>
                platform.StartAsync(PlatformAuthentication.Caller(http), site, gw, port, http.Request, http.RequestAborted))
            .WithName("StartPort")
            .WithSummary("Start a charge with an order and a limit (idempotent on order_id)")
            .Accepts<StartRequest>("application/json")
            .Produces<StartAnswer>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);
        api.MapPost(Port + "/stop", (string site, string gw, string port, HttpContext http, PlatformApi platform) =>
                platform.StopAsync(PlatformAuthentication.Caller(http), site, gw, port, http.RequestAborted))
            .WithName("StopPort")
            .WithSummary("End the port's charge (end reason user_stop; the port is not locked)")
            .Produces<StopAnswer>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);
        api.MapGet(Port, (string site, string gw, string port, HttpContext http, PlatformApi platform) =>
                platform.Port(PlatformAuthentication.Caller(http), site, gw, port))
            .WithName("GetPort")
            .WithSummary("The port's state and its running charge's energy and cost")
            .Produces<PortAnswer>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/sessions", (string? from, string? to, [FromQuery(Name = "order_id")] string? orderId, HttpContext http, PlatformApi platform) =>
                platform.Sessions(PlatformAuthentication.Caller(http), from, to, orderId))
            .WithName("ListSessions")
            .WithSummary("Closed sessions of the key's company, by end time (from, to: ISO 8601; default the last 24 h) or by order id (whenever they ended)")
            .Produces<SessionList>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        app.MapOpenApi(OpenApiPath).WithoutSiteData("the platform API's description");
        return app;
    }
}
