using System.Text;
using BenchmarkDotNet.Attributes;
using EdgeGateway.Messaging.Outbox;

namespace EdgeGateway.Benchmarks;

/// <summary>
/// The durable outbox on this machine's disk: write rate (one Append of 1 or 50 telemetry messages of ≈300 bytes, one
/// transaction each) and drain rate (PeekBatch of 100 + Acknowledge of them), under both fsync policies. Messages/s is
/// batch size ÷ mean time. Runs in the temp directory; set OUTBOX_BENCH_DIR to measure a real SD card (a tmpfs /tmp
/// makes fsync free and the numbers meaningless for wear and latency).
/// </summary>
[MemoryDiagnoser]
public class OutboxBenchmark
{
    private const int DrainBatch = 100;
    private const int DrainInvocations = 200;

    private string _dir = null!;
    private DurableOutbox _outbox = null!;
    private OutboxItem[] _one = null!;
    private OutboxItem[] _fifty = null!;

    [Params(OutboxDurability.Tiered, OutboxDurability.AlwaysFull)]
    public OutboxDurability Durability { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string root = Environment.GetEnvironmentVariable("OUTBOX_BENCH_DIR") is { Length: > 0 } configured ? configured : Path.GetTempPath();
        _dir = Path.Combine(root, "edgegateway-outbox-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        _outbox = DurableOutbox.Open(new OutboxOptions { Path = Path.Combine(_dir, "outbox.db"), Durability = Durability }, out _);
        // ≈300 bytes of JSON-like telemetry for one port, stamped with its seq.
        string body = "{\"port\":\"P07\",\"v\":224.1,\"a\":1.362,\"w\":199.0,\"va\":305.2,\"pf\":0.652,\"kwh\":12.345,\"t\":\"2026-11-25T19:00:00+08:00\",\"state\":\"charging\",\"session\":\"0c8a1f3e-5b7d-4e2a-9f61-3d2b8c4a7e10\",\"temp_c\":31.5,\"flags\":[],\"pad\":\"" + new string('x', 60) + "\",\"seq\":";
        OutboxItem Item(int port) => new($"shed/demo/port/P{port:00}/telemetry", MessageClass.Telemetry, false, seq => Encoding.UTF8.GetBytes(body + seq + "}"));
        _one = [Item(1)];
        _fifty = Enumerable.Range(1, 50).Select(i => Item((i % 20) + 1)).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _outbox.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(Description = "append: 1 telemetry message")]
    public IReadOnlyList<long> AppendOne() => _outbox.Append(_one);

    [Benchmark(Description = "append: batch of 50 telemetry messages")]
    public IReadOnlyList<long> AppendFifty() => _outbox.Append(_fifty);

    /// <summary>Fills the outbox with exactly what the drain invocations of one iteration take out.</summary>
    [IterationSetup(Target = nameof(Drain))]
    public void FillForDrain()
    {
        for (int i = 0; i < DrainInvocations * DrainBatch / _fifty.Length; i++)
        {
            _outbox.Append(_fifty);
        }
    }

    [Benchmark(Description = "drain: PeekBatch(100) + Acknowledge(100)")]
    [InvocationCount(DrainInvocations, 1)]
    public int Drain()
    {
        IReadOnlyList<OutboxRecord> batch = _outbox.PeekBatch(DrainBatch);
        long[] ids = new long[batch.Count];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = batch[i].Id;
        }

        _outbox.Acknowledge(ids);
        return ids.Length;
    }
}
