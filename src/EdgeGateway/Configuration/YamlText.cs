using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EdgeGateway.Configuration;

/// <summary>Small helpers for reading YAML scalars the way site files mean them (invariant culture, 0x addresses).</summary>
internal static class YamlText
{
    public static int LineOf(Mark mark) => (int)Math.Clamp(mark.Line, 1, int.MaxValue);

    public static int LineOf(YamlNode node) => LineOf(node.Start);

    /// <summary>A value written as a YAML double-quoted scalar (backslashes and quotes escaped), for files the gateway writes.</summary>
    public static string DoubleQuoted(string value) =>
        $"\"{value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";

    /// <summary>A plain <c>null</c>, <c>~</c> or nothing at all is YAML's null.</summary>
    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode scalar
        && ((scalar.Tag.IsGlobal && scalar.Tag.Value is "tag:yaml.org,2002:null")
            || (scalar.Style is YamlDotNet.Core.ScalarStyle.Plain
                && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL"));

    /// <summary>How a node reads in a message: the scalar's text in quotes, or what kind of node it is.</summary>
    public static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode scalar when IsNull(scalar) => "nothing (null)",
        YamlScalarNode scalar => $"'{scalar.Value}'",
        YamlMappingNode => "a mapping (key: value lines)",
        YamlSequenceNode => "a list",
        _ => "an alias",
    };

    /// <summary>Whole numbers: decimal, or hexadecimal with a 0x prefix (I2C addresses are written 0x20).</summary>
    public static bool TryParseInteger(string text, out long value)
    {
        string trimmed = text.Trim();
        if (trimmed.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            return long.TryParse(trimmed.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        }

        return long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Finite decimal numbers with a '.' decimal point, whatever the machine's culture.</summary>
    public static bool TryParseNumber(string text, out double value) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    public static string Format(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    public static string FormatHex(long value) => "0x" + value.ToString("X2", CultureInfo.InvariantCulture);

    /// <summary>
    /// The candidate a mistyped name most likely meant: same letters in another case, a prefix of it
    /// (<c>completeHold</c> for <c>completeHoldMinutes</c>), or within a few edits. Null when nothing is close.
    /// </summary>
    public static string? ClosestMatch(string given, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestScore = int.MaxValue;
        foreach (string candidate in candidates)
        {
            if (string.Equals(candidate, given, StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }

            int score = EditDistance(given.ToUpperInvariant(), candidate.ToUpperInvariant());
            if (given.Length >= 4 && candidate.StartsWith(given, StringComparison.OrdinalIgnoreCase))
            {
                score = Math.Min(score, 1);
            }

            if (score <= Math.Max(2, candidate.Length / 3) && score < bestScore)
            {
                best = candidate;
                bestScore = score;
            }
        }

        return best;
    }

    private static int EditDistance(string a, string b)
    {
        int[] previous = new int[b.Length + 1];
        int[] current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), substitution);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
