using System.Text.Json;
using EdgeGateway.Hub.Tenants;
using EdgeGateway.Hub.WebConsole.Store;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EdgeGateway.Hub.WebConsole.Api;

/// <summary>
/// The registry of companies and sites for admins (API.md "Registry"): <c>GET /api/registry</c>, <c>PUT</c> and
/// <c>DELETE</c> of <c>/api/registry/companies/{id}</c> and <c>/api/registry/sites/{id}</c>. Every edit is written to
/// the registry file before it takes effect, and audited with its result, refusals included.
/// </summary>
internal static class RegistryEndpoints
{
    private const int MaxBody = 16 * 1024;

    public static RouteGroupBuilder MapRegistryEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/registry", (TenantRegistry registry) => TypedResults.Json(View(registry.Current), ConsoleJson.Web.RegistryView));
        api.MapPut("/registry/companies/{id}", PutCompanyAsync);
        api.MapDelete("/registry/companies/{id}", (string id, HttpContext http, TenantRegistry registry, ConsoleUserDirectory users, ConsoleStore store, TimeProvider time) =>
            Answer(http, registry, users, store, time, "registry_company_delete", id, null, registry.DeleteCompany(id, users.HasUsersOf)));
        api.MapPut("/registry/sites/{id}", PutSiteAsync);
        api.MapDelete("/registry/sites/{id}", (string id, HttpContext http, TenantRegistry registry, ConsoleUserDirectory users, ConsoleStore store, TimeProvider time) =>
            Answer(http, registry, users, store, time, "registry_site_delete", id, null, registry.DeleteSite(id)));
        return api;
    }

    internal static RegistryView View(TenantDirectory directory) => new(
    [
        .. directory.Companies.Select(c => new CompanyView(
            c.Id, c.Name, c.NameEn, c.Channels, [.. directory.SitesOf(c.Id).Select(s => new SiteView(s.Id, s.Name, s.NameEn, s.Address, s.Company))])),
    ]);

    private static async Task<Results<JsonHttpResult<RegistryView>, JsonHttpResult<ConsoleError>>> PutCompanyAsync(
        string id, HttpContext http, TenantRegistry registry, ConsoleUserDirectory users, ConsoleStore store, TimeProvider time)
    {
        CompanyRequest? body = await ReadAsync(http, ConsoleJson.Web.CompanyRequest);
        string detail = body is null ? "malformed JSON" : $"name: {body.Name}; channels: {string.Join(",", body.Channels ?? [])}";
        TenantEdit edit = body is null
            ? new TenantEdit(TenantEditOutcome.Invalid, "the body is not a company ({\"name\":…,\"name_en\":…,\"channels\":[…]})")
            : registry.PutCompany(id, body.Name, body.NameEn, body.Channels);
        return Answer(http, registry, users, store, time, "registry_company_put", id, detail, edit);
    }

    private static async Task<Results<JsonHttpResult<RegistryView>, JsonHttpResult<ConsoleError>>> PutSiteAsync(
        string id, HttpContext http, TenantRegistry registry, ConsoleUserDirectory users, ConsoleStore store, TimeProvider time)
    {
        SiteRequest? body = await ReadAsync(http, ConsoleJson.Web.SiteRequest);
        string detail = body is null ? "malformed JSON" : $"name: {body.Name}; company: {body.Company}";
        TenantEdit edit = body is null
            ? new TenantEdit(TenantEditOutcome.Invalid, "the body is not a site ({\"name\":…,\"name_en\":…,\"address\":…,\"company\":…})")
            : registry.PutSite(id, body.Name, body.NameEn, body.Address, body.Company);
        return Answer(http, registry, users, store, time, "registry_site_put", id, detail, edit);
    }

    private static async Task<T?> ReadAsync<T>(HttpContext http, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            byte[]? bytes = await CommandEndpoints.ReadBodyAsync(http.Request, MaxBody, http.RequestAborted);
            return bytes is null or { Length: 0 } ? null : JsonSerializer.Deserialize(bytes, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Results<JsonHttpResult<RegistryView>, JsonHttpResult<ConsoleError>> Answer(
        HttpContext http, TenantRegistry registry, ConsoleUserDirectory users, ConsoleStore store, TimeProvider time,
        string action, string id, string? detail, TenantEdit edit)
    {
        var caller = ConsoleCaller.Of(http, users);
        string target = id.Length > 128 ? id[..128] : id;
        store.Audit(caller.Audit(time.GetUtcNow(), action, target, detail, edit.Outcome == TenantEditOutcome.Done ? "ok" : "refused: " + edit.Problem));
        return edit.Outcome switch
        {
            TenantEditOutcome.Done => TypedResults.Json(View(registry.Current), ConsoleJson.Web.RegistryView),
            TenantEditOutcome.NotFound => ConsoleResults.NotFound(caller.Text, target),
            TenantEditOutcome.Conflict => ConsoleResults.Error(StatusCodes.Status409Conflict, "conflict", edit.Problem!),
            TenantEditOutcome.Unwritable => ConsoleResults.Error(StatusCodes.Status503ServiceUnavailable, "registry_unwritable", edit.Problem!),
            _ => ConsoleResults.InvalidRequest(caller.Text, edit.Problem!),
        };
    }
}
