using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace EdgeGateway.Calibration;

/// <summary>
/// Changes one scalar of a site file's text and nothing else: comments, key order, quoting, blank lines and line endings
/// stay byte for byte. The value's characters are replaced where they stand (in a block or a flow mapping, keeping a
/// quoted value quoted the same way); a key that is absent is added to its mapping: on a line of its own at the
/// indentation of the mapping's keys (block style), or before the closing brace (flow style). The edited text is
/// parsed again and must read the new value at the same path, or nothing is returned.
/// </summary>
/// <remarks>
/// A path names mapping keys separated by dots; a list item is chosen by its <c>id</c> key: <c>ports[P02].meter.ampsPerAdcVolt</c>
/// (the form the site-file checker names keys in). Block scalars (<c>|</c>, <c>&gt;</c>), aliases and keys that are not
/// plain text are refused with a reason rather than rewritten.
/// </remarks>
public static class SiteFileText
{
    /// <summary>A number as the site file is given it: invariant culture, six significant digits (a factor to 0.001 % or better).</summary>
    public static string Number(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>The scalar text at <paramref name="path"/>, when there is one.</summary>
    public static bool TryGetScalar(string text, string path, out string? value, out string? problem)
    {
        value = null;
        if (!TryParse(text, out YamlNode? root, out problem) || !TryResolve(root!, Steps(path), out YamlNode? parent, out string? lastKey, out problem))
        {
            return false;
        }

        if (parent is YamlMappingNode mapping && mapping.Children.TryGetValue(new YamlScalarNode(lastKey), out YamlNode? node) && node is YamlScalarNode scalar)
        {
            value = scalar.Value;
            return true;
        }

        problem = $"{path}: not a value in the file";
        return false;
    }

    /// <summary>
    /// Sets the scalar at <paramref name="path"/> to <paramref name="value"/> (plain text, e.g. <see cref="Number"/>'s),
    /// adding the key to its mapping when it is absent. The mapping itself must exist. False, with why, when the path
    /// does not lead to a mapping key or the value is written in a form this edit does not rewrite.
    /// </summary>
    public static bool TrySetScalar(string text, string path, string value, out string edited, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(value);
        edited = text;
        if (!TryParse(text, out YamlNode? root, out problem)
            || !TryResolve(root!, Steps(path), out YamlNode? parent, out string? key, out problem))
        {
            return false;
        }

        if (parent is not YamlMappingNode mapping)
        {
            problem = $"{path}: {ParentPath(path)} is not a mapping (key: value lines)";
            return false;
        }

        string candidate;
        if (mapping.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? existing))
        {
            YamlNode keyNode = mapping.Children.Keys.First(k => k is YamlScalarNode { Value: var name } && name == key);
            if (!TryReplace(text, keyNode, existing, value, path, out candidate, out problem))
            {
                return false;
            }
        }
        else if (!TryInsert(text, mapping, key!, value, path, out candidate, out problem))
        {
            return false;
        }

        // The edit is checked the way it will be read: the same path must now hold the new value.
        if (!TryGetScalar(candidate, path, out string? readBack, out string? readProblem) || readBack != value)
        {
            problem = $"{path}: the edited file would not read '{value}' there ({readProblem ?? $"it reads '{readBack}'"}); nothing was changed";
            return false;
        }

        edited = candidate;
        return true;
    }

    private static bool TryReplace(string text, YamlNode key, YamlNode existing, string value, string path, out string edited, out string? problem)
    {
        edited = text;
        if (existing is not YamlScalarNode scalar)
        {
            problem = $"{path}: holds {(existing is YamlMappingNode ? "a mapping" : "a list")}, not a value";
            return false;
        }

        string quoted;
        switch (scalar.Style)
        {
            case ScalarStyle.Plain:
            case ScalarStyle.Any:
                quoted = value;
                break;
            case ScalarStyle.SingleQuoted:
                quoted = $"'{value}'";
                break;
            case ScalarStyle.DoubleQuoted:
                quoted = $"\"{value}\"";
                break;
            default:
                problem = $"{path}: the value is a block scalar ('|' or '>'); write it on the key's line (key: value) and run again";
                return false;
        }

        int start = checked((int)scalar.Start.Index);
        int end = checked((int)scalar.End.Index);

        // "key:" with nothing after it: an empty plain scalar, whose marks need not sit on the key's line. The value goes
        // right after the key's colon, with its space.
        if (string.IsNullOrEmpty(scalar.Value) && scalar.Style is ScalarStyle.Plain or ScalarStyle.Any)
        {
            int colon = text.IndexOf(':', checked((int)key.End.Index));
            if (colon < 0)
            {
                problem = $"{path}: cannot find the ':' after the key at line {key.Start.Line}";
                return false;
            }

            start = end = colon + 1;
            quoted = " " + quoted;
        }

        edited = string.Concat(text.AsSpan(0, start), quoted, text.AsSpan(end));
        problem = null;
        return true;
    }

