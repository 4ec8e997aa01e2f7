using EdgeGateway.Hardware.Metering.SupplyMeters;
using EdgeGateway.Protection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Hosting;

/// <summary>
/// Reads the shed's supply meter on its own thread every poll period (site key <c>supplyMeter.pollPeriodMs</c>) and
/// hands each reading, or its fault, to protection, which applies it on the sampling thread: a Modbus exchange (six
/// requests, tens of milliseconds at 9600 baud, a timeout and its retries when the meter is silent) never holds up the
/// ports' protection loop.
/// </summary>
public sealed partial class SupplyMeterService(ShedRuntime runtime, ILogger<SupplyMeterService> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Thread? _thread;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (runtime.Site.SupplyMeter is not { } meter)
        {
            return Task.CompletedTask;
        }

        _thread = new Thread(Run) { Name = "supply-meter", IsBackground = true };
        _thread.Start();
        LogStarted(meter.Map, meter.Serial, meter.Unit, meter.PollPeriod);
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
        TimeSpan period = runtime.Site.SupplyMeter!.PollPeriod;
        long origin = time.GetTimestamp();
        TimeSpan next = TimeSpan.Zero;
        string? lastFault = null;
        while (!stop.IsCancellationRequested && !runtime.PowerLost)
        {
            SupplyMeterPoll poll = Poll(runtime.Board.SupplyMeter, runtime.Board.SupplyMeterFault);
            runtime.Protection.SubmitSupplyPoll(poll);
            if (poll.Fault != lastFault)
            {
                lastFault = poll.Fault;
                if (poll.Fault is not null)
                {
                    LogFault(poll.Fault);
                }
            }

            next += period;
            // The bins' schedule: on the monotonic clock, a simulated one polled in short real sleeps.
            BinSamplingService.WaitUntil(time, origin, next, stop);
        }
    }

    private static SupplyMeterPoll Poll(SupplyMeter? meter, string? openFault)
    {
        if (meter is null)
        {
            return SupplyMeterPoll.Failed(openFault ?? "supply meter not open");
        }

        return meter.TryRead(out SupplyMeterReading reading, out string? fault) ? SupplyMeterPoll.Read(reading) : SupplyMeterPoll.Failed(fault!);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reading the supply meter ({Map}) on {Serial} at unit {Unit} every {Period}")]
    private partial void LogStarted(string map, string serial, int unit, TimeSpan period);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Supply meter: {Fault}")]
    private partial void LogFault(string fault);
}
