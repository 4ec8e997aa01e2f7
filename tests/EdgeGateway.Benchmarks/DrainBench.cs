using System.Diagnostics;
using System.Globalization;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Messaging;
using EdgeGateway.Messaging.Outbox;
using EdgeGateway.Mqtt;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Network;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeGateway.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/EdgeGateway.Benchmarks -- drain [--messages N] [--delay-ms D[,D…]] [--window W[,W…]] [--runs R] [--batched [--breakdown]] [--broker-nodelay]</c>:
/// the gateway's backlog drain — the real <see cref="OutboxDrain"/> over the real <see cref="MqttConnection"/> — from
/// a <see cref="DurableOutbox"/> filled with N port telemetry messages to a real Mosquitto on this machine, directly
/// (0 ms) or through <see cref="TcpCutter"/> delaying every chunk by D ms each way, timed until a bare MQTTnet subscriber
/// (with the product's socket buffers, <see cref="BenchMqtt"/>) has received all N. Defaults: 3,000 messages, delays 0 and 10 ms, windows 16 (the gateway's) and 1 (one at a time),
/// 3 runs each after one unmeasured warm-up run; Mosquitto as the test fixtures run it (Nagle on).
/// <list type="bullet">
/// <item><c>--batched</c>: the drain as it was before it kept the window full across batches (peek 100, publish them
/// with the window, wait for every PUBACK, acknowledge), for comparison; <c>--breakdown</c> then prints the time per
/// batch spent in PeekBatch, publishing and Acknowledge.</item>
/// <item><c>--broker-nodelay</c>: Mosquitto with <c>set_tcp_nodelay true</c>, as deploy/mosquitto/edgegateway.conf
/// runs it.</item>
/// </list>
/// Each run also prints the TCP delayed ACKs the kernel counted meanwhile (TcpExt DelayedACKs, Linux, machine-wide).
/// </summary>
internal static class DrainBench
{
    private const string Site = "bench";
    private const string Gateway = "gw-drain";

    public static async Task<int> RunAsync(string[] args)
    {
        int messages = BenchArguments.Option(args, "--messages").Select(BenchArguments.Int).FirstOrDefault(3000);
        int[] delays = BenchArguments.Option(args, "--delay-ms").Select(BenchArguments.IntList).FirstOrDefault([0, 10]);
        int[] windows = BenchArguments.Option(args, "--window").Select(BenchArguments.IntList).FirstOrDefault([OutboxDrain.DefaultWindow, 1]);
        int runs = BenchArguments.Option(args, "--runs").Select(BenchArguments.Int).FirstOrDefault(3);
        bool batched = args.Contains("--batched");
        bool breakdown = batched && args.Contains("--breakdown");
        bool brokerNoDelay = args.Contains("--broker-nodelay");
        if (messages < 1 || runs < 1 || delays.Any(d => d < 0) || windows.Any(w => w < 1))
        {
            Console.Error.WriteLine("drain: --messages, --runs and --window must be at least 1, --delay-ms at least 0");
            return 2;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"drain bench: {messages:N0} port telemetry messages (~{Payload(1).Length} bytes), batch {OutboxDrain.DefaultBatch}, {Environment.ProcessorCount} cores"));

