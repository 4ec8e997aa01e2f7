using System.Globalization;
using System.Text;
using EdgeGateway.Messaging.Outbox;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Tests.Messaging.Outbox;

/// <summary>
/// The outbox on a real filesystem that runs full (a tmpfs of a few hundred KiB): SQLite gets ENOSPC exactly as it would
/// on a full SD card, nothing is simulated. See README.md beside DurableOutbox, "Disk full".
/// </summary>
/// <remarks>
/// No test catches an exception from the outbox: an <c>Append</c>, <c>PeekBatch</c> or <c>Acknowledge</c> that threw for
/// lack of space fails the test. A <see cref="Ledger"/> keeps what every append was given, and the publisher records what
/// <c>PeekBatch</c> handed out, so the checks compare what was appended with what would have been published.
/// </remarks>
public sealed class DiskFullTests : IDisposable
{
    private readonly Tmpfs _fs = new(768 * 1024);

    public void Dispose() => _fs.Dispose();

    /// <summary>A small WAL so a few hundred KiB hold a realistic split between main file and WAL; the reserve follows the rule in <see cref="OutboxOptions.DiskFullReserveBytes"/> (twice the WAL's pages).</summary>
    private OutboxOptions Options(OutboxDurability durability = OutboxDurability.Tiered) => new()
    {
        Path = _fs.File("outbox.db"),
        WalAutoCheckpointPages = 16,
        WalSizeLimitBytes = 64 * 1024,
        DiskFullReserveBytes = 128 * 1024,
        Durability = durability,
    };

    [Theory]
    [InlineData(OutboxDurability.Tiered)]
    [InlineData(OutboxDurability.AlwaysFull)]
    public void A_full_filesystem_thins_the_oldest_telemetry_counted_and_every_alarm_session_and_state_is_handed_out_once_in_order(OutboxDurability durability)
    {
        using DurableOutbox outbox = Items.Open(Options(durability));
        Assert.True(File.Exists(_fs.File("outbox.db-reserve")), "the reserve is taken at open");
        string filler = _fs.Filler("filler", 192 * 1024);
        var ledger = new Ledger(outbox);
        var published = new List<OutboxRecord>();

        FillWithTelemetry(outbox, ledger);
        Assert.False(File.Exists(_fs.File("outbox.db-reserve")), "the reserve was given up to let SQLite write again");

        // What the reserve left free is used up next; then telemetry is thinned to make room (the bound itself is far).
        for (int tick = 0; outbox.Stats.ThinnedTotal == 0; tick++)
        {
            Assert.True(tick < 5000, "nothing was ever thinned");
            ledger.Append(Enumerable.Range(0, 24).Select(i => Items.Telemetry("t/p" + i.ToString("00", CultureInfo.InvariantCulture), new string('t', 150))).ToArray());
        }

        OutboxStats full = outbox.Stats;
        Assert.True(full.BoundReached, "thinning for a full disk is the bound-reached signal too (gateway_buffer_full)");
        Assert.True(full.ThinnedSinceLastReport > 0);
        Assert.NotNull(full.ThinnedFirstSeq);

        // Keep going as a gateway would: events and telemetry ticks, the publisher draining a little now and then.
        for (int round = 0; round < 400; round++)
        {
            string n = round.ToString(CultureInfo.InvariantCulture);
            ledger.Append([
                Items.Alarm("a/p01", "alarm" + n),
                Items.Of(MessageClass.Session, "sess/p01", "session" + n),
                Items.Of(MessageClass.State, "s/p0" + (round % 3).ToString(CultureInfo.InvariantCulture), "state" + n),
                .. Enumerable.Range(0, 8).Select(i => Items.Telemetry("t/p0" + i.ToString(CultureInfo.InvariantCulture), new string('t', 150))),
            ]);
            if (round % 25 == 24)
            {
                Publish(outbox, published, batches: 1);
            }
        }

        OutboxStats stats = outbox.Stats;
        Assert.True(stats.DiskFull);
        Assert.True(stats.ThinnedSinceLastReport > full.ThinnedSinceLastReport, "room was made by thinning telemetry");
        Assert.Equal(stats.ThinnedTotal, stats.ThinnedSinceLastReport);

        // Drained while the disk is still full: acknowledgements must get through too.
        Publish(outbox, published);
        Assert.Equal(0, outbox.Stats.Depth);
        ledger.Verify(published, outbox.Stats.ThinnedTotal);

        OutboxStats report = outbox.TakeReport();
        long[] missing = ledger.MissingTelemetry(published);
        Assert.Equal(missing.Length, report.ThinnedSinceLastReport);
        Assert.Equal(missing.Min(), report.ThinnedFirstSeq);
        Assert.Equal(missing.Max(), report.ThinnedLastSeq);
        Assert.Equal(0, outbox.Stats.ThinnedSinceLastReport);

        // Space returns: back to normal, reserve and all, with no restart.
        File.Delete(filler);
        long thinned = outbox.Stats.ThinnedTotal;
        ledger.Append([Items.Alarm("a/p01", "after")]);
        Assert.False(outbox.Stats.DiskFull);
        Assert.True(File.Exists(_fs.File("outbox.db-reserve")), "the reserve is taken again");
        for (int tick = 0; tick < 20; tick++)
        {
            ledger.Append(Enumerable.Range(0, 8).Select(i => Items.Telemetry("t/p0" + i.ToString(CultureInfo.InvariantCulture), new string('t', 150))).ToArray());
        }

        Assert.Equal(thinned, outbox.Stats.ThinnedTotal);
        Assert.False(outbox.Stats.BoundReached);
        Publish(outbox, published);
        ledger.Verify(published, outbox.Stats.ThinnedTotal);
    }

