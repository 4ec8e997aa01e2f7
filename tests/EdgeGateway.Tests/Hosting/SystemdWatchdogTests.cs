using EdgeGateway.Hosting;
using EdgeGateway.Tests.Simulation;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeGateway.Tests.Hosting;

/// <summary>The watchdog pings only while rounds complete: a stalled sampling loop must let systemd restart the service.</summary>
[Collection(WatchdogEnvironment.Name)]
public sealed class SystemdWatchdogTests
{
    [Fact]
    public async Task Watchdog_pings_while_rounds_complete_and_falls_silent_when_the_loop_stalls()
    {
        Environment.SetEnvironmentVariable("WATCHDOG_USEC", "300000");
        try
        {
            using var shed = new ShedHarness();
            var notifier = new RecordingNotifier();
            using var watchdog = new SystemdWatchdog(shed.Runtime, NullLogger<SystemdWatchdog>.Instance, notifier);
            await watchdog.StartAsync(CancellationToken.None);

            // No round has completed yet: silence.
            await Task.Delay(700);
            Assert.Equal(0, notifier.Pings);

            // Rounds every 50 ms: pings at about half the 300 ms interval.
            using (var sampling = new CancellationTokenSource(TimeSpan.FromSeconds(1.5)))
            {
                while (!sampling.IsCancellationRequested)
                {
                    shed.Round();
                    await Task.Delay(50);
                }
            }

            int whileAlive = notifier.Pings;
            Assert.True(whileAlive >= 4, $"{whileAlive} pings while sampling");

            // The loop stalls: after at most one more ping the watchdog stops.
            await Task.Delay(1500);
            Assert.InRange(notifier.Pings - whileAlive, 0, 2);

            await watchdog.StopAsync(CancellationToken.None);
        }
        finally
        {
            Environment.SetEnvironmentVariable("WATCHDOG_USEC", null);
        }
    }

    private sealed class RecordingNotifier : ISystemdNotifier
    {
        private int _pings;

        public bool IsEnabled => true;

        public int Pings => Volatile.Read(ref _pings);

        public void Notify(ServiceState state)
        {
            if (state.ToString() == "WATCHDOG=1")
            {
                Interlocked.Increment(ref _pings);
            }
        }
    }
}

/// <summary>WATCHDOG_USEC is process-wide: tests that set it do not run alongside each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WatchdogEnvironment
{
    public const string Name = "watchdog environment";
}
