using MQTTnet.Protocol;

namespace EdgeGateway.Mqtt;

/// <summary>
/// How <see cref="MqttConnection"/> reaches the broker: the address and client id, the trust and credentials of
/// <see cref="MqttBrokerSettings"/>, and the link's own timing and acknowledgement. The password is not held here: it is
/// read from <see cref="MqttBrokerSettings.PasswordFile"/> or the environment variable named by
/// <see cref="MqttBrokerSettings.PasswordEnvironmentVariable"/> at every connect and never logged.
/// </summary>
public sealed class MqttLinkOptions : MqttBrokerSettings
{
    /// <summary>The connection to <paramref name="broker"/> as <paramref name="clientId"/>, with the trust and credentials of
    /// <paramref name="settings"/>; the caller sets what is its own (will, back-off, acknowledgement).</summary>
    public static MqttLinkOptions For(Uri broker, string clientId, MqttBrokerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentException.ThrowIfNullOrEmpty(clientId);
        ArgumentNullException.ThrowIfNull(settings);
        var options = new MqttLinkOptions { Broker = broker, ClientId = clientId };
        settings.CopyBrokerSettingsTo(options);
        return options;
    }

    /// <summary><c>mqtt://host:port</c> (plain TCP, default port 1883) or <c>mqtts://host:port</c> (TLS, default port 8883).</summary>
    public Uri Broker { get; set; } = new("mqtt://127.0.0.1:1883");

    /// <summary>The MQTT client identifier; stable per gateway, since the broker keeps the persistent session under it.</summary>
    public string ClientId { get; set; } = "edge-gateway";

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
