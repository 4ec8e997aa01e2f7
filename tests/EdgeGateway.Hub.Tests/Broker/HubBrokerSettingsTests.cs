using EdgeGateway.Hub.Ingest;
using EdgeGateway.Mqtt;
using Microsoft.Extensions.Configuration;

namespace EdgeGateway.Hub.Tests.Broker;

/// <summary>The hub's <c>Hub</c> section keys reach each of its MQTT connections.</summary>
public sealed class HubBrokerSettingsTests
{
    [Fact]
    public void The_hub_section_credentials_and_session_reach_every_connection_with_its_own_client_id()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Hub:Broker"] = "mqtts://broker.example.cn:8883",
            ["Hub:ClientId"] = "hub-a",
            ["Hub:CaFile"] = "/etc/edgegateway-hub/ca.pem",
            ["Hub:Username"] = "hub",
            ["Hub:PasswordFile"] = "/etc/edgegateway-hub/mqtt-password",
        }).Build();
        HubOptions options = configuration.GetSection(HubOptions.Section).Get<HubOptions>()!;

        MqttLinkOptions peers = options.LinkOptions(HubOptions.PeersConnection, acknowledgeOnReceipt: true, receiveMaximum: 100_000);

        Assert.Equal(("mqtts://broker.example.cn:8883/", "hub-a-peers"), (peers.Broker.ToString(), peers.ClientId));
        Assert.Equal(("/etc/edgegateway-hub/ca.pem", "hub-peers", "/etc/edgegateway-hub/mqtt-password"), (peers.CaFile, peers.Username, peers.PasswordFile));
        Assert.Equal(TimeSpan.FromDays(2), peers.SessionExpiry);
        Assert.Equal(ushort.MaxValue, peers.ReceiveMaximum);
        Assert.True(peers.AcknowledgeOnReceipt);
    }
}
