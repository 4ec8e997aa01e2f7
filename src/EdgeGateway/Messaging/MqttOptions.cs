using System.ComponentModel.DataAnnotations;
using EdgeGateway.Mqtt;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Messaging;

/// <summary>
/// The MQTT link (configuration section <c>Mqtt</c>: appsettings, <c>EDGEGATEWAY_Mqtt__*</c> environment
/// variables, or <c>run --broker URL</c>): where the broker is, the trust and credentials of
/// <see cref="MqttBrokerSettings"/> (keys <c>CaFile</c>, <c>Username</c>, <c>PasswordFile</c>…; the session is kept 7 days),
/// and the gateway's own back-off and outbox bound. Secrets are never in this file or in logs.
/// </summary>
public sealed class MqttOptions : MqttBrokerSettings
{
    public const string Section = "Mqtt";

    /// <summary><c>embedded</c> (the gateway hosts its own broker on loopback), <c>none</c>, or <c>mqtt://host:port</c> / <c>mqtts://host:port</c>.</summary>
    [Required]
    public string Broker { get; set; } = "embedded";

    /// <summary>Port of the embedded broker (loopback only).</summary>
    [Range(1, 65535)]
    public int EmbeddedPort { get; set; } = 1883;

    /// <summary>Reconnect back-off grows exponentially (with jitter) up to this.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Outbox bound: beyond it telemetry is thinned (alarms and sessions never are).</summary>
    [Range(1000, 100_000_000)]
    public long OutboxMaxMessages { get; set; } = 200_000;

    public bool IsEmbedded => string.Equals(Broker, "embedded", StringComparison.OrdinalIgnoreCase);

    public bool IsDisabled => string.Equals(Broker, "none", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Checks <see cref="MqttOptions"/>' validation attributes at start: code generated at build time, no reflection, so
/// the Native AOT build checks the same (docs/measurements.md, "Third run").</summary>
[OptionsValidator]
internal sealed partial class MqttOptionsValidator : IValidateOptions<MqttOptions>;
