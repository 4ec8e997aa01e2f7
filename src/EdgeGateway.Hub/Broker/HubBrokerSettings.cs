using System.ComponentModel.DataAnnotations;
using EdgeGateway.Mqtt;

namespace EdgeGateway.Hub.Broker;

/// <summary>
/// How the hub reaches its broker (keys of section <c>Hub</c>), for every MQTT connection the hub makes: ingest's, its
/// peers' and the console's, each built by <see cref="LinkOptions"/>. The hub's settings (<c>HubOptions</c>, in Ingest)
/// extend this class, so the keys stay in <c>Hub</c> and neither ingest nor the console reaches into the other for them.
/// Trust and credentials (<c>CaFile</c>, <c>Username</c>, <c>PasswordFile</c>…) are the shared <see cref="MqttBrokerSettings"/>.
/// </summary>
public abstract class HubBrokerSettings : MqttBrokerSettings
{
    /// <summary><c>mqtt://host:port</c> or <c>mqtts://host:port</c>; plain MQTT only on this machine.</summary>
    [Required]
    public Uri Broker { get; set; } = new("mqtt://127.0.0.1:1883");

    /// <summary>The MQTT client id, and the hub instance's name. Stable per instance: the broker keeps the instance's
    /// persistent session (and its unacknowledged messages) under it. Give each instance its own.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9_-]{1,64}$")]
    public string ClientId { get; set; } = "edge-hub";

    /// <summary>The hub's session is kept 2 days while it is away (gateways' messages queue for it meanwhile).</summary>
    protected HubBrokerSettings() => SessionExpiry = TimeSpan.FromDays(2);

    /// <summary>One of the hub's MQTT connections to <see cref="Broker"/> under <paramref name="clientId"/>, with a
    /// Receive Maximum of <paramref name="receiveMaximum"/> held to MQTT's 1 .. 65535.</summary>
    public MqttLinkOptions LinkOptions(string clientId, bool acknowledgeOnReceipt, int receiveMaximum)
    {
        var link = MqttLinkOptions.For(Broker, clientId, this);
        link.AcknowledgeOnReceipt = acknowledgeOnReceipt;
        link.ReceiveMaximum = (ushort)Math.Clamp(receiveMaximum, 1, ushort.MaxValue);
        return link;
    }
}
