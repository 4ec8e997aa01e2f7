using System.Collections.Frozen;
using System.Text.RegularExpressions;
using EdgeGateway.Contracts.Mqtt;

namespace EdgeGateway.Hub.Tenants;

/// <summary>A property company (物业企业) that runs sheds: its id, names, and the notification channels of its own
/// robots (names of channels in <c>Notifications:Channels</c>: the robots' URLs and secrets stay in the hub's protected
/// settings, never in the registry the console shows and edits).</summary>
internal sealed record Company(string Id, string Name, string? NameEn, IReadOnlyList<string> Channels);

/// <summary>A site (one shed, the <c>{site}</c> of the contract's topics), the company that runs it, and the price of a
/// charge there (its tariff, in fen; none: the platform API takes no prepaid amount for the site).</summary>
internal sealed record TenantSite(string Id, string Name, string? NameEn, string? Address, string Company, ChargeTariff? Tariff = null);

/// <summary>
/// The registry's content at one moment: companies in file order, each site once. Immutable; the registry swaps a new
/// one in on every edit, so that a reader always sees a whole registry.
/// </summary>
internal sealed partial class TenantDirectory
{
    /// <summary>The id that stands for the district (城管) where a user's company goes: never a company's id.</summary>
    public const string District = "district";

    public static readonly TenantDirectory Empty = new([], []);

    private readonly FrozenDictionary<string, Company> _companies;
    private readonly FrozenDictionary<string, TenantSite> _sites;

    public TenantDirectory(IReadOnlyList<Company> companies, IReadOnlyList<TenantSite> sites)
    {
        Companies = companies;
        Sites = sites;
        _companies = companies.ToFrozenDictionary(c => c.Id, StringComparer.Ordinal);
        _sites = sites.ToFrozenDictionary(s => s.Id, StringComparer.Ordinal);
    }

    public IReadOnlyList<Company> Companies { get; }

    public IReadOnlyList<TenantSite> Sites { get; }

    public Company? Company(string? id) => id is not null && _companies.TryGetValue(id, out Company? company) ? company : null;

    public TenantSite? Site(string? id) => id is not null && _sites.TryGetValue(id, out TenantSite? site) ? site : null;

    /// <summary>The company that runs <paramref name="site"/>, or null when the registry does not list the site.</summary>
    public string? CompanyOf(string site) => Site(site)?.Company;

    public IEnumerable<TenantSite> SitesOf(string company) => Sites.Where(s => string.Equals(s.Company, company, StringComparison.Ordinal));

    /// <summary>The site's name for a reader of <paramref name="language"/> (<c>en</c>: the English name when there is one).</summary>
    public string? NameOf(string site, string? language) =>
        Site(site) is { } known ? (IsEnglish(language) && known.NameEn is { Length: > 0 } english ? english : known.Name) : null;

    /// <summary>The company's name for a reader of <paramref name="language"/>.</summary>
    public string? CompanyNameOf(string company, string? language) =>
        Company(company) is { } known ? (IsEnglish(language) && known.NameEn is { Length: > 0 } english ? english : known.Name) : null;

    /// <summary>A company id: 1 to 64 lower-case letters, digits, '-' or '_', starting with a letter or digit; not <see cref="District"/>.</summary>
    public static bool IsValidCompanyId(string? id) => id is not null && CompanyIdPattern().IsMatch(id) && id != District;

    /// <summary>A site id: a contract topic segment of at most 64 characters (it is the <c>{site}</c> of the topics).</summary>
    public static bool IsValidSiteId(string? id) => id is { Length: <= 64 } && ContractTopics.IsValidSegment(id);

    private static bool IsEnglish(string? language) => language is not null && language.StartsWith("en", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex CompanyIdPattern();
}
