namespace EdgeGateway.Messaging.Outbox;

/// <summary>
/// What a message is, which decides how the outbox treats it. The numeric values are stored in the outbox file:
/// never renumber them.
/// </summary>
/// <remarks>
/// Drain priority: <see cref="Alarm"/> and <see cref="Session"/> first, then <see cref="State"/>, <see cref="Status"/>
/// and <see cref="Telemetry"/> in seq order. When the outbox reaches its bound only <see cref="Telemetry"/> is thinned
/// (and, if enabled, a <see cref="State"/> already superseded by a newer state on the same topic); alarms, sessions and
/// status messages are never dropped.
/// </remarks>
public enum MessageClass
{
    /// <summary>An alarm raised or cleared. Urgent: committed with fsync, drained first, never dropped.</summary>
    Alarm = 0,

    /// <summary>A charging session record (billing). Urgent: committed with fsync, drained first, never dropped.</summary>
    Session = 1,

    /// <summary>A port or bin state. Kept; may be thinned only when a newer state for the same topic is queued.</summary>
    State = 2,

    /// <summary>Periodic measurements. The only class thinned (oldest first) when the bound is reached.</summary>
    Telemetry = 3,

    /// <summary>Gateway status. Kept.</summary>
    Status = 4,
}
