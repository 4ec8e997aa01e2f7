using System.Diagnostics;
using System.Globalization;
using EdgeGateway.FleetSim.Fleet;
using EdgeGateway.Messaging.Outbox;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.FleetSim.District;

/// <summary>The faults a run can inject while traffic flows.</summary>
internal enum FleetFault
{
    None,

    /// <summary>Mosquitto stopped and started again on the same port (its sessions persisted).</summary>
    BrokerRestart,

    /// <summary>A group of gateways' broker connections dropped and refused (a loopback proxy cut) for the fault's duration.</summary>
    Partition,

    /// <summary>InfluxDB stopped and started again.</summary>
    InfluxRestart,

    /// <summary>The (first) hub SIGKILLed and started again with the same client id and data directory.</summary>
    HubKill,

    /// <summary>A real gateway process (the demo shed on simulated hardware) SIGKILLed and restarted on its data directory.</summary>
    GatewayKill,

    /// <summary>A partitioned group's outboxes on a small tmpfs that fills up while they cannot publish.</summary>
    DiskFull,
}

/// <summary>What to run: the fleet, for how long, how many hubs, which fault when, how many alarms.</summary>
internal sealed record FleetRunOptions
{
    public required FleetOptions Fleet { get; init; }

    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(2);

    public int Hubs { get; init; } = 1;

    public FleetFault Fault { get; init; }

