using EdgeGateway.Hub.Access;
using EdgeGateway.Hub.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;

namespace EdgeGateway.Hub.Tests.Tenants;

/// <summary>
/// Every endpoint of the hub's app (composed as the hub composes it, not started) carries exactly one tenant decision
/// (<see cref="SiteScopeDecision"/>: site-scoped read or action, admins only, or no site data), so that an endpoint
/// added without anyone deciding who may see which company's sites fails here.
/// </summary>
public sealed class EndpointScopeDecisionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-scope-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Every_endpoint_of_the_hub_has_exactly_one_scope_decision()
    {
        await using WebApplication app = Compose();
        Endpoint[] endpoints = [.. Endpoints(app)];
        Assert.True(endpoints.Length >= 20, $"only {endpoints.Length} endpoints found: is the app composed?");
        Assert.Empty(Undecided(endpoints));
    }

    [Fact]
    public async Task The_decisions_are_the_ones_the_console_documents()
    {
        await using WebApplication app = Compose();
        var decisions = Endpoints(app).ToDictionary(Name, e => e.Metadata.GetMetadata<SiteScopeDecision>()!.Describe());
        Assert.Equal("site-scoped read", decisions["GET /api/board"]);
        Assert.Equal("site-scoped read", decisions["GET /api/board/stream"]);
        Assert.Equal("site-scoped read", decisions["GET /api/alarms/history.csv"]);
        Assert.Equal("site-scoped read", decisions["GET /api/trends/{name}.csv"]);
        Assert.Equal("site-scoped action (district read-only)", decisions["POST /api/gateways/{site}/{gw}/commands/{command}"]);
        Assert.Equal("site-scoped action (district read-only)", decisions["POST /api/alarms/{alarmId}/ack"]);
        Assert.Equal("site-scoped read", decisions["GET /api/incidents"]);
        Assert.Equal("site-scoped read", decisions["GET /api/incidents/stats.csv"]);
        Assert.Equal("site-scoped action (district read-only)", decisions["POST /api/incidents/{site}/{gw}/{alarmId}/ack"]);
        Assert.Equal("site-scoped action (district read-only)", decisions["POST /api/incidents/{site}/{gw}/{alarmId}/resolve"]);
        Assert.Equal("admins only", decisions["GET /api/audit"]);
        Assert.Equal("admins only", decisions["DELETE /api/registry/companies/{id}"]);
        Assert.StartsWith("no site data", decisions["GET /api/me"], StringComparison.Ordinal);
        Assert.StartsWith("no site data", decisions["GET /healthz"], StringComparison.Ordinal);
        Assert.Equal("platform API key: its company's sites", decisions["POST /api/platform/v1/sites/{site}/gateways/{gw}/ports/{port}/start"]);
        Assert.Equal("platform API key: its company's sites", decisions["GET /api/platform/v1/sessions"]);
        Assert.Equal("admins only", decisions["POST /api/platform/keys/{id}/revoke"]);
        Assert.StartsWith("no site data", decisions["GET /api/platform/v1/openapi.json"], StringComparison.Ordinal);
        Assert.Equal("site-scoped read", decisions["GET /api/cards/unmatched"]);
        Assert.Equal("site-scoped read", decisions["GET /api/cards/{company}/{reference}"]);
        Assert.Equal("site-scoped action (district read-only)", decisions["POST /api/cards/{company}"]);
        Assert.Equal("site-scoped action (district read-only)", decisions["POST /api/cards/{company}/{reference}/top_up"]);
        Assert.Equal("site-scoped read", decisions.Single(d => d.Key.TrimEnd('/') == "GET /api/upgrades").Value);
        Assert.Equal("admins only", decisions["POST /api/upgrades/rollouts"]);
        Assert.Equal("admins only", decisions["POST /api/upgrades/bundles/{file}"]);
        Assert.StartsWith("no site data", decisions["GET /upgrade-bundles/{token}/{file}"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_endpoint_added_without_a_decision_is_named()
    {
        await using WebApplication app = Compose();
        app.MapGet("/api/new-thing", () => "sites of every company");
        Assert.Equal(["GET /api/new-thing"], Undecided(Endpoints(app)));
    }

    /// <summary>The endpoints with no decision or more than one, by method and route.</summary>
    private static List<string> Undecided(IEnumerable<Endpoint> endpoints) =>
        [.. endpoints.Where(e => e.Metadata.GetOrderedMetadata<SiteScopeDecision>().Count != 1).Select(Name)];

    private static IEnumerable<Endpoint> Endpoints(WebApplication app) => ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints);

    private static string Name(Endpoint endpoint) =>
        (endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods is { Count: > 0 } methods ? string.Join(",", methods) + " " : "")
        + ((endpoint as RouteEndpoint)?.RoutePattern.RawText ?? endpoint.DisplayName);

    private WebApplication Compose()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Production",
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Hub:DataDirectory"] = _dir });
        return HubHost.Compose(builder);
    }
}
