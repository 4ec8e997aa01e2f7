using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.FleetSim.Fleet;

/// <summary>
/// The district's gateways in one process. Shed time is the wall clock since the start times the acceleration; the
/// sampling threads run every gateway's round each round period of shed time (a gateway always on the same thread,
/// as a gateway's rounds are on its one sampling thread); each gateway's link, outbox and connection run on their own
/// tasks. Faults are injected into the sheds' models between rounds.
/// </summary>
internal sealed class DistrictFleet : IAsyncDisposable
{
    private readonly FleetOptions _options;
    private readonly FleetGateway[] _gateways;
    private readonly Thread[] _threads;
    private readonly CancellationTokenSource _stop = new();
    private readonly long _startTimestamp;
    private readonly DateTimeOffset _start;
    private long _rounds;
    private long _lateRounds;
    private int _disposed;

    private DistrictFleet(FleetOptions options, FleetGateway[] gateways, DateTimeOffset start, long startTimestamp)
    {
        _options = options;
        _gateways = gateways;
        _start = start;
        _startTimestamp = startTimestamp;
        _threads = [.. Enumerable.Range(0, options.SamplingThreads).Select(t => new Thread(() => SampleLoop(t)) { IsBackground = true, Name = $"fleet-sampling-{t}" })];
    }

    public IReadOnlyList<FleetGateway> Gateways => _gateways;

    public FleetLedger Ledger { get; private init; } = null!;

    /// <summary>Rounds that started later than a whole round period behind schedule (the sampling threads could not keep up).</summary>
    public long LateRounds => Interlocked.Read(ref _lateRounds);

    public long Rounds => Interlocked.Read(ref _rounds);

    /// <summary>Shed time now.</summary>
    public DateTimeOffset Now => _start + (Stopwatch.GetElapsedTime(_startTimestamp) * _options.Acceleration);

    public DateTimeOffset Start => _start;

    /// <summary>Builds every gateway (site, model, protection, outbox, link), connects them to <paramref name="broker"/> and starts sampling.</summary>
    public static async Task<DistrictFleet> StartAsync(FleetOptions options, Uri broker, ILoggerFactory logs, CancellationToken cancellationToken)
    {
        var sites = FleetSites.Load();
        var ledger = new FleetLedger();
        // Shed time starts with the wall clock and runs from the same instant (building 645 gateways takes seconds: at
        // acceleration 1 a gateway's ts must be the wall clock's, or every latency measured would carry that offset).
        DateTimeOffset start = DateTimeOffset.UtcNow;
        long startTimestamp = Stopwatch.GetTimestamp();
        var gateways = new FleetGateway[options.Gateways];
        for (int i = 0; i < gateways.Length; i++)
        {
            Uri uri = i < options.PartitionedGateways ? options.PartitionBroker ?? broker : broker;
            gateways[i] = new FleetGateway(sites.For(i, options), start, options.Seed + i, uri, Path.Combine(options.DataDirectory, $"gw{i + 1:000}"), options, ledger, logs);
        }

        var fleet = new DistrictFleet(options, gateways, start, startTimestamp) { Ledger = ledger };
        foreach (FleetGateway gateway in gateways)
        {
            await gateway.StartAsync(cancellationToken);
        }

        foreach (Thread thread in fleet._threads)
        {
            thread.Start();
        }

        return fleet;
    }

    /// <summary>Overloads <paramref name="count"/> sheds picked at random (each cuts the port and raises a major alarm).</summary>
    public IReadOnlyList<FleetGateway> InjectOverloads(int count, Random random)
    {
        FleetGateway[] picked = [.. _gateways.OrderBy(_ => random.Next()).Take(count)];
        foreach (FleetGateway gateway in picked)
        {
            gateway.InjectOverload();
        }

        return picked;
    }

    /// <summary>Waits until every gateway is connected and has handed every event to its link and published its whole outbox.</summary>
    public async Task<bool> WaitDrainedAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_gateways.All(g => g.IsConnected && !g.EventsPending && g.Outbox.Stats.Depth == 0))
            {
                return true;
            }

            await Task.Delay(200, cancellationToken);
        }

        return false;
    }

    /// <summary>Messages waiting in all outboxes.</summary>
    public long OutboxDepth => _gateways.Sum(g => g.Outbox.Stats.Depth);

    public int Connected => _gateways.Count(g => g.IsConnected);

    /// <summary>Stops sampling (no new messages), then stops every gateway as systemd would.</summary>
    public async Task StopSamplingAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync();
        foreach (Thread thread in _threads)
        {
            thread.Join();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await StopSamplingAsync();
        await Parallel.ForEachAsync(_gateways, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (g, _) => await g.DisposeAsync());
    }

    private void SampleLoop(int thread)
    {
        FleetGateway[] mine = [.. _gateways.Where((_, i) => i % _options.SamplingThreads == thread)];
        TimeSpan period = _options.RoundPeriod / _options.Acceleration;
        TimeSpan next = Stopwatch.GetElapsedTime(_startTimestamp);
        while (!_stop.IsCancellationRequested)
        {
            DateTimeOffset now = Now;
            foreach (FleetGateway gateway in mine)
            {
                gateway.RunRound(now);
            }

            Interlocked.Increment(ref _rounds);
            next += period;
            TimeSpan wait = next - Stopwatch.GetElapsedTime(_startTimestamp);
            if (wait > TimeSpan.Zero)
            {
                _stop.Token.WaitHandle.WaitOne(wait);
            }
            else if (-wait > period)
            {
                // Behind by more than a round: count it and start from now rather than racing to catch up.
                Interlocked.Increment(ref _lateRounds);
                next = Stopwatch.GetElapsedTime(_startTimestamp);
            }
        }
    }
}