    /// <summary>When the fault starts, from the start of traffic (wall clock).</summary>
    public TimeSpan FaultAt { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How long the fault lasts (outages; kills restart after it).</summary>
    public TimeSpan FaultFor { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Gateways behind the cut for <see cref="FleetFault.Partition"/> and <see cref="FleetFault.DiskFull"/>.</summary>
    public int FaultGroup { get; init; } = 5;

    /// <summary>tmpfs size for <see cref="FleetFault.DiskFull"/> (each gateway of the group gets one).</summary>
    public int DiskFullKiB { get; init; } = 512;

    /// <summary>Overloads injected per minute across the fleet (each a port_overload alarm, a notice, a cut session).</summary>
    public double OverloadsPerMinute { get; init; } = 20;

    /// <summary>How long the fleet may take to publish what it holds after sampling stopped, and the hub to store it.</summary>
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Measure gateway ts → visible in InfluxDB on a few sheds (needs acceleration 1).</summary>
    public bool MeasureLatency { get; init; } = true;

    public required string Directory { get; init; }
}

/// <summary>What a run measured and how it ended.</summary>
internal sealed record FleetRunReport(
    string Name,
    FleetRunOptions Options,
    FleetAccount Account,
    double MessagesPerSecond,
    double StoredPointsPerSecond,
    IReadOnlyList<double> VisibleLatencyMs,
    IReadOnlyList<double> NoticeLatencyMs,
    IReadOnlyList<double> HubArrivalLatencyMs,
    IReadOnlyList<double> HubDeliveryLatencyMs,
    IReadOnlyList<double> HubLedgerMs,
    IReadOnlyList<double> HubRequestMs,
    IReadOnlyList<double> HubWaitMs,
    ProcessSummary? Hub,
    ProcessSummary? Broker,
    ProcessSummary? Influx,
    ProcessSummary Fleet,
    long LateRounds,
    TimeSpan Settled,
    IReadOnlyList<string> Notes)
{
    private static string Spread(IReadOnlyList<double> ms) => string.Create(
        CultureInfo.InvariantCulture,
        $"p50 {Percentiles.Of(ms, 50):0} p95 {Percentiles.Of(ms, 95):0} p99 {Percentiles.Of(ms, 99):0} max {Percentiles.Of(ms, 100):0} (n={ms.Count})");

    public string Describe()
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"== {Name}: {Options.Fleet.Gateways} gateways x {Options.Fleet.PortsPerGateway} ports, telemetry every {Options.Fleet.TelemetryPeriod.TotalSeconds:0.#} s, x{Options.Fleet.Acceleration:0.#}, {Options.Duration}, {Options.Hubs} hub(s), fault {Options.Fault}");
        text.AppendLine(CultureInfo.InvariantCulture, $"   messages/s {MessagesPerSecond:0}, stored points/s {StoredPointsPerSecond:0}, settled in {Settled.TotalSeconds:0.0} s, late sampling rounds {LateRounds}");
        text.AppendLine(CultureInfo.InvariantCulture, $"   ts -> visible in InfluxDB ms: p50 {Percentiles.Of(VisibleLatencyMs, 50):0} p95 {Percentiles.Of(VisibleLatencyMs, 95):0} p99 {Percentiles.Of(VisibleLatencyMs, 99):0} max {Percentiles.Of(VisibleLatencyMs, 100):0} (n={VisibleLatencyMs.Count})");
        text.AppendLine(CultureInfo.InvariantCulture, $"   alarm ts -> webhook ms: {Spread(NoticeLatencyMs)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"     of which alarm ts -> hub arrival ms (fleet, broker): {Spread(HubArrivalLatencyMs)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"     and hub arrival -> notice delivered ms (the hub, monotonic): {Spread(HubDeliveryLatencyMs)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"       of which the ledger recording the alarm: {Spread(HubLedgerMs)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"       the webhook request (the receiver is in the fleet process): {Spread(HubRequestMs)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"       and the rest (waiting for the channel's loop, the \"sending\" mark): {Spread(HubWaitMs)}");
        foreach ((string name, ProcessSummary? p) in new[] { ("hub", Hub), ("mosquitto", Broker), ("influxd", Influx), ("fleet", (ProcessSummary?)Fleet) })
        {
            if (p is not null)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"   {name}: CPU mean {p.MeanCpuPercent:0}% max {p.MaxCpuPercent:0}% of one core, RSS max {p.MaxRssBytes / 1048576.0:0} MiB, RSS growth {p.RssGrowthBytesPerHour / 1048576.0:0.0} MiB/h, fds {p.FirstOpenFds}->{p.LastOpenFds} ({p.OpenFdGrowthPerHour:0.0}/h)");
            }
        }

        text.AppendLine("   " + Account.Summary());
        foreach (string note in Notes)
        {
            text.AppendLine("   note: " + note);
        }

        return text.ToString();
    }
}

/// <summary>
/// One bounded run: the district's servers, the fleet publishing through them, overloads injected at a steady rate,
/// one fault injected while traffic flows, then sampling stops, every outbox drains, the hub stores the rest, and the
/// exact accounting is taken.
/// </summary>
internal static partial class FleetRun
{
    private const int RealGatewaySpeed = 10;

    public static async Task<FleetRunReport> RunAsync(string name, FleetRunOptions options, ILoggerFactory logs, TextWriter progress, CancellationToken cancellationToken)
    {
        var notes = new List<string>();
        await using DistrictRig rig = await DistrictRig.StartAsync(Path.Combine(options.Directory, "servers"), options.Hubs);
        bool cutsGroup = options.Fault is FleetFault.Partition or FleetFault.DiskFull;
        await using TcpCutter? cutter = cutsGroup ? new TcpCutter(rig.Broker.Port) : null;
        string fleetDirectory = Path.Combine(options.Directory, "fleet");
        var mounts = new List<string>();
        if (options.Fault == FleetFault.DiskFull)
        {
            for (int i = 0; i < options.FaultGroup; i++)
            {
                string dir = Path.Combine(fleetDirectory, $"gw{i + 1:000}");
                await SmallFilesystem.MountAsync(dir, options.DiskFullKiB, cancellationToken);
                mounts.Add(dir);
            }
        }

        try
        {
            FleetOptions fleetOptions = options.Fleet with
            {
                DataDirectory = fleetDirectory,
                PartitionedGateways = cutsGroup ? options.FaultGroup : 0,
                PartitionBroker = cutter?.Uri,
            };

            // Each process's samples also go to DIR/samples-NAME.csv as they are taken: a soak of hours stopped before its
            // report still has its memory and CPU figures.
            string SamplesCsv(string name) => Path.Combine(options.Directory, $"samples-{name}.csv");
            await using var fleetSampler = ProcessSampler.Start(Environment.ProcessId, TimeSpan.FromSeconds(1), SamplesCsv("fleet"));
            await using ProcessSampler? hubSampler = rig.Hubs.Count > 0 ? ProcessSampler.Start(rig.Hubs[0].Process.Id, TimeSpan.FromSeconds(1), SamplesCsv("hub")) : null;
            await using ProcessSampler? brokerSampler = rig.Broker.ProcessId is int brokerPid ? ProcessSampler.Start(brokerPid, TimeSpan.FromSeconds(1), SamplesCsv("mosquitto")) : null;
            await using ProcessSampler? influxSampler = rig.Influx.ProcessId is int influxPid ? ProcessSampler.Start(influxPid, TimeSpan.FromSeconds(1), SamplesCsv("influxd")) : null;

            DistrictFleet fleet = await DistrictFleet.StartAsync(fleetOptions, rig.Broker.Uri, logs, cancellationToken);
            ProductProcess? realGateway = null;
            string realGatewayDirectory = Path.Combine(options.Directory, "real-gateway");
            await using VisibilityProbe probe = new(rig.Influx, DistrictRig.Database, [.. fleet.Gateways.Skip(cutsGroup ? options.FaultGroup : 0).Take(5).Select(g => g.Site.Site.Id)]);
            try
            {
                if (options.Fault == FleetFault.GatewayKill)
                {
                    realGateway = StartRealGateway(rig, realGatewayDirectory, options.Duration + options.FaultFor + TimeSpan.FromMinutes(1));
                    await realGateway.WaitForLineAsync("MQTT connected", TimeSpan.FromSeconds(60));
                }

                if (options.MeasureLatency && options.Fleet.Acceleration == 1)
                {
                    probe.Start();
                }

                var random = new Random(options.Fleet.Seed);
                var clock = Stopwatch.StartNew();
                double overloadsDue = 0;
                bool faultStarted = false, faultEnded = false;
                while (clock.Elapsed < options.Duration)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                    overloadsDue += options.OverloadsPerMinute / 60;
                    int now = (int)overloadsDue;
                    if (now > 0)
                    {
                        overloadsDue -= now;
                        fleet.InjectOverloads(now, random);
                    }

                    // Locked-out ports are reset every half minute, as maintenance staff would, so sheds keep their free ports.
                    if ((int)clock.Elapsed.TotalSeconds % 30 == 0)
                    {
                        foreach (FleetGateway gateway in fleet.Gateways)
                        {
                            gateway.ResetLockouts();
                        }
                    }

                    if (!faultStarted && options.Fault != FleetFault.None && clock.Elapsed >= options.FaultAt)
                    {
                        faultStarted = true;
                        progress.WriteLine($"[{clock.Elapsed:hh\\:mm\\:ss}] fault {options.Fault} begins");
                        realGateway = await BeginFaultAsync(options, rig, cutter, realGateway);
                    }

                    if (faultStarted && !faultEnded && clock.Elapsed >= options.FaultAt + options.FaultFor)
                    {
                        faultEnded = true;
                        progress.WriteLine($"[{clock.Elapsed:hh\\:mm\\:ss}] fault {options.Fault} ends");
                        realGateway = await EndFaultAsync(options, rig, cutter, realGateway, realGatewayDirectory, notes);
                    }

                    if ((int)clock.Elapsed.TotalSeconds % 10 == 0)
                    {
                        progress.WriteLine($"[{clock.Elapsed:hh\\:mm\\:ss}] connected {fleet.Connected}/{fleet.Gateways.Count}, outbox depth {fleet.OutboxDepth}, late rounds {fleet.LateRounds}; {await HubProgressAsync(rig)}");
                    }
                }

                if (faultStarted && !faultEnded)
                {
                    realGateway = await EndFaultAsync(options, rig, cutter, realGateway, realGatewayDirectory, notes);
                }

                TimeSpan trafficTime = clock.Elapsed;

                // Process figures cover the traffic only: draining, stopping 645 gateways and settling are not growth.
                ProcessSummary? hubFigures = Steady(hubSampler), brokerFigures = Steady(brokerSampler), influxFigures = Steady(influxSampler), fleetFigures = Steady(fleetSampler);
                await fleet.StopSamplingAsync();
                var settle = Stopwatch.StartNew();
                if (!await fleet.WaitDrainedAsync(options.SettleTimeout, cancellationToken))
                {
                    notes.Add($"outboxes not drained within {options.SettleTimeout}: depth {fleet.OutboxDepth}, connected {fleet.Connected}/{fleet.Gateways.Count}");
                }

                await fleet.DisposeAsync();
                if (realGateway is not null)
                {
                    // The fleet's traffic is over: stop the real gateway as systemd does (SIGTERM: it publishes what it
                    // holds, then exits). Waiting for its --duration instead made the verdict depend on the load: a
                    // starved gateway's 10x shed clock ran at about 1x and its duration outlived any bound.
                    await realGateway.StopAsync(TimeSpan.FromMinutes(3));
                    AddRealGatewayToLedger(fleet.Ledger, realGatewayDirectory);
                }

                FleetAccount account = await SettleAsync(rig, fleet.Ledger, fleet.Start, options.SettleTimeout - settle.Elapsed, cancellationToken);
                TimeSpan settled = settle.Elapsed;
                foreach (HubProcess hub in rig.Hubs)
                {
                    // Kept beside the run's data: each notice's timing is in it (a tail is read there, notice by notice).
                    await File.WriteAllLinesAsync(Path.Combine(options.Directory, hub.ClientId + ".log"), hub.OutputLines(), cancellationToken);
                    System.Text.Json.JsonElement health = await hub.HealthAsync();
                    if (health.GetProperty("rejected").GetInt64() > 0)
                    {
                        notes.Add($"{hub.ClientId} dead-lettered {health.GetProperty("rejected")}: {health.GetProperty("rejected_by_reason")}");
                    }

                    if (hub.ErrorLines().Count > 0)
                    {
                        notes.Add($"{hub.ClientId} logged errors: {string.Join(" | ", hub.ErrorLines().Take(3))}");
                    }
                }

                var raisedAt = fleet.Ledger.Gateways.SelectMany(g => g.RaisedAt).ToDictionary(StringComparer.Ordinal);
                double[] noticeLatency = [.. FleetAccount.RaisedNotices(rig.Webhook)
                    .Where(n => raisedAt.ContainsKey(n.AlarmId))
                    .Select(n => (n.ReceivedAt - raisedAt[n.AlarmId]).TotalMilliseconds)];
                HubNoticeTiming[] hubTimings = [.. HubNoticeTimings(rig).Where(t => raisedAt.ContainsKey(t.AlarmId))];
                bool timed = options.Fleet.Acceleration == 1;
                return new FleetRunReport(
                    name,
                    options,
                    account,
                    account.Sent / trafficTime.TotalSeconds,
                    account.Stored / trafficTime.TotalSeconds,
                    probe.LatenciesMs,
                    timed ? noticeLatency : [],
                    timed ? [.. hubTimings.Select(t => (t.ArrivedAt - raisedAt[t.AlarmId]).TotalMilliseconds)] : [],
                    timed ? [.. hubTimings.Select(t => t.DelayMs)] : [],
                    timed ? [.. hubTimings.Select(t => t.LedgerMs)] : [],
                    timed ? [.. hubTimings.Select(t => t.RequestMs)] : [],
                    timed ? [.. hubTimings.Select(t => t.DelayMs - t.LedgerMs - t.RequestMs)] : [],
                    hubFigures,
                    brokerFigures,
                    influxFigures,
                    fleetFigures!,
                    fleet.LateRounds,
                    settled,
                    notes);
            }
            finally
            {
                await fleet.DisposeAsync();
                if (realGateway is not null)
                {
                    await realGateway.DisposeAsync();
                }
            }
        }
        finally
        {
            foreach (string mount in mounts)
            {
                await SmallFilesystem.UnmountAsync(mount);
            }
        }
    }

    /// <summary>
    /// A process over the run after its first minute (or its second half, if shorter): start-up (JIT, connections,
    /// InfluxDB creating 18,000 series) is not growth.
    /// </summary>
    private static ProcessSummary? Steady(ProcessSampler? sampler)
    {
        if (sampler is null || sampler.Samples.Count == 0)
        {
            return null;
        }

        IReadOnlyList<ProcessSample> samples = sampler.Samples;
        int skip = Math.Min(samples.Count(s => s.Elapsed < TimeSpan.FromMinutes(1)), samples.Count / 2);
        return ProcessSummary.Of([.. samples.Skip(skip)]);
    }

    /// <summary>Each hub's received / acknowledged / queued counts, or why they could not be read.</summary>
    private static async Task<string> HubProgressAsync(DistrictRig rig)
    {
        var parts = new List<string>();
        foreach (HubProcess hub in rig.Hubs)
        {
            try
            {
                System.Text.Json.JsonElement health = await hub.HealthAsync();
                parts.Add($"{hub.ClientId} received {health.GetProperty("received")} acked {health.GetProperty("acknowledged")} queued {health.GetProperty("queued")} written {health.GetProperty("points_written")}");
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                parts.Add($"{hub.ClientId} not answering");
            }
        }

        return string.Join("; ", parts);
    }

    /// <summary>A raised notice as the hub that sent it logged it: when the alarm reached it (wall clock), and how long
    /// after that (its monotonic clock) the notice was delivered.</summary>
    private readonly record struct HubNoticeTiming(string AlarmId, DateTimeOffset ArrivedAt, double DelayMs, double LedgerMs, double RequestMs);

    /// <summary>The first delivery of each raised notice, from the hubs' "sent" lines (NotificationDelivery).</summary>
    private static IEnumerable<HubNoticeTiming> HubNoticeTimings(DistrictRig rig) =>
        rig.Hubs.SelectMany(hub => hub.OutputLines())
            .Select(line => SentNotice().Match(line))
            .Where(match => match.Success)
            .Select(match => new HubNoticeTiming(
                match.Groups["alarm"].Value,
                DateTimeOffset.Parse(match.Groups["at"].Value, CultureInfo.InvariantCulture),
                double.Parse(match.Groups["ms"].Value, CultureInfo.InvariantCulture),
                double.Parse(match.Groups["ledger"].Value, CultureInfo.InvariantCulture),
                double.Parse(match.Groups["request"].Value, CultureInfo.InvariantCulture)))
            .DistinctBy(timing => timing.AlarmId, StringComparer.Ordinal);

    [System.Text.RegularExpressions.GeneratedRegex(@"Notice Raised of alarm (?<alarm>\S+) sent via channel \S+ \(attempt \d+\); the alarm reached this hub at (?<at>\S+), (?<ms>[0-9.]+) ms before \(the ledger took (?<ledger>[0-9.]+) ms, the request (?<request>[0-9.]+) ms\)")]
    private static partial System.Text.RegularExpressions.Regex SentNotice();

    /// <summary>Polls the accounting until it is exact (everything arrived) or the time is up; returns the last one.</summary>
    private static async Task<FleetAccount> SettleAsync(DistrictRig rig, FleetLedger ledger, DateTimeOffset since, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            FleetAccount account = await FleetAccount.TakeAsync(rig.Influx, DistrictRig.Database, ledger, rig.Webhook, FleetAccount.UncertainAttempts(rig.Hubs.SelectMany(hub => hub.OutputLines())), since, cancellationToken);
            if (account.IsExact || clock.Elapsed > timeout)
            {
                return account;
            }

            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        }
    }

