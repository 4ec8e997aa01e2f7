using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Timekeeping;

/// <summary>
/// Logs where the stamps' time comes from at start (<see cref="RtcWallClock.Start"/>'s report), then, every
/// <see cref="Period"/>, writes the time back to the RTC once the system clock is synchronised. Nothing waits for it.
/// </summary>
public sealed partial class RtcWriteBack(RtcWallClock clock, ClockSync sync, string startReport, TimeProvider time, ILogger<RtcWriteBack> logger) : BackgroundService
{
    /// <summary>How often the synchronisation is looked at.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStart(startReport);
        string? lastProblem = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (clock.WriteAfterSync(sync, out string? problem))
            {
                LogWritten();
                return;
            }

            if (problem is not null && problem != lastProblem)
            {
                LogWriteFailed(problem);
            }

            lastProblem = problem;
            try
            {
                await Task.Delay(Period, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Clock: {Report}")]
    private partial void LogStart(string report);

    [LoggerMessage(Level = LogLevel.Information, Message = "Clock: the system clock is synchronised; its time was written to the RTC")]
    private partial void LogWritten();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Clock: the system clock is synchronised but the RTC could not be written ({Problem}); trying again")]
    private partial void LogWriteFailed(string problem);
}
