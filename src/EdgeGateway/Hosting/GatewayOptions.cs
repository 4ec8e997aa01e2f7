using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Hosting;

/// <summary>How this gateway process runs (from the command line, appsettings or EDGEGATEWAY_ environment variables).</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>The site file in force.</summary>
    [Required]
    public string SiteFile { get; set; } = "";

    /// <summary>Run on the bus-level simulator instead of the board's buses.</summary>
    public bool Simulate { get; set; }

    /// <summary>Simulation scenario file (simulation only).</summary>
    public string? Scenario { get; set; }

    /// <summary>Simulated seconds per real second (simulation only); 0 runs as fast as the CPU allows.</summary>
    [Range(0, 100_000)]
    public double? Speed { get; set; }

    /// <summary>Where the gateway keeps its state (the MQTT outbox lives here).</summary>
    [Required]
    public string DataDirectory { get; set; } = "/var/lib/edgegateway";

    /// <summary>zh-CN (default) or en, for the live view.</summary>
    [RegularExpression("^(zh|zh-CN|zh-Hans|en|en-US|en-GB)$")]
    public string Language { get; set; } = "zh-CN";

    /// <summary>Stop after this much (simulated) time; unset runs until stopped.</summary>
    public TimeSpan? StopAfter { get; set; }
}

/// <summary>Checks <see cref="GatewayOptions"/>' validation attributes at start: code generated at build time, no reflection, so
/// the Native AOT build checks the same (docs/measurements.md, "Third run").</summary>
[OptionsValidator]
internal sealed partial class GatewayOptionsValidator : IValidateOptions<GatewayOptions>;
