using System.Text.Json.Serialization;

namespace EdgeGateway.Contracts.Mqtt;

/// <summary>The bin classes (<c>class</c>) by wire name.</summary>
public static class BinClasses
{
    public const string Recyclable = "recyclable";
    public const string Kitchen = "kitchen";
    public const string Hazardous = "hazardous";
    public const string Other = "other";

    public static IReadOnlyList<string> All { get; } = [Recyclable, Kitchen, Hazardous, Other];
}

/// <summary><c>edge/v1/{site}/{gw}/bins/{bin}/telemetry</c>: periodic and immediately on a state change.</summary>
public sealed record BinTelemetryMessage : ContractMessage
{
    public required string Bin { get; init; }

    /// <summary>recyclable, kitchen, hazardous or other (<see cref="BinClasses"/>).</summary>
    public required string Class { get; init; }

    /// <summary>LwM2M 3435 Actual Fill Percentage.</summary>
    [JsonPropertyName("fill_pct")]
    [JsonRequired]
    public double? FillPct { get; init; }

    /// <summary>LwM2M 3435 Actual Fill Level, mm.</summary>
    [JsonPropertyName("fill_level_mm")]
    [JsonRequired]
    public double? FillLevelMm { get; init; }

    [JsonPropertyName("weight_kg")]
    [JsonRequired]
    public double? WeightKg { get; init; }

    [JsonPropertyName("temperature_c")]
    [JsonRequired]
    public double? TemperatureC { get; init; }

    public required bool LidOpen { get; init; }

    public required bool Tilted { get; init; }

    [JsonRequired]
    public string? Fault { get; init; }

    /// <summary>
    /// <see cref="Fault"/> as a reason code with its parameters (a bus or sensor error text stays a parameter), for
    /// readers to render in their language; absent while there is no fault and from gateways that predate it. Added
    /// within v1.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ContractReason? FaultCode { get; init; }

    /// <summary>When the bin's sensors were last sampled.</summary>
    [JsonRequired]
    public DateTimeOffset? SampledTs { get; init; }
}

/// <summary>
/// <c>edge/v1/{site}/{gw}/bins/{bin}/state</c>, retained, on change. Field names follow OMA LwM2M object 3435
/// "Filling level" where it has one.
/// </summary>
public sealed record BinStateMessage : ContractMessage
{
    public required string Bin { get; init; }

    public required string Class { get; init; }

    /// <summary>LwM2M 3435 Actual Fill Percentage.</summary>
    [JsonPropertyName("fill_pct")]
    [JsonRequired]
    public double? FillPct { get; init; }

    /// <summary>LwM2M 3435 Actual Fill Level, mm.</summary>
    [JsonPropertyName("fill_level_mm")]
    [JsonRequired]
    public double? FillLevelMm { get; init; }

    /// <summary>LwM2M 3435 High Threshold Percentage.</summary>
    [JsonPropertyName("high_threshold_pct")]
    [JsonRequired]
    public double? HighThresholdPct { get; init; }

    /// <summary>LwM2M 3435 Low Threshold Percentage.</summary>
    [JsonPropertyName("low_threshold_pct")]
    [JsonRequired]
    public double? LowThresholdPct { get; init; }

    /// <summary>Fill above <c>high_threshold_pct</c> (no LwM2M resource; the bin_nearly_full condition).</summary>
    public required bool NearlyFull { get; init; }

    /// <summary>LwM2M 3435 Container Full.</summary>
    public required bool ContainerFull { get; init; }

    /// <summary>LwM2M 3435 Container Empty.</summary>
    public required bool ContainerEmpty { get; init; }

    /// <summary>LwM2M 3435 Average Fill Speed, percent per day.</summary>
    [JsonPropertyName("average_fill_speed_pct_per_day")]
    [JsonRequired]
    public double? AverageFillSpeedPctPerDay { get; init; }

    /// <summary>LwM2M 3435 Forecast Full Date.</summary>
    [JsonRequired]
    public DateTimeOffset? ForecastFullTs { get; init; }

    /// <summary>LwM2M 3435 Forecast Empty Date; always null in v1.</summary>
    [JsonRequired]
    public DateTimeOffset? ForecastEmptyTs { get; init; }

    /// <summary>LwM2M 3435 Last Collection Date.</summary>
    [JsonRequired]
    public DateTimeOffset? LastCollectedTs { get; init; }

    /// <summary>How full the bin was when last collected, percent.</summary>
    [JsonPropertyName("fill_at_last_collection_pct")]
    [JsonRequired]
    public double? FillAtLastCollectionPct { get; init; }

    [JsonPropertyName("weight_kg")]
    [JsonRequired]
    public double? WeightKg { get; init; }

    [JsonPropertyName("temperature_c")]
    [JsonRequired]
    public double? TemperatureC { get; init; }

    public required bool LidOpen { get; init; }

    public required bool Tilted { get; init; }

    [JsonRequired]
    public string? Fault { get; init; }

    /// <summary>
    /// <see cref="Fault"/> as a reason code with its parameters (a bus or sensor error text stays a parameter), for
    /// readers to render in their language; absent while there is no fault and from gateways that predate it. Added
    /// within v1.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ContractReason? FaultCode { get; init; }
}
