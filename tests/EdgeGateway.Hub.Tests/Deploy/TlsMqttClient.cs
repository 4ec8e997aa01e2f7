using System.Buffers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeGateway.Hub.Tests.Deploy;

/// <summary>
/// An MQTT 5 client over TLS that trusts only the given CA file, as the gateway and the hub do (the chain rebuilt with
/// that CA as the only root, the host name checked): the test's stand-in for a gateway or a hub instance.
/// </summary>
internal sealed class TlsMqttClient : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly Channel<(string Topic, string Payload)> _received = Channel.CreateUnbounded<(string, string)>();

    private TlsMqttClient(IMqttClient client)
    {
        _client = client;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            _received.Writer.TryWrite((e.ApplicationMessage.Topic, Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray())));
            return Task.CompletedTask;
        };
    }

    /// <summary>Why the last TLS validation refused the broker's certificate (null when it accepted it).</summary>
    public static string? LastRefusal { get; private set; }

    public static async Task<TlsMqttClient> ConnectAsync(string host, int port, string caFile, string clientId, string? username, string? password,
        string? clientCertificate = null, string? clientKey = null, bool persistentSession = false, bool tls = true)
    {
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        MqttClientOptionsBuilder options = new MqttClientOptionsBuilder()
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTcpServer(host, port)
            .WithClientId(clientId)
            .WithCleanStart(!persistentSession)
            .WithTimeout(TimeSpan.FromSeconds(60)); // a hang bound, generous for a loaded machine
        if (persistentSession)
        {
            options.WithSessionExpiryInterval(3600);
        }

        if (tls)
        {
            X509Certificate2Collection roots = [];
            roots.ImportFromPemFile(caFile);
            options.WithTlsOptions(o =>
            {
                o.UseTls().WithTargetHost(host).WithCertificateValidationHandler(args => Validate(args.Certificate, args.SslPolicyErrors, roots));
                if (clientCertificate is not null)
                {
                    using var pem = X509Certificate2.CreateFromPemFile(clientCertificate, clientKey);
                    o.WithClientCertificates(new X509Certificate2Collection(X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null)));
                }
            });
        }

        if (username is not null)
        {
            options.WithCredentials(username, password);
        }

        try
        {
            MqttClientConnectResult result = await client.ConnectAsync(options.Build());
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                client.Dispose();
                throw new MqttRefusedException(result.ResultCode);
            }
        }
        catch (MqttConnectingFailedException failed)
        {
            client.Dispose();
            throw new MqttRefusedException(MqttClientConnectResultCode.UnspecifiedError, failed.Message);
        }
        catch
        {
            client.Dispose();
            throw;
        }

        return new TlsMqttClient(client);
    }

    public async Task SubscribeAsync(string filter)
    {
        MqttClientSubscribeResult result = await _client.SubscribeAsync(
            new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.All(result.Items, item => Assert.True((int)item.ResultCode < 0x80, $"subscribe {filter}: {item.ResultCode}"));
    }

    public async Task<MqttClientPublishReasonCode> PublishAsync(string topic, string payload)
    {
        MqttClientPublishResult result = await _client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        return result.ReasonCode;
    }

    /// <summary>Every message received until nothing more came for <paramref name="quiet"/>.</summary>
    /// <summary>
    /// Waits for <paramref name="expected"/> messages (a loaded machine may take seconds to deliver; the deadline only
    /// bounds a failing run), then goes on reading until <paramref name="quiet"/> passes without one, so that a message
    /// too many is seen too.
    /// </summary>
    public async Task<List<(string Topic, string Payload)>> ReceiveAsync(int expected, TimeSpan quiet)
    {
        var messages = new List<(string Topic, string Payload)>();
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            try
            {
                while (messages.Count < expected)
                {
                    messages.Add(await _received.Reader.ReadAsync(deadline.Token));
                }
            }
            catch (OperationCanceledException)
            {
                return messages;
            }
        }

        messages.AddRange(await DrainAsync(quiet));
        return messages;
    }

    /// <summary>Every message that arrives until <paramref name="quiet"/> passes without one.</summary>
    public async Task<List<(string Topic, string Payload)>> DrainAsync(TimeSpan quiet)
    {
        var messages = new List<(string, string)>();
        while (true)
        {
            using var cts = new CancellationTokenSource(quiet);
            try
            {
                messages.Add(await _received.Reader.ReadAsync(cts.Token));
            }
            catch (OperationCanceledException)
            {
                return messages;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
            }
        }
        catch (MqttCommunicationException)
        {
            // The broker closed the connection first (after a refused publish).
        }

        _client.Dispose();
    }

    private static bool Validate(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection roots)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            LastRefusal = $"no certificate or wrong name: {errors}";
            return false;
        }

        using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        bool trusted = chain.Build(leaf);
        LastRefusal = trusted ? null : string.Join("; ", chain.ChainStatus.Select(s => s.Status.ToString()));
        return trusted;
    }
}

/// <summary>The broker answered CONNACK with a refusal.</summary>
internal sealed class MqttRefusedException(MqttClientConnectResultCode code, string? detail = null) : Exception($"the broker refused the connection: {code} {detail}")
{
    public MqttClientConnectResultCode Code { get; } = code;
}
