using EdgeGateway.Messaging.Outbox;
using EdgeGateway.Mqtt;
using MQTTnet.Protocol;

namespace EdgeGateway.Messaging;

/// <summary>
/// The gateway's outbox drain: publishes the outbox in its order with QoS 1, keeping up to <see cref="Window"/>
/// publishes awaiting their PUBACK, and removes from the outbox only what the broker acknowledged. <see cref="MqttLink"/>
/// runs it whenever there is something to send; the <c>drain</c> benchmark runs the same code against a real broker.
/// </summary>
/// <remarks>
/// <para>The window is kept full ACROSS outbox batches: the next batch is peeked while the previous one's last
/// publishes still await their PUBACK, so the sender does not fall idle at every batch boundary. That is what made the
/// windowed drain slower than one at a time on a fast link. A Nagling broker (Mosquitto without
/// <c>set_tcp_nodelay</c>) sends the first of a run of PUBACKs at once and holds the rest until the TCP ACK of the
/// first; that ACK rides on the gateway's next packet, and when the gateway has nothing more to send the kernel
/// delays it (40 ms on Linux). Draining the window to empty at the end of each batch of 100 therefore cost one such
/// delay per batch (≈45 ms per 100 messages ≈ 2,200 msg/s on loopback, where one at a time — whose next PUBLISH always
/// carries the ACK — reached ≈13,000). Now the delay is paid once, when the outbox runs empty.</para>
/// <para>Order and failures: messages are sent in the order <see cref="DurableOutbox.PeekBatch"/> gives, and only the
/// longest run from the start that the broker acknowledged leaves the outbox; after the first failure nothing more is
/// sent, so the rest is re-sent in order next time (one acknowledged after the failed one may arrive twice; seq tells
/// the consumer).</para>
/// </remarks>
public sealed class OutboxDrain
{
    /// <summary>Messages taken from the outbox per <see cref="DurableOutbox.PeekBatch"/>.</summary>
    public const int DefaultBatch = 100;

    /// <summary>
    /// QoS 1 publishes awaiting their PUBACK at once, at most; the broker's Receive Maximum lowers it (MQTT 5 §4.9). 16
    /// stays under Mosquitto's default of 20 (<c>max_inflight_messages</c>).
    /// </summary>
    public const int DefaultWindow = 16;

    private readonly DurableOutbox _outbox;
    private readonly MqttConnection _connection;

    public OutboxDrain(DurableOutbox outbox, MqttConnection connection, int batch = DefaultBatch, int window = DefaultWindow)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(window);
        _outbox = outbox;
        _connection = connection;
        Batch = batch;
        Window = window;
    }

    public int Batch { get; }

    /// <summary>The configured window; the one used is the smaller of this and the broker's Receive Maximum.</summary>
    public int Window { get; }

    /// <summary>
    /// Publishes the outbox until nothing is left that is not already in flight, the link is down, or a publish fails
    /// (refused, not acknowledged in time, link dropped); returns how many messages left the outbox. Messages appended
    /// meanwhile are drained too. <paramref name="betweenBatches"/> runs after each batch's acknowledged messages were
    /// removed from the outbox (the link reports thinning there).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; acknowledged
    /// messages not yet removed stay in the outbox and are published again (at least once).</exception>
    public async Task<int> DrainAsync(Action? betweenBatches, CancellationToken cancellationToken)
    {
        // MQTT 5 §4.9: the client MUST NOT have more QoS 1 and 2 publishes unacknowledged than the server's Receive
        // Maximum (§3.2.2.3.3); read per drain, since it comes with each CONNACK.
        int window = Math.Min(Window, _connection.ServerReceiveMaximum);
        var inFlight = new Queue<(long Id, Task<bool> Published)>(window);
        var inFlightIds = new HashSet<long>(window);
        var unsent = new Queue<OutboxRecord>(Batch);
        var acknowledged = new List<long>(Batch);
        int removed = 0;
        bool stopped = false;
        bool exhausted = false;
        long urgentSeen = _outbox.UrgentAppended;
        while (true)
        {
            // An alarm or session appended since the last peek does not wait behind the telemetry already peeked (up to
            // a batch of it, which under a slow broker is seconds of PUBACKs): what was peeked and not sent is dropped
            // from this queue — it is still in the outbox — and peeked again behind the alarm. Per topic the order is
            // the same (the peek gives alarms and sessions first, then the rest in seq order).
            bool urgentWaiting = _outbox.UrgentAppended != urgentSeen;
            if (!stopped && (urgentWaiting || (!exhausted && unsent.Count == 0)))
            {
                // Refill while the window is still full. What was acknowledged leaves the outbox first, so the peek
                // (which returns the head until it is acknowledged) gives the in-flight messages and then new ones —
                // or, first, an alarm appended meanwhile (alarms and sessions drain first).
                unsent.Clear();
                removed += Remove(acknowledged);
                betweenBatches?.Invoke();
                urgentSeen = _outbox.UrgentAppended;
                IReadOnlyList<OutboxRecord> batch = _connection.IsConnected ? _outbox.PeekBatch(Batch + inFlight.Count) : [];
                foreach (OutboxRecord record in batch)
                {
                    if (!inFlightIds.Contains(record.Id))
                    {
                        unsent.Enqueue(record);
                    }
                }

                exhausted = unsent.Count == 0;
            }

            if (!stopped && unsent.Count > 0 && inFlight.Count < window)
            {
                OutboxRecord record = unsent.Dequeue();
                inFlightIds.Add(record.Id);
                _outbox.Publishing(record);
                inFlight.Enqueue((record.Id, _connection.PublishAsync(record.Topic, record.Payload, record.Retain, MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: cancellationToken)));
                continue;
            }

            if (inFlight.Count == 0)
            {
                break;
            }

            // The window is full (or nothing is left to send): wait for the oldest. A failure stops sending; what is
            // still in flight is awaited (it observed the failure or not) but stays in the outbox.
            (long id, Task<bool> published) = inFlight.Dequeue();
            inFlightIds.Remove(id);
            if (await published && !stopped)
            {
                acknowledged.Add(id);
            }
            else
            {
                stopped = true;
            }
        }

        removed += Remove(acknowledged);
        return removed;
    }

    private int Remove(List<long> acknowledged)
    {
        int count = acknowledged.Count;
        if (count > 0)
        {
            _outbox.Acknowledge(acknowledged);
            acknowledged.Clear();
        }

        return count;
    }
}
