using MQTTnet.Protocol;

namespace EdgeGateway.Mqtt;

/// <summary>
/// How <see cref="MqttConnection"/> reaches the broker. The password is not held here: it is read from
/// <see cref="PasswordFile"/> or the environment variable named by <see cref="PasswordEnvironmentVariable"/>
/// at every connect (so a rotated secret takes effect on the next reconnect) and never logged.
/// </summary>
public sealed class MqttLinkOptions
{
    /// <summary><c>mqtt://host:port</c> (plain TCP, default port 1883) or <c>mqtts://host:port</c> (TLS, default port 8883).</summary>
    public Uri Broker { get; set; } = new("mqtt://127.0.0.1:1883");

    /// <summary>The MQTT client identifier; stable per gateway, since the broker keeps the persistent session under it.</summary>
    public string ClientId { get; set; } = "edge-gateway";

    /// <summary>CA certificate(s) (PEM) the broker's certificate must chain to (mqtts). Only these roots are trusted, not the system store.</summary>
    public string? CaFile { get; set; }

    /// <summary>Client certificate (PEM) for brokers that authenticate gateways by certificate; with <see cref="ClientKeyFile"/>.</summary>
    public string? ClientCertificateFile { get; set; }

    /// <summary>The client certificate's private key (PEM, unencrypted; mode 0600).</summary>
    public string? ClientKeyFile { get; set; }

    public string? Username { get; set; }

    /// <summary>A file holding the password (first line; trailing line break ignored).</summary>
    public string? PasswordFile { get; set; }

    /// <summary>Or the name of an environment variable holding it (used when <see cref="PasswordFile"/> is not set).</summary>
    public string? PasswordEnvironmentVariable { get; set; }

    /// <summary>How long the broker keeps the session (subscriptions, queued QoS 1 messages) after the link drops.</summary>
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The first reconnect delay; each failed attempt doubles it (with jitter) up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Reconnect back-off grows exponentially (with jitter) up to this.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>MQTT keep-alive; the broker drops the link (and publishes the will) after 1.5 × this without traffic.</summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Bound on the CONNECT handshake and on waiting for a publish's acknowledgement.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// True (the gateway's choice): each incoming message is acknowledged (PUBACK) on receipt, before the handler runs.
    /// False (the hub's): the handler owns acknowledgement through <see cref="MqttIncomingMessage.AcknowledgeAsync"/>, so a
    /// message is acknowledged only once what it carries is safe; until then the broker keeps it and redelivers it on
    /// the resumed session. MQTT 5 §4.6: PUBACKs go in the order the PUBLISHes arrived, so acknowledge in that order.
    /// </summary>
    public bool AcknowledgeOnReceipt { get; set; } = true;

    /// <summary>
    /// MQTT 5 Receive Maximum (§3.1.2.11.3): how many QoS 1/2 messages the broker may have in flight to us unacknowledged;
    /// 0 leaves it out (the protocol's default, 65,535). With deferred acknowledgement this window, divided by the time to
    /// make a message safe, bounds throughput, so the hub asks for a large one.
    /// </summary>
    public ushort ReceiveMaximum { get; set; }

    /// <summary>
    /// The socket's send and receive buffers (SO_SNDBUF/SO_RCVBUF). MQTTnet sets both to its own 8 KiB unless told
    /// otherwise, which on Linux also turns off receive-buffer autotuning and, set before connecting, window scaling:
    /// the receive window stays under 16 KiB. A hub taking 2,000 messages/s then closes its window at the first
    /// scheduling hiccup, and on loopback the broker resumes only on its persist timer: the fleet simulator measured
    /// delivery collapsing to ≈80 messages/s with hub and broker both idle (<c>ss -ti</c>: rwnd_limited 99.9 %,
    /// wscale 0). 1 MiB (the kernel doubles it) leaves room for a window of several seconds' traffic.
    /// </summary>
    public int SocketBufferBytes { get; set; } = 1024 * 1024;

    /// <summary>The Last Will the broker publishes when the link drops without a DISCONNECT; null for none.</summary>
    public MqttWill? Will { get; set; }
}

/// <summary>A Last Will: published by the broker when the gateway vanishes (power, network, crash).</summary>
public sealed class MqttWill
{
    public string Topic { get; set; } = "";

    /// <summary>The payload as text (UTF-8 on the wire), typically a small JSON status document.</summary>
    public string Payload { get; set; } = "";

    /// <summary>Retained (the default), so that a late subscriber sees the gateway's last state.</summary>
    public bool Retain { get; set; } = true;

    public MqttQualityOfServiceLevel QualityOfService { get; set; } = MqttQualityOfServiceLevel.AtLeastOnce;
}
