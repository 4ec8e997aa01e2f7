namespace EdgeGateway.Messaging.Outbox;

/// <summary>
/// A step of the wall clock the outbox found (its wall-minus-monotonic offset moved by more than
/// <see cref="OutboxOptions.ClockStepThreshold"/>) and what it did about it.
/// </summary>
/// <param name="Step">How far the wall clock stepped (positive: forward).</param>
/// <param name="DetectedAt">When it was found, on the new clock.</param>
/// <param name="Corrected">Unsent messages of this boot made before the step whose stamps were moved by the step.</param>
/// <param name="SentCount">Messages of this boot stamped on the old clock that had already gone to the broker (acknowledged by this process, or on the wire): their stamps are off by <paramref name="Step"/>. 0 for a step found at start-up (what an earlier process sent is not known).</param>
/// <param name="SentFirstSeq">The lowest seq among them, or null.</param>
/// <param name="SentLastSeq">The highest seq among them, or null.</param>
public sealed record ClockStep(TimeSpan Step, DateTimeOffset DetectedAt, long Corrected, long SentCount, long? SentFirstSeq, long? SentLastSeq);
