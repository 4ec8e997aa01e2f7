namespace EdgeGateway.Messaging.Outbox;

/// <summary>The outbox's state, for the gateway status message and the <c>gateway_buffer_full</c> alarm.</summary>
/// <param name="Depth">Messages waiting to be published, those held in memory (<paramref name="Unstored"/>) included.</param>
/// <param name="Bytes">Their accounted size: payload bytes plus UTF-8 topic bytes (the file is larger by SQLite's overhead).</param>
/// <param name="DepthByClass">Messages waiting, per class (every class present, zero included; held ones included).</param>
/// <param name="ThinnedTotal">Telemetry messages dropped by the bound or for lack of disk space since the store was created.</param>
/// <param name="ThinnedSinceLastReport">Telemetry messages dropped since the last <see cref="DurableOutbox.TakeReport"/>.</param>
/// <param name="ThinnedFirstSeq">The lowest seq among those dropped since the last report; null when none were.</param>
/// <param name="ThinnedLastSeq">The highest seq among those dropped since the last report; null when none were.</param>
/// <param name="SupersededStatesTotal">States dropped by the bound because a newer state for the same topic was queued (counted apart from telemetry).</param>
/// <param name="SupersededStatesSinceLastReport">Such states dropped since the last report.</param>
/// <param name="LastSeq">The last seq assigned (persisted; survives restarts and an emptied outbox — except seqs assigned while the disk was too full to write even the counter, which were never published).</param>
/// <param name="BoundReached">
/// Depth or bytes are at (or over) the bound, or the disk is full and the file ran out of free pages (an append had to
/// thin telemetry or hold messages to fit; cleared by an acknowledgement that frees pages, or when space returns):
/// telemetry is being thinned. Raise <c>gateway_buffer_full</c>.
/// </param>
/// <param name="OverBound">Over the bound with nothing left that may be thinned: urgent messages are kept beyond it (in the file, or in memory: <paramref name="Unstored"/>).</param>
/// <param name="Recovery">What <see cref="DurableOutbox.Open"/> had to do (corrupt file moved aside), or null.</param>
/// <param name="Unstored">
/// Alarms, sessions, states and status messages held in memory because the disk is full and no telemetry was left to
/// thin. They are published from memory and stored as soon as space returns; a crash or restart before that loses them.
/// </param>
/// <param name="DiskFull">
/// The filesystem ran full (or had no room for the reserve at open): the reserve is given up and the main file grows only
/// into space the filesystem reports free; past that, new messages go into pages acknowledgements and thinning free.
/// Ends by itself once the reserve fits again with as much space to spare. May stay set while the outbox works
/// normally inside its file (it grew into the space that was freed); <paramref name="BoundReached"/> says whether it is
/// thinning.
/// </param>
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
    string? Recovery,
    long Unstored,
    bool DiskFull);
