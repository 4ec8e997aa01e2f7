using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace EdgeGateway.Hub.Tenants;

/// <summary>What reading the registry file gave: the registry when it is usable, and every problem as <c>FILE:LINE: message</c>.</summary>
internal sealed record TenantFileResult(TenantDirectory? Directory, IReadOnlyList<string> Problems);

/// <summary>
/// The registry file (README.md beside this file): companies, each with its sites, in YAML. Read the way the gateway
/// reads its site files (YamlDotNet's representation model, every problem with its line, all problems in one pass, bad
/// input refused before the model is built); written whole through a temporary file, so that an edit in the console
/// never leaves half a file.
/// </summary>
internal static class TenantFile
{
    /// <summary>The largest registry file read: 1 MiB (645 sheds with names and addresses take about 100 KiB).</summary>
    public const int MaxFileBytes = 1024 * 1024;

    /// <summary>The deepest nesting: the format nests 4 levels; YamlDotNet's model recurses once per level.</summary>
    public const int MaxNestingDepth = 16;

    private const int MaxNameLength = 100;
    private const int MaxAddressLength = 200;

    private static readonly string[] TopKeys = ["companies"];
    private static readonly string[] CompanyKeys = ["id", "name", "nameEn", "channels", "sites"];
    private static readonly string[] SiteKeys = ["id", "name", "nameEn", "address", "tariff"];
    private static readonly string[] TariffKeys = ["yuanPerKwh", "yuanPerHour"];

    /// <summary>The highest price a tariff may name: 100 元 per kWh or per hour (a shed charges about 1 元).</summary>
    private const decimal MaxTariffYuan = 100m;

    // Chinese names stay readable in the file (临淄区, not \u4E34…): it is a file people edit.
    private static readonly JsonSerializerOptions Quoting = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Reads the file at <paramref name="path"/>; problems name the path as given.</summary>
    public static TenantFileResult Read(string path)
    {
        byte[] bytes;
        try
        {
            using FileStream stream = File.OpenRead(path);
            if (stream.Length > MaxFileBytes)
            {
                return new TenantFileResult(null, [$"{path}:1: the file is larger than {MaxFileBytes} bytes (1 MiB); a registry of a district's sheds is about 100 KiB (wrong file?)"]);
            }

            bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new TenantFileResult(null, [$"{path}:0: file not found"]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new TenantFileResult(null, [$"{path}:0: cannot read the file: {e.Message}"]);
        }

        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException)
        {
            return new TenantFileResult(null, [$"{path}:1: the file must be UTF-8 text (saved in another encoding, or a binary file?)"]);
        }

        return Parse(path, text);
    }

    /// <summary>Reads registry text; <paramref name="fileName"/> names the file in problems.</summary>
    public static TenantFileResult Parse(string fileName, string yaml)
    {
        var problems = new List<(int Line, string Message)>();
        YamlNode? root = ParseYaml(yaml, problems);
        TenantDirectory? directory = null;
        if (problems.Count == 0)
        {
            directory = root is null ? TenantDirectory.Empty : ReadRoot(root, problems);
        }

        return new TenantFileResult(
            problems.Count == 0 ? directory : null,
            [.. problems.OrderBy(p => p.Line).Select(p => string.Create(CultureInfo.InvariantCulture, $"{fileName}:{p.Line}: {p.Message}"))]);
    }