    private static bool TryInsert(string text, YamlMappingNode mapping, string key, string value, string path, out string edited, out string? problem)
    {
        edited = text;
        problem = null;
        if (mapping.Style == MappingStyle.Flow)
        {
            // The closing brace follows the last value (or the opening brace), past blanks, a trailing comma and comments.
            int brace = mapping.Children.Count > 0 ? checked((int)mapping.Children.Last().Value.End.Index) : checked((int)mapping.Start.Index) + 1;
            while (brace < text.Length && text[brace] != '}')
            {
                if (text[brace] == '#')
                {
                    brace = text.IndexOf('\n', brace) is >= 0 and int newlineAt ? newlineAt : text.Length;
                }
                else if (text[brace] is ' ' or '\t' or '\r' or '\n' or ',')
                {
                    brace++;
                }
                else
                {
                    break;
                }
            }

            if (brace >= text.Length || text[brace] != '}')
            {
                problem = $"{path}: cannot find the closing '}}' of the mapping at line {mapping.Start.Line}; add '{key}: {value}' by hand";
                return false;
            }

            int last = brace - 1;
            while (last >= 0 && text[last] is ' ' or '\t')
            {
                last--;
            }

            string addition = mapping.Children.Count == 0 ? $" {key}: {value} " : $", {key}: {value} ";
            edited = string.Concat(text.AsSpan(0, last + 1), addition, text.AsSpan(brace));
            return true;
        }

        // Block style: after the line of the last key whose value ends on its own line, indented as the keys are.
        YamlNode? anchorKey = null;
        YamlNode? anchorValue = null;
        foreach ((YamlNode k, YamlNode v) in mapping.Children)
        {
            if (v is YamlScalarNode or YamlMappingNode { Style: MappingStyle.Flow } or YamlSequenceNode { Style: SequenceStyle.Flow } && v.End.Line == k.Start.Line)
            {
                anchorKey = k;
                anchorValue = v;
            }
        }

        if (anchorKey is null || anchorValue is null)
        {
            problem = $"{path}: the mapping at line {mapping.Start.Line} has no one-line 'key: value' to add '{key}' after; add '{key}: {value}' by hand";
            return false;
        }

        string newline = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        int lineEnd = text.IndexOf('\n', checked((int)anchorKey.Start.Index));
        string indent = new(' ', checked((int)anchorKey.Start.Column) - 1);
        string line = $"{indent}{key}: {value}";
        edited = lineEnd < 0
            ? string.Concat(text, newline, line)
            : string.Concat(text.AsSpan(0, lineEnd + 1), line + newline, text.AsSpan(lineEnd + 1));
        return true;
    }

    private static bool TryParse(string text, out YamlNode? root, out string? problem)
    {
        root = null;
        problem = null;
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            problem = $"line {e.Start.Line}: YAML syntax error: {e.Message}";
            return false;
        }

        if (stream.Documents.Count != 1)
        {
            problem = "the file must hold exactly one YAML document";
            return false;
        }

        root = stream.Documents[0].RootNode;
        return true;
    }

    /// <summary>Walks every step but the last; <paramref name="parent"/> is where the last key lives.</summary>
    private static bool TryResolve(YamlNode root, List<(string Key, string? Id)> steps, out YamlNode? parent, out string? lastKey, out string? problem)
    {
        parent = null;
        lastKey = null;
        problem = null;
        YamlNode node = root;
        string walked = "";
        for (int s = 0; s < steps.Count; s++)
        {
            (string key, string? id) = steps[s];
            if (s == steps.Count - 1 && id is null)
            {
                parent = node;
                lastKey = key;
                return true;
            }

            walked = walked.Length == 0 ? key : $"{walked}.{key}";
            if (node is not YamlMappingNode mapping || !mapping.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? child))
            {
                problem = $"{walked}: not in the file";
                return false;
            }

            node = child;
            if (id is null)
            {
                continue;
            }

            YamlNode? item = node is YamlSequenceNode list
                ? list.Children.FirstOrDefault(i => i is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode("id"), out YamlNode? v) && v is YamlScalarNode { Value: var itemId } && itemId == id)
                : null;
            walked = $"{walked}[{id}]";
            if (item is null)
            {
                problem = $"{walked}: no list item with id '{id}'";
                return false;
            }

            node = item;
        }

        problem = "an empty path";
        return false;
    }

    /// <summary><c>ports[P02].meter.ampsPerAdcVolt</c> → (ports, P02), (meter, null), (ampsPerAdcVolt, null).</summary>
    private static List<(string Key, string? Id)> Steps(string path)
    {
        var steps = new List<(string Key, string? Id)>();
        foreach (string part in path.Split('.'))
        {
            int bracket = part.IndexOf('[', StringComparison.Ordinal);
            steps.Add(bracket > 0 && part.EndsWith(']') ? (part[..bracket], part[(bracket + 1)..^1]) : (part, null));
        }

        return steps;
    }

    private static string ParentPath(string path) => path.LastIndexOf('.') is > 0 and int dot ? path[..dot] : "the document";
}