    [Fact]
    public void With_no_telemetry_left_to_thin_alarms_are_held_in_memory_in_order_handed_out_from_there_and_stored_once_space_returns()
    {
        // Big enough that once it is gone the held alarms fit and twice the reserve is still free: disk-full mode ends.
        string filler = _fs.Filler("filler", 256 * 1024);
        var ledger = new Ledger();
        var acknowledged = new HashSet<long>();
        long lastSeq;
        using (DurableOutbox outbox = Items.Open(Options()))
        {
            ledger.Outbox = outbox;
            FillWithTelemetry(outbox, ledger);

            // Alarms only (a shed in trouble), big ones, until they no longer fit in the file: all telemetry that could
            // make room for them is thinned by then (a few may be left that share their pages with alarms and free none).
            for (int i = 0; outbox.Stats.Unstored < 10; i++)
            {
                Assert.True(i < 5000, "alarms were never held: " + outbox.Stats);
                ledger.Append([Items.Alarm("a/p01", "alarm" + i.ToString(CultureInfo.InvariantCulture) + new string('a', 800))]);
            }

            // Telemetry that cannot be stored now is thinned at once: counted, with its seq, never held.
            long thinnedBefore = outbox.Stats.ThinnedTotal;
            IReadOnlyList<long> dropped = ledger.Append([Items.Telemetry("t/p01", "no room"), Items.Telemetry("t/p02", "no room")]);
            OutboxStats stats = outbox.Stats;
            Assert.Equal(thinnedBefore + 2, stats.ThinnedTotal);
            Assert.Equal(dropped[^1], stats.ThinnedLastSeq);
            Assert.Equal(10, stats.Unstored);
            Assert.Equal(ledger.Urgent.Count, stats.DepthByClass[MessageClass.Alarm]);
            Assert.Equal(ledger.Urgent.Count + stats.DepthByClass[MessageClass.Telemetry], stats.Depth);
            Assert.True(stats.DiskFull);
            Assert.True(stats.OverBound);

            // The publisher sees every alarm, the held ones last (they are the newest), in seq order, payloads as rendered.
            OutboxRecord[] alarms = outbox.PeekBatch(int.MaxValue).Where(r => r.Class == MessageClass.Alarm).ToArray();
            Assert.Equal(ledger.Urgent, alarms.Select(r => r.Seq));
            Assert.All(alarms, r => Assert.Equal(ledger.Text(r.Seq), r.Text()));

            // One held alarm is published and acknowledged from memory; it must not come back.
            long publishedFromMemory = alarms[^3].Seq;
            outbox.Acknowledge([publishedFromMemory]);
            acknowledged.Add(publishedFromMemory);
            Assert.Equal(9, outbox.Stats.Unstored);

            // Space returns: the held alarms are stored with the next append, in order, with their seqs.
            File.Delete(filler);
            ledger.Append([Items.Alarm("a/p01", "after")]);
            Assert.Equal(0, outbox.Stats.Unstored);
            Assert.False(outbox.Stats.DiskFull);
            lastSeq = outbox.Stats.LastSeq;
        }

        // Stored for real: a restart finds every alarm not acknowledged, same seq, same payload, and seqs go on.
        using DurableOutbox reopened = Items.Open(Options());
        OutboxRecord[] stored = reopened.All().Where(r => r.Class == MessageClass.Alarm).ToArray();
        Assert.Equal(ledger.Urgent.Where(s => !acknowledged.Contains(s)), stored.Select(r => r.Seq));
        Assert.All(stored, r => Assert.Equal(ledger.Text(r.Seq), r.Text()));
        Assert.Equal(lastSeq, reopened.Stats.LastSeq);
        Assert.Equal([lastSeq + 1], reopened.Append([Items.Alarm("a/p01", "reopened")]));
    }

