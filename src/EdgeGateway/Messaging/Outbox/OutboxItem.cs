namespace EdgeGateway.Messaging.Outbox;

/// <summary>A message to put into the outbox.</summary>
/// <param name="Topic">The MQTT topic it is published on. A topic should carry one <see cref="MessageClass"/> only: order is kept per class tier.</param>
/// <param name="Class">What the message is; decides fsync, drain priority and whether it may be thinned.</param>
/// <param name="Retain">The MQTT retain flag to publish with.</param>
/// <param name="Render">
/// Renders the payload for the gateway seq the outbox assigned. Called inside the storing transaction, under the
/// outbox's lock: keep it quick and free of side effects (if it throws, the whole batch is rolled back and no seq is used).
/// </param>
public sealed record OutboxItem(string Topic, MessageClass Class, bool Retain, Func<long, ReadOnlyMemory<byte>> Render);
