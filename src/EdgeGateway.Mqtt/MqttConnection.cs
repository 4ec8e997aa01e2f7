using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeGateway.Mqtt;

/// <summary>
/// The gateway's link to its MQTT broker (MQTT 5.0 over MQTTnet's <see cref="IMqttClient"/>).
/// <list type="bullet">
/// <item><see cref="RunAsync"/> connects and reconnects until cancelled, waiting a jittered, exponentially
/// growing delay (from <see cref="MqttLinkOptions.InitialBackoff"/> up to <see cref="MqttLinkOptions.MaxBackoff"/>)
/// after each failure; after an established link drops it waits about <see cref="MqttLinkOptions.InitialBackoff"/>.</item>
/// <item>Persistent session: clean start off, session expiry <see cref="MqttBrokerSettings.SessionExpiry"/>, so QoS 1
/// messages for the gateway queue at the broker while it is away.</item>
/// <item>Subscriptions given to <see cref="Subscribe"/> are made on EVERY connect, whether or not the broker reports
/// a session: that covers a broker that lost its data, and re-subscribing is harmless. They are made with retain
/// handling "send retained only for a new subscription", so a resumed session does not replay retained messages.</item>
/// <item>Incoming messages are acknowledged on receipt (before the handler runs) by default: commands carry their own
/// request/response protocol, and a slow handler must not hold back PUBACKs. Delivery is at least once. With
/// <see cref="MqttLinkOptions.AcknowledgeOnReceipt"/> off the handler acknowledges each message itself when it is safe.</item>
/// <item>The password is read at each connect and never logged; only the user name is.</item>
/// </list>
/// </summary>
public sealed partial class MqttConnection : IAsyncDisposable
{
    private static readonly TimeSpan DisconnectTimeout = TimeSpan.FromSeconds(2);

    private readonly MqttLinkOptions _options;
    private readonly ILogger<MqttConnection> _logger;
    private readonly IMqttClient _client;
    private readonly ConcurrentDictionary<string, MqttQualityOfServiceLevel> _subscriptions = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _disposing = new();
    private TaskCompletionSource<MqttClientDisconnectedEventArgs> _linkDown = NewLinkDown();
    private X509Certificate2Collection? _trustedRoots;
    private X509Certificate2? _clientCertificate;
    private string? _lastTlsProblem;
    private Task _run = Task.CompletedTask;
    private int _running;
    private int _linkGeneration;
    private int _serverReceiveMaximum = ushort.MaxValue;
    private int _disposed;

