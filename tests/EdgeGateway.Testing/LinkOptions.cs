using EdgeGateway.Mqtt;

namespace EdgeGateway.Testing;

public static class LinkOptions
{
    /// <summary>
    /// Options with short back-off for tests (the products' defaults are 1 s … 30 s). The operation timeout (CONNECT
    /// handshake, a PUBACK) is a hang bound: at 5 s a TLS handshake on a machine at load average 80 ran out and the
    /// test saw "no CONNACK" instead of the certificate refusal it checks; no test waits for it to expire.
    /// </summary>
    public static MqttLinkOptions For(Uri broker, string clientId) => new()
    {
        Broker = broker,
        ClientId = clientId + "-" + Guid.NewGuid().ToString("N")[..6],
        InitialBackoff = TimeSpan.FromMilliseconds(100),
        MaxBackoff = TimeSpan.FromSeconds(1),
        OperationTimeout = TimeSpan.FromSeconds(30),
        KeepAlive = TimeSpan.FromSeconds(10),
    };
}