    /// <summary>Writes <paramref name="directory"/> to <paramref name="path"/> whole: a temporary file beside it, then renamed over it.</summary>
    public static void Write(string path, TenantDirectory directory)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        string temporary = Path.Combine(folder, "." + Path.GetFileName(full) + ".tmp");
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            byte[] bytes = Encoding.UTF8.GetBytes(Text(directory));
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, full, overwrite: true);
    }

    /// <summary>The file's text for <paramref name="directory"/>: every string double-quoted (YAML reads JSON's escapes).</summary>
    public static string Text(TenantDirectory directory)
    {
        var yaml = new StringBuilder();
        yaml.Append("# Companies (物业企业) and their sites, read by the hub at start and written by the console's registry page.\n");
        yaml.Append("# Format: src/EdgeGateway.Hub/Tenants/README.md\n");
        if (directory.Companies.Count == 0)
        {
            return yaml.Append("companies: []\n").ToString();
        }

        yaml.Append("companies:\n");
        foreach (Company company in directory.Companies)
        {
            yaml.Append("  - id: ").Append(Quote(company.Id)).Append('\n');
            yaml.Append("    name: ").Append(Quote(company.Name)).Append('\n');
            if (company.NameEn is { } nameEn)
            {
                yaml.Append("    nameEn: ").Append(Quote(nameEn)).Append('\n');
            }

            if (company.Channels.Count > 0)
            {
                yaml.Append("    channels: [").AppendJoin(", ", company.Channels.Select(Quote)).Append("]\n");
            }

            TenantSite[] sites = [.. directory.SitesOf(company.Id)];
            if (sites.Length == 0)
            {
                yaml.Append("    sites: []\n");
                continue;
            }

            yaml.Append("    sites:\n");
            foreach (TenantSite site in sites)
            {
                yaml.Append("      - id: ").Append(Quote(site.Id)).Append('\n');
                yaml.Append("        name: ").Append(Quote(site.Name)).Append('\n');
                if (site.NameEn is { } siteEn)
                {
                    yaml.Append("        nameEn: ").Append(Quote(siteEn)).Append('\n');
                }

                if (site.Address is { } address)
                {
                    yaml.Append("        address: ").Append(Quote(address)).Append('\n');
                }

                if (site.Tariff is { FenPerKwh: { } perKwh })
                {
                    yaml.Append("        tariff: { yuanPerKwh: ").Append((perKwh / 100m).ToString("0.00", CultureInfo.InvariantCulture)).Append(" }\n");
                }
                else if (site.Tariff is { FenPerHour: { } perHour })
                {
                    yaml.Append("        tariff: { yuanPerHour: ").Append((perHour / 100m).ToString("0.00", CultureInfo.InvariantCulture)).Append(" }\n");
                }
            }
        }

        return yaml.ToString();
    }

    /// <summary>What is wrong with a company's fields as the console sends them (the same rules as the file's).</summary>
    public static IEnumerable<string> CompanyProblems(string id, string? name, string? nameEn)
    {
        if (!TenantDirectory.IsValidCompanyId(id))
        {
            yield return $"id: '{id}' is not a company id (1 to 64 lower-case letters, digits, '-' or '_'; not '{TenantDirectory.District}')";
        }

        foreach (string problem in NameProblems("name", name, required: true).Concat(NameProblems("nameEn", nameEn, required: false)))
        {
            yield return problem;
        }
    }

    /// <summary>What is wrong with a site's fields as the console sends them.</summary>
    public static IEnumerable<string> SiteProblems(string id, string? name, string? nameEn, string? address)
    {
        if (!TenantDirectory.IsValidSiteId(id))
        {
            yield return $"id: '{id}' is not a site id (the site of the gateway's topics: letters, digits, '-', '_', '.', at most 64)";
        }

        foreach (string problem in NameProblems("name", name, required: true).Concat(NameProblems("nameEn", nameEn, required: false)))
        {
            yield return problem;
        }

        if (address is { Length: > MaxAddressLength })
        {
            yield return $"address: longer than {MaxAddressLength} characters";
        }
    }

    private static IEnumerable<string> NameProblems(string key, string? value, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                yield return $"{key}: missing (the name people read, e.g. 临淄区演示充电棚)";
            }
        }
        else if (value.Length > MaxNameLength || value.Any(char.IsControl))
        {
            yield return $"{key}: at most {MaxNameLength} characters, no line breaks or control characters";
        }
    }

    private static string Quote(string value) => JsonSerializer.Serialize(value, Quoting);

    /// <summary>
    /// Parses the text into the representation model; refuses, before the model is built, what would make building it
    /// dangerous (aliases, nesting deeper than <see cref="MaxNestingDepth"/>) and reports a syntax error at its line.
    /// </summary>
    private static YamlNode? ParseYaml(string yaml, List<(int, string)> problems)
    {
        if (Encoding.UTF8.GetByteCount(yaml) > MaxFileBytes)
        {
            problems.Add((1, $"the file is larger than {MaxFileBytes} bytes (1 MiB)"));
            return null;
        }

        try
        {
            var parser = new Parser(new StringReader(yaml));
            int depth = 0;
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case AnchorAlias alias:
                        problems.Add((LineOf(alias.Start), "aliases (*name) are not allowed in the registry file: write the value out"));
                        return null;
                    case MappingStart or SequenceStart when ++depth > MaxNestingDepth:
                        problems.Add((LineOf(parser.Current.Start), $"nested deeper than {MaxNestingDepth} levels (the format nests 4)"));
                        return null;
                    case MappingEnd or SequenceEnd:
                        depth--;
                        break;
                }
            }

            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            if (stream.Documents.Count > 1)
            {
                problems.Add((LineOf(stream.Documents[1].RootNode.Start), "only one YAML document per file"));
                return null;
            }

            return stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        }
        catch (YamlException e)
        {
            string message = e.InnerException is ArgumentException || e.Message.StartsWith("Duplicate key", StringComparison.Ordinal)
                ? $"duplicate key ({e.Message}): each key once per mapping"
                : $"YAML syntax error: {e.Message}";
            problems.Add((LineOf(e.Start), message));
            return null;
        }
        catch (ArgumentException)
        {
            // A duplicate key, found by the model's dictionary without a position.
            problems.Add((1, "duplicate key: each key once per mapping"));
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner fails this way on some unterminated flow collections ("[1, 2" with no "]").
            problems.Add((1, "YAML syntax error: the YAML ends unexpectedly (an unclosed '[', '{' or quote?)"));
            return null;
        }
    }

    private static TenantDirectory ReadRoot(YamlNode root, List<(int Line, string Message)> problems)
    {
        var companies = new List<Company>();
        var sites = new List<TenantSite>();
        var companyLines = new Dictionary<string, int>(StringComparer.Ordinal);
        var siteClaims = new Dictionary<string, (string Company, int Line)>(StringComparer.Ordinal);
        Dictionary<string, (int Line, YamlNode Value)>? top = Mapping(root, "the file's top level", TopKeys, problems);
        if (top is null)
        {
            return TenantDirectory.Empty;
        }

        int index = 0;
        foreach (YamlNode companyNode in List(top, "companies", "companies", problems))
        {
            string where = string.Create(CultureInfo.InvariantCulture, $"companies[{index++}]");
            int line = LineOf(companyNode.Start);
            Dictionary<string, (int Line, YamlNode Value)>? company = Mapping(companyNode, where, CompanyKeys, problems);
            if (company is null)
            {
                continue;
            }

            string? id = Scalar(company, "id", where, line, required: true, problems);
            string? name = Scalar(company, "name", where, line, required: true, problems);
            string? nameEn = Scalar(company, "nameEn", where, line, required: false, problems);
            if (id is not null)
            {
                int idLine = company["id"].Line;
                foreach (string problem in CompanyProblems(id, name ?? "-", nameEn))
                {
                    problems.Add((problem.StartsWith("id:", StringComparison.Ordinal) ? idLine : line, $"{where}.{problem}"));
                }

                if (companyLines.TryGetValue(id, out int first))
                {
                    problems.Add((idLine, $"{where}.id: company '{id}' is already listed at line {first}; each company once"));
                    id = null;
                }
                else
                {
                    companyLines[id] = idLine;
                }
            }

            var channels = new List<string>();
            foreach (YamlNode channel in List(company, "channels", where + ".channels", problems))
            {
                if (channel is YamlScalarNode { Value: { Length: > 0 } channelName })
                {
                    channels.Add(channelName);
                }
                else
                {
                    problems.Add((LineOf(channel.Start), $"{where}.channels: a channel is the name of an entry in Notifications:Channels"));
                }
            }

            if (id is not null && name is not null)
            {
                companies.Add(new Company(id, name.Trim(), Trimmed(nameEn), channels));
            }

            int siteIndex = 0;
            foreach (YamlNode siteNode in List(company, "sites", where + ".sites", problems))
            {
                string siteWhere = string.Create(CultureInfo.InvariantCulture, $"{where}.sites[{siteIndex++}]");
                int siteLine = LineOf(siteNode.Start);
                Dictionary<string, (int Line, YamlNode Value)>? site = Mapping(siteNode, siteWhere, SiteKeys, problems);
                if (site is null)
                {
                    continue;
                }

                string? siteId = Scalar(site, "id", siteWhere, siteLine, required: true, problems);
                string? siteName = Scalar(site, "name", siteWhere, siteLine, required: true, problems);
                string? siteEn = Scalar(site, "nameEn", siteWhere, siteLine, required: false, problems);
                string? address = Scalar(site, "address", siteWhere, siteLine, required: false, problems);
                ChargeTariff? tariff = Tariff(site, siteWhere, problems);
                if (siteId is null)
                {
                    continue;
                }

                int idLine = site["id"].Line;
                foreach (string problem in SiteProblems(siteId, siteName ?? "-", siteEn, address))
                {
                    problems.Add((problem.StartsWith("id:", StringComparison.Ordinal) ? idLine : siteLine, $"{siteWhere}.{problem}"));
                }

                if (siteClaims.TryGetValue(siteId, out (string Company, int Line) claim))
                {
                    problems.Add((idLine, claim.Company == (id ?? "")
                        ? $"{siteWhere}.id: site '{siteId}' is already listed at line {claim.Line}; each site once"
                        : $"{siteWhere}.id: site '{siteId}' is claimed by company '{claim.Company}' at line {claim.Line} too; a site belongs to one company"));
                    continue;
                }

                siteClaims[siteId] = (id ?? "", idLine);
                if (id is not null && siteName is not null)
                {
                    sites.Add(new TenantSite(siteId, siteName.Trim(), Trimmed(siteEn), Trimmed(address), id, tariff));
                }
            }
        }

        return new TenantDirectory(companies, sites);
    }

    private static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>
    /// A site's <c>tariff:</c> — <c>yuanPerKwh: 1.2</c> (元 per kWh) or <c>yuanPerHour: 1</c> (元 per started hour), one of
    /// the two, at most two decimals (a fen), 0 to <see cref="MaxTariffYuan"/> — in fen; null when absent or wrong (a
    /// problem then says why at its line).
    /// </summary>
    private static ChargeTariff? Tariff(Dictionary<string, (int Line, YamlNode Value)> site, string where, List<(int, string)> problems)
    {
        if (!site.TryGetValue("tariff", out (int Line, YamlNode Value) entry) || IsNull(entry.Value))
        {
            return null;
        }

        int before = problems.Count;
        Dictionary<string, (int Line, YamlNode Value)>? tariff = Mapping(entry.Value, where + ".tariff", TariffKeys, problems);
        if (tariff is null || problems.Count > before)
        {
            return null;
        }

        if (tariff.Count != 1)
        {
            problems.Add((entry.Line, $"{where}.tariff: give one of yuanPerKwh (元 per kWh) or yuanPerHour (元 per started hour), not {(tariff.Count == 0 ? "neither" : "both")}"));
            return null;
        }

        (string key, (int line, YamlNode value)) = tariff.Single();
        if (value is not YamlScalarNode { Value: { } text }
            || !decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal yuan)
            || yuan > MaxTariffYuan || yuan * 100m != decimal.Truncate(yuan * 100m))
        {
            problems.Add((line, $"{where}.tariff.{key}: expected a price in 元 from 0 to {MaxTariffYuan} with at most two decimals (e.g. 1.20), got {Describe(value)}"));
            return null;
        }

        long fen = (long)(yuan * 100m);
        return key == "yuanPerKwh" ? new ChargeTariff { FenPerKwh = fen } : new ChargeTariff { FenPerHour = fen };
    }

    private static Dictionary<string, (int Line, YamlNode Value)>? Mapping(YamlNode node, string where, string[] allowed, List<(int, string)> problems)
    {
        if (node is not YamlMappingNode mapping)
        {
            problems.Add((LineOf(node.Start), $"{where}: expected a mapping (key: value lines), got {Describe(node)}"));
            return null;
        }

        var entries = new Dictionary<string, (int, YamlNode)>(StringComparer.Ordinal);
        foreach ((YamlNode key, YamlNode value) in mapping.Children)
        {
            int line = LineOf(key.Start);
            if (key is not YamlScalarNode { Value: { } name } || !allowed.Contains(name, StringComparer.Ordinal))
            {
                problems.Add((line, $"{where}: unknown key {Describe(key)}; allowed keys: {string.Join(", ", allowed)}"));
                continue;
            }

            entries[name] = (line, value);
        }

        return entries;
    }

    private static IEnumerable<YamlNode> List(Dictionary<string, (int Line, YamlNode Value)> mapping, string key, string where, List<(int, string)> problems)
    {
        if (!mapping.TryGetValue(key, out (int Line, YamlNode Value) entry) || IsNull(entry.Value))
        {
            return [];
        }

        if (entry.Value is YamlSequenceNode sequence)
        {
            return sequence.Children;
        }

        problems.Add((entry.Line, $"{where}: expected a list (lines starting with '- '), got {Describe(entry.Value)}"));
        return [];
    }

    private static string? Scalar(Dictionary<string, (int Line, YamlNode Value)> mapping, string key, string where, int line, bool required, List<(int, string)> problems)
    {
        if (!mapping.TryGetValue(key, out (int Line, YamlNode Value) entry) || IsNull(entry.Value))
        {
            if (required)
            {
                problems.Add((mapping.TryGetValue(key, out entry) ? entry.Line : line, $"{where}: missing required key '{key}'"));
            }

            return null;
        }

        if (entry.Value is not YamlScalarNode { Value: { } text })
        {
            problems.Add((entry.Line, $"{where}.{key}: expected a name or text, got {Describe(entry.Value)}"));
            return null;
        }

        return text;
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    private static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode scalar when IsNull(scalar) => "nothing (null)",
        YamlScalarNode scalar => $"'{scalar.Value}'",
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        _ => "an alias",
    };

    private static int LineOf(Mark mark) => (int)Math.Clamp(mark.Line, 1, int.MaxValue);
}
