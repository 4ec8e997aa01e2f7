namespace EdgeGateway.Messaging.Outbox;

/// <summary>A message to put into the outbox.</summary>
/// <param name="Topic">The MQTT topic it is published on. A topic should carry one <see cref="MessageClass"/> only: order is kept per class tier.</param>
/// <param name="Class">What the message is; decides fsync, drain priority and whether it may be thinned.</param>
/// <param name="Retain">The MQTT retain flag to publish with.</param>
/// <param name="Render">
/// Renders the payload for the gateway seq the outbox assigned. Called once, under the outbox's lock, just before the
/// storing transaction: keep it quick and free of side effects (if it throws, the whole batch is dropped and no seq is
/// used). The payload is stored (or, on a full disk, held in memory) exactly as rendered.
/// </param>
public sealed record OutboxItem(string Topic, MessageClass Class, bool Retain, Func<long, ReadOnlyMemory<byte>> Render);
