using EdgeGateway.Configuration;
using EdgeGateway.Messaging;
using EdgeGateway.Tests.Simulation;
using Microsoft.Extensions.Configuration;

namespace EdgeGateway.Tests.Configuration;

public sealed class MqttSiteSectionTests
{
    private static SiteFileLoadResult Load(string mqtt) => SiteFileLoader.LoadText("site.yaml", ShedHarness.SiteYaml + "\n" + mqtt);

    [Fact]
    public void Tls_broker_with_ca_and_a_password_file_is_valid()
    {
        SiteFileLoadResult result = Load("mqtt: { broker: \"mqtts://mqtt.example.cn:8883\", caFile: /etc/edgegateway/ca.pem, username: gw-01, passwordFile: /etc/edgegateway/mqtt-password }");

        Assert.True(result.IsValid, string.Join("; ", result.Problems));
        Assert.Equal("mqtts://mqtt.example.cn:8883", result.Configuration!.Mqtt!.Broker);
    }

    [Theory]
    [InlineData("mqtt: { broker: \"mqtt://10.1.2.3:1883\", username: gw, passwordFile: /p }", "plain MQTT to 10.1.2.3")]
    [InlineData("mqtt: { broker: \"mqtts://mqtt.example.cn:8883\", username: gw, passwordFile: /p }", "mqtts needs caFile")]
    [InlineData("mqtt: { broker: \"mqtts://mqtt.example.cn:8883\", caFile: /ca.pem }", "needs the gateway's credentials")]
    [InlineData("mqtt: { broker: \"mqtts://mqtt.example.cn:8883\", caFile: /ca.pem, username: gw }", "say where the password is")]
    [InlineData("mqtt: { broker: \"http://x:1\" }", "is not embedded, none")]
    [InlineData("mqtt: { broker: embedded, password: hunter2 }", "password")]
    [InlineData("mqtt: { broker: embedded, commandMaxAgeSeconds: 5 }", "mqtt.commandMaxAgeSeconds: 5 is out of range (allowed 10..86400")]
    public void Insecure_or_incomplete_broker_settings_are_reported(string section, string expected)
    {
        SiteFileLoadResult result = Load(section);

        Assert.False(result.IsValid);
        Assert.Contains(result.Problems, p => p.Message.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void The_command_window_defaults_to_300_seconds_and_can_be_set()
    {
        Assert.Equal(300, Load("mqtt: { broker: embedded }").Configuration!.Mqtt!.CommandMaxAgeSeconds);
        Assert.Equal(120, Load("mqtt: { broker: embedded, commandMaxAgeSeconds: 120 }").Configuration!.Mqtt!.CommandMaxAgeSeconds);
    }

    [Fact]
    public void Configuration_and_the_command_line_override_the_site_file_key_by_key()
    {
        var site = new MqttSiteSettings { Broker = "mqtts://mqtt.example.cn:8883", CaFile = "/etc/edgegateway/ca.pem", Username = "gw-01", PasswordFile = "/etc/edgegateway/pw", Line = 1 };
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Mqtt:Broker"] = "mqtt://127.0.0.1:18830" }).Build();

        MqttOptions options = MqttLinkServiceCollectionExtensions.Resolve(configuration, site);

        Assert.Equal("mqtt://127.0.0.1:18830", options.Broker);
        Assert.Equal("/etc/edgegateway/ca.pem", options.CaFile);
        Assert.Equal("gw-01", options.Username);
    }

    [Fact]
    public void Without_a_site_section_or_configuration_the_broker_is_embedded()
    {
        MqttOptions options = MqttLinkServiceCollectionExtensions.Resolve(new ConfigurationBuilder().Build(), null);

        Assert.True(options.IsEmbedded);
    }
}
