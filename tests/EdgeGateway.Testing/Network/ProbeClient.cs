using System.Buffers;
using System.Threading.Channels;
using EdgeGateway.Testing.Mosquitto;
using MQTTnet;
using MQTTnet.Protocol;
using Xunit;

namespace EdgeGateway.Testing.Network;

/// <summary>A plain MQTTnet 5 client on the test's side of the broker: subscribes and collects, or publishes commands.</summary>
public sealed class ProbeClient : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly Channel<MqttApplicationMessage> _received = Channel.CreateUnbounded<MqttApplicationMessage>();

    private ProbeClient(IMqttClient client)
    {
        _client = client;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            // Copy: the payload buffer belongs to the client once the handler returns.
            MqttApplicationMessage m = e.ApplicationMessage;
            m.Payload = new ReadOnlySequence<byte>(m.Payload.ToArray());
            _received.Writer.TryWrite(m);
            return Task.CompletedTask;
        };
    }

    // persistentSession: clean start off with an hour's session expiry, so the broker queues QoS 1 messages while the probe is away.
    public static async Task<ProbeClient> ConnectAsync(MosquittoBroker broker, string? username = null, string? password = null, string? clientId = null, bool persistentSession = false)
    {
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        MqttClientOptionsBuilder options = new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Host, broker.Port)
            .WithClientId(clientId ?? "probe-" + Guid.NewGuid().ToString("N")[..8])
            .WithCleanStart(!persistentSession)
            .WithTimeout(TimeSpan.FromSeconds(60)); // a hang bound, generous for a loaded machine
        if (persistentSession)
        {
            options.WithSessionExpiryInterval(3600);
        }
        if (broker.Tls)
        {
            options.WithTlsOptions(o => o.UseTls().WithTrustChain(LoadCa(broker.CaFile!)));
        }

        if (username is not null)
        {
            options.WithCredentials(username, password);
        }

        MqttClientConnectResult result = await client.ConnectAsync(options.Build());
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        return new ProbeClient(client);
    }

    public async Task SubscribeAsync(string topicFilter)
    {
        MqttClientSubscribeResult result = await _client.SubscribeAsync(
            new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topicFilter, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.All(result.Items, item => Assert.True((int)item.ResultCode < 0x80, $"subscribe {topicFilter}: {item.ResultCode}"));
    }

    public Task<MqttClientPublishResult> PublishAsync(string topic, string payload, string? responseTopic = null, byte[]? correlationData = null, bool retain = false)
    {
        MqttApplicationMessageBuilder builder = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (responseTopic is not null)
        {
            builder.WithResponseTopic(responseTopic);
        }

        if (correlationData is not null)
        {
            builder.WithCorrelationData(correlationData);
        }

        return _client.PublishAsync(builder.Build());
    }

    /// <summary>The next message, or a failure after <paramref name="timeout"/>.</summary>
    public async Task<MqttApplicationMessage> NextAsync(TimeSpan timeout) =>
        await TryNextAsync(timeout) ?? throw new TimeoutException($"no message within {timeout}");

    /// <summary>The next message, or null when none comes within <paramref name="timeout"/>.</summary>
    public async Task<MqttApplicationMessage?> TryNextAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _received.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
        }

        _client.Dispose();
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2Collection LoadCa(string file)
    {
        var roots = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        roots.ImportFromPemFile(file);
        return roots;
    }
}
