using System.Text;
using EdgeGateway.Messaging.Outbox;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Tests.Messaging.Outbox;

public sealed class DurableOutboxTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private OutboxOptions Options(Func<OutboxOptions, OutboxOptions>? tweak = null)
    {
        OutboxOptions options = Items.Options(_dir.File("outbox.db"));
        return tweak is null ? options : tweak(options);
    }

    [Fact]
    public void Seqs_are_consecutive_in_one_batch_and_across_batches_and_survive_reopen()
    {
        using (DurableOutbox outbox = Items.Open(Options()))
        {
            Assert.Equal([1L, 2L, 3L], outbox.Append([Items.Telemetry("t/a", "a"), Items.Telemetry("t/b", "b"), Items.Alarm("alarm/x", "x")]));
            Assert.Equal([4L], outbox.Append([Items.Telemetry("t/a", "c")]));
            Assert.Empty(outbox.Append([]));
            Assert.Equal(4, outbox.Stats.LastSeq);
        }

        using (DurableOutbox outbox = Items.Open(Options()))
        {
            Assert.Equal(4, outbox.Stats.LastSeq);
            Assert.Equal([5L, 6L], outbox.Append([Items.Telemetry("t/a", "d"), Items.Telemetry("t/a", "e")]));
        }
    }

    [Fact]
    public void Payloads_are_rendered_with_their_seq_and_stored_with_topic_class_and_retain()
    {
        using DurableOutbox outbox = Items.Open(Options());
        outbox.Append([Items.Telemetry("t/a", "a"), Items.Of(MessageClass.State, "s/p01", "charging", retain: true)]);

        IReadOnlyList<OutboxRecord> all = outbox.All();

        Assert.Equal(2, all.Count);
        Assert.Equal(new OutboxRecord(1, 1, "t/a", MessageClass.Telemetry, false, all[0].Payload), all[0]);
        Assert.Equal("a#1", all[0].Text());
        Assert.Equal(new OutboxRecord(2, 2, "s/p01", MessageClass.State, true, all[1].Payload), all[1]);
        Assert.Equal("charging#2", all[1].Text());
    }

    [Fact]
    public void The_seq_survives_reopen_after_every_message_was_acknowledged()
    {
        using (DurableOutbox outbox = Items.Open(Options()))
        {
            outbox.Append(Enumerable.Range(0, 10).Select(i => Items.Telemetry("t/a", "m")).ToArray());
            outbox.Acknowledge(outbox.All().Select(r => r.Id).ToArray());
            Assert.Equal(0, outbox.Stats.Depth);
        }

        using (DurableOutbox outbox = Items.Open(Options()))
        {
            Assert.Equal(0, outbox.Stats.Depth);
            Assert.Equal(10, outbox.Stats.LastSeq);
            Assert.Equal([11L], outbox.Append([Items.Telemetry("t/a", "next")]));
        }
    }

    [Fact]
    public void Alarms_and_sessions_drain_before_older_telemetry_and_order_per_topic_is_kept()
    {
        using DurableOutbox outbox = Items.Open(Options());
        outbox.Append([Items.Telemetry("t/p01", "t1"), Items.Of(MessageClass.State, "s/p01", "s1"), Items.Telemetry("t/p02", "u1")]);
        outbox.Append([Items.Telemetry("t/p01", "t2"), Items.Of(MessageClass.Status, "status", "st1")]);
        outbox.Append([Items.Alarm("a/p01", "a1"), Items.Of(MessageClass.Session, "sess/p01", "x1")]);
        outbox.Append([Items.Telemetry("t/p01", "t3"), Items.Alarm("a/p01", "a2"), Items.Of(MessageClass.State, "s/p01", "s2")]);

        string[] order = outbox.All().Select(r => r.Text()).ToArray();

        Assert.Equal(["a1#6", "x1#7", "a2#9", "t1#1", "s1#2", "u1#3", "t2#4", "st1#5", "t3#8", "s2#10"], order);
    }

    [Fact]
    public void A_live_alarm_appended_during_a_drain_comes_out_in_the_very_next_batch()
    {
        using DurableOutbox outbox = Items.Open(Options());
        outbox.Append(Enumerable.Range(0, 50).Select(i => Items.Telemetry("t/p01", "t")).ToArray());

        IReadOnlyList<OutboxRecord> first = outbox.PeekBatch(10);
        outbox.Append([Items.Alarm("a/p01", "smoke")]);
        outbox.Acknowledge(first.Select(r => r.Id).ToArray());
        IReadOnlyList<OutboxRecord> second = outbox.PeekBatch(10);

        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), first.Select(r => r.Seq));
        Assert.Equal("smoke#51", second[0].Text());
        Assert.Equal(Enumerable.Range(11, 9).Select(i => (long)i), second.Skip(1).Select(r => r.Seq));
    }

    [Fact]
    public void Acknowledge_removes_exactly_the_acknowledged_messages()
    {
        using DurableOutbox outbox = Items.Open(Options());
        outbox.Append(Enumerable.Range(0, 5).Select(i => Items.Telemetry("t/a", "m")).ToArray());

        outbox.Acknowledge([2, 4, 99]);

        Assert.Equal([1L, 3L, 5L], outbox.All().Select(r => r.Seq));
        Assert.Equal(3, outbox.Stats.Depth);
        Assert.Equal(3 * (Encoding.UTF8.GetByteCount("m#1") + 3), outbox.Stats.Bytes);
        using DurableOutbox reopened = Reopen(outbox);
        Assert.Equal([1L, 3L, 5L], reopened.All().Select(r => r.Seq));
    }

    [Fact]
    public void The_bound_thins_the_oldest_telemetry_first_counts_it_and_never_touches_alarms_or_sessions()
    {
        using DurableOutbox outbox = Items.Open(Options(o => o with { MaxMessages = 10 }));
        outbox.Append([Items.Alarm("a/1", "a"), Items.Of(MessageClass.Session, "sess/1", "s")]);
        outbox.Append(Enumerable.Range(0, 8).Select(i => Items.Telemetry("t/a", "t")).ToArray()); // seqs 3..10: exactly at the bound
        Assert.Equal(0, outbox.Stats.ThinnedTotal);
        Assert.True(outbox.Stats.BoundReached);

        outbox.Append([Items.Telemetry("t/a", "new"), Items.Alarm("a/1", "b"), Items.Telemetry("t/a", "newer")]); // 11, 12, 13

        OutboxStats stats = outbox.Stats;
        Assert.Equal(10, stats.Depth);
        Assert.Equal(3, stats.ThinnedTotal);
        Assert.Equal(3, stats.ThinnedSinceLastReport);
        Assert.Equal(3, stats.ThinnedFirstSeq);
        Assert.Equal(5, stats.ThinnedLastSeq);
        Assert.False(stats.OverBound);
        Assert.Equal([1L, 2L, 12L, 6L, 7L, 8L, 9L, 10L, 11L, 13L], outbox.All().Select(r => r.Seq));
        Assert.Equal(2, stats.DepthByClass[MessageClass.Alarm]);
        Assert.Equal(1, stats.DepthByClass[MessageClass.Session]);
        Assert.Equal(7, stats.DepthByClass[MessageClass.Telemetry]);

        OutboxStats report = outbox.TakeReport();
        Assert.Equal(3, report.ThinnedSinceLastReport);
        Assert.Equal(0, outbox.Stats.ThinnedSinceLastReport);
        Assert.Null(outbox.Stats.ThinnedFirstSeq);

        outbox.Append([Items.Telemetry("t/a", "x")]);
        using DurableOutbox reopened = Reopen(outbox, o => o with { MaxMessages = 10 });
        Assert.Equal(4, reopened.Stats.ThinnedTotal);
        Assert.Equal(1, reopened.Stats.ThinnedSinceLastReport);
        Assert.Equal(6, reopened.Stats.ThinnedFirstSeq);
        Assert.Equal(6, reopened.Stats.ThinnedLastSeq);
    }

    [Fact]
    public void Telemetry_handed_out_for_publishing_is_never_thinned_until_it_is_acknowledged()
    {
        // The drain has seqs 1..3 on the wire (their PUBACKs not back yet): the broker may already have them, so a
        // thinned 1..3 would be counted lost and stored all the same. The bound thins the oldest telemetry after them.
        using DurableOutbox outbox = Items.Open(Options(o => o with { MaxMessages = 6 }));
        outbox.Append(Enumerable.Range(0, 6).Select(i => Items.Telemetry("t/a", "t")).ToArray());
        foreach (OutboxRecord record in outbox.PeekBatch(3))
        {
            outbox.Publishing(record);
        }

        outbox.Append([Items.Telemetry("t/a", "u"), Items.Telemetry("t/a", "v")]); // 7, 8: two must go

        Assert.Equal([1L, 2L, 3L, 6L, 7L, 8L], outbox.All().Select(r => r.Seq));
        Assert.Equal(2, outbox.Stats.ThinnedTotal);
        Assert.Equal(4, outbox.Stats.ThinnedFirstSeq);
        Assert.Equal(5, outbox.Stats.ThinnedLastSeq);

        // Acknowledged, they are gone; the next thinning takes the oldest again.
        outbox.Acknowledge([1, 2, 3]);
        outbox.Append(Enumerable.Range(0, 4).Select(i => Items.Telemetry("t/a", "w")).ToArray()); // 9..12: one must go

        Assert.Equal([7L, 8L, 9L, 10L, 11L, 12L], outbox.All().Select(r => r.Seq));
        Assert.Equal(3, outbox.Stats.ThinnedTotal);
    }

    [Fact]
    public void The_byte_bound_thins_telemetry_too()
    {
        // Each telemetry item: "t/a" (3 bytes) + "xxxxxxxxxxxxxxxx#n" payload.
        using DurableOutbox outbox = Items.Open(Options(o => o with { MaxBytes = 100 }));
        for (int i = 0; i < 10; i++)
        {
            outbox.Append([Items.Telemetry("t/a", "xxxxxxxxxxxxxxxx")]);
        }

        OutboxStats stats = outbox.Stats;
        Assert.True(stats.Bytes <= 100, $"bytes {stats.Bytes}");
        Assert.True(stats.ThinnedTotal > 0);
        Assert.Equal(10 - stats.ThinnedTotal, stats.Depth);
        Assert.Equal(Enumerable.Range((int)stats.ThinnedTotal + 1, (int)stats.Depth).Select(i => (long)i), outbox.All().Select(r => r.Seq));
    }

    [Fact]
    public void Filling_beyond_the_bound_with_alarms_and_sessions_keeps_every_one_of_them()
    {
        using DurableOutbox outbox = Items.Open(Options(o => o with { MaxMessages = 20 }));
        outbox.Append(Enumerable.Range(0, 5).Select(i => Items.Telemetry("t/a", "t")).ToArray());
        for (int i = 0; i < 30; i++)
        {
            outbox.Append([Items.Alarm("a/1", "a"), Items.Of(MessageClass.Session, "sess/1", "s")]);
        }

        OutboxStats stats = outbox.Stats;
        Assert.Equal(60, stats.DepthByClass[MessageClass.Alarm] + stats.DepthByClass[MessageClass.Session]);
        Assert.Equal(0, stats.DepthByClass[MessageClass.Telemetry]);
        Assert.Equal(5, stats.ThinnedTotal);
        Assert.True(stats.OverBound);
        Assert.True(stats.BoundReached);
        Assert.Equal(Enumerable.Range(6, 60).Select(i => (long)i), outbox.All().Select(r => r.Seq));
    }

    [Fact]
    public void Past_the_telemetry_superseded_states_go_counted_apart_and_the_newest_state_per_topic_stays()
    {
        using DurableOutbox outbox = Items.Open(Options(o => o with { MaxMessages = 4 }));
        outbox.Append([
            Items.Of(MessageClass.State, "s/p01", "idle"),      // 1: superseded by 3
            Items.Of(MessageClass.State, "s/p02", "idle"),      // 2: newest for p02
            Items.Of(MessageClass.State, "s/p01", "charging"),  // 3: superseded by 5
            Items.Alarm("a/1", "a"),                            // 4
        ]);
        outbox.Append([Items.Of(MessageClass.State, "s/p01", "done")]); // 5

        OutboxStats stats = outbox.Stats;
        Assert.Equal(0, stats.ThinnedTotal);
        Assert.Equal(1, stats.SupersededStatesTotal);
        Assert.Equal([4L, 2L, 3L, 5L], outbox.All().Select(r => r.Seq));

        using DurableOutbox keep = Reopen(outbox, o => o with { MaxMessages = 4, ThinSupersededStates = false });
        keep.Append([Items.Of(MessageClass.State, "s/p01", "idle")]);
        Assert.Equal(5, keep.Stats.Depth);
        Assert.True(keep.Stats.OverBound);
    }

    [Fact]
    public void A_render_that_throws_rolls_back_the_whole_batch_and_uses_no_seq()
    {
        using DurableOutbox outbox = Items.Open(Options());
        outbox.Append([Items.Telemetry("t/a", "a")]);

        Assert.Throws<InvalidOperationException>(() => outbox.Append([Items.Telemetry("t/a", "b"), new OutboxItem("t/a", MessageClass.Telemetry, false, _ => throw new InvalidOperationException("boom"))]));

        Assert.Equal(1, outbox.Stats.Depth);
        Assert.Equal(1, outbox.Stats.LastSeq);
        Assert.Equal([2L], outbox.Append([Items.Telemetry("t/a", "c")]));
        Assert.Equal(["a#1", "c#2"], outbox.All().Select(r => r.Text()));
    }

    [Fact]
    public void Appends_from_many_threads_get_unique_consecutive_seqs()
    {
        using DurableOutbox outbox = Items.Open(Options());
        var seqs = new System.Collections.Concurrent.ConcurrentBag<long>();

        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            foreach (long seq in outbox.Append([Items.Telemetry($"t/{i % 4}", "m"), Items.Alarm("a", "m")]))
            {
                seqs.Add(seq);
            }
        });

        Assert.Equal(Enumerable.Range(1, 400).Select(i => (long)i), seqs.Order());
        Assert.Equal(400, outbox.Stats.Depth);
    }

    [Fact]
    public void Reopening_a_healthy_store_keeps_everything()
    {
        OutboxRecord[] before;
        OutboxStats statsBefore;
        using (DurableOutbox outbox = Items.Open(Options()))
        {
            outbox.Append([Items.Telemetry("t/a", "a"), Items.Alarm("a/1", "b"), Items.Of(MessageClass.State, "s/1", "c", retain: true)]);
            outbox.Append([Items.Of(MessageClass.Status, "status", "d"), Items.Of(MessageClass.Session, "sess/1", "e")]);
            before = outbox.All().ToArray();
            statsBefore = outbox.Stats;
        }

        for (int round = 0; round < 3; round++)
        {
            using DurableOutbox outbox = Items.Open(Options());
            OutboxRecord[] after = outbox.All().ToArray();
            Assert.Equal(before.Select(r => (r.Id, r.Seq, r.Topic, r.Class, r.Retain, r.Text())), after.Select(r => (r.Id, r.Seq, r.Topic, r.Class, r.Retain, r.Text())));
            OutboxStats stats = outbox.Stats;
            Assert.Equal(statsBefore.Depth, stats.Depth);
            Assert.Equal(statsBefore.Bytes, stats.Bytes);
            Assert.Equal(statsBefore.DepthByClass, stats.DepthByClass);
            Assert.Equal(statsBefore.LastSeq, stats.LastSeq);
        }
    }

    [Fact]
    public void A_file_with_a_garbage_header_is_moved_aside_and_reported_and_a_fresh_store_works()
    {
        string path = _dir.File("outbox.db");
        using (DurableOutbox outbox = Items.Open(Options()))
        {
            outbox.Append(Enumerable.Range(0, 20).Select(i => Items.Telemetry("t/a", "m")).ToArray());
        }

        byte[] garbage = new byte[512];
        new Random(7).NextBytes(garbage);
        using (FileStream file = File.OpenWrite(path))
        {
            file.Write(garbage);
        }

        byte[] corrupted = File.ReadAllBytes(path);

        using (var fresh = DurableOutbox.Open(Options(), out string? recovery))
        {
            Assert.NotNull(recovery);
            Assert.Contains("moved aside", recovery);
            Assert.Equal(recovery, fresh.Stats.Recovery);
            string aside = Assert.Single(Directory.GetFiles(_dir.Path, "outbox.db.corrupt-*"));
            Assert.Contains(aside, recovery);
            Assert.Equal(corrupted, File.ReadAllBytes(aside)); // kept as it was, for inspection
            Assert.Equal(0, fresh.Stats.Depth);
            Assert.Equal(0, fresh.Stats.LastSeq); // nothing of the old file is readable: seq restarts
            Assert.Equal([1L], fresh.Append([Items.Alarm("a/1", "after")]));
            Assert.Equal("after#1", Assert.Single(fresh.All()).Text());
        }

        using DurableOutbox again = Items.Open(Options());
        Assert.Equal(1, again.Stats.Depth);
    }

    [Fact]
    public void A_file_with_garbage_pages_inside_fails_the_check_is_moved_aside_and_a_fresh_store_works()
    {
        string path = _dir.File("outbox.db");
        using (DurableOutbox outbox = Items.Open(Options()))
        {
            for (int i = 0; i < 50; i++)
            {
                outbox.Append(Enumerable.Range(0, 20).Select(_ => Items.Telemetry("t/a", new string('x', 300))).ToArray());
            }
        }

        long length = new FileInfo(path).Length;
        Assert.True(length > 16 * 4096);
        byte[] garbage = new byte[8 * 4096];
        new Random(11).NextBytes(garbage);
        using (FileStream file = File.OpenWrite(path))
        {
            file.Position = length / 2 / 4096 * 4096;
            file.Write(garbage);
        }

        using var fresh = DurableOutbox.Open(Options(), out string? recovery);

        Assert.NotNull(recovery);
        Assert.Single(Directory.GetFiles(_dir.Path, "outbox.db.corrupt-*"));
        Assert.Equal(0, fresh.Stats.Depth);
        long continued = fresh.Stats.LastSeq; // 1000 when the old meta row was still readable, else 0
        Assert.True(continued is 1000 or 0, $"last seq {continued}");
        Assert.Equal([continued + 1], fresh.Append([Items.Telemetry("t/a", "after")]));
    }

    [Fact]
    public void A_foreign_sqlite_file_is_moved_aside_not_emptied()
    {
        string path = _dir.File("outbox.db");
        using (var other = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            other.Open();
            using SqliteCommand command = other.CreateCommand();
            command.CommandText = "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('keep me');";
            command.ExecuteNonQuery();
        }

        using var outbox = DurableOutbox.Open(Options(), out string? recovery);

        Assert.NotNull(recovery);
        Assert.Contains("not an outbox", recovery);
        string aside = Assert.Single(Directory.GetFiles(_dir.Path, "outbox.db.corrupt-*"));
        using var check = new SqliteConnection($"Data Source={aside};Mode=ReadOnly;Pooling=False");
        check.Open();
        using SqliteCommand read = check.CreateCommand();
        read.CommandText = "SELECT text FROM notes;";
        Assert.Equal("keep me", read.ExecuteScalar());
    }

    private DurableOutbox Reopen(DurableOutbox outbox, Func<OutboxOptions, OutboxOptions>? tweak = null)
    {
        outbox.Dispose();
        return Items.Open(Options(tweak));
    }
}
