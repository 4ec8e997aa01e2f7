using System.Globalization;
using System.Text;
using EdgeGateway.Configuration;

namespace EdgeGateway.Provisioning;

/// <summary>What provisioning made (nothing when <see cref="Problems"/> is not empty).</summary>
public sealed record FleetProvisioningResult(IReadOnlyList<InventoryShed> Sheds, IReadOnlyDictionary<string, string> SiteFiles, IReadOnlyList<ConfigurationProblem> Problems)
{
    public bool Succeeded => Problems.Count == 0;
}

/// <summary>
/// A fleet from an inventory: per shed a site file from its wiring template, checked by the gateway's own
/// <see cref="SiteFileLoader"/> (so each passes check-config), and the lists the broker's credentials and the hub's
/// registry are made from. A bad row is refused as <c>FILE:LINE: message</c> (a duplicate site id, an unknown
/// template, a port count the template cannot wire, a missing company or name); one bad row and nothing is written:
/// half a fleet provisioned is harder to repair than none.
/// </summary>
public static class FleetProvisioning
{
    /// <summary>Plans the fleet in memory (no file is written): the site file of every shed, or every problem.</summary>
    public static FleetProvisioningResult Plan(string inventoryName, string inventoryText, IReadOnlyDictionary<string, string> templateTexts)
    {
        ArgumentNullException.ThrowIfNull(templateTexts);
        var problems = new List<ConfigurationProblem>();
        IReadOnlyList<InventoryShed> sheds = ShedInventory.Read(inventoryName, inventoryText, problems);

        var templates = new Dictionary<string, SiteTemplate>(StringComparer.Ordinal);
        foreach ((string name, string text) in templateTexts.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            var template = SiteTemplate.TryRead(name, text, out string? error);
            if (template is null)
            {
                problems.Add(new ConfigurationProblem(inventoryName, 0, error!));
                continue;
            }

            templates.Add(name, template);
        }

        var firstLineOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var companyNames = new Dictionary<string, InventoryShed>(StringComparer.Ordinal);
        var siteFiles = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (InventoryShed shed in sheds)
        {
            void Refuse(string message) => problems.Add(new ConfigurationProblem(inventoryName, shed.Line, message));

            // One company, one name in the registry.
            if (!companyNames.TryAdd(shed.Company, shed) && companyNames[shed.Company].CompanyName != shed.CompanyName)
            {
                InventoryShed named = companyNames[shed.Company];
                Refuse(string.Create(CultureInfo.InvariantCulture, $"company '{shed.Company}' is named '{named.CompanyName}' at line {named.Line}, not '{shed.CompanyName}'"));
                continue;
            }

            if (!firstLineOf.TryAdd(shed.SiteId, shed.Line))
            {
                Refuse(string.Create(CultureInfo.InvariantCulture, $"duplicate site id '{shed.SiteId}' (first at line {firstLineOf[shed.SiteId]}): each shed has its own"));
                continue;
            }

            if (!templates.TryGetValue(shed.Template, out SiteTemplate? template))
            {
                Refuse($"unknown template '{shed.Template}'; the templates are {string.Join(", ", templates.Keys)}");
                continue;
            }

            if (template.PortCount == 0 ? shed.PortCount != 0 : shed.PortCount < 1 || shed.PortCount > template.PortCount)
            {
                string wires = template.PortCount == 0 ? "no ports" : string.Create(CultureInfo.InvariantCulture, $"1 to {template.PortCount} ports");
                Refuse(string.Create(CultureInfo.InvariantCulture, $"template '{template.Name}' wires {wires}, not {shed.PortCount}"));
                continue;
            }

            string fileName = SiteFileName(shed);
            string text = template.Instantiate(shed, Path.GetFileName(inventoryName));
            SiteFileLoadResult check = SiteFileLoader.LoadText(fileName, text);
            if (!check.IsValid)
            {
                foreach (ConfigurationProblem problem in check.Problems)
                {
                    Refuse($"the site file made for '{shed.SiteId}' is invalid: {problem}");
                }

                continue;
            }

            siteFiles.Add(fileName, text);
        }

        return problems.Count > 0
            ? new FleetProvisioningResult(sheds, new Dictionary<string, string>(), [.. problems.OrderBy(p => p.Line)])
            : new FleetProvisioningResult(sheds, siteFiles, []);
    }