        // --broker-nodelay: Mosquitto with TCP_NODELAY (deploy/mosquitto/edgegateway.conf sets it; its default is off).
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(new MosquittoBrokerOptions
        {
            ExtraConfiguration = brokerNoDelay ? ["max_queued_messages 0", "set_tcp_nodelay true"] : ["max_queued_messages 0"],
        });
        Console.WriteLine($"  Mosquitto {(brokerNoDelay ? "with" : "without")} set_tcp_nodelay; {(batched ? "batched drain (before the fix)" : "OutboxDrain")}; bare subscriber: {BenchMqtt.ClientDescription}");
        string data = Directory.CreateTempSubdirectory("edgegateway-bench-drain-").FullName;
        try
        {
            await RunOnceAsync(broker, data, Math.Min(messages, 1000), delayMs: 0, OutboxDrain.DefaultWindow, batched, breakdown: false); // warm-up (JIT)
            foreach (int delay in delays)
            {
                foreach (int window in windows)
                {
                    var rates = new List<double>();
                    for (int run = 1; run <= runs; run++)
                    {
                        Result result = await RunOnceAsync(broker, data, messages, delay, window, batched, breakdown);
                        rates.Add(result.Rate);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"  delay {delay,3} ms each way, window {window,2}, run {run}: {result.Rate,8:N0} msg/s ({result.Elapsed.TotalSeconds:F2} s; all PUBACKs at {result.Drained.TotalSeconds:F2} s; {result.DelayedAcks?.ToString(CultureInfo.InvariantCulture) ?? "?"} delayed ACKs)"));
                        if (breakdown)
                        {
                            Console.WriteLine("      " + result.Breakdown);
                        }
                    }

                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  => delay {delay} ms, window {window}: median {Median(rates):N0} msg/s (runs: {string.Join(", ", rates.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))})"));
                }
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }

        return 0;
    }

    private sealed record Result(double Rate, TimeSpan Elapsed, TimeSpan Drained, long? DelayedAcks, string Breakdown);

    private static async Task<Result> RunOnceAsync(MosquittoBroker broker, string data, int messages, int delayMs, int window, bool batched, bool breakdown)
    {
        string run = Guid.NewGuid().ToString("N")[..8];
        using DurableOutbox outbox = Fill(Path.Combine(data, run + ".db"), messages, run);

        // A delay line each way (order kept, chunks not serialised): latency without a bandwidth cap.
        await using TcpCutter? proxy = delayMs > 0 ? new TcpCutter(broker.Port, delay: TimeSpan.FromMilliseconds(delayMs)) : null;
        var options = new MqttLinkOptions
        {
            Broker = proxy?.Uri ?? broker.Uri,
            ClientId = "bench-drain-" + run,
            SessionExpiry = TimeSpan.Zero,
        };
        await using var connection = new MqttConnection(options, NullLogger<MqttConnection>.Instance);
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Connected += (_, _) => connected.TrySetResult();
        using var stop = new CancellationTokenSource();
        Task link = connection.RunAsync(stop.Token);

        using IMqttClient subscriber = new MqttClientFactory().CreateMqttClient();
        int received = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.ApplicationMessageReceivedAsync += _ =>
        {
            if (Interlocked.Increment(ref received) == messages)
            {
                all.TrySetResult();
            }

            return Task.CompletedTask;
        };
        await subscriber.ConnectAsync(BenchMqtt.Options(broker, "bench-drain-subscriber-" + run, receiveMaximum: 4000));
        await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter($"edge/v1/{Site}/{Gateway}-{run}/#", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await connected.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var drain = new OutboxDrain(outbox, connection, OutboxDrain.DefaultBatch, window);
        var phases = new Phases();
        long? delayedAcksBefore = DelayedAcks();
        var clock = Stopwatch.StartNew();
        if (batched)
        {
            while (outbox.Stats.Depth > 0)
            {
                long t0 = Stopwatch.GetTimestamp();
                IReadOnlyList<OutboxRecord> batch = outbox.PeekBatch(OutboxDrain.DefaultBatch);
                long t1 = Stopwatch.GetTimestamp();
                List<long> acknowledged = await PublishBatchAsync(connection, batch, window);
                long t2 = Stopwatch.GetTimestamp();
                outbox.Acknowledge(acknowledged);
                long t3 = Stopwatch.GetTimestamp();
                phases.Add(t0, t1, t2, t3);
                if (acknowledged.Count == 0)
                {
                    throw new InvalidOperationException("the broker acknowledged nothing");
                }
            }
        }
        else
        {
            while (outbox.Stats.Depth > 0)
            {
                if (await drain.DrainAsync(null, CancellationToken.None) == 0)
                {
                    throw new InvalidOperationException("the broker acknowledged nothing");
                }
            }
        }

        TimeSpan drained = clock.Elapsed;
        await all.Task.WaitAsync(TimeSpan.FromMinutes(10));
        clock.Stop();
        long? delayedAcks = DelayedAcks() - delayedAcksBefore;
        await stop.CancelAsync();
        await link;
        await subscriber.DisconnectAsync();
        return new Result(messages / clock.Elapsed.TotalSeconds, clock.Elapsed, drained, delayedAcks, breakdown ? phases.ToString() : "");
    }

    /// <summary>
    /// The drain before it kept the window full across batches (MqttLink.PublishInOrderAsync until then), kept here to
    /// compare: up to <paramref name="window"/> publishes in flight, but every batch waits for all its PUBACKs before
    /// the next is peeked, so the sender falls idle at the end of each batch.
    /// </summary>
    private static async Task<List<long>> PublishBatchAsync(MqttConnection connection, IReadOnlyList<OutboxRecord> batch, int window)
    {
        var acknowledged = new List<long>(batch.Count);
        var inFlight = new Queue<(long Id, Task<bool> Published)>();
        bool failed = false;
        foreach (OutboxRecord record in batch)
        {
            if (inFlight.Count == window)
            {
                (long id, Task<bool> published) = inFlight.Dequeue();
                failed = !await published;
                if (failed)
                {
                    break;
                }

                acknowledged.Add(id);
            }

            inFlight.Enqueue((record.Id, connection.PublishAsync(record.Topic, record.Payload, record.Retain, MqttQualityOfServiceLevel.AtLeastOnce)));
        }

        while (inFlight.Count > 0)
        {
            (long id, Task<bool> published) = inFlight.Dequeue();
            bool ok = await published;
            if (!failed && ok)
            {
                acknowledged.Add(id);
            }

            failed |= !ok;
        }

        return acknowledged;
    }

    /// <summary>The kernel's count of delayed TCP ACKs sent (Linux /proc/net/netstat, TcpExt DelayedACKs), or null.</summary>
    private static long? DelayedAcks()
    {
        try
        {
            string[] lines = File.ReadAllLines("/proc/net/netstat");
            for (int i = 0; i + 1 < lines.Length; i += 2)
            {
                string[] names = lines[i].Split(' ');
                string[] values = lines[i + 1].Split(' ');
                int at = Array.IndexOf(names, "DelayedACKs");
                if (names[0] == "TcpExt:" && at > 0 && at < values.Length)
                {
                    return long.Parse(values[at], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    private static DurableOutbox Fill(string path, int messages, string run)
    {
        var outbox = DurableOutbox.Open(new OutboxOptions { Path = path }, out _);
        const int Chunk = 500;
        for (int start = 0; start < messages; start += Chunk)
        {
            var items = new List<OutboxItem>(Chunk);
            for (int i = start; i < Math.Min(messages, start + Chunk); i++)
            {
                string port = "P" + ((i % 20) + 1).ToString("00", CultureInfo.InvariantCulture);
                items.Add(new OutboxItem(ContractTopics.PortTelemetry(Site, $"{Gateway}-{run}", port), MessageClass.Telemetry, false, seq => Payload(seq, port)));
            }

            outbox.Append(items);
        }

        return outbox;
    }

    /// <summary>A port telemetry message as <see cref="ContractMapper.PortTelemetry"/> renders it for a charging port.</summary>
    private static byte[] Payload(long seq, string port = "P01")
    {
        DateTimeOffset at = new DateTimeOffset(2026, 11, 25, 19, 0, 0, TimeSpan.Zero).AddSeconds(seq);
        return ContractJson.Serialize(new PortTelemetryMessage
        {
            Seq = seq, Ts = at, Site = Site, Gateway = Gateway, Port = port, State = PortState.Charging, RelayClosed = true,
            VoltageV = 229.512, CurrentA = 0.812, PowerW = 121.5, PowerFactor = 0.652, SessionEnergyWh = 12.345, SessionS = 600,
            LifetimeEnergyWh = 10_234.5, MeasuredTs = at,
        });
    }

    private static double Median(List<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>Time per batch of the batched drain spent peeking, publishing (until every PUBACK of the batch) and acknowledging.</summary>
    private sealed class Phases
    {
        private long _peek;
        private long _publish;
        private long _acknowledge;
        private int _batches;

        public void Add(long t0, long t1, long t2, long t3)
        {
            _peek += t1 - t0;
            _publish += t2 - t1;
            _acknowledge += t3 - t2;
            _batches++;
        }

        public override string ToString() => _batches == 0
            ? ""
            : string.Create(CultureInfo.InvariantCulture,
                $"{_batches} batches, per batch: PeekBatch {Ms(_peek):F3} ms, publish {Ms(_publish):F3} ms, Acknowledge {Ms(_acknowledge):F3} ms");

        private double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency / _batches;
    }
}