    [Fact]
    public void An_outbox_reopened_on_a_completely_full_filesystem_gives_up_its_reserve_and_takes_alarms_again()
    {
        var ledger = new Ledger();
        using (DurableOutbox outbox = Items.Open(Options()))
        {
            ledger.Outbox = outbox;
            ledger.Append([Items.Alarm("a/p01", "before"), Items.Telemetry("t/p01", "before")]);
        }

        string filler = _fs.FillUp("filler");
        Assert.True(_fs.Available < 4096, "the filesystem is full");

        using DurableOutbox reopened = Items.Open(Options());
        ledger.Outbox = reopened;
        Assert.True(reopened.Stats.DiskFull);
        ledger.Append([Items.Alarm("a/p01", "while full"), Items.Of(MessageClass.Session, "sess/p01", "while full")]);
        var published = new List<OutboxRecord>();
        Publish(reopened, published);
        ledger.Verify(published, reopened.Stats.ThinnedTotal);

        File.Delete(filler);
        ledger.Append([Items.Alarm("a/p01", "after")]);
        Assert.False(reopened.Stats.DiskFull);
        Assert.True(File.Exists(_fs.File("outbox.db-reserve")));
    }

    [Fact]
    public void With_a_reserve_too_small_for_what_the_wal_holds_nothing_throws_unnumbered_alarms_wait_and_all_goes_in_once_space_returns()
    {
        // No automatic checkpoint: every page the outbox ever wrote is still only in the WAL when the disk fills, far more
        // than the 8 KiB reserve lets a checkpoint copy into the main file. SQLite can then write nothing at all.
        OutboxOptions stuck = Options() with { WalAutoCheckpointPages = 0, DiskFullReserveBytes = 8 * 1024 };
        string filler = _fs.Filler("filler", 192 * 1024);
        var ledger = new Ledger();
        var published = new List<OutboxRecord>();
        using (DurableOutbox outbox = Items.Open(stuck))
        {
            ledger.Outbox = outbox;
            for (int i = 0; outbox.Stats.Unstored < 5; i++)
            {
                Assert.True(i < 5000, "nothing was ever held: " + outbox.Stats);
                ledger.Append([Items.Alarm("a/p01", "alarm" + i.ToString(CultureInfo.InvariantCulture)), .. Enumerable.Range(0, 10).Select(_ => Items.Telemetry("t/p01", new string('t', 150)))]);
            }

            long[] held = ledger.Urgent.TakeLast(5).ToArray();

            // A held message goes out only once its seq is counted in meta.last_seq on disk; a seq that is not could be
            // given to another message after a crash. What a crash would leave is a copy of the live files (the WAL only
            // grows here: no checkpoints), so every seq handed out must be covered by the copy's last_seq. Here the
            // reserve let one small commit through, so the first held alarm's seq got there and the rest did not.
            IReadOnlyList<OutboxRecord> first = outbox.PeekBatch(int.MaxValue);
            long durable = LastSeqAfterCrash(stuck.Path);
            Assert.NotEmpty(first);
            Assert.All(first, r => Assert.True(r.Seq <= durable, $"seq {r.Seq} handed out, but a crash would leave last_seq {durable}"));
            Assert.Contains(held, s => s > durable);

            // Their acknowledgements cannot be written either: they are remembered, and those messages not handed out again.
            published.AddRange(first);
            outbox.Acknowledge(first.Select(r => r.Id).ToArray());
            Assert.Empty(outbox.PeekBatch(int.MaxValue));
            Assert.Equal(held.Count(s => s > durable), outbox.Stats.Unstored);

            File.Delete(filler);
            ledger.Append([Items.Alarm("a/p01", "after")]);
            Assert.Equal(0, outbox.Stats.Unstored);
            Assert.False(outbox.Stats.DiskFull);
            Publish(outbox, published);
            Assert.Equal(0, outbox.Stats.Depth);
            ledger.Verify(published, outbox.Stats.ThinnedTotal);
        }

        // The remembered acknowledgements were written: nothing comes back after a restart.
        using DurableOutbox reopened = Items.Open(stuck);
        Assert.Empty(reopened.All());
        Assert.Equal(ledger.Urgent[^1], reopened.Stats.LastSeq);
    }

