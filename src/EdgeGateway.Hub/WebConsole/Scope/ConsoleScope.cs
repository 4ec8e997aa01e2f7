using System.Security.Claims;
using EdgeGateway.Hub.Tenants;

namespace EdgeGateway.Hub.WebConsole.Scope;

/// <summary>The claims the console puts into its session cookie beside name and role.</summary>
public static class ConsoleClaims
{
    /// <summary>The user's company id, or <c>district</c>; absent for an admin without one.</summary>
    public const string Company = "edge.company";
}

/// <summary>Whose sites a caller reaches.</summary>
internal enum ConsoleScopeKind
{
    /// <summary>Signed in with nothing to see (a company the registry no longer has, or no company at all).</summary>
    None,

    /// <summary>A company's user: that company's sites, as the registry says now.</summary>
    Company,

    /// <summary>District staff (城管): every site, read-only.</summary>
    District,

    /// <summary>An admin: every site.</summary>
    Admin,
}

/// <summary>
/// Which sites the signed-in caller sees and may act on, from the session's role and company claims and the registry
/// as it is at this request (a site moved to another company leaves its old company's users at once). A handler takes
/// it as a parameter (<see cref="BindAsync"/>) and limits what it lists with <see cref="Sees"/>.
/// </summary>
internal sealed class ConsoleScope
{
    private readonly TenantDirectory _directory;

    private ConsoleScope(ConsoleScopeKind kind, string? company, TenantDirectory directory)
    {
        Kind = kind;
        CompanyId = company;
        _directory = directory;
    }

    public ConsoleScopeKind Kind { get; }

    /// <summary>The caller's company (<see cref="ConsoleScopeKind.Company"/> only).</summary>
    public string? CompanyId { get; }

    /// <summary>The registry this request sees (names of sites for display).</summary>
    public TenantDirectory Directory => _directory;

    /// <summary>False for district staff: they read every site and act on none.</summary>
    public bool MayAct => Kind is ConsoleScopeKind.Admin or ConsoleScopeKind.Company;

    /// <summary>The caller's sites; null when the caller sees every site (district, admin).</summary>
    public IReadOnlyList<string>? Sites => Kind switch
    {
        ConsoleScopeKind.Company => [.. _directory.SitesOf(CompanyId!).Select(s => s.Id)],
        ConsoleScopeKind.None => [],
        _ => null,
    };

    public static ConsoleScope Everything(TenantDirectory directory) => new(ConsoleScopeKind.Admin, null, directory);

    public static ConsoleScope OfCompany(string company, TenantDirectory directory) => new(ConsoleScopeKind.Company, company, directory);

    /// <summary>The caller's scope, from the request's user and the registry (none registered: an empty registry).</summary>
    public static ConsoleScope Of(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        TenantDirectory directory = http.RequestServices.GetService<TenantRegistry>()?.Current ?? TenantDirectory.Empty;
        ClaimsPrincipal user = http.User;
        string? company = user.FindFirstValue(ConsoleClaims.Company);
        if (user.Identity?.IsAuthenticated != true)
        {
            return new ConsoleScope(ConsoleScopeKind.None, null, directory);
        }

        // "admin" is ConsoleRoles.Admin (the console's root namespace, which this sub-area does not import).
        if (user.IsInRole("admin"))
        {
            return new ConsoleScope(ConsoleScopeKind.Admin, null, directory);
        }

        if (company == TenantDirectory.District)
        {
            return new ConsoleScope(ConsoleScopeKind.District, null, directory);
        }

        return company is not null && directory.Company(company) is not null
            ? new ConsoleScope(ConsoleScopeKind.Company, company, directory)
            : new ConsoleScope(ConsoleScopeKind.None, null, directory);
    }

    /// <summary>Minimal APIs bind a handler's <see cref="ConsoleScope"/> parameter with this.</summary>
    public static ValueTask<ConsoleScope?> BindAsync(HttpContext context) => ValueTask.FromResult<ConsoleScope?>(Of(context));

    /// <summary>Whether the caller sees <paramref name="site"/>.</summary>
    public bool Sees(string site) => Kind switch
    {
        ConsoleScopeKind.Admin or ConsoleScopeKind.District => true,
        ConsoleScopeKind.Company => string.Equals(_directory.CompanyOf(site), CompanyId, StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>The caller's sites among <paramref name="requested"/>; all the caller's sites when none were requested
    /// (empty: every site for district and admin, as the trend queries read an empty list).</summary>
    public IReadOnlyList<string> Limit(IReadOnlyList<string> requested)
    {
        ArgumentNullException.ThrowIfNull(requested);
        if (Sites is not { } own)
        {
            return requested;
        }

        return requested.Count == 0 ? own : [.. requested.Where(Sees)];
    }
}
