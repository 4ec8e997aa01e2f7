using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Hosting;

/// <summary>
/// Pings systemd's watchdog (sd_notify WATCHDOG=1, see systemd.service(5) WatchdogSec=) only while the
/// sampling loop completes rounds: a stuck loop stops the pings and systemd restarts the service
/// (ExecStopPost then opens the relays). Does nothing when not started by systemd with a watchdog. Once the host
/// is stopping it pings no more, and no ping follows the host's STOPPING=1 (see <see cref="ExecuteAsync"/>).
/// </summary>
public sealed partial class SystemdWatchdog(
    ShedRuntime runtime, ILogger<SystemdWatchdog> logger, ISystemdNotifier? notifier = null, IHostApplicationLifetime? lifetime = null) : BackgroundService
{
    private static readonly ServiceState Ping = new("WATCHDOG=1");
    private readonly Lock _pinging = new();
    private bool _stopping;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // AddSystemd registers a notifier only when systemd started the process.
        if (notifier is not { IsEnabled: true } || !TryGetInterval(out TimeSpan interval))
        {
            return;
        }

        // SystemdLifetime sends STOPPING=1 from an ApplicationStopping callback, registered when the host started, before
        // this service ran. A token runs its callbacks in reverse order of registration, so this one runs first and,
        // holding the lock a ping holds, lets a ping under way finish and keeps any later one from being sent.
        using CancellationTokenRegistration stopping = lifetime?.ApplicationStopping.Register(() =>
        {
            lock (_pinging)
            {
                _stopping = true;
            }
        }) ?? default;

        // systemd recommends pinging at half the interval.
        using var timer = new PeriodicTimer(interval / 2);
        bool silent = false;
        while (await WaitAsync(timer, stoppingToken))
        {
            long last = runtime.Sampler.LastRoundCompletedTimestamp;
            bool alive = last != 0 && Stopwatch.GetElapsedTime(last) < interval;
            if (alive)
            {
                lock (_pinging)
                {
                    if (_stopping)
                    {
                        return;
                    }

                    notifier.Notify(Ping);
                }

                silent = false;
            }
            else if (!silent)
            {
                LogLoopStalled(interval);
                silent = true;
            }
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken token)
    {
        try
        {
            return await timer.WaitForNextTickAsync(token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static bool TryGetInterval(out TimeSpan interval)
    {
        string? usec = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        if (long.TryParse(usec, NumberStyles.Integer, CultureInfo.InvariantCulture, out long micros) && micros > 0)
        {
            interval = TimeSpan.FromMicroseconds(micros);
            return true;
        }

        interval = default;
        return false;
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Sampling loop has not completed a round within the watchdog interval {Interval}: withholding watchdog pings")]
    private partial void LogLoopStalled(TimeSpan interval);
}