    [Fact]
    public async Task Appends_and_a_publisher_draining_on_another_thread_never_throw_on_a_full_filesystem_and_lose_nothing()
    {
        using DurableOutbox outbox = Items.Open(Options());
        string filler = _fs.Filler("filler", 192 * 1024);
        var ledger = new Ledger(outbox);
        var published = new List<OutboxRecord>();
        using var stop = new CancellationTokenSource();
        int online = 0;

        // The broker comes and goes: the publisher drains only while "online", so the store fills up during each outage
        // whatever the machine's speed, and drains concurrently with the appends in between.
        var publisher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (Volatile.Read(ref online) == 1)
                {
                    Publish(outbox, published, batches: 1);
                }

                await Task.Delay(1);
            }
        });

        bool sawDiskFull = false;
        for (int round = 0; round < 3000; round++)
        {
            Volatile.Write(ref online, round / 100 % 4 == 3 ? 1 : 0);
            string n = round.ToString(CultureInfo.InvariantCulture);
            ledger.Append([
                Items.Alarm("a/p01", "alarm" + n),
                Items.Of(MessageClass.State, "s/p0" + (round % 3).ToString(CultureInfo.InvariantCulture), "state" + n + new string('s', 300)),
                .. Enumerable.Range(0, 10).Select(i => Items.Telemetry("t/p0" + i.ToString(CultureInfo.InvariantCulture), new string('t', 150))),
            ]);
            sawDiskFull |= outbox.Stats.DiskFull;
            if (round == 2000)
            {
                Assert.True(sawDiskFull, "the filesystem never filled");
                File.Delete(filler);
            }
        }

        await stop.CancelAsync();
        await publisher;
        Publish(outbox, published);
        OutboxStats drained = outbox.Stats;
        Assert.Equal(0, drained.Depth);
        Assert.Equal(0, drained.Unstored);
        Assert.True(drained.ThinnedTotal > 0);
        ledger.Verify(published, drained.ThinnedTotal);

        // Outages after the filler went let the outbox file grow into that space too, so the filesystem may be full
        // again; drained, the outbox is no longer thinning either way (the buffer-full alarm can clear), and it keeps
        // working inside its file.
        Assert.False(drained.BoundReached);
        ledger.Append([Items.Alarm("a/p01", "drained")]);
        Publish(outbox, published);
        ledger.Verify(published, outbox.Stats.ThinnedTotal);
    }

    /// <summary>meta.last_seq as a crash would leave it: read from a copy of the live main file and WAL, taken elsewhere.</summary>
    private static long LastSeqAfterCrash(string path)
    {
        using var copy = new TempDirectory();
        File.Copy(path, copy.File("outbox.db"));
        File.Copy(path + "-wal", copy.File("outbox.db-wal"));
        using var connection = new SqliteConnection($"Data Source={copy.File("outbox.db")};Pooling=False");
        connection.Open();
        using SqliteCommand read = connection.CreateCommand();
        read.CommandText = "SELECT value FROM meta WHERE key = 'last_seq';";
        return (long)read.ExecuteScalar()!;
    }

    /// <summary>Telemetry ticks until the outbox reports the disk full; no append may throw on the way.</summary>
    private static void FillWithTelemetry(DurableOutbox outbox, Ledger ledger)
    {
        for (int tick = 0; !outbox.Stats.DiskFull; tick++)
        {
            Assert.True(tick < 5000, "the filesystem never filled");
            ledger.Append(Enumerable.Range(0, 24).Select(i => Items.Telemetry("t/p" + i.ToString("00", CultureInfo.InvariantCulture), new string('t', 150))).ToArray());
        }
    }

    /// <summary>The publisher: peeks, "publishes" (records) and acknowledges everything it was given, batch by batch.</summary>
    private static void Publish(DurableOutbox outbox, List<OutboxRecord> published, int batches = int.MaxValue)
    {
        for (int i = 0; i < batches; i++)
        {
            IReadOnlyList<OutboxRecord> batch = outbox.PeekBatch(40);
            if (batch.Count == 0)
            {
                return;
            }

            published.AddRange(batch);
            outbox.Acknowledge(batch.Select(r => r.Id).ToArray());
        }
    }

    /// <summary>What was appended: each seq the outbox assigned, with the class and the payload it was rendered with.</summary>
    private sealed class Ledger(DurableOutbox? outbox = null)
    {
        private readonly Dictionary<long, (MessageClass Class, string Text)> _appended = [];

        public DurableOutbox? Outbox { get; set; } = outbox;

        /// <summary>Alarm and session seqs, in the order they were appended.</summary>
        public List<long> Urgent { get; } = [];

        public List<long> States { get; } = [];

        public List<long> Telemetry { get; } = [];

        public string Text(long seq) => _appended[seq].Text;

        public IReadOnlyList<long> Append(OutboxItem[] items)
        {
            IReadOnlyList<long> seqs = Outbox!.Append(items);
            Assert.Equal(items.Length, seqs.Count);
            for (int i = 0; i < items.Length; i++)
            {
                long seq = seqs[i];
                Assert.True(_appended.TryAdd(seq, (items[i].Class, Encoding.UTF8.GetString(items[i].Render(seq).Span))), $"seq {seq} assigned twice");
                (items[i].Class switch
                {
                    MessageClass.Alarm or MessageClass.Session => Urgent,
                    MessageClass.State => States,
                    _ => Telemetry,
                }).Add(seq);
            }

            return seqs;
        }

        public long[] MissingTelemetry(List<OutboxRecord> published)
        {
            var seen = published.Select(r => r.Seq).ToHashSet();
            return Telemetry.Where(s => !seen.Contains(s)).ToArray();
        }

        /// <summary>
        /// Everything published was appended with that payload, and published once; every alarm, session and state was
        /// published, each class in seq order; and the telemetry missing is exactly what the outbox counted as thinned.
        /// </summary>
        public void Verify(List<OutboxRecord> published, long thinnedTotal)
        {
            Assert.Equal(published.Count, published.Select(r => r.Seq).Distinct().Count());
            Assert.All(published, r => Assert.Equal(Text(r.Seq), r.Text()));
            Assert.Equal(Urgent, published.Where(r => r.Class is MessageClass.Alarm or MessageClass.Session).Select(r => r.Seq));
            Assert.Equal(States, published.Where(r => r.Class == MessageClass.State).Select(r => r.Seq));
            Assert.Equal(Telemetry.Where(published.Select(r => r.Seq).ToHashSet().Contains), published.Where(r => r.Class == MessageClass.Telemetry).Select(r => r.Seq));
            Assert.Equal(thinnedTotal, MissingTelemetry(published).Length);
        }
    }
}