    public MqttConnection(MqttLinkOptions options, ILogger<MqttConnection> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        if (options.Broker.Scheme is not ("mqtt" or "mqtts"))
        {
            throw new ArgumentException($"the broker URI must be mqtt://host:port or mqtts://host:port, not {options.Broker}", nameof(options));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(options.ClientId, nameof(options));
        _options = options;
        _logger = logger;
        _client = new MqttClientFactory().CreateMqttClient();
        _client.DisconnectedAsync += OnDisconnectedAsync;
        _client.ApplicationMessageReceivedAsync += OnMessageReceivedAsync;
    }

    /// <summary>The link is up (subscriptions made) — raised on every (re)connect.</summary>
    public event EventHandler<MqttLinkConnectedEventArgs>? Connected;

    /// <summary>An established link dropped (or was closed by <see cref="RunAsync"/>'s cancellation).</summary>
    public event EventHandler<MqttLinkDisconnectedEventArgs>? Disconnected;

    /// <summary>A connect attempt failed (refused, unreachable, TLS); the next attempt follows after its <c>RetryIn</c>.</summary>
    public event EventHandler<MqttLinkConnectFailedEventArgs>? ConnectFailed;

    /// <summary>Called for each message on the link's subscriptions, one at a time in arrival order; exceptions are logged.
    /// Keep it short (hand the message to a channel): the next message waits for it.</summary>
    public Func<MqttIncomingMessage, Task>? MessageHandler { get; set; }

    public bool IsConnected => _client.IsConnected;

    /// <summary>
    /// The broker's Receive Maximum from the last CONNACK (MQTT 5 §3.2.2.3.3): how many QoS 1 and QoS 2 publishes may
    /// await their acknowledgement at once; the client must not send more (§4.9), and a broker may disconnect one that
    /// does (reason 0x93, Receive Maximum exceeded). 65,535, the protocol's default, when the broker sent none.
    /// MQTTnet does not enforce it: a caller that keeps several publishes in flight (the outbox drain) stays within it.
    /// </summary>
    public int ServerReceiveMaximum => Volatile.Read(ref _serverReceiveMaximum);

    /// <summary>Adds a subscription, made on every connect; when the link is up it is also made now.</summary>
    public void Subscribe(string topicFilter, MqttQualityOfServiceLevel qos)
    {
        ArgumentException.ThrowIfNullOrEmpty(topicFilter);
        _subscriptions[topicFilter] = qos;
        if (_client.IsConnected)
        {
            _ = SubscribeNowAsync([new KeyValuePair<string, MqttQualityOfServiceLevel>(topicFilter, qos)]);
        }
    }

    /// <summary>
    /// When set before the stop, the connection ends with Disconnect with Will Message (MQTT 5.0 §3.14.2.1, reason code
    /// 0x04) instead of a normal disconnection: the broker publishes the will, as it does for a client that vanished (a
    /// gateway whose power was cut).
    /// </summary>
    public bool PublishWillOnStop { get; set; }

    /// <summary>Connects and keeps the link up until <paramref name="cancellationToken"/> is cancelled (then disconnects
    /// cleanly: the broker discards the will). Completes without throwing when cancelled.</summary>
    public Task RunAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _running, 1) != 0)
        {
            throw new InvalidOperationException("RunAsync is already running");
        }

        _run = RunLoopAsync(cancellationToken);
        return _run;
    }

    /// <summary>
    /// Publishes a message. Returns true only when the broker accepted it: for QoS 1 a PUBACK (for QoS 2 a PUBREC) with a
    /// success reason code (<c>Success</c>, or <c>NoMatchingSubscribers</c> which MQTT 5 counts as success); for QoS 0,
    /// which has no acknowledgement, when it was written to the connection. Returns false — never throws — when the link
    /// is down (immediately), drops before the acknowledgement, the acknowledgement does not come within
    /// <see cref="MqttLinkOptions.OperationTimeout"/>, or the broker refuses it (e.g. <c>NotAuthorized</c> by its ACL).
    /// Throws <see cref="OperationCanceledException"/> only when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async Task<bool> PublishAsync(
        string topic,
        ReadOnlyMemory<byte> payload,
        bool retain,
        MqttQualityOfServiceLevel qos,
        MqttPublishProperties? properties = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_client.IsConnected || Volatile.Read(ref _disposed) != 0)
        {
            LogPublishWhileDisconnected(topic);
            return false;
        }

        MqttApplicationMessage message = BuildMessage(topic, payload, retain, qos, properties);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        timeout.CancelAfter(_options.OperationTimeout);
        try
        {
            MqttClientPublishResult result = await _client.PublishAsync(message, timeout.Token);
            if (result.IsSuccess)
            {
                return true;
            }

            LogPublishRefused(topic, result.ReasonCode, result.ReasonString);
            return false;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            LogPublishNotAcknowledged(topic, "no acknowledgement in time");
            return false;
        }
        catch (Exception exception) when (exception is MqttCommunicationException or ObjectDisposedException or InvalidOperationException)
        {
            LogPublishNotAcknowledged(topic, exception.Message);
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _disposing.CancelAsync();
        try
        {
            await _run;
        }
        catch (OperationCanceledException)
        {
        }

        await DisconnectQuietlyAsync();
        _client.DisconnectedAsync -= OnDisconnectedAsync;
        _client.ApplicationMessageReceivedAsync -= OnMessageReceivedAsync;
        _client.Dispose();
        _disposing.Dispose();
        _trustedRoots?.DisposeAll();
        _clientCertificate?.Dispose();
    }

    private static TaskCompletionSource<MqttClientDisconnectedEventArgs> NewLinkDown() =>
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task RunLoopAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        CancellationToken token = stop.Token;
        int failures = 0;
        try
        {
            while (!token.IsCancellationRequested)
            {
                TaskCompletionSource<MqttClientDisconnectedEventArgs> linkDown = NewLinkDown();
                Volatile.Write(ref _linkDown, linkDown);
                (MqttClientConnectResult? result, string? failure) = await TryConnectAsync(token);
                if (token.IsCancellationRequested)
                {
                    break;
                }

                TimeSpan delay;
                if (result is not null)
                {
                    failures = 0;
                    await OnLinkUpAsync(result, token);
                    MqttClientDisconnectedEventArgs down;
                    try
                    {
                        down = await linkDown.Task.WaitAsync(token);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }

                    string reason = down.ReasonString is { Length: > 0 } text ? $"{down.Reason} ({text})" : down.Reason.ToString();
                    LogDisconnected(reason, down.Exception?.Message);
                    Disconnected?.Invoke(this, new MqttLinkDisconnectedEventArgs(reason, down.Exception));
                    delay = new ExponentialBackoff(_options.InitialBackoff, _options.MaxBackoff).Delay(0);
                }
                else
                {
                    failures++;
                    delay = new ExponentialBackoff(_options.InitialBackoff, _options.MaxBackoff).Delay(failures);
                    LogConnectFailed(_options.Broker, failures, failure!, delay);
                    ConnectFailed?.Invoke(this, new MqttLinkConnectFailedEventArgs(failures, failure!, delay));
                }

                try
                {
                    await Task.Delay(delay, token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        finally
        {
            bool wasConnected = _client.IsConnected;
            await DisconnectQuietlyAsync();
            if (wasConnected)
            {
                LogDisconnected("closed by the gateway", null);
                Disconnected?.Invoke(this, new MqttLinkDisconnectedEventArgs(MqttClientDisconnectReason.NormalDisconnection.ToString(), null));
            }

            Volatile.Write(ref _running, 0);
        }
    }

    private async Task<(MqttClientConnectResult? Result, string? Failure)> TryConnectAsync(CancellationToken token)
    {
        try
        {
            MqttClientOptions options = BuildClientOptions();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
            timeout.CancelAfter(_options.OperationTimeout);
            _lastTlsProblem = null;
            MqttClientConnectResult result = await _client.ConnectAsync(options, timeout.Token);
            if (result.ResultCode == MqttClientConnectResultCode.Success)
            {
                return (result, null);
            }

            return (null, result.ReasonString is { Length: > 0 } text ? $"{result.ResultCode} ({text})" : result.ResultCode.ToString());
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return (null, "cancelled");
        }
        catch (Exception exception)
        {
            // Whatever went wrong (unreachable, TLS refused, unreadable password or certificate file), the loop retries.
            return (null, Describe(exception));
        }
    }

    private string Describe(Exception exception)
    {
        if (_lastTlsProblem is { } tls)
        {
            return "TLS: " + tls;
        }

        if (exception is OperationCanceledException)
        {
            return $"no CONNACK within {_options.OperationTimeout}";
        }

        Exception inner = exception;
        while (inner.InnerException is not null && inner is MqttCommunicationException)
        {
            inner = inner.InnerException;
        }

        return $"{inner.GetType().Name}: {inner.Message}";
    }

    private async Task OnLinkUpAsync(MqttClientConnectResult result, CancellationToken token)
    {
        Interlocked.Increment(ref _linkGeneration);
        // Absent means 65,535; 0 is a protocol error a broker should not send (§3.2.2.3.3), taken as absent.
        Volatile.Write(ref _serverReceiveMaximum, result.ReceiveMaximum is { } receiveMaximum and > 0 ? receiveMaximum : ushort.MaxValue);
        LogConnected(_options.Broker, _options.ClientId, _options.Username ?? "(anonymous)", result.IsSessionPresent);
        await SubscribeNowAsync(_subscriptions.ToArray(), token);
        Connected?.Invoke(this, new MqttLinkConnectedEventArgs(result.IsSessionPresent));
    }

    private async Task SubscribeNowAsync(KeyValuePair<string, MqttQualityOfServiceLevel>[] filters, CancellationToken token = default)
    {
        if (filters.Length == 0)
        {
            return;
        }

        var builder = new MqttClientSubscribeOptionsBuilder();
        foreach ((string filter, MqttQualityOfServiceLevel qos) in filters)
        {
            builder.WithTopicFilter(new MqttTopicFilterBuilder()
                .WithTopic(filter)
                .WithQualityOfServiceLevel(qos)
                .WithRetainHandling(MqttRetainHandling.SendAtSubscribeIfNewSubscriptionOnly)
                .Build());
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token, _disposing.Token);
            timeout.CancelAfter(_options.OperationTimeout);
            MqttClientSubscribeResult result = await _client.SubscribeAsync(builder.Build(), timeout.Token);
            foreach (MqttClientSubscribeResultItem item in result.Items)
            {
                if ((int)item.ResultCode >= 0x80)
                {
                    LogSubscriptionRefused(item.TopicFilter.Topic, item.ResultCode);
                }
            }
        }
        catch (Exception exception) when (exception is MqttCommunicationException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The link dropped (the loop reconnects and subscribes again) or the broker did not answer; in the
            // latter case drop the link so that the next connect retries the subscriptions.
            LogSubscribeFailed(exception.Message);
            if (_client.IsConnected && !token.IsCancellationRequested && Volatile.Read(ref _disposed) == 0)
            {
                await DropLinkAsync();
            }
        }
    }

    private async Task DropLinkAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(DisconnectTimeout);
            // Not a normal disconnection: the broker keeps the will and publishes it.
            await _client.DisconnectAsync(
                new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.UnspecifiedError).Build(),
                timeout.Token);
        }
        catch (Exception exception) when (exception is MqttCommunicationException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    private async Task DisconnectQuietlyAsync()
    {
        if (!_client.IsConnected)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(DisconnectTimeout);
            MqttClientDisconnectOptionsReason reason = PublishWillOnStop
                ? MqttClientDisconnectOptionsReason.DisconnectWithWillMessage
                : MqttClientDisconnectOptionsReason.NormalDisconnection;
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(reason).Build(), timeout.Token);
        }
        catch (Exception exception) when (exception is MqttCommunicationException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    private MqttClientOptions BuildClientOptions()
    {
        MqttClientOptionsBuilder builder = new MqttClientOptionsBuilder()
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithTcpServer(_options.Broker.Host, _options.Broker.IsDefaultPort ? null : _options.Broker.Port)
            .WithClientId(_options.ClientId)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)Math.Clamp(_options.SessionExpiry.TotalSeconds, 0, uint.MaxValue))
            .WithKeepAlivePeriod(_options.KeepAlive)
            .WithTimeout(_options.OperationTimeout);
        if (_options.ReceiveMaximum > 0)
        {
            builder.WithReceiveMaximum(_options.ReceiveMaximum);
        }

        if (_options.Broker.Scheme == "mqtts")
        {
            builder.WithTlsOptions(BuildTlsOptions());
        }
        else
        {
            builder.WithTlsOptions(o => o.UseTls(false));
        }

        if (!string.IsNullOrEmpty(_options.Username))
        {
            builder.WithCredentials(_options.Username, ReadPassword());
        }

        if (_options.Will is { } will)
        {
            builder.WithWillTopic(will.Topic)
                .WithWillPayload(Encoding.UTF8.GetBytes(will.Payload))
                .WithWillRetain(will.Retain)
                .WithWillQualityOfServiceLevel(will.QualityOfService);
        }

        MqttClientOptions options = builder.Build();
        if (options.ChannelOptions is MqttClientTcpOptions tcp && _options.SocketBufferBytes > 0)
        {
            tcp.BufferSize = _options.SocketBufferBytes;
        }

        return options;
    }

    private MqttClientTlsOptions BuildTlsOptions()
    {
        if (string.IsNullOrEmpty(_options.CaFile))
        {
            throw new InvalidOperationException("mqtts needs CaFile: the CA certificate the broker's certificate must chain to");
        }

        X509Certificate2Collection roots = CaChainValidator.LoadRoots(_options.CaFile);
        Interlocked.Exchange(ref _trustedRoots, roots)?.DisposeAll();
        MqttClientTlsOptionsBuilder tls = new MqttClientTlsOptionsBuilder()
            .UseTls()
            .WithTargetHost(_options.Broker.Host)
            .WithCertificateValidationHandler(args =>
            {
                string? problem = CaChainValidator.Validate(args.Certificate, args.Chain, args.SslPolicyErrors, roots);
                _lastTlsProblem = problem;
                if (problem is not null)
                {
                    LogCertificateRefused(problem);
                }

                return problem is null;
            });

        if (!string.IsNullOrEmpty(_options.ClientCertificateFile))
        {
            using var pem = X509Certificate2.CreateFromPemFile(_options.ClientCertificateFile, _options.ClientKeyFile);
            // Re-imported from PKCS#12 so that SslStream gets a certificate with a persisted private key on every platform.
            X509Certificate2 certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            Interlocked.Exchange(ref _clientCertificate, certificate)?.Dispose();
            tls.WithClientCertificates(new X509Certificate2Collection(certificate));
        }

        return tls.Build();
    }

    private string ReadPassword()
    {
        if (!string.IsNullOrEmpty(_options.PasswordFile))
        {
            string text = File.ReadAllText(_options.PasswordFile);
            int end = text.IndexOfAny(['\r', '\n']);
            return end >= 0 ? text[..end] : text;
        }

        if (!string.IsNullOrEmpty(_options.PasswordEnvironmentVariable))
        {
            return Environment.GetEnvironmentVariable(_options.PasswordEnvironmentVariable)
                ?? throw new InvalidOperationException($"the password variable {_options.PasswordEnvironmentVariable} is not set");
        }

        return "";
    }

    private static MqttApplicationMessage BuildMessage(string topic, ReadOnlyMemory<byte> payload, bool retain, MqttQualityOfServiceLevel qos, MqttPublishProperties? properties)
    {
        MqttApplicationMessageBuilder builder = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayloadSegment(payload)
            .WithRetainFlag(retain)
            .WithQualityOfServiceLevel(qos);
        if (properties is not null)
        {
            if (properties.ResponseTopic is { } responseTopic)
            {
                builder.WithResponseTopic(responseTopic);
            }

            if (properties.CorrelationData is { } correlation)
            {
                builder.WithCorrelationData(correlation.ToArray());
            }

            if (properties.ContentType is { } contentType)
            {
                builder.WithContentType(contentType);
            }

            if (properties.MessageExpiryInterval > 0)
            {
                builder.WithMessageExpiryInterval(properties.MessageExpiryInterval);
            }

            foreach ((string name, string value) in properties.UserProperties)
            {
                builder.WithUserProperty(name, Encoding.UTF8.GetBytes(value).AsMemory());
            }
        }

        return builder.Build();
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs args)
    {
        Volatile.Read(ref _linkDown).TrySetResult(args);
        return Task.CompletedTask;
    }

    private async Task OnMessageReceivedAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        args.AutoAcknowledge = false;
        if (_options.AcknowledgeOnReceipt)
        {
            await AcknowledgeAsync(args, CancellationToken.None);
        }

        Func<MqttIncomingMessage, Task>? handler = MessageHandler;
        if (handler is null)
        {
            return;
        }

        MqttApplicationMessage message = args.ApplicationMessage;
        var incoming = new MqttIncomingMessage(
            message.Topic,
            message.Payload.ToArray(),
            message.QualityOfServiceLevel,
            message.Retain,
            message.ResponseTopic,
            message.CorrelationData is { } correlation ? correlation.ToArray() : null,
            message.ContentType,
            message.UserProperties is { Count: > 0 } user
                ? user.Select(p => new KeyValuePair<string, string>(p.Name, p.ReadValueAsString())).ToArray()
                : [])
        {
            AcknowledgeAsync = _options.AcknowledgeOnReceipt ? static _ => Task.FromResult(true) : DeferredAcknowledgement(args),
        };
        try
        {
            await handler(incoming);
        }
