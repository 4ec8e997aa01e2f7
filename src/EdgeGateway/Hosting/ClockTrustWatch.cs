using EdgeGateway.Protection;
using EdgeGateway.Timekeeping;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Hosting;

/// <summary>
/// Runs only while protection holds sessions of another boot for the wall clock (started before NTP on a Pi without RTC):
/// looks at the clock's synchronisation every <see cref="Period"/> and, once it is synchronised, tells protection, which
/// measures the outage on its sampling thread and resumes or ends each held session. Protection ends them itself when the
/// resume window passes first; nothing here decides about a relay.
/// </summary>
public sealed partial class ClockTrustWatch(ShedProtection protection, ClockSync sync, TimeProvider time, ILogger<ClockTrustWatch> logger) : BackgroundService
{
    /// <summary>How often the synchronisation is looked at (timesyncd's flag file or the kernel's status: cheap reads).</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogWaiting();
        while (protection.SessionsAwaitClock)
        {
            if (sync.IsSynchronized())
            {
                LogSynchronized();
                protection.WallClockTrusted();
                return;
            }

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Clock: sessions of the last boot wait, relays open, for the wall clock to synchronise so that their outage can be measured")]
    private partial void LogWaiting();

    [LoggerMessage(Level = LogLevel.Information, Message = "Clock: synchronised; the held sessions are measured and resume or end")]
    private partial void LogSynchronized();
}
