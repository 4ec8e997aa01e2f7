using EdgeGateway.Hardware.Simulation;
using Microsoft.Extensions.Hosting;

namespace EdgeGateway.Hosting;

/// <summary>
/// Runs one kind of slow device I/O (bin sensors, the supply meter) on a thread of its own at a fixed period, so its
/// waits — ultrasonic pings, 1-Wire conversions, Modbus timeouts — never hold up the ports' protection loop. The
/// schedule runs on the gateway's monotonic clock: a step of the wall clock neither bunches samples nor stops them.
/// Sampling ends when the host stops or the board loses power.
/// </summary>
public abstract class PeriodicSamplingService(ShedRuntime runtime) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Thread? _thread;

    protected ShedRuntime Runtime => runtime;

    /// <summary>The thread's name, as diagnostics show it.</summary>
    protected abstract string ThreadName { get; }

    /// <summary>The sampling period, or null when the site has nothing of this kind to sample.</summary>
    protected abstract TimeSpan? Period { get; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Period is not { } period)
        {
            return Task.CompletedTask;
        }

        _thread = new Thread(() => Run(period)) { Name = ThreadName, IsBackground = true };
        _thread.Start();
        OnStarted(period);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        _thread?.Join(TimeSpan.FromSeconds(5));
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stopping.Dispose();
        }
    }

    /// <summary>One sample of everything this service reads; must not throw for a device fault.</summary>
    protected abstract void SampleOnce(CancellationToken stopping);

    /// <summary>Called once the sampling thread has started (for the start-up log line).</summary>
    protected abstract void OnStarted(TimeSpan period);

    /// <summary>
    /// Waits for the next sample on the gateway's clock. A simulated clock is driven by the ports'
    /// loop and may run many times faster than real time, so it is polled in short real sleeps.
    /// </summary>
    internal static void WaitUntil(TimeProvider time, long origin, TimeSpan at, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            TimeSpan left = at - time.GetElapsedTime(origin);
            if (left <= TimeSpan.Zero)
            {
                return;
            }

            stop.WaitHandle.WaitOne(time is SimulatedClock ? TimeSpan.FromMilliseconds(5) : left);
        }
    }

    private void Run(TimeSpan period)
    {
        CancellationToken stop = _stopping.Token;
        TimeProvider time = runtime.Time;
        long origin = time.GetTimestamp();
        TimeSpan next = TimeSpan.Zero;
        while (!stop.IsCancellationRequested && !runtime.PowerLost)
        {
            SampleOnce(stop);
            next += period;
            WaitUntil(time, origin, next, stop);
        }
    }
}
