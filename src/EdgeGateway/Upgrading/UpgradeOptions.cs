using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Upgrading;

/// <summary>
/// How the gateway takes an <c>upgrade</c> command (section <c>Upgrade</c>; /etc/edgegateway/gateway.json or
/// <c>EDGEGATEWAY_Upgrade__*</c>): the key it trusts, where it downloads to, and what it hands the verified bundle to.
/// </summary>
public sealed class UpgradeOptions
{
    public const string Section = "Upgrade";

    /// <summary>The publisher's public key (sign-bundle.sh's bundle-signing.pem). Without it every upgrade is refused.</summary>
    [Required]
    public string PublicKeyPath { get; set; } = "/etc/edgegateway/bundle-signing.pem";

    /// <summary>The CA that signed the hub's HTTPS certificate (as <c>Mqtt:CaFile</c> for the broker); null or empty: the system's roots.</summary>
    public string? CaFile { get; set; }

    /// <summary>Where archives are downloaded to; empty: <c>upgrade/</c> in the gateway's data directory.</summary>
    public string DownloadDirectory { get; set; } = "";

    /// <summary>
    /// The runner, as words separated by spaces (no quoting), followed by <see cref="ApplyScript"/> and its arguments. It
    /// must outlive the gateway, which apply-signed-bundle.sh stops: on a Pi a transient systemd unit.
    /// </summary>
    [Required]
    public string Runner { get; set; } = "systemd-run --unit edgegateway-upgrade --collect --quiet";

    /// <summary>What the runner runs: the installed apply-signed-bundle.sh, which verifies again, switches and rolls back.</summary>
    [Required]
    public string ApplyScript { get; set; } = "/opt/edgegateway/current/deploy/apply-signed-bundle.sh";

    /// <summary>The largest archive downloaded (a self-contained arm64 bundle is about 40 MB).</summary>
    [Range(1024, 4L * 1024 * 1024 * 1024)]
    public long MaxBundleBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Free space the download directory must have before an upgrade is accepted (archive, unpacked copy, new release).</summary>
    [Range(0, long.MaxValue)]
    public long MinFreeBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>How long the download may take.</summary>
    [TimeSpanRange("00:00:01", "06:00:00")]
    public TimeSpan DownloadTimeout { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>Checks <see cref="UpgradeOptions"/>' validation attributes at start: code generated at build time, no reflection, so
/// the Native AOT build checks the same (docs/measurements.md, "Third run").</summary>
[OptionsValidator]
internal sealed partial class UpgradeOptionsValidator : IValidateOptions<UpgradeOptions>;

/// <summary>
/// <c>[Range(typeof(TimeSpan), min, max)]</c> without its reflection: RangeAttribute converts its bounds with a
/// TypeConverter looked up at run time, which trimming may remove (IL2026); these bounds are parsed here, with the
/// invariant culture (<c>hh:mm:ss</c>, <c>d.hh:mm:ss</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class TimeSpanRangeAttribute(string minimum, string maximum) : ValidationAttribute("The field {0} must be between {1} and {2}.")
{
    private readonly TimeSpan _minimum = TimeSpan.Parse(minimum, CultureInfo.InvariantCulture);
    private readonly TimeSpan _maximum = TimeSpan.Parse(maximum, CultureInfo.InvariantCulture);

    public string Minimum { get; } = minimum;

    public string Maximum { get; } = maximum;

    public override bool IsValid(object? value) => value is not TimeSpan span || (span >= _minimum && span <= _maximum);

    public override string FormatErrorMessage(string name) =>
        string.Format(CultureInfo.CurrentCulture, ErrorMessageString, name, _minimum, _maximum);
}
