using System.Globalization;
using System.Text;
using EdgeGateway.Configuration;
using EdgeGateway.Provisioning;
using EdgeGateway.Tests.Deploy;
using YamlDotNet.RepresentationModel;

namespace EdgeGateway.Tests.Provisioning;

/// <summary>
/// <see cref="FleetProvisioning"/>: a district's inventory of 645 sheds into site files that the gateway's own loader
/// accepts (in memory: no process per shed), the registry fragment and the gateway list; bad rows refused as
/// FILE:LINE: message with nothing written.
/// </summary>
public sealed class FleetProvisioningTests
{
    private static readonly Dictionary<string, string> Templates = Directory.GetFiles(Tool.InRepository("firmware-config", "sites"), "*.yaml")
        .ToDictionary(file => Path.GetFileNameWithoutExtension(file), File.ReadAllText, StringComparer.Ordinal);

    [Fact]
    public void District_of_645_sheds_becomes_645_site_files_each_accepted_by_the_site_file_loader()
    {
        var inventory = new StringBuilder("site_id,gateway,name,company,company_name,address,template,ports\n");
        var expected = new List<(string Site, string Gateway, string Name, string Template, int Ports)>();
        for (int i = 1; i <= 645; i++)
        {
            (string template, int ports) = (i % 3) switch
            {
                0 => ("demo", 1 + (i % 20)),
                1 => ("dc-cabinet", 1 + (i % 6)),
                _ => ("recycling-station", 0),
            };
            string site = string.Create(CultureInfo.InvariantCulture, $"zibo-{i:000}");
            string gateway = i % 50 == 0 ? "gw-02" : "gw-01";
            string name = string.Create(CultureInfo.InvariantCulture, $"淄博第{i}号充电棚 \"{i}\"");
            inventory.Append(CultureInfo.InvariantCulture, $"{site},{gateway},\"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\",wuye-{i % 7},物业公司{i % 7},\"临淄区, 齐园路 {i} 号\",{template},{ports}\n");
            expected.Add((site, gateway, name, template, ports));
        }

        FleetProvisioningResult result = FleetProvisioning.Plan("district.csv", inventory.ToString(), Templates);

        Assert.True(result.Succeeded, string.Join('\n', result.Problems.Take(20)));
        Assert.Equal(645, result.SiteFiles.Count);
        foreach ((string site, string gateway, string name, string template, int ports) in expected)
        {
            string file = $"sites/{site}-{gateway}.yaml";
            SiteFileLoadResult load = SiteFileLoader.LoadText(file, result.SiteFiles[file]);
            Assert.True(load.IsValid, string.Create(CultureInfo.InvariantCulture, $"{file} (template {template}, {ports} ports):\n{string.Join('\n', load.Problems)}"));
            Assert.Equal(site, load.Configuration!.Site.Id);
            Assert.Equal(gateway, load.Configuration.Site.Gateway);
            Assert.Equal(name, load.Configuration.Site.Name);
            Assert.Equal(ports, load.Configuration.Ports.Count);
        }

        var registry = new YamlStream();
        registry.Load(new StringReader(FleetProvisioning.Registry(result.Sheds, "district.csv")));
        var companies = (YamlSequenceNode)((YamlMappingNode)registry.Documents[0].RootNode).Children[new YamlScalarNode("companies")];
        Assert.Equal(7, companies.Children.Count);
        var sites = companies.Children.Cast<YamlMappingNode>().SelectMany(c => ((YamlSequenceNode)c.Children[new YamlScalarNode("sites")]).Children.Cast<YamlMappingNode>()).ToList();
        Assert.Equal(645, sites.Count);
        var wuye1 = (YamlMappingNode)companies.Children.Single(c => ((YamlScalarNode)((YamlMappingNode)c).Children[new YamlScalarNode("id")]).Value == "wuye-1");
        Assert.Equal("物业公司1", ((YamlScalarNode)wuye1.Children[new YamlScalarNode("name")]).Value);
        YamlMappingNode last = sites.Single(site => ((YamlScalarNode)site.Children[new YamlScalarNode("id")]).Value == "zibo-645");
        Assert.Contains(last, ((YamlSequenceNode)wuye1.Children[new YamlScalarNode("sites")]).Children);
        Assert.Equal("临淄区, 齐园路 645 号", ((YamlScalarNode)last.Children[new YamlScalarNode("address")]).Value);
        Assert.Equal("淄博第645号充电棚 \"645\"", ((YamlScalarNode)last.Children[new YamlScalarNode("name")]).Value);

        string[] gateways = FleetProvisioning.GatewayList(result.Sheds).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(645, gateways.Length);
        Assert.Equal("zibo-050/gw-02", gateways[49]);
    }

