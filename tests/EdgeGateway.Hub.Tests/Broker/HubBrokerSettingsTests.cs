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

    [Fact]
    public void Files_the_settings_name_that_cannot_be_read_are_problems_named_by_their_key()
    {
        string directory = Directory.CreateTempSubdirectory("hub-files-").FullName;
        try
        {
            string ca = Path.Combine(directory, "ca.pem");
            File.WriteAllText(ca, "-----BEGIN CERTIFICATE-----");
            string missing = Path.Combine(directory, "mqtt-password");
            var options = new HubOptions
            {
                Broker = new Uri("mqtts://broker.example.cn:8883"),
                CaFile = ca,
                Username = "hub",
                PasswordFile = missing,
                Influx = new() { Url = new Uri("https://influx.example.cn"), Database = "edge", TokenFile = Path.Combine(directory, "no-such-dir", "token") },
            };

            IReadOnlyList<string> problems = options.Problems();

            Assert.Contains($"Hub:PasswordFile: {missing} does not exist", problems);
            Assert.Contains(problems, p => p.StartsWith("Hub:Influx:TokenFile: ", StringComparison.Ordinal) && p.EndsWith("does not exist", StringComparison.Ordinal));
            Assert.DoesNotContain(problems, p => p.StartsWith("Hub:CaFile", StringComparison.Ordinal));

            File.WriteAllText(missing, "secret\n");
            Assert.DoesNotContain(options.Problems(), p => p.StartsWith("Hub:PasswordFile", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
