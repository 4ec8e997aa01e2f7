using System.CommandLine;
using System.Globalization;
using EdgeGateway.FleetSim.District;
using EdgeGateway.FleetSim.Fleet;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.FleetSim;

/// <summary>
/// <c>run</c>: one bounded district run (load, a fault, or a soak) with its exact accounting;
/// <c>headroom</c>: the same load at shorter and shorter telemetry periods until something saturates.
/// </summary>
internal static class FleetCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("EdgeGateway fleet simulator: a district's gateways against a real Mosquitto, the hub and InfluxDB, on loopback");
        root.Subcommands.Add(RunCommand());
        root.Subcommands.Add(HeadroomCommand());
        return root;
    }

    private static Command RunCommand()
    {
        var shape = new FleetShapeOptions();
        var fault = new Option<FleetFault>("--fault") { Description = "None, BrokerRestart, Partition, InfluxRestart, HubKill, GatewayKill, DiskFull", DefaultValueFactory = _ => FleetFault.None };
        var faultAt = new Option<TimeSpan>("--fault-at") { Description = "When the fault starts", DefaultValueFactory = _ => TimeSpan.FromSeconds(30) };
        var faultFor = new Option<TimeSpan>("--fault-for") { Description = "How long it lasts", DefaultValueFactory = _ => TimeSpan.FromSeconds(60) };
        var faultGroup = new Option<int>("--fault-group") { Description = "Gateways cut off by Partition/DiskFull", DefaultValueFactory = _ => 20 };
        var diskFull = new Option<int>("--disk-full-kib") { Description = "DiskFull: the size of each cut-off gateway's outbox filesystem (tmpfs)", DefaultValueFactory = _ => 512 };
        var command = new Command("run", "One bounded run with its exact accounting (sent / stored / lost / duplicated)");
        shape.AddTo(command);
        command.Options.Add(fault);
        command.Options.Add(faultAt);
        command.Options.Add(faultFor);
        command.Options.Add(faultGroup);
        command.Options.Add(diskFull);
        command.SetAction(async (parse, cancellationToken) =>
        {
            FleetRunOptions options = shape.Read(parse) with
            {
                Fault = parse.GetValue(fault),
                FaultAt = parse.GetValue(faultAt),
                FaultFor = parse.GetValue(faultFor),
                FaultGroup = parse.GetValue(faultGroup),
                DiskFullKiB = parse.GetValue(diskFull),
            };
            try
            {
                FleetRunReport report = await RunAsync(options.Fault.ToString(), options, cancellationToken);
                return report.Account.IsExact ? 0 : 1;
            }
            catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
            {
                // A timeout inside the run (an HTTP request, a wait): System.CommandLine would exit 1 without a word.
                await Console.Error.WriteLineAsync($"fleet run failed: {exception}");
                return 1;
            }
        });
        return command;
    }

    private static Command HeadroomCommand()
    {
        var shape = new FleetShapeOptions();
        var periods = new Option<string>("--periods") { Description = "Telemetry periods to try, in seconds, comma-separated", DefaultValueFactory = _ => "10,5,2.5,1.25" };
        var command = new Command("headroom", "The same fleet at shorter telemetry periods, with one hub and then two on a shared subscription");
        shape.AddTo(command);
        command.Options.Add(periods);
        command.SetAction(async (parse, cancellationToken) =>
        {
            FleetRunOptions baseline = shape.Read(parse);
            foreach (string text in parse.GetValue(periods)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var period = TimeSpan.FromSeconds(double.Parse(text, CultureInfo.InvariantCulture));
                foreach (int hubs in new[] { 1, 2 })
                {
                    FleetRunOptions options = baseline with { Hubs = hubs, Fleet = baseline.Fleet with { TelemetryPeriod = period } };
                    await RunAsync($"headroom {period.TotalSeconds:0.##} s, {hubs} hub(s)", options with { Directory = Path.Combine(baseline.Directory, $"p{text}-h{hubs}") }, cancellationToken);
                }
            }

            return 0;
        });
        return command;
    }

    private static async Task<FleetRunReport> RunAsync(string name, FleetRunOptions options, CancellationToken cancellationToken)
    {
        using ILoggerFactory logs = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning).AddFilter("EdgeGateway.Mqtt.MqttConnection", LogLevel.Error));
        Console.WriteLine($"{name}: {options.Fleet.Gateways} gateways, data in {options.Directory}");
        FleetRunReport report = await FleetRun.RunAsync(name, options, logs, Console.Out, cancellationToken);
        Console.WriteLine(report.Describe());
        return report;
    }

    /// <summary>The options every command shares: the fleet's shape, the run's length, the hubs.</summary>
    private sealed class FleetShapeOptions
    {
        private readonly Option<int> _gateways = new("--gateways") { Description = "Gateways (sheds)", DefaultValueFactory = _ => 645 };
        private readonly Option<int> _ports = new("--ports") { Description = "Ports per gateway", DefaultValueFactory = _ => 28 };
        private readonly Option<int> _binsEvery = new("--bins-every") { Description = "A four-bin station beside every Nth shed (0: none)", DefaultValueFactory = _ => 3 };
        private readonly Option<double> _telemetry = new("--telemetry-period") { Description = "Telemetry period in seconds (shed time)", DefaultValueFactory = _ => 10 };
        private readonly Option<double> _acceleration = new("--acceleration") { Description = "Shed time runs this many times faster", DefaultValueFactory = _ => 1 };
        private readonly Option<TimeSpan> _duration = new("--duration") { Description = "Traffic time (wall clock)", DefaultValueFactory = _ => TimeSpan.FromMinutes(5) };
        private readonly Option<int> _hubs = new("--hubs") { Description = "Hub instances (shared subscription when 2+)", DefaultValueFactory = _ => 1 };
        private readonly Option<double> _overloads = new("--overloads-per-minute") { Description = "Overload alarms injected per minute across the fleet", DefaultValueFactory = _ => 20 };
        private readonly Option<string?> _directory = new("--dir") { Description = "Working directory (default: a new one under /tmp)" };

        public void AddTo(Command command)
        {
            foreach (Option option in new Option[] { _gateways, _ports, _binsEvery, _telemetry, _acceleration, _duration, _hubs, _overloads, _directory })
            {
                command.Options.Add(option);
            }
        }

        public FleetRunOptions Read(ParseResult parse)
        {
            string directory = parse.GetValue(_directory) ?? Path.Combine(Path.GetTempPath(), "edgegateway-fleet-" + DateTime.UtcNow.ToString("yyyyMMddTHHmmss", CultureInfo.InvariantCulture));
            return new FleetRunOptions
            {
                Fleet = new FleetOptions
                {
                    Gateways = parse.GetValue(_gateways),
                    PortsPerGateway = parse.GetValue(_ports),
                    BinStationEvery = parse.GetValue(_binsEvery),
                    TelemetryPeriod = TimeSpan.FromSeconds(parse.GetValue(_telemetry)),
                    Acceleration = parse.GetValue(_acceleration),
                    DataDirectory = Path.Combine(directory, "fleet"),
                },
                Duration = parse.GetValue(_duration),
                Hubs = parse.GetValue(_hubs),
                OverloadsPerMinute = parse.GetValue(_overloads),
                Directory = directory,
            };
        }
    }
}