    [Fact]
    public void Site_file_keeps_the_templates_wiring_and_comments_for_the_ports_it_keeps()
    {
        FleetProvisioningResult result = FleetProvisioning.Plan("inventory.csv", "site_id,name,company,company_name,address,template,ports\nshed-1,东门棚,wuye,物业,齐园路 1 号,demo,3\n", Templates);

        Assert.True(result.Succeeded, string.Join('\n', result.Problems));
        string text = result.SiteFiles["sites/shed-1-gw-01.yaml"];
        Assert.StartsWith("# 东门棚 (物业): made by `edgegateway provision` from inventory.csv line 2, template demo with\n", text, StringComparison.Ordinal);
        Assert.Contains("  id: \"shed-1\"          # goes into the MQTT topics", text, StringComparison.Ordinal);
        Assert.Contains("  - id: P03\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("  - id: P04\n", text, StringComparison.Ordinal);
        // What follows the ports is the template's, unchanged.
        string template = Templates["demo"];
        Assert.EndsWith(template[template.IndexOf("\nshedSensors:", StringComparison.Ordinal)..], text, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_rows_are_refused_at_their_lines_and_nothing_is_written()
    {
        string inventory =
            "site_id,name,company,address,template,ports\n" +
            "shed-1,东门棚,wuye,齐园路 1 号,demo,20\n" +
            "shed-1,西门棚,wuye,齐园路 2 号,demo,4\n" +
            "shed-3,南门棚,wuye,齐园路 3 号,carport,4\n" +
            "shed-4,北门棚,wuye,齐园路 4 号,demo,24\n" +
            "shed-5,中门棚,,齐园路 5 号,dc-cabinet,2\n" +
            "shed-6,小棚,wuye,齐园路 6 号,recycling-station,2\n" +
            "shed-7,\"未闭合,wuye,x,demo,2\n" +
            "shed-8,大棚,wuye,齐园路 8 号,demo\n" +
            "shed-9,好棚,wuye,齐园路 9 号,demo,x\n" +
            "SHED 10,坏棚,wuye,齐园路 10 号,demo,2\n" +
            "shed-11,错棚,物业 A,齐园路 11 号,demo,2\n";
        string directory = Directory.CreateTempSubdirectory("edgegateway-provision-").FullName;
        try
        {
            string file = Path.Combine(directory, "inventory.csv");
            File.WriteAllText(file, inventory);
            string output = Path.Combine(directory, "fleet");

            FleetProvisioningResult result = FleetProvisioning.Run(file, Tool.InRepository("firmware-config", "sites"), output);

            string[] problems = [.. result.Problems.Select(problem => problem.ToString())];
            Assert.Equal(
                [
                    $"{file}:3: duplicate site id 'shed-1' (first at line 2): each shed has its own",
                    $"{file}:4: unknown template 'carport'; the templates are dc-cabinet, demo, demo-bl0942, demo-card-terminal, demo-hlw8032, demo-supply-meter, recycling-station",
                    $"{file}:5: template 'demo' wires 1 to 20 ports, not 24",
                    $"{file}:6: company is missing",
                    $"{file}:7: template 'recycling-station' wires no ports, not 2",
                    $"{file}:8: a quoted field is not closed (a field cannot span lines)",
                    $"{file}:9: 5 fields, but the header has 6 columns",
                    $"{file}:10: ports: 'x' is not a whole number of ports",
                ],
                problems[..8]);
            Assert.StartsWith($"{file}:11: the site file made for 'SHED 10' is invalid: sites/SHED 10-gw-01.yaml:", problems[8], StringComparison.Ordinal);
            Assert.Contains("site.id: 'SHED 10' is not valid", problems[8], StringComparison.Ordinal);
            Assert.Equal($"{file}:12: company: '物业 A' is not a company id of the hub's registry (1-64 lower-case letters, digits, '-', '_'; not 'district'); its display name goes in company_name", problems[9]);
            Assert.False(Directory.Exists(output), "nothing is written when a row is refused");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Good_inventory_is_written_as_site_files_registry_and_gateway_list()
    {
        string directory = Directory.CreateTempSubdirectory("edgegateway-provision-").FullName;
        try
        {
            string file = Path.Combine(directory, "inventory.csv");
            File.WriteAllText(file, "site_id,gateway,name,company,company_name,address,template,ports\nshed-1,gw-01,东门棚,wuye,东区物业,齐园路 1 号,demo,8\nshed-2,gw-01,回收站,wuye,东区物业,齐园路 2 号,recycling-station,0\n");
            string output = Path.Combine(directory, "fleet");

            FleetProvisioningResult result = FleetProvisioning.Run(file, Tool.InRepository("firmware-config", "sites"), output);

            Assert.True(result.Succeeded, string.Join('\n', result.Problems));
            Assert.Equal(0, CheckConfig.Run([Path.Combine(output, "sites", "shed-1-gw-01.yaml"), Path.Combine(output, "sites", "shed-2-gw-01.yaml")], TextWriter.Null, TextWriter.Null));
            Assert.Equal("shed-1/gw-01\nshed-2/gw-01\n", File.ReadAllText(Path.Combine(output, "gateways.txt")));
            Assert.StartsWith("# The hub's registry of the sheds of inventory.csv (made by `edgegateway provision`).\ncompanies:\n  - id: \"wuye\"\n    name: \"东区物业\"\n    sites:\n      - id: \"shed-1\"\n", File.ReadAllText(Path.Combine(output, "tenants.yaml")), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
