using EdgeGateway.Contracts.Ports;
using EdgeGateway.Diagnostics;
using EdgeGateway.Simulation;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Hosting;

/// <summary>
/// Runs the sampling loop on a dedicated thread, above normal priority, away from the thread pool:
/// protection must never queue behind a network or disk task. The relays are already open when this
/// starts (the runtime opened them); on stop, crash or process exit they are opened again.
/// </summary>
public sealed partial class SamplingService(
    ShedRuntime runtime,
    GatewayMeters meters,
    IOptions<GatewayOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<SamplingService> logger) : IHostedService, IDisposable
{
    // A loop that throws this many rounds running has a bug, not a glitch: stop, let systemd restart us.
    private const int MaxFailedRoundsInARow = 3;

    private readonly CancellationTokenSource _stopping = new();
    private Thread? _thread;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Last line of defence: a dying process still tries to open every relay (normally-open wiring
        // does the rest when the process is gone).
        AppDomain.CurrentDomain.UnhandledException += OnUnhandledException;

        _thread = new Thread(Run)
        {
            Name = "shed-sampling",
            IsBackground = true,
            Priority = ThreadPriority.AboveNormal,
        };
        _thread.Start();
        LogStarted(runtime.Site.Site.Id, runtime.Site.Site.Gateway, runtime.Site.Ports.Count, options.Value.Simulate);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        _thread?.Join(TimeSpan.FromSeconds(5));
        // A power cut already took the relays with it, and there is no gateway left to close or suspend a session.
        if (!runtime.PowerLost)
        {
            runtime.StopProtection();
            LogStopped();
        }

        AppDomain.CurrentDomain.UnhandledException -= OnUnhandledException;
        return Task.CompletedTask;
    }

    public void Dispose() => _stopping.Dispose();

    private void Run()
    {
        // In simulation this loop is the shed's clock: only its transfers and idling move time.
        (runtime.Time as Hardware.Simulation.SimulatedClock)?.OwnAdvances();
        CancellationToken stop = _stopping.Token;
        TimeSpan? stopAfter = options.Value.StopAfter ?? runtime.Scenario?.Duration;
        int failed = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                runtime.Pacer.BeforeRound();
                if (runtime.PowerLost)
                {
                    // A scenario's power cut: the Pi went down with the shed's mains, in the middle of nothing.
                    LogPowerCut(runtime.PowerCut!.Value);
                    lifetime.StopApplication();
                    return;
                }

                long roundStart = runtime.Time.GetTimestamp();
                runtime.Sampler.RunRound();
                meters.RoundCompleted(runtime.Time.GetElapsedTime(roundStart));
                failed = 0;
                runtime.Pacer.AfterRound(stop);
            }
#pragma warning disable CA1031 // the sampling loop must survive anything one round can throw, and say so
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failed++;
                bool simulator = runtime.Simulation is not null && SimulatorFault.Caused(ex);
                if (simulator)
                {
                    LogSimulatorFailed(ex, failed);
                }
                else
                {
                    LogRoundFailed(ex, failed);
                }

                if (failed >= MaxFailedRoundsInARow)
                {
                    runtime.Protection.OpenAll(SessionEndReason.Shutdown);
                    Environment.ExitCode = simulator ? SimulatorFault.ExitCode : 70;
                    lifetime.StopApplication();
                    return;
                }
            }

            // Shed time on the monotonic clock: a step of the wall clock neither ends the run early nor holds it up.
            if (stopAfter is { } span && runtime.Time.GetElapsedTime(runtime.RunOrigin) >= span)
            {
                LogDurationReached(span);
                lifetime.StopApplication();
                return;
            }
        }
    }

    private void OnUnhandledException(object sender, UnhandledExceptionEventArgs e) => runtime.Protection.OpenAll(SessionEndReason.Shutdown);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sampling site {SiteId} gateway {GatewayId}: {Ports} ports (simulated: {Simulated})")]
    private partial void LogStarted(string siteId, string gatewayId, int ports, bool simulated);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sampling stopped; every relay open")]
    private partial void LogStopped();

    [LoggerMessage(Level = LogLevel.Error, Message = "Sampling round failed ({Failed} in a row)")]
    private partial void LogRoundFailed(Exception exception, int failed);

    [LoggerMessage(Level = LogLevel.Error, Message = "The simulated shed failed ({Failed} in a row): a fault of the simulation, not of the gateway's sampling")]
    private partial void LogSimulatorFailed(Exception exception, int failed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Power cut: the shed and its gateway lose mains for {Outage}")]
    private partial void LogPowerCut(TimeSpan outage);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ran for {Duration} of shed time; stopping")]
    private partial void LogDurationReached(TimeSpan duration);
}
