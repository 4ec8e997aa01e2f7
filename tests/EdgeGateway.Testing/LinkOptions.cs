using EdgeGateway.Mqtt;

namespace EdgeGateway.Testing;

public static class LinkOptions
{
    /// <summary>Options with short back-off and timeouts for tests (the products' defaults are 1 s … 30 s).</summary>
    public static MqttLinkOptions For(Uri broker, string clientId) => new()
    {
        Broker = broker,
        ClientId = clientId + "-" + Guid.NewGuid().ToString("N")[..6],
        InitialBackoff = TimeSpan.FromMilliseconds(100),
        MaxBackoff = TimeSpan.FromSeconds(1),
        OperationTimeout = TimeSpan.FromSeconds(5),
        KeepAlive = TimeSpan.FromSeconds(10),
    };
}
