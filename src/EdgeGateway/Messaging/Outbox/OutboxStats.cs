namespace EdgeGateway.Messaging.Outbox;

/// <summary>The outbox's state, for the gateway status message and the <c>gateway_buffer_full</c> alarm.</summary>
/// <param name="Depth">Messages waiting to be published.</param>
/// <param name="Bytes">Their accounted size: payload bytes plus UTF-8 topic bytes (the file is larger by SQLite's overhead).</param>
/// <param name="DepthByClass">Messages waiting, per class (every class present, zero included).</param>
/// <param name="ThinnedTotal">Telemetry messages dropped by the bound since the store was created.</param>
/// <param name="ThinnedSinceLastReport">Telemetry messages dropped since the last <see cref="DurableOutbox.TakeReport"/>.</param>
/// <param name="ThinnedFirstSeq">The lowest seq among those dropped since the last report; null when none were.</param>
/// <param name="ThinnedLastSeq">The highest seq among those dropped since the last report; null when none were.</param>
/// <param name="SupersededStatesTotal">States dropped by the bound because a newer state for the same topic was queued (counted apart from telemetry).</param>
/// <param name="SupersededStatesSinceLastReport">Such states dropped since the last report.</param>
/// <param name="LastSeq">The last seq assigned (persisted; survives restarts and an emptied outbox).</param>
/// <param name="BoundReached">Depth or bytes are at (or over) the bound: telemetry is being thinned. Raise <c>gateway_buffer_full</c>.</param>
/// <param name="OverBound">Over the bound with nothing left that may be thinned: urgent messages are kept beyond it.</param>
/// <param name="Recovery">What <see cref="DurableOutbox.Open"/> had to do (corrupt file moved aside), or null.</param>
public sealed record OutboxStats(
    long Depth,
    long Bytes,
    IReadOnlyDictionary<MessageClass, long> DepthByClass,
    long ThinnedTotal,
    long ThinnedSinceLastReport,
    long? ThinnedFirstSeq,
    long? ThinnedLastSeq,
    long SupersededStatesTotal,
    long SupersededStatesSinceLastReport,
    long LastSeq,
    bool BoundReached,
    bool OverBound,
    string? Recovery);
