using System.Reflection;

namespace EdgeGateway.Mqtt.Tests;

/// <summary>The broker settings declared once are carried whole into every connection made from them.</summary>
public sealed class MqttBrokerSettingsTests
{
    private sealed class SiteSettings : MqttBrokerSettings;

    [Fact]
    public void Every_broker_setting_is_carried_into_the_link_options()
    {
        var settings = new SiteSettings();
        // A distinct value in every property, found by reflection: a setting added later without a line in
        // CopyBrokerSettingsTo fails here.
        PropertyInfo[] properties = typeof(MqttBrokerSettings).GetProperties(BindingFlags.Public | BindingFlags.Instance);
        foreach (PropertyInfo property in properties)
        {
            property.SetValue(settings, property.PropertyType == typeof(TimeSpan) ? TimeSpan.FromMinutes(42) : $"/etc/edgegateway/{property.Name}");
        }

        var link = MqttLinkOptions.For(new Uri("mqtts://broker.example.cn:8883"), "linzi-shed-7", settings);

        Assert.Equal(7, properties.Length);
        Assert.All(properties, property => Assert.Equal(property.GetValue(settings), property.GetValue(link)));
        Assert.Equal(("mqtts://broker.example.cn:8883/", "linzi-shed-7"), (link.Broker.ToString(), link.ClientId));
    }

    [Fact]
    public void The_link_keeps_its_own_defaults_for_what_the_broker_settings_do_not_say()
    {
        var link = MqttLinkOptions.For(new Uri("mqtt://127.0.0.1:1883"), "edge-hub", new SiteSettings());

        Assert.Equal(TimeSpan.FromDays(7), link.SessionExpiry);
        Assert.Equal(new MqttLinkOptions().MaxBackoff, link.MaxBackoff);
        Assert.True(link.AcknowledgeOnReceipt);
        Assert.Null(link.Will);
    }
}
