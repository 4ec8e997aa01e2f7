using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Tests.Messaging.Link;

/// <summary>
/// The gateway process itself, killed with SIGKILL while its broker is down, restarted on the same
/// data directory once the broker is back: every seq it ever assigned reaches the consumer.
/// </summary>
[Trait("Category", "Servers")]
public sealed class GatewayKilledDuringOutageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-kill-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The gateway as it ships (src/EdgeGateway's build output, its own dependencies), not from this test's output.</summary>
    private ProductProcess StartGateway(MosquittoBroker broker, string speed, string duration) =>
        ProductProcess.Start("EdgeGateway",
        [
            "run", "--simulate", "--config", "firmware-config/sites/demo.yaml", "--scenario", "firmware-config/scenarios/overload.yaml",
            "--speed", speed, "--duration", duration, "--data-dir", _dir, "--broker", broker.Uri.ToString(),
        ]);

    [Fact]
    public async Task Gateway_killed_during_an_outage_and_restarted_delivers_every_seq_once_the_broker_is_back()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync();
        await broker.StopAsync();

        // First life: the broker is away the whole time; everything goes to the outbox. Then SIGKILL.
        string firstOutput, secondOutput;
        await using (ProductProcess first = StartGateway(broker, "0", "02:00:00"))
        {
            // Until its overload alarm is in the outbox, and for 6 s at least: how much it stores in that time depends on
            // how fast this machine runs it, not what the test proves. The alarm's log line is not proof: the event journal
            // logs an event before the MQTT link appends it, and on a busy machine a kill right after the line beat the
            // append. The outbox itself is read (read-only, beside the writer: SQLite's WAL allows it).
            var lived = System.Diagnostics.Stopwatch.StartNew();
            await first.WaitForLineAsync(line => line.Contains("PortOverload", StringComparison.Ordinal), "the overload alarm", TimeSpan.FromMinutes(3));
            await WaitForOutboxAlarmAsync(first, TimeSpan.FromMinutes(2));
            if (lived.Elapsed < TimeSpan.FromSeconds(6))
            {
                await Task.Delay(TimeSpan.FromSeconds(6) - lived.Elapsed);
            }

            Assert.False(first.HasExited, "the gateway was not running when it was to be killed:\n" + first.Output);
            await first.KillAsync();
            firstOutput = first.Output;
        }

        await broker.StartAsync();
        await using ProbeClient consumer = await ProbeClient.ConnectAsync(broker, clientId: "district-consumer");
        await consumer.SubscribeAsync("edge/v1/linzi-demo-001/gw-01/#");

        // Second life on the same data directory, long enough to drain what the first one stored.
        await using (ProductProcess second = StartGateway(broker, "1", "00:00:15"))
        {
            Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(240)));
            secondOutput = second.Output;
        }

        var seqs = new HashSet<long>();
        var kinds = new List<string>();
        while (await consumer.TryNextAsync(TimeSpan.FromSeconds(2)) is { } message)
        {
            JsonNode body = JsonNode.Parse(Encoding.UTF8.GetString(message.Payload.ToArray()))!;
            long seq = (long)body["seq"]!;
            if (seq > 0)
            {
                seqs.Add(seq);
            }

            if (message.Topic.EndsWith("/alarms", StringComparison.Ordinal))
            {
                kinds.Add((string)body["kind"]!);
            }
        }

        // The first life's alarm (a 1500 W charger on P02) made it, and the seqs have no hole.
        Assert.True(kinds.Contains("port_overload"),
            $"no port_overload among {kinds.Count} alarms ({string.Join(", ", kinds)}); {seqs.Count} seqs {(seqs.Count == 0 ? "" : $"{seqs.Min()}..{seqs.Max()}")}\n"
            + $"--- first life (tail)\n{Tail(firstOutput)}\n--- second life (tail)\n{Tail(secondOutput)}");
        Assert.True(seqs.Count > 20, $"{seqs.Count} seqs: too little traffic to prove anything");
        long max = seqs.Max();
        long[] missing = [.. Enumerable.Range(1, (int)max).Select(i => (long)i).Where(i => !seqs.Contains(i))];
        Assert.True(missing.Length == 0, $"{missing.Length} of {max} seqs missing, first {string.Join(", ", missing.Take(10))}");
    }

    /// <summary>Polls the first life's outbox until it holds an alarm; the deadline only bounds a failing run.</summary>
    private async Task WaitForOutboxAlarmAsync(ProductProcess gateway, TimeSpan deadline)
    {
        string connection = new SqliteConnectionStringBuilder { DataSource = Path.Combine(_dir, "outbox.db"), Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        string? lastProblem = null;
        while (waited.Elapsed < deadline)
        {
            try
            {
                await using var db = new SqliteConnection(connection);
                await db.OpenAsync();
                await using SqliteCommand count = db.CreateCommand();
                count.CommandText = "SELECT count(*) FROM outbox WHERE topic LIKE '%/alarms'";
                if ((long)(await count.ExecuteScalarAsync())! > 0)
                {
                    return;
                }
            }
            catch (SqliteException ex)
            {
                // Not created yet, or busy for a moment: look again.
                lastProblem = ex.Message;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"no alarm in the outbox within {deadline} ({lastProblem ?? "no error"}):\n{Tail(gateway.Output)}");
    }

    private static string Tail(string output) => string.Join('\n', output.Split('\n').TakeLast(60));
}
