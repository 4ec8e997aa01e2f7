using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace EdgeGateway.Configuration;

/// <summary>
/// Typed access to one YAML mapping of a site file. Unknown keys are reported when the reader is made;
/// every accessor reports what is wrong with its value (missing, wrong type, out of range) and returns null
/// instead of throwing, so one pass over the file finds every problem.
/// </summary>
internal sealed class MappingReader
{
    private readonly ProblemCollector _problems;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    // A mapping that is absent, or is not a mapping at all, reports no missing keys: the parent already said what is wrong.
    private readonly bool _reportMissing;

    private MappingReader(ProblemCollector problems, string path, int line, bool isPresent, bool reportMissing)
    {
        _problems = problems;
        Path = path;
        Line = line;
        IsPresent = isPresent;
        _reportMissing = reportMissing;
    }

    /// <summary>Where the mapping sits, as messages name it (e.g. <c>ports[P01].relay</c>); empty for the file's top level.</summary>
    public string Path { get; }

    /// <summary>The line that introduces the mapping: its key's line, or its list item's line.</summary>
    public int Line { get; }

    /// <summary>False when the mapping was not in the file (or was null).</summary>
    public bool IsPresent { get; }

    /// <summary>
    /// Wraps <paramref name="node"/>, reporting it if it is not a mapping and reporting each key not in
    /// <paramref name="allowedKeys"/> (with the closest allowed key when it looks like a typo).
    /// <paramref name="misplacedKeyHint"/> may explain a key that belongs elsewhere.
    /// </summary>
    public static MappingReader Read(
        ProblemCollector problems,
        YamlNode? node,
        string path,
        int line,
        IReadOnlyList<string> allowedKeys,
        Func<string, string?>? misplacedKeyHint = null)
    {
        if (node is null || YamlText.IsNull(node))
        {
            return new MappingReader(problems, path, line, isPresent: false, reportMissing: false);
        }

        if (node is not YamlMappingNode mapping)
        {
            string what = path.Length == 0 ? "the file's top level must be a mapping" : $"{path}: expected a mapping";
            problems.Add(line, $"{what} (key: value lines), got {YamlText.Describe(node)}");
            return new MappingReader(problems, path, line, isPresent: true, reportMissing: false);
        }

        var reader = new MappingReader(problems, path, line, isPresent: true, reportMissing: true);
        foreach ((YamlNode? keyNode, YamlNode? valueNode) in mapping.Children)
        {
            int keyLine = YamlText.LineOf(keyNode);
            if (keyNode is not YamlScalarNode { Value: { } key } || YamlText.IsNull(keyNode))
            {
                problems.Add(keyLine, $"{Where(path)}: keys must be plain names, got {YamlText.Describe(keyNode)}");
                continue;
            }

            if (!allowedKeys.Contains(key, StringComparer.Ordinal))
            {
                problems.Add(keyLine, $"{UnknownKeyMessage(path, key, allowedKeys, misplacedKeyHint?.Invoke(key))}");
                continue;
            }

            reader._entries[key] = new Entry(keyLine, valueNode);
        }

        return reader;
    }

    /// <summary>The key is in the mapping with a non-null value.</summary>
    public bool Has(string key) => _entries.TryGetValue(key, out Entry? entry) && !YamlText.IsNull(entry.Value);

    /// <summary>The key is in the mapping, even with a null value.</summary>
    public bool Contains(string key) => _entries.ContainsKey(key);

    /// <summary>The line of <paramref name="key"/> if it is present, else the line of the mapping.</summary>
    public int LineOf(string key) => _entries.TryGetValue(key, out Entry? entry) ? entry.KeyLine : Line;

