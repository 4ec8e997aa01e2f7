namespace EdgeGateway.Contracts.Mqtt;

/// <summary>
/// What an id in contract v1 may be: site, gateway, port, bin, alarm and session ids, and the id inside an alarm's
/// <c>source</c>. One to <see cref="MaxLength"/> of <c>A-Z a-z 0-9 _ -</c>, starting with a letter or digit: a topic
/// segment with no wildcard or separator, and a value InfluxDB line protocol takes as a tag without escaping (no
/// space, comma, equals sign, quote or backslash), of bounded length.
/// </summary>
public static class ContractIds
{
    /// <summary>The longest id. A GUID (the gateway's alarm and session ids) is 36.</summary>
    public const int MaxLength = 64;

    /// <summary>The JSON Schema pattern of an id (the schemas carry it verbatim).</summary>
    public const string Pattern = "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$";

    /// <summary>The alarm sources that carry no id (<c>shed</c>, the shed sensors <c>vt</c> and <c>smoke</c>, <c>gateway</c>).</summary>
    public static IReadOnlyList<string> PlainSources { get; } = ["shed", "vt", "smoke", "gateway", "supply_meter"];

    /// <summary>The alarm sources that name an id: <c>port:{id}</c>, <c>bin:{id}</c>, <c>thermometer:{id}</c>.</summary>
    public static IReadOnlyList<string> SourcePrefixes { get; } = ["port:", "bin:", "thermometer:"];

    /// <summary>True when <paramref name="id"/> is a valid contract id (see the class summary).</summary>
    public static bool IsValid(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxLength || !char.IsAsciiLetterOrDigit(id[0]))
        {
            return false;
        }

        foreach (char c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when <paramref name="source"/> is an alarm source of the contract: one of <see cref="PlainSources"/>,
    /// or one of <see cref="SourcePrefixes"/> followed by a valid id.</summary>
    public static bool IsValidAlarmSource(string? source)
    {
        if (source is null)
        {
            return false;
        }

        if (PlainSources.Contains(source, StringComparer.Ordinal))
        {
            return true;
        }

        foreach (string prefix in SourcePrefixes)
        {
            if (source.StartsWith(prefix, StringComparison.Ordinal))
            {
                return IsValid(source[prefix.Length..]);
            }
        }

        return false;
    }
}
