using System.Globalization;
using System.Text;
using EdgeGateway.Configuration;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace EdgeGateway.Provisioning;

/// <summary>
/// A wiring template: a site file (firmware-config/sites/NAME.yaml) whose wiring a shed copies. A shed's file is
/// the template's text with site.id, site.gateway and site.name replaced and the ports after the first N removed
/// (the template's ports are wired in the order an installer fits them), so the template's comments stay. Edited as
/// text at the parser's marks, never re-emitted: what is not replaced is the template byte for byte.
/// </summary>
public sealed class SiteTemplate
{
    private readonly string _text;
    private readonly Mark[] _siteValues;
    private readonly List<(int FirstLine, int LastLine)> _ports;
    private readonly int[] _lineStarts;
    private readonly int _firstContentLine;

    private SiteTemplate(string name, string text, Mark[] siteValues, List<(int FirstLine, int LastLine)> ports)
    {
        Name = name;
        _text = text;
        _siteValues = siteValues;
        _ports = ports;
        _lineStarts = [0, .. text.Select((c, i) => (c, i)).Where(x => x.c == '\n').Select(x => x.i + 1)];
        _firstContentLine = Enumerable.Range(1, _lineStarts.Length).FirstOrDefault(line => !IsCommentOrBlank(LineText(line)), 1);
    }

    public string Name { get; }

    /// <summary>How many ports the template wires (a shed takes the first N of them).</summary>
    public int PortCount => _ports.Count;

    /// <summary>Reads a template; null and a message when it is not a site file with site.id, site.gateway and site.name.</summary>
    public static SiteTemplate? TryRead(string name, string text, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"template {name}: YAML syntax error at line {e.Start.Line}: {e.Message}");
            return null;
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root
            || !root.Children.TryGetValue(new YamlScalarNode("site"), out YamlNode? siteNode) || siteNode is not YamlMappingNode site)
        {
            error = $"template {name}: not a site file (no site: mapping)";
            return null;
        }

        var values = new Mark[6];
        string[] keys = ["id", "gateway", "name"];
        for (int i = 0; i < keys.Length; i++)
        {
            if (!site.Children.TryGetValue(new YamlScalarNode(keys[i]), out YamlNode? value) || value is not YamlScalarNode)
            {
                error = $"template {name}: site.{keys[i]} is missing (the provisioning replaces it)";
                return null;
            }

            values[2 * i] = value.Start;
            values[(2 * i) + 1] = value.End;
        }

        var ports = new List<(int, int)>();
        if (root.Children.TryGetValue(new YamlScalarNode("ports"), out YamlNode? portsNode) && portsNode is YamlSequenceNode sequence)
        {
            ports.AddRange(sequence.Children.Select(port => ((int)port.Start.Line, LastLine(port))));
        }

        error = null;
        return new SiteTemplate(name, text, values, ports);
    }

    /// <summary>The site file of <paramref name="shed"/> (its port count already checked against <see cref="PortCount"/>).</summary>
    public string Instantiate(InventoryShed shed, string inventoryName)
    {
        ArgumentNullException.ThrowIfNull(shed);
        var edits = new List<(int Start, int End, string Text)>
        {
            (Index(_siteValues[0]), Index(_siteValues[1]), YamlText.DoubleQuoted(shed.SiteId)),
            (Index(_siteValues[2]), Index(_siteValues[3]), YamlText.DoubleQuoted(shed.Gateway)),
            (Index(_siteValues[4]), Index(_siteValues[5]), YamlText.DoubleQuoted(shed.Name)),
            // The template's opening comment describes the template; the shed's file says where it came from.
            (0, _lineStarts[_firstContentLine - 1], Header(shed, inventoryName)),
        };
        if (shed.PortCount < _ports.Count)
        {
            // Whole lines, from the first port dropped to the last line of the last port.
            edits.Add((_lineStarts[_ports[shed.PortCount].FirstLine - 1], LineEnd(_ports[^1].LastLine), ""));
        }

        var text = new StringBuilder(_text);
        foreach ((int start, int end, string replacement) in edits.OrderByDescending(edit => edit.Start))
        {
            text.Remove(start, end - start).Insert(start, replacement);
        }

        return text.ToString();
    }

    private string Header(InventoryShed shed, string inventoryName) => string.Create(
        CultureInfo.InvariantCulture,
        $"# {shed.Name} ({shed.CompanyName}): made by `edgegateway provision` from {inventoryName} line {shed.Line}, template {Name} with\n# its first {shed.PortCount} ports. Change the inventory and provision again rather than editing this file.\n\n");

    /// <summary>A YAML double-quoted scalar (YAML 1.2 §7.3.1): backslash and quote escaped; control characters never reach here.</summary>

    private static int Index(Mark mark) => (int)mark.Index;

    private int LineEnd(int line) => line < _lineStarts.Length ? _lineStarts[line] : _text.Length;

    private string LineText(int line) => _text[_lineStarts[line - 1]..(line < _lineStarts.Length ? _lineStarts[line] : _text.Length)];

    private static bool IsCommentOrBlank(string line) => line.Trim().Length == 0 || line.TrimStart().StartsWith('#');

    /// <summary>The last line a port's own text is on: the end of its last scalar or flow collection (a block collection's end mark is the next token's start).</summary>
    private static int LastLine(YamlNode node) => node switch
    {
        YamlScalarNode scalar => (int)scalar.End.Line,
        YamlMappingNode { Style: MappingStyle.Flow } or YamlSequenceNode { Style: SequenceStyle.Flow } => (int)node.End.Line,
        YamlMappingNode mapping => mapping.Children.Select(pair => Math.Max(LastLine(pair.Key), LastLine(pair.Value))).DefaultIfEmpty((int)node.Start.Line).Max(),
        YamlSequenceNode sequence => sequence.Children.Select(LastLine).DefaultIfEmpty((int)node.Start.Line).Max(),
        _ => (int)node.Start.Line,
    };
}
