using System.CommandLine;
using System.Device.I2c;
using System.Globalization;
using EdgeGateway.Board;
using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Localization;
using EdgeGateway.Diagnostics;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Clock;
using EdgeGateway.Hosting;
using EdgeGateway.LiveView;
using EdgeGateway.Messaging;
using EdgeGateway.Protection;
using EdgeGateway.Simulation;
using EdgeGateway.Timekeeping;
using EdgeGateway.Upgrading;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.CommandLine;

/// <summary><c>run [--config FILE] [--simulate] [--scenario FILE] [--speed X] [--data-dir DIR] [--lang zh-CN|en] [--duration T]</c>.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = $"Site file (default: the demo shed with --simulate, else {FirmwareConfig.InstalledSite})" };
        var simulate = new Option<bool>("--simulate") { Description = "Run on the bus-level simulator instead of the board" };
        var scenario = new Option<string?>("--scenario") { Description = "Simulation scenario file (default: firmware-config/scenarios/demo.yaml)" };
        var speed = new Option<double?>("--speed") { Description = "Simulated seconds per real second (default: the scenario's; 0 = as fast as possible)" };
        var dataDir = new Option<string?>("--data-dir") { Description = "State directory (default /var/lib/edgegateway, or a temp folder with --simulate)" };
        var language = new Option<string>("--lang") { Description = "zh-CN (default) or en", DefaultValueFactory = _ => "zh-CN" };
        var duration = new Option<TimeSpan?>("--duration") { Description = "Stop after this much shed time (e.g. 01:00:00)" };
        var broker = new Option<string?>("--broker") { Description = "MQTT broker: embedded (default), none, mqtt://host:port or mqtts://host:port" };
        var ports = new Option<int?>("--ports") { Description = $"With --simulate: a generated shed of this many AC ports (1..{GeneratedShedSite.MaxPorts}) wired as the demo shed, instead of a site file" };

        var command = new Command("run", "Meter and protect the shed (the service's main job)");
        command.Options.Add(config);
        command.Options.Add(simulate);
        command.Options.Add(scenario);
        command.Options.Add(speed);
        command.Options.Add(dataDir);
        command.Options.Add(language);
        command.Options.Add(duration);
        command.Options.Add(broker);
        command.Options.Add(ports);
        command.SetAction((parse, cancellationToken) => RunAsync(
            new RunArguments(
                parse.GetValue(config),
                parse.GetValue(simulate),
                parse.GetValue(scenario),
                parse.GetValue(speed),
                parse.GetValue(dataDir),
                parse.GetValue(language)!,
                parse.GetValue(duration),
                parse.GetValue(broker))
            {
                Ports = parse.GetValue(ports),
            },
            cancellationToken));
        return command;
    }

    /// <summary>The run itself; <paramref name="hooks"/> are for tests (a look at the composed runtime, a log of their own).</summary>
    internal static async Task<int> RunAsync(RunArguments args, CancellationToken cancellationToken, RunHooks? hooks = null)
    {
        if (args.Ports is { } portCount && (!args.Simulate || args.Config is not null || portCount is < 1 or > GeneratedShedSite.MaxPorts))
        {
            Console.Error.WriteLine($"--ports needs --simulate, no --config, and 1..{GeneratedShedSite.MaxPorts} ports");
            return 2;
        }

        string siteFile = args.Ports is { } generated ? WriteGeneratedSite(generated)
            : args.Config ?? (args.Simulate ? FirmwareConfig.DemoSite : FirmwareConfig.InstalledSite);
        SiteFileLoadResult load = SiteFileLoader.Load(siteFile);
        if (!load.IsValid)
        {
            return Refuse(load.Problems, $"refusing to start: {siteFile} is invalid");
        }

        SiteConfiguration site = load.Configuration!;
        if (!DisplayText.TryFor(args.Language, out DisplayText text))
        {
            Console.Error.WriteLine($"--lang: '{args.Language}' is not supported (zh-CN or en)");
            return 2;
        }

        Scenario? scenario = null;
        if (args.Simulate)
        {
            ScenarioLoadResult scenarioLoad = ScenarioLoader.Load(args.Scenario ?? FirmwareConfig.DemoScenario, site);
            if (scenarioLoad.Scenario is null)
            {
                return Refuse(scenarioLoad.Problems, "refusing to start: the scenario is invalid");
            }

            scenario = scenarioLoad.Scenario;
        }
        else if (args.Scenario is not null || args.Speed is not null)
        {
            Console.Error.WriteLine("--scenario and --speed need --simulate");
            return 2;
        }

        // A simulation without --data-dir starts from nothing each time: yesterday's demo lockouts stay in yesterday's folder.
        string dataDirectory = args.DataDir ?? (args.Simulate ? Directory.CreateTempSubdirectory("edgegateway-sim-").FullName : "/var/lib/edgegateway");
        Directory.CreateDirectory(dataDirectory);
        (RtcWallClock Clock, ClockSync Sync, string Report)? rtc = scenario is null ? StartRtc(site) : null;

        // A simulated power cut ends a life of the gateway; the next one starts as any start does, on what the data
        // directory kept, over the same physical shed.
        ShedRuntime? poweredOff = null;
        while (true)
        {
            IReadOnlyList<Alarm> lockouts = LockoutJournal.Load(dataDirectory, out string? lockoutProblem);
            if (lockoutProblem is not null)
            {
                Console.Error.WriteLine($"warning: {lockoutProblem}");
            }

            IReadOnlyList<JournalledSession> sessions = SessionJournal.Load(dataDirectory, out string? sessionProblem);
            if (sessionProblem is not null)
            {
                Console.Error.WriteLine($"warning: {sessionProblem}");
            }

            var events = new GatewayEventChannel();
            ShedRuntime runtime;
            try
            {
                runtime = poweredOff is not null ? ShedRuntime.PoweredUpAgain(poweredOff, events, lockouts, sessions)
                    : scenario is null ? ShedRuntime.OnHardware(site, events, lockouts, sessions, rtc?.Clock, WallClockTrusted(rtc, sessions))
                    : ShedRuntime.Simulated(site, scenario, args.Speed ?? scenario.Speed, events, lockouts, sessions);
            }
            catch (BoardException ex)
            {
                Console.Error.WriteLine($"refusing to start: {ex.Message}");
                return 3;
            }

            int exitCode = await RunLifeAsync(args, siteFile, scenario, dataDirectory, text, runtime, events, lockouts, sessions, rtc, hooks, cancellationToken);
            if (runtime.PowerCut is null || cancellationToken.IsCancellationRequested)
            {
                return exitCode;
            }

            runtime.RestorePower();
            poweredOff = runtime;
        }
    }

    /// <summary>One life of the gateway on <paramref name="runtime"/>: a host composed around it, run until it stops.</summary>
    private static async Task<int> RunLifeAsync(
        RunArguments args,
        string siteFile,
        Scenario? scenario,
        string dataDirectory,
        DisplayText text,
        ShedRuntime runtime,
        GatewayEventChannel events,
        IReadOnlyList<Alarm> lockouts,
        IReadOnlyList<JournalledSession> sessions,
        (RtcWallClock Clock, ClockSync Sync, string Report)? rtc,
        RunHooks? hooks,
        CancellationToken cancellationToken)
    {
        using (runtime)
        {
            hooks?.Composed?.Invoke(runtime);
            // Under systemd stdout is the journal; on a terminal the live table owns the screen.
            bool interactive = !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("INVOCATION_ID") is null;
            HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
            {
                ContentRootPath = AppContext.BaseDirectory,
                EnvironmentName = Environments.Production,
            });
            // Installed settings (deploy/gateway/gateway.json: broker, TLS, credentials) sit beside the site file.
            builder.Configuration.AddJsonFile("/etc/edgegateway/gateway.json", optional: true, reloadOnChange: false);
            builder.Configuration.AddEnvironmentVariables("EDGEGATEWAY_");
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Gateway:SiteFile"] = siteFile,
                ["Gateway:Simulate"] = args.Simulate.ToString(CultureInfo.InvariantCulture),
                ["Gateway:Scenario"] = scenario?.SourceFile,
                ["Gateway:Speed"] = args.Speed?.ToString(CultureInfo.InvariantCulture),
                ["Gateway:DataDirectory"] = dataDirectory,
                ["Gateway:Language"] = args.Language,
                ["Gateway:StopAfter"] = args.Duration?.ToString("c", CultureInfo.InvariantCulture),
            });
            if (args.Broker is not null)
            {
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Mqtt:Broker"] = args.Broker });
            }
            if (interactive)
            {
                builder.Logging.ClearProviders();
                builder.Logging.AddProvider(new LiveViewLogProvider());
            }

            if (hooks?.Log is { } log)
            {
                builder.Logging.AddProvider(log);
            }

            builder.AddDiagnosticsServices(runtime.Protection, simulated: runtime.Simulation is not null);
            builder.AddGatewayServices(runtime, events, new LiveViewSettings(interactive, text), new LockoutJournal(dataDirectory, lockouts),
                new SessionJournal(dataDirectory, sessions, runtime.Time, runtime.Boot, () => runtime.Protection.Snapshot));
            builder.AddCardTerminalServices(runtime, dataDirectory);
            builder.AddUpgradeServices(dataDirectory, TimeProvider.System);
            builder.AddMqttLinkServices(runtime, dataDirectory);
            if (rtc is { } board)
            {
                builder.Services.AddHostedService(sp => new RtcWriteBack(board.Clock, board.Sync, board.Report, TimeProvider.System, sp.GetRequiredService<ILogger<RtcWriteBack>>()));
            }

            return await RunUntilStoppedAsync(builder.Build(), runtime, interactive, cancellationToken);
        }
    }

    /// <summary>
    /// Runs the host until it stops, then ends the run on the shed while the host's logging still works: the runtime
    /// opens every relay and releases the board (<see cref="ShedRuntime.Shutdown"/>), and only then are the host's
    /// services released. From there on a disposer that throws is reported (logged, or on standard error once logging
    /// is gone with the host) and never changes the exit code: the relays are open by then. On a terminal the live
    /// table, which showed the warnings, has stopped by then: what the shutdown reports goes to standard error.
    /// </summary>
    private static async Task<int> RunUntilStoppedAsync(IHost host, ShedRuntime runtime, bool interactive, CancellationToken cancellationToken)
    {
        try
        {
            await host.StartAsync(cancellationToken);
            await host.WaitForShutdownAsync(cancellationToken);
        }
        finally
        {
            ILogger log = host.Services.GetRequiredService<ILogger<ShedRuntime>>();
            runtime.Shutdown(interactive ? new BothLoggers(log, StandardErrorLogger.Instance) : log);
            try
            {
                await ((IAsyncDisposable)host).DisposeAsync();
            }
#pragma warning disable CA1031 // the relays are open and the run is over: a service that fails to let go only gets reported
            catch (Exception ex)
#pragma warning restore CA1031
            {
                await Console.Error.WriteLineAsync($"warning: releasing the gateway's services at shutdown failed: {ex}");
            }
        }

        return Environment.ExitCode;
    }

    /// <summary>
    /// Whether the wall clock can measure an outage across a reboot: synchronised (the default timesyncd flag and kernel
    /// status; the host's configuration is not built yet), or set from the RTC. Without either it is fake-hwclock's saved
    /// time, and sessions journalled in another boot wait for the clock rather than resume on a made-up outage.
    /// </summary>
    private static bool WallClockTrusted((RtcWallClock Clock, ClockSync Sync, string Report)? rtc, IReadOnlyList<JournalledSession> sessions)
    {
        bool trusted = rtc?.Clock.OnRtc == true || new ClockOptions().For(simulated: false).IsSynchronized();
        if (!trusted && sessions.Count > 0)
        {
            Console.Error.WriteLine("warning: the wall clock is not synchronised and no RTC set it: an outage across a reboot cannot be measured yet, so sessions journalled before a reboot wait (relays open) for the clock to synchronise, and end as power_loss if it does not within the resume window");
        }

        return trusted;
    }

    /// <summary>
    /// The board's RTC, when the site file declares one: read now, before the first measurement, if the system clock is
    /// not synchronised (the default timesyncd flag and kernel status decide; the host's configuration is not built yet).
    /// </summary>
    private static (RtcWallClock Clock, ClockSync Sync, string Report)? StartRtc(SiteConfiguration site)
    {
        if (site.Rtc is not { } declared)
        {
            return null;
        }

        ClockSync sync = new ClockOptions().For(simulated: false);
        I2cDevice device;
        try
        {
            device = I2cDevice.Create(new I2cConnectionSettings(site.Board.I2cBus, declared.Address));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            // The gateway runs without it: stamps come from the system clock, corrected when NTP synchronises.
            Console.Error.WriteLine($"warning: the RTC declared in the site file (line {declared.Line}) cannot be opened on /dev/i2c-{site.Board.I2cBus}: {ex.Message}");
            return null;
        }

        var clock = RtcWallClock.Start(TimeProvider.System, sync, new Ds3231RealTimeClock(device), out string report);
        return (clock, sync, report);
    }

    private static int Refuse(IReadOnlyList<ConfigurationProblem> problems, string summary)
    {
        foreach (ConfigurationProblem problem in problems)
        {
            Console.Error.WriteLine(problem);
        }

        Console.Error.WriteLine(summary);
        return 2;
    }

    /// <summary>
    /// Writes the generated shed's site file to a folder of its own and returns its path: the run then reads it as any
    /// site file (a live reload_config re-reads it too).
    /// </summary>
    private static string WriteGeneratedSite(int ports)
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("edgegateway-site-").FullName, GeneratedShedSite.FileName(ports));
        File.WriteAllText(path, GeneratedShedSite.Yaml(ports));
        return path;
    }

    internal sealed record RunArguments(string? Config, bool Simulate, string? Scenario, double? Speed, string? DataDir, string Language, TimeSpan? Duration, string? Broker)
    {
        /// <summary><c>--ports N</c>: simulate a generated shed of N AC ports (<see cref="GeneratedShedSite"/>).</summary>
        public int? Ports { get; init; }
    }

    /// <summary>What a test adds to a run: <paramref name="Composed"/> sees the runtime before the host starts; <paramref name="Log"/> receives the run's log too.</summary>
    internal sealed record RunHooks(Action<ShedRuntime>? Composed = null, ILoggerProvider? Log = null);
}