    private static async Task<ProductProcess?> BeginFaultAsync(FleetRunOptions options, DistrictRig rig, TcpCutter? cutter, ProductProcess? realGateway)
    {
        switch (options.Fault)
        {
            case FleetFault.BrokerRestart:
                await rig.Broker.StopAsync();
                break;
            case FleetFault.Partition:
            case FleetFault.DiskFull:
                cutter!.Cut();
                break;
            case FleetFault.InfluxRestart:
                await rig.Influx.StopAsync();
                break;
            case FleetFault.HubKill:
                await rig.Hubs[0].KillAsync();
                break;
            case FleetFault.GatewayKill:
                if (realGateway!.HasExited)
                {
                    throw new InvalidOperationException("the real gateway had already exited when it was to be killed:\n" + realGateway.Output);
                }

                await realGateway.KillAsync();
                break;
        }

        return realGateway;
    }

    private static async Task<ProductProcess?> EndFaultAsync(FleetRunOptions options, DistrictRig rig, TcpCutter? cutter, ProductProcess? realGateway, string realGatewayDirectory, List<string> notes)
    {
        switch (options.Fault)
        {
            case FleetFault.BrokerRestart:
                await rig.Broker.StartAsync();
                break;
            case FleetFault.Partition:
            case FleetFault.DiskFull:
                cutter!.Restore();
                break;
            case FleetFault.InfluxRestart:
                await rig.Influx.StartAsync();
                break;
            case FleetFault.HubKill:
                await rig.Hubs[0].RestartAsync();
                break;
            case FleetFault.GatewayKill:
                notes.Add($"real gateway SIGKILLed while running (exit {realGateway!.ExitCode}) and restarted on {realGatewayDirectory}");
                await realGateway.DisposeAsync();
                realGateway = StartRealGateway(rig, realGatewayDirectory, options.Duration);
                break;
        }

        return realGateway;
    }

