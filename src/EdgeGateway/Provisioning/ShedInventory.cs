using System.Globalization;
using System.Text;
using EdgeGateway.Configuration;

namespace EdgeGateway.Provisioning;

/// <summary>One shed of the inventory: a gateway to provision, with the line of the inventory it came from.</summary>
/// <param name="Line">The inventory's line.</param>
/// <param name="SiteId">The site's id (the contract's <c>{site}</c>).</param>
/// <param name="Gateway">The gateway's id within the site.</param>
/// <param name="Name">The shed's display name.</param>
/// <param name="Company">The company's id in the hub's registry (lower-case letters, digits, '-', '_').</param>
/// <param name="Address">The shed's address.</param>
/// <param name="Template">The wiring template (a site file of firmware-config/sites).</param>
/// <param name="PortCount">How many of the template's ports the shed has.</param>
/// <param name="CompanyName">The company's display name (the id when the inventory gives none).</param>
public sealed record InventoryShed(int Line, string SiteId, string Gateway, string Name, string Company, string Address, string Template, int PortCount, string CompanyName = "");

/// <summary>
/// Reads a fleet inventory: CSV (RFC 4180: a header line, then one shed per line; a field with a comma or a quote is
/// quoted, a quote inside doubled) with the columns <c>site_id, name, company, address, template, ports</c> and the
/// optional <c>gateway</c> (default gw-01) and <c>company_name</c>, in any order. <c>company</c> is the company's id in
/// the hub's registry (1-64 lower-case letters, digits, '-', '_'), <c>company_name</c> its display name. Every problem is reported as <c>FILE:LINE: message</c>.
/// </summary>
internal static partial class ShedInventory
{
    public const string DefaultGateway = "gw-01";

    private static readonly string[] RequiredColumns = ["site_id", "name", "company", "address", "template", "ports"];
    private static readonly string[] KnownColumns = [.. RequiredColumns, "gateway", "company_name"];

    /// <summary>Reads the inventory text; <paramref name="fileName"/> names it in problems.</summary>
    public static IReadOnlyList<InventoryShed> Read(string fileName, string text, List<ConfigurationProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(problems);
        string[] lines = text.Split('\n');
        int header = Array.FindIndex(lines, line => !IsBlankOrComment(line));
        if (header < 0)
        {
            problems.Add(new ConfigurationProblem(fileName, 0, "the inventory is empty: a header line (site_id,name,company,address,template,ports) and one line per shed"));
            return [];
        }

        if (!TrySplit(lines[header], out string[] names, out string? headerError))
        {
            problems.Add(new ConfigurationProblem(fileName, header + 1, headerError));
            return [];
        }

        var columns = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++)
        {
            string name = names[i].Trim().ToLowerInvariant();
            if (!KnownColumns.Contains(name))
            {
                problems.Add(new ConfigurationProblem(fileName, header + 1, $"unknown column '{names[i]}'; the columns are {string.Join(", ", KnownColumns)}"));
            }
            else if (!columns.TryAdd(name, i))
            {
                problems.Add(new ConfigurationProblem(fileName, header + 1, $"column '{name}' is given twice"));
            }
        }

        string[] missing = [.. RequiredColumns.Where(column => !columns.ContainsKey(column))];
        if (missing.Length > 0)
        {
            problems.Add(new ConfigurationProblem(fileName, header + 1, $"missing column{(missing.Length == 1 ? "" : "s")} {string.Join(", ", missing)}"));
            return [];
        }

        var sheds = new List<InventoryShed>();
        for (int index = header + 1; index < lines.Length; index++)
        {
            int line = index + 1;
            if (IsBlankOrComment(lines[index]))
            {
                continue;
            }

            if (!TrySplit(lines[index], out string[] fields, out string? error))
            {
                problems.Add(new ConfigurationProblem(fileName, line, error));
                continue;
            }

            if (fields.Length != names.Length)
            {
                problems.Add(new ConfigurationProblem(fileName, line, string.Create(CultureInfo.InvariantCulture, $"{fields.Length} fields, but the header has {names.Length} columns")));
                continue;
            }

            string Field(string column) => columns.TryGetValue(column, out int at) ? fields[at].Trim() : "";
            int count = problems.Count;
            foreach (string column in RequiredColumns)
            {
                if (Field(column).Length == 0)
                {
                    problems.Add(new ConfigurationProblem(fileName, line, $"{column} is missing"));
                }
            }

            int ports = 0;
            string portsText = Field("ports");
            if (portsText.Length > 0 && !int.TryParse(portsText, NumberStyles.None, CultureInfo.InvariantCulture, out ports))
            {
                problems.Add(new ConfigurationProblem(fileName, line, $"ports: '{portsText}' is not a whole number of ports"));
            }

            string company = Field("company");
            if (company.Length > 0 && (!CompanyIdPattern().IsMatch(company) || company == "district"))
            {
                problems.Add(new ConfigurationProblem(fileName, line,
                    $"company: '{company}' is not a company id of the hub's registry (1-64 lower-case letters, digits, '-', '_'; not 'district'); its display name goes in company_name"));
            }

            if (problems.Count == count)
            {
                string gateway = Field("gateway");
                string companyName = Field("company_name");
                sheds.Add(new InventoryShed(line, Field("site_id"), gateway.Length == 0 ? DefaultGateway : gateway, Field("name"), company, Field("address"), Field("template"), ports,
                    companyName.Length == 0 ? company : companyName));
            }
        }

        return sheds;
    }

    private static bool IsBlankOrComment(string line) => line.Trim().Length == 0 || line.TrimStart().StartsWith('#');

    /// <summary>One CSV line into fields (quoted fields may hold commas and doubled quotes, not line breaks).</summary>
    private static bool TrySplit(string line, out string[] fields, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        var result = new List<string>();
        var field = new StringBuilder();
        string text = line.TrimEnd('\r');
        int i = 0;
        while (true)
        {
            field.Clear();
            if (i < text.Length && text[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        fields = [];
                        error = "a quoted field is not closed (a field cannot span lines)";
                        return false;
                    }

                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    field.Append(text[i++]);
                }

                if (i < text.Length && text[i] != ',')
                {
                    fields = [];
                    error = string.Create(CultureInfo.InvariantCulture, $"text after a quoted field at column {i + 1} (a quote inside a field is written twice: \"\")");
                    return false;
                }
            }
            else
            {
                while (i < text.Length && text[i] != ',')
                {
                    field.Append(text[i++]);
                }
            }

            string value = field.ToString();
            if (value.Any(char.IsControl))
            {
                fields = [];
                error = "a field holds a control character";
                return false;
            }

            result.Add(value);
            if (i >= text.Length)
            {
                break;
            }

            i++; // the comma
        }

        fields = [.. result];
        error = null;
        return true;
    }

    // The hub's registry rule for a company id (Tenants/TenantDirectory.cs).
    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex CompanyIdPattern();
}
