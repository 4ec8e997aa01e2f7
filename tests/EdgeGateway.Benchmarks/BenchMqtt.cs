using System.Globalization;
using EdgeGateway.Mqtt;
using EdgeGateway.Testing.Mosquitto;
using MQTTnet;

namespace EdgeGateway.Benchmarks;

/// <summary>
/// The benches' own MQTT clients (the publisher feeding the broker, the bare subscribers measuring it): MQTTnet 5 with
/// the socket buffers the product's link uses (<see cref="MqttLinkOptions.SocketBufferBytes"/>, 1 MiB), not MQTTnet's
/// default 8 KiB, which on Linux also turns off receive-buffer autotuning and window scaling: a receive window under
/// 16 KiB that, at the first scheduling hiccup, leaves the broker waiting on its persist timer (a fresh clone measured
/// 210 msg/s for the bare subscriber that way). A bench client is then no slower than the hub or gateway it is
/// compared with.
/// </summary>
internal static class BenchMqtt
{
    /// <summary>What the benches' MQTT clients are, for their output lines.</summary>
    public static string ClientDescription { get; } = string.Create(CultureInfo.InvariantCulture,
        $"MQTTnet, {(SocketBufferBytes % (1024 * 1024) == 0 ? $"{SocketBufferBytes / (1024 * 1024)} MiB" : $"{SocketBufferBytes / 1024} KiB")} socket buffers as the product's link");

    private static int SocketBufferBytes => new MqttLinkOptions().SocketBufferBytes;

    /// <summary>MQTT 5 client options for <paramref name="broker"/>, clean start, with the product's socket buffer size.</summary>
    public static MqttClientOptions Options(MosquittoBroker broker, string clientId, ushort receiveMaximum = 0, uint sessionExpirySeconds = 0)
    {
        MqttClientOptionsBuilder builder = new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Host, broker.Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId(clientId)
            .WithCleanStart(true)
            .WithSessionExpiryInterval(sessionExpirySeconds)
            .WithTimeout(TimeSpan.FromSeconds(30));
        if (receiveMaximum > 0)
        {
            builder.WithReceiveMaximum(receiveMaximum);
        }

        MqttClientOptions options = builder.Build();
        // As MqttConnection.BuildClientOptions does: SO_RCVBUF and SO_SNDBUF, set before connecting.
        ((MqttClientTcpOptions)options.ChannelOptions).BufferSize = SocketBufferBytes;
        return options;
    }

    public static async Task<IMqttClient> ConnectAsync(MosquittoBroker broker, string clientId, ushort receiveMaximum = 0)
    {
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        MqttClientConnectResult result = await client.ConnectAsync(Options(broker, clientId, receiveMaximum));
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            client.Dispose();
            throw new InvalidOperationException($"{clientId}: the broker refused the connection: {result.ResultCode} {result.ReasonString}");
        }

        return client;
    }

    /// <summary>
    /// Ends the broker's session kept under <paramref name="clientId"/> (connect with clean start and session expiry 0,
    /// disconnect), so that it does not go on queueing every later message for a client that is gone.
    /// </summary>
    public static async Task EndSessionAsync(MosquittoBroker broker, string clientId)
    {
        using IMqttClient client = await ConnectAsync(broker, clientId);
        await client.DisconnectAsync();
    }
}
