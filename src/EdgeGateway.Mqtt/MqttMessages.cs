using MQTTnet.Protocol;

namespace EdgeGateway.Mqtt;

/// <summary>A message the broker delivered on one of the link's subscriptions (the payload is a copy the handler may keep).</summary>
public sealed record MqttIncomingMessage(
    string Topic,
    ReadOnlyMemory<byte> Payload,
    MqttQualityOfServiceLevel QualityOfService,
    bool Retain,
    string? ResponseTopic,
    ReadOnlyMemory<byte>? CorrelationData,
    string? ContentType,
    IReadOnlyList<KeyValuePair<string, string>> UserProperties)
{
    /// <summary>
    /// Sends the message's PUBACK when <see cref="MqttLinkOptions.AcknowledgeOnReceipt"/> is false (otherwise it was sent
    /// on receipt and this returns true). Returns false — never throws — when the link that delivered the message has
    /// since dropped: its packet identifier means nothing on a new connection, and the broker redelivers the message on
    /// the resumed session anyway.
    /// </summary>
    public Func<CancellationToken, Task<bool>> AcknowledgeAsync { get; init; } = static _ => Task.FromResult(true);
}

/// <summary>MQTT 5 properties of an outgoing message (request/response and metadata); all optional.</summary>
public sealed class MqttPublishProperties
{
    public string? ResponseTopic { get; init; }

    public ReadOnlyMemory<byte>? CorrelationData { get; init; }

    public string? ContentType { get; init; }

    /// <summary>Seconds after which the broker discards the message if undelivered; 0 for never.</summary>
    public uint MessageExpiryInterval { get; init; }

    public IReadOnlyList<KeyValuePair<string, string>> UserProperties { get; init; } = [];
}

/// <summary>The link is up: subscriptions are (re)made.</summary>
public sealed class MqttLinkConnectedEventArgs(bool sessionPresent) : EventArgs
{
    /// <summary>The broker still had the gateway's persistent session (queued messages will follow).</summary>
    public bool SessionPresent { get; } = sessionPresent;
}

/// <summary>An established link dropped.</summary>
public sealed class MqttLinkDisconnectedEventArgs(string reason, Exception? exception) : EventArgs
{
    /// <summary>MQTTnet's disconnect reason (for example <c>NormalDisconnection</c>, <c>UnspecifiedError</c> for a lost socket, <c>ServerShuttingDown</c>).</summary>
    public string Reason { get; } = reason;

    public Exception? Exception { get; } = exception;
}

/// <summary>A connect attempt failed; the next one follows after <see cref="RetryIn"/>.</summary>
public sealed class MqttLinkConnectFailedEventArgs(int attempt, string reason, TimeSpan retryIn) : EventArgs
{
    /// <summary>1 for the first failure since the link was last up.</summary>
    public int Attempt { get; } = attempt;

    /// <summary>The CONNACK reason code (e.g. <c>BadUserNameOrPassword</c>) or the transport error (e.g. a refused TLS certificate).</summary>
    public string Reason { get; } = reason;

    public TimeSpan RetryIn { get; } = retryIn;
}
