using EdgeGateway.Hub.Ingest;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Hub.Tenants;

/// <summary>The registry's settings (section <c>Tenants</c>).</summary>
internal sealed class TenantOptions
{
    public const string Section = "Tenants";

    /// <summary>The registry file (YAML, README.md beside this file). Empty: <c>{Hub:DataDirectory}/tenants.yaml</c>,
    /// an empty registry while that file does not exist (the console's first edit creates it).</summary>
    public string? File { get; set; }
}

/// <summary>How an edit of the registry went.</summary>
internal enum TenantEditOutcome
{
    Done,
    Invalid,
    NotFound,
    Conflict,

    /// <summary>The registry file could not be written: nothing changed.</summary>
    Unwritable,
}

/// <summary>An edit's outcome and, when refused, why (in English: the console shows it as the gateway's words are shown).</summary>
internal sealed record TenantEdit(TenantEditOutcome Outcome, string? Problem = null)
{
    public static readonly TenantEdit Done = new(TenantEditOutcome.Done);
}

/// <summary>
/// The hub's registry of companies and sites: read from the registry file at start (a file with problems stops the
/// start, every problem printed as <c>FILE:LINE: message</c>), edited by admins in the console (each edit written back
/// to the file whole before it takes effect). Readers take <see cref="Current"/>, an immutable whole registry.
/// </summary>
internal sealed class TenantRegistry
{
    private readonly Lock _edits = new();
    private volatile TenantDirectory _current;

    // The file's setting is read from the configuration, not through IOptions<TenantOptions>, so that the registry can be
    // made while options are being validated (the console's validation asks it for its problems).
    public TenantRegistry(IConfiguration configuration, IOptions<HubOptions> hub)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(hub);
        string? file = configuration[$"{TenantOptions.Section}:{nameof(TenantOptions.File)}"];
        bool configured = !string.IsNullOrWhiteSpace(file);
        FilePath = configured ? file! : Path.Combine(hub.Value.DataDirectory, "tenants.yaml");
        TenantFileResult read = !configured && !System.IO.File.Exists(FilePath)
            ? new TenantFileResult(TenantDirectory.Empty, [])
            : TenantFile.Read(FilePath);
        Problems = read.Problems;
        _current = read.Directory ?? TenantDirectory.Empty;
    }

    /// <summary>A registry of <paramref name="directory"/> kept in <paramref name="file"/> (tests, tools).</summary>
    internal TenantRegistry(TenantDirectory directory, string file)
    {
        FilePath = file;
        Problems = [];
        _current = directory;
    }

    /// <summary>The registry file, as configured.</summary>
    public string FilePath { get; }

    /// <summary>What was wrong with the file at start (<c>FILE:LINE: message</c>); the hub refuses to start when any.</summary>
    public IReadOnlyList<string> Problems { get; }

    public TenantDirectory Current => _current;

    /// <summary>Adds or changes a company.</summary>
    public TenantEdit PutCompany(string id, string? name, string? nameEn, IReadOnlyList<string>? channels)
    {
        if (TenantFile.CompanyProblems(id, name, nameEn).FirstOrDefault() is { } problem)
        {
            return new TenantEdit(TenantEditOutcome.Invalid, problem);
        }

        return Edit(directory =>
        {
            var company = new Company(id, name!.Trim(), Trimmed(nameEn), channels ?? directory.Company(id)?.Channels ?? []);
            List<Company> companies = [.. directory.Companies];
            int at = companies.FindIndex(c => c.Id == id);
            if (at >= 0)
            {
                companies[at] = company;
            }
            else
            {
                companies.Add(company);
            }

            return (new TenantDirectory(companies, directory.Sites), TenantEdit.Done);
        });
    }

    /// <summary>Removes a company; refused while it runs sites or <paramref name="hasUsers"/> says users belong to it.</summary>
    public TenantEdit DeleteCompany(string id, Func<string, bool> hasUsers)
    {
        ArgumentNullException.ThrowIfNull(hasUsers);
        return Edit(directory =>
        {
            if (directory.Company(id) is null)
            {
                return (directory, new TenantEdit(TenantEditOutcome.NotFound, $"no company '{id}'"));
            }

            TenantSite[] sites = [.. directory.SitesOf(id)];
            if (sites.Length > 0)
            {
                return (directory, new TenantEdit(TenantEditOutcome.Conflict,
                    $"company '{id}' runs {sites.Length} site(s) ({string.Join(", ", sites.Take(5).Select(s => s.Id))}{(sites.Length > 5 ? ", …" : "")}): move or delete them first"));
            }

            if (hasUsers(id))
            {
                return (directory, new TenantEdit(TenantEditOutcome.Conflict, $"console users belong to company '{id}': give them another company first (add-user … --company)"));
            }

            return (new TenantDirectory([.. directory.Companies.Where(c => c.Id != id)], directory.Sites), TenantEdit.Done);
        });
    }

    /// <summary>Adds or changes a site, or moves it to another company (a site belongs to one company: this is a move).</summary>
    public TenantEdit PutSite(string id, string? name, string? nameEn, string? address, string? company)
    {
        if (TenantFile.SiteProblems(id, name, nameEn, address).FirstOrDefault() is { } problem)
        {
            return new TenantEdit(TenantEditOutcome.Invalid, problem);
        }

        return Edit(directory =>
        {
            if (directory.Company(company) is null)
            {
                return (directory, new TenantEdit(TenantEditOutcome.Invalid, $"company: '{company}' is not a company of the registry; add it first"));
            }

            // The console does not edit tariffs (the file does): an edit keeps the site's.
            var site = new TenantSite(id, name!.Trim(), Trimmed(nameEn), Trimmed(address), company!, directory.Site(id)?.Tariff);
            List<TenantSite> sites = [.. directory.Sites];
            int at = sites.FindIndex(s => s.Id == id);
            if (at >= 0)
            {
                sites[at] = site;
            }
            else
            {
                sites.Add(site);
            }

            return (new TenantDirectory(directory.Companies, sites), TenantEdit.Done);
        });
    }

    public TenantEdit DeleteSite(string id) => Edit(directory => directory.Site(id) is null
        ? (directory, new TenantEdit(TenantEditOutcome.NotFound, $"no site '{id}'"))
        : (new TenantDirectory(directory.Companies, [.. directory.Sites.Where(s => s.Id != id)]), TenantEdit.Done));

    private static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>One edit at a time: the new registry is written to the file first and takes effect only once it is there.</summary>
    private TenantEdit Edit(Func<TenantDirectory, (TenantDirectory Next, TenantEdit Result)> change)
    {
        lock (_edits)
        {
            (TenantDirectory next, TenantEdit result) = change(_current);
            if (result.Outcome != TenantEditOutcome.Done)
            {
                return result;
            }

            try
            {
                TenantFile.Write(FilePath, next);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return new TenantEdit(TenantEditOutcome.Unwritable, $"the registry file {FilePath} cannot be written ({e.Message}); nothing changed");
            }

            _current = next;
            return result;
        }
    }
}

/// <summary>Registers the registry (<see cref="AddTenantServices"/>); the console's validation at start reports its
/// file's problems (<see cref="TenantRegistry.Problems"/>) with the users' (one failure list, one exit).</summary>
internal static class TenantServiceCollectionExtensions
{
    public static IServiceCollection AddTenantServices(this IServiceCollection services)
    {
        services.AddOptions<TenantOptions>().BindConfiguration(TenantOptions.Section);
        services.TryAddSingleton<TenantRegistry>();
        return services;
    }
}
