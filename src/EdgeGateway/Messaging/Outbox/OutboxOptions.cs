namespace EdgeGateway.Messaging.Outbox;

/// <summary>When the outbox asks the storage to flush (fsync) a commit. See README.md in this folder.</summary>
public enum OutboxDurability
{
    /// <summary>
    /// The default, tuned for an SD card. Commits holding an alarm or a session are fsynced before
    /// <see cref="DurableOutbox.Append"/> returns (SQLite <c>synchronous=FULL</c>). Other commits are written to the WAL
    /// without fsync (<c>synchronous=NORMAL</c>): safe against a process crash or <c>kill -9</c> at once, against power
    /// loss once the next fsync happens — the first commit after <see cref="OutboxOptions.CommitInterval"/> has passed,
    /// any urgent commit, <see cref="DurableOutbox.Flush"/>, a WAL checkpoint, and always before
    /// <see cref="DurableOutbox.PeekBatch"/> hands anything out (so no seq is ever published that power loss could roll back).
    /// </summary>
    Tiered = 0,

    /// <summary>Every commit is fsynced (<c>synchronous=FULL</c>). More flash writes; nothing committed is ever lost.</summary>
    AlwaysFull = 1,
}

/// <summary>How thoroughly <see cref="DurableOutbox.Open"/> checks the file.</summary>
public enum OutboxIntegrityCheck
{
    /// <summary><c>PRAGMA quick_check</c>: every page and record format, not index contents. O(file size).</summary>
    Quick = 0,

    /// <summary><c>PRAGMA integrity_check</c>: also that every index matches its table. Slower.</summary>
    Full = 1,
}

/// <summary>Where the outbox lives and how it is bounded and flushed.</summary>
public sealed record OutboxOptions
{
    /// <summary>The outbox file (SQLite). Its directory is created if missing; <c>-wal</c> and <c>-shm</c> files sit beside it.</summary>
    public required string Path { get; init; }

    /// <summary>At most this many messages are kept before telemetry is thinned (oldest first).</summary>
    public long MaxMessages { get; init; } = 200_000;

    /// <summary>At most this many accounted bytes (payload + topic) are kept before telemetry is thinned. 64 MiB.</summary>
    public long MaxBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// The fsync batching window for non-urgent classes under <see cref="OutboxDurability.Tiered"/>: once the oldest
    /// un-fsynced commit is this old, the next commit is fsynced (taking every earlier one with it). 200 ms.
    /// </summary>
    public TimeSpan CommitInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The fsync policy. <see cref="OutboxDurability.Tiered"/> unless measured otherwise.</summary>
    public OutboxDurability Durability { get; init; } = OutboxDurability.Tiered;

    /// <summary>The check run at open.</summary>
    public OutboxIntegrityCheck IntegrityCheck { get; init; } = OutboxIntegrityCheck.Quick;

    /// <summary>When the bound is still exceeded after all telemetry is gone, drop states superseded by a newer state for the same topic (counted apart).</summary>
    public bool ThinSupersededStates { get; init; } = true;

    /// <summary>
    /// SQLite's <c>wal_autocheckpoint</c> in pages (4 KiB): the WAL is copied into the main file once it grows past this.
    /// 1000 (≈4 MiB). 0 disables automatic checkpoints — only for tests that need an append-only WAL.
    /// </summary>
    public int WalAutoCheckpointPages { get; init; } = 1000;

    /// <summary>SQLite's <c>journal_size_limit</c>: the WAL is truncated to this after a checkpoint. 4 MiB.</summary>
    public long WalSizeLimitBytes { get; init; } = 4L * 1024 * 1024;

    /// <summary>
    /// Space the outbox keeps for itself on its filesystem, as a file of zeros beside it (<c>&lt;Path&gt;-reserve</c>),
    /// given up the moment the disk is full so SQLite can finish a checkpoint (which may need to grow the main file by
    /// the pages waiting in the WAL) and start the WAL over; without it a full disk can leave SQLite unable to write
    /// anything, not even a delete. It must cover the pages a WAL can hold that are new to the main file: at least twice
    /// <see cref="WalAutoCheckpointPages"/> pages (a checkpoint that failed for lack of space lets the WAL grow by up to as
    /// much again before the next write fails). 8 MiB. See README.md, "Disk full".
    /// </summary>
    public long DiskFullReserveBytes { get; init; } = 8L * 1024 * 1024;

    /// <summary>The clock for the commit window and the moved-aside file's timestamp.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// The clock that stamps the messages' <c>ts</c> (the shed's clock); null: <see cref="TimeProvider"/>. Its wall and
    /// monotonic readings are stored with each message, so a step of its wall clock can be corrected before the message
    /// is published (README.md, "Wall-clock steps").
    /// </summary>
    public TimeProvider? StampClock { get; init; }

    /// <summary>
    /// The id of this boot of <see cref="StampClock"/>'s monotonic clock: readings are comparable only within one. Null:
    /// the kernel's (<c>/proc/sys/kernel/random/boot_id</c>). A simulated clock that starts again with each process needs an
    /// id of its own per process.
    /// </summary>
    public string? BootId { get; init; }

    /// <summary>A change of the stamp clock's wall-minus-monotonic offset by at least this much is a step. 1 s.</summary>
    public TimeSpan ClockStepThreshold { get; init; } = TimeSpan.FromSeconds(1);
}
