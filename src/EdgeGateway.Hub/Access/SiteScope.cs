namespace EdgeGateway.Hub.Access;

/// <summary>What an endpoint does with sites, as far as who may reach which site is concerned.</summary>
public enum SiteAccess
{
    /// <summary>Reads sites' data: a company's users get their company's sites only (another company's site is not
    /// found), district staff and admins every site.</summary>
    Read,

    /// <summary>Acts on a site (a command, an acknowledgement): a company's users on their company's sites only, admins
    /// on any; district staff never (they are read-only).</summary>
    Act,
}

/// <summary>An endpoint's decision about tenants, as endpoint metadata: every endpoint of the hub carries exactly one
/// (a test enumerates the endpoints and fails on one without), so that none is added without someone deciding.</summary>
public abstract record SiteScopeDecision
{
    /// <summary>The decision in words, for the test's message and the docs.</summary>
    public abstract string Describe();
}

/// <summary>The endpoint reads or acts on sites and is limited to the caller's (<see cref="SiteAccess"/>).</summary>
public sealed record SiteScoped(SiteAccess Access) : SiteScopeDecision
{
    public override string Describe() => Access == SiteAccess.Read ? "site-scoped read" : "site-scoped action (district read-only)";
}

/// <summary>The endpoint is for admins only (the registry, the audit log): no company's user reaches it.</summary>
public sealed record AdminOnlyScope : SiteScopeDecision
{
    public override string Describe() => "admins only";
}

/// <summary>The endpoint is the platform API's: its API key belongs to one company and reaches that company's sites only
/// (another company's site is not found).</summary>
public sealed record ApiKeyScope : SiteScopeDecision
{
    public override string Describe() => "platform API key: its company's sites";
}

/// <summary>The endpoint shows no site's data (sign-in, the caller's own account, a page's empty shell, health).</summary>
public sealed record NoSiteData(string Why) : SiteScopeDecision
{
    public override string Describe() => "no site data: " + Why;
}

/// <summary>Puts an endpoint's <see cref="SiteScopeDecision"/> on it.</summary>
public static class SiteScopeConventions
{
    /// <summary>The endpoint reads (<see cref="SiteAccess.Read"/>) or acts on (<see cref="SiteAccess.Act"/>) sites; its
    /// <c>{site}</c> route value, if any, is checked before the handler runs, and the handler limits what it lists.</summary>
    public static TBuilder RequireSiteScope<TBuilder>(this TBuilder builder, SiteAccess access)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new SiteScoped(access));

    /// <summary>Only admins (the caller must add the admin policy; this records the decision).</summary>
    public static TBuilder AdminOnly<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new AdminOnlyScope());

    /// <summary>The platform API: the caller's API key limits it to its company's sites.</summary>
    public static TBuilder RequireApiKeyScope<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new ApiKeyScope());

    /// <summary>The endpoint shows no site's data; <paramref name="why"/> says why that is so.</summary>
    public static TBuilder WithoutSiteData<TBuilder>(this TBuilder builder, string why)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new NoSiteData(why));
}
