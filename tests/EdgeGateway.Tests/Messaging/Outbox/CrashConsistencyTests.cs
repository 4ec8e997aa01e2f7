using System.Collections.Concurrent;
using System.Globalization;
using EdgeGateway.Messaging.Outbox;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Tests.Messaging.Outbox;

/// <summary>
/// <c>kill -9</c> and power loss mid-append, simulated by crash-consistent snapshots of the live files.
/// </summary>
/// <remarks>
/// <para>Why a file copy is the same as a crash. What survives <c>kill -9</c> is exactly the bytes the process had handed
/// to the kernel with <c>write()</c> when it died; what survives power loss is at least every byte fsynced before it, and
/// some or none of the rest. SQLite's recovery is built for both: it replays the WAL only up to the last frame whose
/// checksum chain is intact and that ends a committed transaction, ignoring torn or half-written frames after it.</para>
/// <para>The outbox here runs with automatic checkpoints off, so while it runs the main file is never written and the WAL
/// only ever grows by appending (SQLite rewrites the WAL from its start only after a checkpoint). Copying the main file
/// and then the WAL from start to end while writers keep appending therefore yields a WAL prefix: every frame written
/// before the copy began, perhaps some written during it, perhaps a torn last frame — precisely the set of states a
/// process killed, or a machine unplugged after its disk got those bytes, leaves behind. The <c>-shm</c> file is not
/// copied: after a crash SQLite rebuilds it from the WAL, as it does here.</para>
/// <para>What must hold in every snapshot: every append and acknowledgement that had returned before the copy began is
/// in it; no seq appears twice; the persisted last seq covers every stored message (seq assigned in the storing
/// transaction); every seq up to it is either stored or was acknowledged (none skipped); and the reopened copy goes on
/// with the next seq (none reused).</para>
/// </remarks>
public sealed class CrashConsistencyTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(OutboxDurability.Tiered)]
    [InlineData(OutboxDurability.AlwaysFull)]
    public async Task A_snapshot_taken_mid_append_loses_no_committed_message_and_reuses_no_seq(OutboxDurability durability)
    {
        OutboxOptions live = Items.Options(_dir.File("live/outbox.db")) with { WalAutoCheckpointPages = 0, Durability = durability };
        using DurableOutbox outbox = Items.Open(live);
        long committed = 0;
        var acknowledged = new ConcurrentDictionary<long, bool>();
        using var stop = new CancellationTokenSource();
        var absent = new List<long>();

        var writer = Task.Run(() =>
        {
            var random = new Random(1);
            while (!stop.IsCancellationRequested)
            {
                int n = random.Next(1, 6);
                var batch = new OutboxItem[n];
                for (int i = 0; i < n; i++)
                {
                    batch[i] = random.Next(10) == 0
                        ? Items.Alarm($"a/p{i:00}", "alarm")
                        : Items.Telemetry($"t/p{i:00}", new string('t', random.Next(50, 400)));
                }

                IReadOnlyList<long> seqs = outbox.Append(batch);
                Volatile.Write(ref committed, seqs[^1]);
            }
        });
        var drainer = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                IReadOnlyList<OutboxRecord> batch = outbox.PeekBatch(7);
                if (batch.Count > 3)
                {
                    // Acknowledge part of it only, so the store keeps a backlog.
                    long[] ids = batch.Take(3).Select(r => r.Id).ToArray();
                    outbox.Acknowledge(ids);
                    foreach (long id in ids)
                    {
                        acknowledged[id] = true;
                    }
                }
                else
                {
                    Thread.Yield();
                }
            }
        });

        try
        {
            for (int snapshot = 0; snapshot < 6; snapshot++)
            {
                long target = Volatile.Read(ref committed) + 300;
                SpinWait.SpinUntil(() => Volatile.Read(ref committed) >= target || writer.IsCompleted || drainer.IsCompleted);
                Assert.False(writer.IsFaulted || drainer.IsFaulted, "a worker failed");

                long committedBefore = Volatile.Read(ref committed);
                var acknowledgedBefore = new HashSet<long>(acknowledged.Keys);
                string copy = _dir.File(string.Create(CultureInfo.InvariantCulture, $"snap{snapshot}/outbox.db"));
                Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
                File.Copy(live.Path, copy);
                File.Copy(live.Path + "-wal", copy + "-wal");

                absent.AddRange(Verify(copy, committedBefore, acknowledgedBefore));
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(writer, drainer);
        }

        // Checked once the drainer has stopped: an acknowledgement may commit during a copy before the test records it.
        Assert.All(absent, seq => Assert.True(acknowledged.ContainsKey(seq), $"seq {seq} is neither stored nor acknowledged"));
        Assert.True(Volatile.Read(ref committed) > 1000);
    }

    /// <returns>The seqs up to the snapshot's last seq that it does not hold: each must have been acknowledged.</returns>
    private static List<long> Verify(string copy, long committedBefore, HashSet<long> acknowledgedBefore)
    {
        // The raw file first: the counter row and the messages, as SQLite recovered them.
        long metaLastSeq;
        var stored = new List<(long Seq, string Payload)>();
        using (var raw = new SqliteConnection($"Data Source={copy};Pooling=False"))
        {
            raw.Open();
            using SqliteCommand meta = raw.CreateCommand();
            meta.CommandText = "SELECT value FROM meta WHERE key = 'last_seq';";
            metaLastSeq = (long)meta.ExecuteScalar()!;
            using SqliteCommand rows = raw.CreateCommand();
            rows.CommandText = "SELECT seq, CAST(payload AS TEXT) FROM outbox ORDER BY seq;";
            using SqliteDataReader reader = rows.ExecuteReader();
            while (reader.Read())
            {
                stored.Add((reader.GetInt64(0), reader.GetString(1)));
            }
        }

        var present = stored.Select(r => r.Seq).ToHashSet();
        Assert.Equal(stored.Count, present.Count);
        Assert.All(stored, r => Assert.EndsWith("#" + r.Seq.ToString(CultureInfo.InvariantCulture), r.Payload));
        Assert.True(metaLastSeq >= committedBefore, $"committed seq {committedBefore} lost: the snapshot's last seq is {metaLastSeq}");
        Assert.True(stored.Count == 0 || stored[^1].Seq <= metaLastSeq, "a message is stored with a seq the persisted counter does not cover");
        var absent = new List<long>();
        for (long seq = 1; seq <= metaLastSeq; seq++)
        {
            if (!present.Contains(seq))
            {
                absent.Add(seq);
            }
        }

        Assert.DoesNotContain(present, acknowledgedBefore.Contains);

        // Reopened: nothing to recover from, and the next seq follows on.
        using DurableOutbox reopened = Items.Open(Items.Options(copy));
        Assert.Equal(metaLastSeq, reopened.Stats.LastSeq);
        Assert.Equal(stored.Count, reopened.Stats.Depth);
        Assert.Equal([metaLastSeq + 1], reopened.Append([Items.Telemetry("t/after", "after")]));
        return absent;
    }
}