    /// <summary>sites/SITE-GW.yaml: the name of a shed's site file in the output.</summary>
    public static string SiteFileName(InventoryShed shed)
    {
        ArgumentNullException.ThrowIfNull(shed);
        return $"sites/{shed.SiteId}-{shed.Gateway}.yaml";
    }

    /// <summary>
    /// The hub's registry (<c>tenants.yaml</c>, src/EdgeGateway.Hub/Tenants/README.md): the inventory's companies, each with
    /// its sites (id, name, address). A site with several gateways is one site of the registry.
    /// </summary>
    public static string Registry(IReadOnlyList<InventoryShed> sheds, string inventoryName)
    {
        ArgumentNullException.ThrowIfNull(sheds);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# The hub's registry of the sheds of {inventoryName} (made by `edgegateway provision`).\n");
        text.Append("companies:\n");
        foreach (IGrouping<string, InventoryShed> company in sheds.GroupBy(shed => shed.Company, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"  - id: {YamlText.DoubleQuoted(company.Key)}\n");
            text.Append(CultureInfo.InvariantCulture, $"    name: {YamlText.DoubleQuoted(company.First().CompanyName)}\n");
            text.Append("    sites:\n");
            foreach (InventoryShed shed in company.DistinctBy(shed => shed.SiteId, StringComparer.Ordinal))
            {
                text.Append(CultureInfo.InvariantCulture, $"      - id: {YamlText.DoubleQuoted(shed.SiteId)}\n");
                text.Append(CultureInfo.InvariantCulture, $"        name: {YamlText.DoubleQuoted(shed.Name)}\n");
                text.Append(CultureInfo.InvariantCulture, $"        address: {YamlText.DoubleQuoted(shed.Address)}\n");
            }
        }

        return text.ToString();
    }

    /// <summary>SITE/GW per line: what deploy/mosquitto/make-credentials.sh --gateways-file makes the accounts and ACL of.</summary>
    public static string GatewayList(IReadOnlyList<InventoryShed> sheds)
    {
        ArgumentNullException.ThrowIfNull(sheds);
        return string.Concat(sheds.Select(shed => $"{shed.SiteId}/{shed.Gateway}\n"));
    }

    /// <summary>Plans the fleet from files and, when every row is good, writes it under <paramref name="outputDirectory"/>.</summary>
    public static FleetProvisioningResult Run(string inventoryPath, string templatesDirectory, string outputDirectory)
    {
        ArgumentNullException.ThrowIfNull(inventoryPath);
        if (!File.Exists(inventoryPath))
        {
            return new FleetProvisioningResult([], new Dictionary<string, string>(), [new ConfigurationProblem(inventoryPath, 0, "file not found")]);
        }

        if (!Directory.Exists(templatesDirectory))
        {
            return new FleetProvisioningResult([], new Dictionary<string, string>(), [new ConfigurationProblem(inventoryPath, 0, $"no templates: {templatesDirectory} is not a directory")]);
        }

        Dictionary<string, string> templates = Directory.GetFiles(templatesDirectory, "*.yaml")
            .ToDictionary(file => Path.GetFileNameWithoutExtension(file), File.ReadAllText, StringComparer.Ordinal);
        FleetProvisioningResult result = Plan(inventoryPath, File.ReadAllText(inventoryPath), templates);
        if (!result.Succeeded)
        {
            return result;
        }

        Directory.CreateDirectory(Path.Combine(outputDirectory, "sites"));
        foreach ((string name, string text) in result.SiteFiles)
        {
            File.WriteAllText(Path.Combine(outputDirectory, name), text);
        }

        File.WriteAllText(Path.Combine(outputDirectory, "tenants.yaml"), Registry(result.Sheds, Path.GetFileName(inventoryPath)));
        File.WriteAllText(Path.Combine(outputDirectory, "gateways.txt"), GatewayList(result.Sheds));
        return result;
    }

}