#pragma warning disable CA1031 // A handler's failure must not stop the link; it is logged.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogHandlerFailed(exception, message.Topic);
        }
    }

    private Func<CancellationToken, Task<bool>> DeferredAcknowledgement(MqttApplicationMessageReceivedEventArgs args)
    {
        int generation = Volatile.Read(ref _linkGeneration);
        return token => generation == Volatile.Read(ref _linkGeneration) && _client.IsConnected
            ? AcknowledgeAsync(args, token)
            : Task.FromResult(false);
    }

    private async Task<bool> AcknowledgeAsync(MqttApplicationMessageReceivedEventArgs args, CancellationToken token)
    {
        try
        {
            await args.AcknowledgeAsync(token);
            return true;
        }
        catch (Exception exception) when (exception is MqttCommunicationException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // The broker will deliver it again on the resumed session (at least once).
            LogAcknowledgeFailed(args.ApplicationMessage.Topic, exception.Message);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT connected to {Broker} as {ClientId} (user {Username}), session present: {SessionPresent}")]
    private partial void LogConnected(Uri broker, string clientId, string username, bool sessionPresent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT disconnected: {Reason} {Detail}")]
    private partial void LogDisconnected(string reason, string? detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT connect to {Broker} failed (attempt {Attempt}): {Reason}; retrying in {RetryIn}")]
    private partial void LogConnectFailed(Uri broker, int attempt, string reason, TimeSpan retryIn);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT broker certificate refused: {Problem}")]
    private partial void LogCertificateRefused(string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT subscription to {TopicFilter} refused by the broker: {ReasonCode}")]
    private partial void LogSubscriptionRefused(string topicFilter, MqttClientSubscribeResultCode reasonCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT subscribe failed: {Detail}")]
    private partial void LogSubscribeFailed(string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MQTT publish to {Topic} skipped: not connected")]
    private partial void LogPublishWhileDisconnected(string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT publish to {Topic} refused by the broker: {ReasonCode} {ReasonString}")]
    private partial void LogPublishRefused(string topic, MqttClientPublishReasonCode reasonCode, string? reasonString);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT publish to {Topic} not acknowledged: {Detail}")]
    private partial void LogPublishNotAcknowledged(string topic, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT acknowledgement of a message on {Topic} failed: {Detail}")]
    private partial void LogAcknowledgeFailed(string topic, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "MQTT message handler failed for {Topic}")]
    private partial void LogHandlerFailed(Exception exception, string topic);
}

file static class CertificateCollectionExtensions
{
    public static void DisposeAll(this X509Certificate2Collection certificates)
    {
        foreach (X509Certificate2 certificate in certificates)
        {
            certificate.Dispose();
        }
    }
}
