using EdgeGateway.Hardware.Simulation;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Hosting;

/// <summary>
/// Samples the bins on their own thread at the site's bin sampling period. Slow sensors (ultrasonic
/// pings 60 ms apart, 1-Wire conversions) never hold up the ports' protection loop.
/// </summary>
public sealed partial class BinSamplingService(ShedRuntime runtime, ILogger<BinSamplingService> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Thread? _thread;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (runtime.Bins is null)
        {
            return Task.CompletedTask;
        }

        _thread = new Thread(Run) { Name = "bin-sampling", IsBackground = true };
        _thread.Start();
        LogStarted(runtime.Site.Bins.Count, runtime.Site.BinSampling.Period);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        _thread?.Join(TimeSpan.FromSeconds(5));
        return Task.CompletedTask;
    }

    public void Dispose() => _stopping.Dispose();

    private void Run()
    {
        CancellationToken stop = _stopping.Token;
        TimeProvider time = runtime.Time;
        TimeSpan period = runtime.Site.BinSampling.Period;
        // The schedule runs on the monotonic clock: a step of the wall clock neither bunches samples nor stops them.
        long origin = time.GetTimestamp();
        TimeSpan next = TimeSpan.Zero;
        while (!stop.IsCancellationRequested && !runtime.PowerLost)
        {
            try
            {
                runtime.Bins!.SampleAll(stop);
            }
#pragma warning disable CA1031 // a failing sample must not end bin monitoring; it is logged and the next one runs
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogSampleFailed(ex);
            }

            next += period;
            WaitUntil(time, origin, next, stop);
        }
    }

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Sampling {Bins} bins every {Period}")]
    private partial void LogStarted(int bins, TimeSpan period);

    [LoggerMessage(Level = LogLevel.Error, Message = "Bin sample failed")]
    private partial void LogSampleFailed(Exception exception);
}