    /// <summary>How messages name one key of this mapping, e.g. <c>mains.frequencyHz</c>.</summary>
    public string Name(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    /// <summary>The raw value node of a present, non-null key.</summary>
    public YamlNode? Node(string key) => Has(key) ? _entries[key].Value : null;

    public string? String(string key, bool required, Regex? pattern = null, string? patternDescription = null)
    {
        if (!TryScalar(key, required, "a name or text", out string? text, out int line))
        {
            return null;
        }

        if (pattern is not null && !pattern.IsMatch(text))
        {
            _problems.Add(line, $"{Name(key)}: '{text}' is not valid: {patternDescription}");
            return null;
        }

        return text;
    }

    /// <summary>One of a fixed set of words (compared ignoring case); returns the canonical spelling.</summary>
    public string? Choice(string key, bool required, params string[] choices)
    {
        if (!TryScalar(key, required, "one of " + string.Join(", ", choices), out string? text, out int line))
        {
            return null;
        }

        string? match = choices.FirstOrDefault(c => string.Equals(c, text.Trim(), StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            string? closest = YamlText.ClosestMatch(text.Trim(), choices);
            string suggestion = closest is null ? "" : $" (did you mean '{closest}'?)";
            _problems.Add(line, $"{Name(key)}: '{text}' is not allowed{suggestion}; allowed: {string.Join(", ", choices)}");
        }

        return match;
    }

    /// <summary>
    /// A whole number in <paramref name="min"/>..<paramref name="max"/>. Decimal or 0x hexadecimal are both accepted;
    /// <paramref name="hex"/> only says how the range is written in messages.
    /// </summary>
    public int? Int(string key, bool required, int min, int max, string unit = "", bool hex = false)
    {
        if (!TryScalar(key, required, "a whole number", out string? text, out int line))
        {
            return null;
        }

        if (!YamlText.TryParseInteger(text, out long value))
        {
            string expected = hex ? "a whole number (decimal, or hexadecimal like 0x20)" : "a whole number";
            _problems.Add(line, $"{Name(key)}: expected {expected}, got '{text}'");
            return null;
        }

        if (value < min || value > max)
        {
            string range = hex
                ? $"{YamlText.FormatHex(min)}..{YamlText.FormatHex(max)}"
                : string.Create(CultureInfo.InvariantCulture, $"{min}..{max}");
            _problems.Add(line, $"{Name(key)}: {text} is out of range (allowed {range}{WithUnit(unit)})");
            return null;
        }

        return (int)value;
    }

    /// <summary>A number in <paramref name="min"/>..<paramref name="max"/> (decimal point '.', whatever the culture).</summary>
    public double? Number(string key, bool required, double min, double max, string unit)
    {
        if (!TryScalar(key, required, "a number", out string? text, out int line))
        {
            return null;
        }

        if (!YamlText.TryParseNumber(text, out double value))
        {
            _problems.Add(line, $"{Name(key)}: expected a number, got '{text}'");
            return null;
        }

        if (value < min || value > max)
        {
            _problems.Add(line, $"{Name(key)}: {text} is out of range (allowed {YamlText.Format(min)}..{YamlText.Format(max)}{WithUnit(unit)})");
            return null;
        }

        return value;
    }

    /// <summary>
    /// A duration whose unit is the key's suffix (<c>Ms</c>, <c>Seconds</c>, <c>Minutes</c>, <c>Hours</c>);
    /// fractions are allowed (<c>completeHoldMinutes: 0.5</c> is 30 s). The range is in the key's unit.
    /// </summary>
    public TimeSpan? Duration(string key, bool required, double min, double max)
    {
        (long ticksPerUnit, string? unit) = DurationUnit(key);
        double? value = Number(key, required, min, max, unit);
        return value is { } amount ? TimeSpan.FromTicks((long)Math.Round(amount * ticksPerUnit)) : null;
    }

    public bool? Bool(string key, bool required = false)
    {
        if (!TryScalar(key, required, "true or false", out string? text, out int line))
        {
            return null;
        }

        if (bool.TryParse(text.Trim(), out bool value))
        {
            return value;
        }

        _problems.Add(line, $"{Name(key)}: expected true or false, got '{text}'");
        return null;
    }

    /// <summary>A nested mapping. When absent, the returned reader is empty (<see cref="IsPresent"/> false).</summary>
    public MappingReader Mapping(string key, bool required, IReadOnlyList<string> allowedKeys, Func<string, string?>? misplacedKeyHint = null)
    {
        if (required && !Has(key))
        {
            ReportMissing(key, "section");
        }

        _entries.TryGetValue(key, out Entry? entry);
        return Read(_problems, entry?.Value, Name(key), entry?.KeyLine ?? Line, allowedKeys, misplacedKeyHint);
    }

    /// <summary>The items of a list; empty when the key is absent or null. A non-list value is reported.</summary>
    public IReadOnlyList<YamlNode> List(string key)
    {
        if (!Has(key))
        {
            return [];
        }

        Entry entry = _entries[key];
        if (entry.Value is YamlSequenceNode sequence)
        {
            return [.. sequence.Children];
        }

        _problems.Add(entry.KeyLine, $"{Name(key)}: expected a list (lines starting with '- '), got {YamlText.Describe(entry.Value)}");
        return [];
    }

    /// <summary>The scalar text of a key, if the key is present and holds a single value (no reporting).</summary>
    public static string? PeekScalar(YamlNode node, string key) =>
        node is YamlMappingNode mapping
        && mapping.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? value)
        && value is YamlScalarNode { Value: { } text }
        && !YamlText.IsNull(value)
            ? text
            : null;

    private bool TryScalar(string key, bool required, string expected, out string text, out int line)
    {
        text = "";
        line = LineOf(key);
        if (!Has(key))
        {
            if (required)
            {
                ReportMissing(key, "key");
            }

            return false;
        }

        if (_entries[key].Value is not YamlScalarNode { Value: { } value })
        {
            _problems.Add(line, $"{Name(key)}: expected {expected}, got {YamlText.Describe(_entries[key].Value)}");
            return false;
        }

        text = value;
        return true;
    }

    private void ReportMissing(string key, string what)
    {
        if (!_reportMissing)
        {
            return;
        }

        // A key written with nothing after it is reported at its own line, an absent one at its mapping's.
        (int line, string? empty) = _entries.TryGetValue(key, out Entry? entry) ? (entry.KeyLine, " (it is empty)") : (Line, "");
        string where = Path.Length == 0 ? "" : Path + ": ";
        _problems.Add(line, $"{where}missing required {what} '{key}'{empty}");
    }

    private static (long TicksPerUnit, string Unit) DurationUnit(string key) =>
        key.EndsWith("Ms", StringComparison.Ordinal) ? (TimeSpan.TicksPerMillisecond, "ms")
        : key.EndsWith("Seconds", StringComparison.Ordinal) ? (TimeSpan.TicksPerSecond, "s")
        : key.EndsWith("Minutes", StringComparison.Ordinal) ? (TimeSpan.TicksPerMinute, "min")
        : key.EndsWith("Hours", StringComparison.Ordinal) ? (TimeSpan.TicksPerHour, "h")
        : throw new ArgumentException($"A duration key carries its unit in its name: {key}", nameof(key));

    private static string WithUnit(string unit) => unit.Length == 0 ? "" : " " + unit;

    private static string Where(string path) => path.Length == 0 ? "top level" : path;

    private static string UnknownKeyMessage(string path, string key, IReadOnlyList<string> allowedKeys, string? hint)
    {
        string? closest = YamlText.ClosestMatch(key, allowedKeys);
        string suggestion = hint ?? (closest is null ? "" : $"did you mean '{closest}'?");
        string subject = path.Length == 0 ? $"unknown top-level key '{key}'" : $"{path}: unknown key '{key}'";
        string allowed = allowedKeys.Count == 0 ? "none" : string.Join(", ", allowedKeys);
        return suggestion.Length == 0
            ? $"{subject}; allowed keys: {allowed}"
            : $"{subject} ({suggestion}); allowed keys: {allowed}";
    }

    private sealed record Entry(int KeyLine, YamlNode Value);
}
