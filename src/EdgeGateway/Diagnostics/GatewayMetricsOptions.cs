using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Diagnostics;

/// <summary>The optional Prometheus endpoint (<c>Metrics</c> section of gateway.json or <c>EDGEGATEWAY_Metrics__*</c>).</summary>
public sealed class GatewayMetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>
    /// TCP port of <c>http://127.0.0.1:{port}/metrics</c>; 0 (the default) serves none. Loopback only, always: the
    /// endpoint has no authentication, so a scraper on the Pi (or an SSH tunnel) reads it, never the shed's network.
    /// Off by default on a Pi: the retained status carries the same figures to the hub at no extra cost.
    /// </summary>
    [Range(0, 65535)]
    public int PrometheusPort { get; set; }
}

/// <summary>Checks <see cref="GatewayMetricsOptions"/>' validation attributes at start: code generated at build time, no reflection, so
/// the Native AOT build checks the same (docs/measurements.md, "Third run").</summary>
[OptionsValidator]
internal sealed partial class GatewayMetricsOptionsValidator : IValidateOptions<GatewayMetricsOptions>;
