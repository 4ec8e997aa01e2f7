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

    /// <summary>The peers' connection (<see cref="LinkOptions"/>): every clear, <c>alarm_ack</c> and stored range.</summary>
    public const string PeersConnection = "peers";

    /// <summary>The console's connection (<see cref="LinkOptions"/>): the live board and command replies.</summary>
    public const string ConsoleConnection = "console";

    /// <summary>The MQTT client id, and the hub instance's name. Stable per instance: the broker keeps the instance's
    /// persistent session (and its unacknowledged messages) under it. Give each instance its own, equal to its
    /// <see cref="MqttBrokerSettings.Username"/>: the production broker takes the account name as the client id.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9_-]{1,64}$")]
    public string ClientId { get; set; } = "edge-hub";

    /// <summary>The hub's session is kept 2 days while it is away (gateways' messages queue for it meanwhile).</summary>
    protected HubBrokerSettings() => SessionExpiry = TimeSpan.FromDays(2);

    /// <summary>The connection named <paramref name="connection"/> (<see cref="PeersConnection"/>,
    /// <see cref="ConsoleConnection"/>; empty for ingest's) to <see cref="Broker"/>: client id and user name
    /// <c>{ClientId}-{connection}</c> and <c>{Username}-{connection}</c>, with a Receive Maximum of
    /// <paramref name="receiveMaximum"/> held to MQTT's 1 .. 65535.</summary>
    /// <remarks>The production broker binds the client id to the account (<c>use_username_as_clientid</c>, so that no
    /// account can take over another's session): each of an instance's connections needs an account of its own,
    /// and deploy/mosquitto/make-credentials.sh <c>--hub NAME</c> makes <c>NAME</c>, <c>NAME-peers</c> and
    /// <c>NAME-console</c> with one password.</remarks>
    public MqttLinkOptions LinkOptions(string connection, bool acknowledgeOnReceipt, int receiveMaximum)
    {
        ArgumentNullException.ThrowIfNull(connection);
        string suffix = connection.Length == 0 ? "" : "-" + connection;
        var link = MqttLinkOptions.For(Broker, ClientId + suffix, this);
        if (!string.IsNullOrEmpty(Username))
        {
            link.Username = Username + suffix;
        }

        link.AcknowledgeOnReceipt = acknowledgeOnReceipt;
        link.ReceiveMaximum = (ushort)Math.Clamp(receiveMaximum, 1, ushort.MaxValue);
        return link;
    }
}
