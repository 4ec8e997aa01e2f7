using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeGateway.Contracts.Mqtt;

/// <summary>
/// Why, for a machine: a reason code from the catalogue (<c>EdgeGateway.Contracts.Reasons.Reasons</c>) and the values its
/// texts name, e.g. <c>{"code": "instantaneous_over_current", "params": {"current_a": 49.5, "limit_a": 40}}</c>. Each
/// reader renders it in its own language (<c>ReasonText</c>); the English <c>detail</c> / <c>message</c> beside it stays
/// for readers that predate it and for codes a reader does not know. Added within v1.
/// </summary>
public sealed record ContractReason
{
    private static readonly IReadOnlyDictionary<string, JsonElement> NoParameters = new Dictionary<string, JsonElement>(StringComparer.Ordinal);

    /// <summary>snake_case, stable: a reader keys its texts on it.</summary>
    public required string Code { get; init; }

    /// <summary>Numbers (in the unit the parameter's name ends with: <c>_a</c>, <c>_w</c>, <c>_s</c> …) and strings.</summary>
    [JsonPropertyName("params")]
    public IReadOnlyDictionary<string, JsonElement> Params { get; init; } = NoParameters;

    /// <summary>A reason with <paramref name="parameters"/>: doubles, integers and strings; a non-finite number is written as its text.</summary>
    public static ContractReason Of(string code, params (string Name, object Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var values = new Dictionary<string, JsonElement>(parameters.Length, StringComparer.Ordinal);
        foreach ((string name, object value) in parameters)
        {
            values[name] = value switch
            {
                double d when double.IsFinite(d) => JsonSerializer.SerializeToElement(d, ContractJson.Default.Double),
                int i => JsonSerializer.SerializeToElement((double)i, ContractJson.Default.Double),
                long l => JsonSerializer.SerializeToElement((double)l, ContractJson.Default.Double),
                double d => JsonSerializer.SerializeToElement(d.ToString(CultureInfo.InvariantCulture), ContractJson.Default.String),
                _ => JsonSerializer.SerializeToElement(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty, ContractJson.Default.String),
            };
        }

        return new ContractReason { Code = code, Params = values };
    }

    /// <summary>Same code and the same parameters with the same JSON values.</summary>
    public bool Equals(ContractReason? other) =>
        other is not null
        && string.Equals(Code, other.Code, StringComparison.Ordinal)
        && Params.Count == other.Params.Count
        && Params.All(pair => other.Params.TryGetValue(pair.Key, out JsonElement value) && string.Equals(pair.Value.GetRawText(), value.GetRawText(), StringComparison.Ordinal));

    public override int GetHashCode() => HashCode.Combine(StringComparer.Ordinal.GetHashCode(Code), Params.Count);
}
