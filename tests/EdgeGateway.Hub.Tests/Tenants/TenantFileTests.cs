using EdgeGateway.Hub.Tenants;
using EdgeGateway.Hub.WebConsole;

namespace EdgeGateway.Hub.Tests.Tenants;

/// <summary>The registry file: read as the gateway reads its site files (every problem as <c>FILE:LINE: message</c>),
/// the registry's edits and their refusals, and the users' companies checked against it.</summary>
public sealed class TenantFileTests : IDisposable
{
    private const string Good = """
        companies:
          - id: linzi-wuye
            name: 临淄物业
            nameEn: Linzi Property
            channels: [linzi-wecom]
            sites:
              - id: linzi-demo-001
                name: 临淄区演示充电棚
                nameEn: Linzi demo shed
                address: 临淄区某路 1 号
          - id: zhangdian
            name: 张店物业
            sites:
              - id: zhangdian-002
                name: 张店二号棚
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-tenants-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_registry_that_fleet_provisioning_writes_for_645_sheds_is_read_without_a_problem()
    {
        EdgeGateway.Provisioning.InventoryShed[] sheds = [.. Enumerable.Range(1, 645).Select(i => new EdgeGateway.Provisioning.InventoryShed(
            i + 1, $"zibo-{i:000}", "gw-01", $"淄博第{i}号充电棚 \"{i}\"", $"wuye-{i % 7}", $"临淄区, 齐园路 {i} 号", "demo", 8, $"物业公司{i % 7}"))];

        TenantFileResult result = TenantFile.Parse("tenants.yaml", EdgeGateway.Provisioning.FleetProvisioning.Registry(sheds, "district.csv"));

        Assert.Empty(result.Problems);
        TenantDirectory registry = Assert.IsType<TenantDirectory>(result.Directory);
        Assert.Equal(7, registry.Companies.Count);
        Assert.Equal(645, registry.Sites.Count);
        Assert.Equal("wuye-1", registry.CompanyOf("zibo-645"));
        Assert.Equal("淄博第645号充电棚 \"645\"", registry.NameOf("zibo-645", "zh-CN"));
        Assert.Equal("物业公司1", registry.CompanyNameOf("wuye-1", "zh-CN"));
    }

    [Fact]
    public void A_good_file_gives_companies_sites_names_and_routes()
    {
        TenantFileResult result = TenantFile.Parse("tenants.yaml", Good);
        Assert.Empty(result.Problems);
        TenantDirectory registry = Assert.IsType<TenantDirectory>(result.Directory);
        Assert.Equal(["linzi-wuye", "zhangdian"], registry.Companies.Select(c => c.Id));
        Assert.Equal("linzi-wuye", registry.CompanyOf("linzi-demo-001"));
        Assert.Equal("临淄区演示充电棚", registry.NameOf("linzi-demo-001", "zh-CN"));
        Assert.Equal("Linzi demo shed", registry.NameOf("linzi-demo-001", "en"));
        Assert.Equal("张店二号棚", registry.NameOf("zhangdian-002", "en")); // no English name: the Chinese one
        Assert.Equal(["linzi-wecom"], registry.Company("linzi-wuye")!.Channels);
        Assert.Equal("临淄区某路 1 号", registry.Site("linzi-demo-001")!.Address);
    }

    [Fact]
    public void A_site_claimed_by_two_companies_is_refused_at_its_line_naming_the_first_claim()
    {
        string yaml = Good + "\n      - id: linzi-demo-001\n        name: 又一个\n";
        TenantFileResult result = TenantFile.Parse("tenants.yaml", yaml);
        Assert.Null(result.Directory);
        Assert.Equal(
            ["tenants.yaml:16: companies[1].sites[1].id: site 'linzi-demo-001' is claimed by company 'linzi-wuye' at line 7 too; a site belongs to one company"],
            result.Problems);
    }

    [Fact]
    public void Duplicate_ids_bad_ids_unknown_keys_and_missing_names_are_each_reported_with_their_line()
    {
        const string Yaml = """
            companies:
              - id: a
                name: A
                sites:
                  - id: s1
                    name: S1
                  - id: s1
                    name: again
              - id: a
                name: A again
              - id: District
                nmae: typo
              - id: district
                name: reserved
                sites:
                  - id: "bad/site"
                    name: x
            """;
        IReadOnlyList<string> problems = TenantFile.Parse("t.yaml", Yaml).Problems;
        Assert.Contains("t.yaml:7: companies[0].sites[1].id: site 's1' is already listed at line 5; each site once", problems);
        Assert.Contains("t.yaml:9: companies[1].id: company 'a' is already listed at line 2; each company once", problems);
        Assert.Contains(problems, p => p.StartsWith("t.yaml:11: companies[2].id: 'District' is not a company id", StringComparison.Ordinal));
        Assert.Contains("t.yaml:12: companies[2]: unknown key 'nmae'; allowed keys: id, name, nameEn, channels, sites", problems);
        Assert.Contains("t.yaml:11: companies[2]: missing required key 'name'", problems);
        Assert.Contains(problems, p => p.StartsWith("t.yaml:13: companies[3].id: 'district' is not a company id", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("t.yaml:16: companies[3].sites[0].id: 'bad/site' is not a site id", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("companies:\n  - &a {id: x, name: y}\n  - *a\n", "t.yaml:3: aliases (*name) are not allowed")]
    [InlineData("companies: [\n", "YAML syntax error")]
    [InlineData("companies:\n  - id: x\n    id: y\n", "t.yaml:3: duplicate key")]
    [InlineData("sheds: []\n", "t.yaml:1: the file's top level: unknown key 'sheds'")]
    public void Bad_yaml_is_refused_with_its_line_not_an_exception(string yaml, string expected)
    {
        TenantFileResult result = TenantFile.Parse("t.yaml", yaml);
        Assert.Null(result.Directory);
        Assert.Contains(result.Problems, p => p.StartsWith("t.yaml:", StringComparison.Ordinal) && p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Deep_nesting_is_refused_before_the_model_is_built()
    {
        TenantFileResult result = TenantFile.Parse("t.yaml", new string('[', 100_000));
        Assert.Equal(["t.yaml:1: nested deeper than 16 levels (the format nests 4)"], result.Problems);
    }

    [Fact]
    public void What_the_registry_writes_reads_back_the_same()
    {
        TenantDirectory registry = TenantFile.Parse("t.yaml", Good).Directory!;
        string path = Path.Combine(_dir, "tenants.yaml");
        TenantFile.Write(path, registry);
        TenantFileResult again = TenantFile.Read(path);
        Assert.Empty(again.Problems);
        Assert.Equal(TenantFile.Text(registry), TenantFile.Text(again.Directory!));
        Assert.Contains("临淄区演示充电棚", File.ReadAllText(path), StringComparison.Ordinal); // readable, not \u escapes
    }

    [Fact]
    public void Deleting_a_company_with_sites_or_users_is_refused_and_a_site_of_an_unknown_company_too()
    {
        string path = Path.Combine(_dir, "tenants.yaml");
        var registry = new TenantRegistry(TenantFile.Parse("t.yaml", Good).Directory!, path);

        TenantEdit withSites = registry.DeleteCompany("linzi-wuye", _ => false);
        Assert.Equal(TenantEditOutcome.Conflict, withSites.Outcome);
        Assert.Equal("company 'linzi-wuye' runs 1 site(s) (linzi-demo-001): move or delete them first", withSites.Problem);

        TenantEdit unknown = registry.PutSite("new-site", "新棚", null, null, "nobody");
        Assert.Equal(TenantEditOutcome.Invalid, unknown.Outcome);
        Assert.Equal("company: 'nobody' is not a company of the registry; add it first", unknown.Problem);
        Assert.False(File.Exists(path)); // nothing refused was written

        Assert.Equal(TenantEditOutcome.Done, registry.PutSite("zhangdian-002", "张店二号棚", null, null, "linzi-wuye").Outcome); // a move
        Assert.Equal("linzi-wuye", registry.Current.CompanyOf("zhangdian-002"));
        Assert.Equal(TenantEditOutcome.Conflict, registry.DeleteCompany("zhangdian", _ => true).Outcome);
        Assert.Equal(TenantEditOutcome.Done, registry.DeleteCompany("zhangdian", _ => false).Outcome);
        Assert.Null(registry.Current.Company("zhangdian"));
        Assert.Equal(TenantFile.Text(registry.Current), TenantFile.Text(TenantFile.Read(path).Directory!)); // written through
    }

    [Theory]
    [InlineData("manager", null, "missing: a manager belongs to a company of the registry (its id) or to the district ('district', every company read-only)")]
    [InlineData("viewer", "nobody", "'nobody' is not a company of the registry; add it there (the console's registry page, or the registry file) or use 'district'")]
    [InlineData("maintenance", "Bad Id", "'Bad Id' is not a company id (lower-case letters, digits, '-', '_'), nor 'district'")]
    [InlineData("manager", "zhangdian", null)]
    [InlineData("viewer", "district", null)]
    [InlineData("admin", null, null)]
    public void A_user_belongs_to_a_company_of_the_registry_or_the_district(string role, string? company, string? problem)
    {
        TenantDirectory registry = TenantFile.Parse("t.yaml", Good).Directory!;
        Assert.Equal(problem, ConsoleOptions.CompanyProblem(role, company, registry));
    }
}
