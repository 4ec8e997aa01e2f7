namespace EdgeGateway.Messaging.Outbox;

/// <summary>A stored message, ready to publish.</summary>
/// <param name="Id">The key to <see cref="DurableOutbox.Acknowledge"/> it with (in this schema it equals <paramref name="Seq"/>).</param>
/// <param name="Seq">The gateway seq the payload was rendered with.</param>
/// <param name="Topic">The MQTT topic.</param>
/// <param name="Class">What the message is.</param>
/// <param name="Retain">The MQTT retain flag.</param>
/// <param name="Payload">The payload bytes.</param>
public sealed record OutboxRecord(long Id, long Seq, string Topic, MessageClass Class, bool Retain, ReadOnlyMemory<byte> Payload);
