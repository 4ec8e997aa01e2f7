using System.ComponentModel.DataAnnotations;

namespace EdgeGateway.Messaging;

/// <summary>
/// The MQTT link (configuration section <c>Mqtt</c>: appsettings, <c>EDGEGATEWAY_Mqtt__*</c> environment
/// variables, or <c>run --broker URL</c>). Secrets are never in this file or in logs: the password is
/// read from <see cref="PasswordFile"/> or the variable named by <see cref="PasswordEnvironmentVariable"/>
/// at connect time.
/// </summary>
public sealed class MqttOptions
{
    public const string Section = "Mqtt";

    /// <summary><c>embedded</c> (the gateway hosts its own broker on loopback), <c>none</c>, or <c>mqtt://host:port</c> / <c>mqtts://host:port</c>.</summary>
    [Required]
    public string Broker { get; set; } = "embedded";

    /// <summary>Port of the embedded broker (loopback only).</summary>
    [Range(1, 65535)]
    public int EmbeddedPort { get; set; } = 1883;

    /// <summary>CA certificate (PEM) that the broker's certificate must chain to (mqtts).</summary>
    public string? CaFile { get; set; }

    /// <summary>Client certificate and key (PEM), for brokers that authenticate gateways by certificate.</summary>
    public string? ClientCertificateFile { get; set; }

    public string? ClientKeyFile { get; set; }

    public string? Username { get; set; }

    /// <summary>A file holding the password (mode 0600, owned by the service user).</summary>
    public string? PasswordFile { get; set; }

    /// <summary>Or the name of an environment variable holding it (systemd <c>LoadCredential=</c>/<c>Environment=</c>).</summary>
    public string? PasswordEnvironmentVariable { get; set; }

    /// <summary>Reconnect back-off grows exponentially (with jitter) up to this.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the broker keeps the gateway's session (and its queued commands) while it is away.</summary>
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Outbox bound: beyond it telemetry is thinned (alarms and sessions never are).</summary>
    [Range(1000, 100_000_000)]
    public long OutboxMaxMessages { get; set; } = 200_000;

    public bool IsEmbedded => string.Equals(Broker, "embedded", StringComparison.OrdinalIgnoreCase);

    public bool IsDisabled => string.Equals(Broker, "none", StringComparison.OrdinalIgnoreCase);
}