    /// <summary>
    /// The product's gateway on simulated hardware (the demo shed's busy day at 10×), publishing to the district broker.
    /// Its scenario starts now, at every start: a restarted simulation must not replay the timestamps it already sent
    /// (InfluxDB would fold a replayed point into the first, which the accounting would rightly call a loss).
    /// </summary>
    private static ProductProcess StartRealGateway(DistrictRig rig, string dataDirectory, TimeSpan wallClock)
    {
        // --duration is shed time: at 10× the gateway must be given ten times the wall-clock time it is to run.
        TimeSpan duration = wallClock * RealGatewaySpeed;
        System.IO.Directory.CreateDirectory(dataDirectory);
        string scenario = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "firmware-config", "scenarios", "one-day.yaml"));
        string now = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", CultureInfo.InvariantCulture);
        scenario = System.Text.RegularExpressions.Regex.Replace(scenario, "^start: .*$", $"start: \"{now}\"", System.Text.RegularExpressions.RegexOptions.Multiline);
        string scenarioFile = Path.Combine(dataDirectory, "scenario-now.yaml");
        File.WriteAllText(scenarioFile, scenario);
        return ProductProcess.Start("EdgeGateway",
        [
            "run", "--simulate", "--config", Path.Combine(RepositoryRoot.Path, "firmware-config", "sites", "demo.yaml"), "--scenario", scenarioFile,
            "--speed", RealGatewaySpeed.ToString(CultureInfo.InvariantCulture), "--duration", duration.ToString("c", CultureInfo.InvariantCulture), "--data-dir", dataDirectory, "--broker", rig.Broker.Uri.ToString(),
        ]);
    }

    /// <summary>The real gateway's numbers come from its outbox file (its seq survives the kill).</summary>
    private static void AddRealGatewayToLedger(FleetLedger ledger, string dataDirectory)
    {
        using var outbox = DurableOutbox.Open(new OutboxOptions { Path = Path.Combine(dataDirectory, "outbox.db") }, out _);
        ledger.Add("linzi-demo-001", "gw-01").Close(outbox.Stats);
    }
}
