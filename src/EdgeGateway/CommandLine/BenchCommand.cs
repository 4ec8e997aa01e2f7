using System.CommandLine;

namespace EdgeGateway.CommandLine;

/// <summary><c>bench</c>: the cost of a metering-and-protection round and the process's resident memory (see README); <c>bench ultrasonic</c>: the spread of fill readings; <c>bench loads</c>: who the malicious-load rule locks out.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "Site file (default: the demo shed, 20 AC ports)" };
        var rounds = new Option<int>("--rounds") { Description = "Rounds to measure", DefaultValueFactory = _ => 2000 };
        var command = new Command("bench", "Measure one metering-and-protection round on the simulated shed, and resident memory");
        command.Options.Add(config);
        command.Options.Add(rounds);
        command.SetAction(parse => Benchmarking.RoundBenchmark.Run(parse.GetValue(config) ?? FirmwareConfig.DemoSite, parse.GetValue(rounds), Console.Out));
        command.Subcommands.Add(Ultrasonic());
        command.Subcommands.Add(Loads());
        command.Subcommands.Add(Trip());
        return command;
    }

    /// <summary><c>bench trip</c>: shed time from a fault's onset to the relay's open command, per rule and shed size (docs/performance.md).</summary>
    private static Command Trip()
    {
        var ports = new Option<string>("--ports") { Description = "Shed sizes, comma-separated (generated sheds of AC ports)", DefaultValueFactory = _ => "20,28,36" };
        var onsets = new Option<int>("--onsets") { Description = "Onsets per rule and shed size", DefaultValueFactory = _ => 200 };
        var seed = new Option<int>("--seed") { Description = "Seed of the ports, phases and noise", DefaultValueFactory = _ => 1 };
        var rules = new Option<string>("--rules") { Description = "Rules, comma-separated: short-circuit, overload, shed-overload, malicious-load", DefaultValueFactory = _ => "short-circuit,overload,shed-overload,malicious-load" };
        var meter = new Option<string>("--meter") { Description = "The ports' meter: ac (a CT on an MCP3208), bl0942 (a BL0942 on a UART, up to 36 ports), hlw8032 (an HLW8032 on a UART of its own), dc (an INA219 behind a TCA9548A) or ac+dc (every fourth port dc, the fault on one of those); dc and ac+dc measure short-circuit and overload", DefaultValueFactory = _ => "ac" };
        var baud = new Option<int>("--baud") { Description = "With --meter bl0942: the UARTs' rate, 4800 (the chips' power-on rate), 19200 or 38400", DefaultValueFactory = _ => 4800 };
        var command = new Command("trip", "Measure trip latency (fault onset to the relay's open command, in shed time) per rule on generated sheds");
        command.Options.Add(meter);
        command.Options.Add(ports);
        command.Options.Add(onsets);
        command.Options.Add(seed);
        command.Options.Add(rules);
        command.Options.Add(baud);
        command.SetAction(parse =>
        {
            Configuration.GeneratedMeter? kind = parse.GetValue(meter) switch
            {
                "ac" => Configuration.GeneratedMeter.Ac,
                "bl0942" => Configuration.GeneratedMeter.Bl0942,
                "hlw8032" => Configuration.GeneratedMeter.Hlw8032,
                "dc" => Configuration.GeneratedMeter.Dc,
                "ac+dc" => Configuration.GeneratedMeter.AcWithDc,
                _ => null,
            };
            int maxPorts = kind == Configuration.GeneratedMeter.Bl0942 ? Configuration.GeneratedShedSite.MaxBl0942Ports : Configuration.GeneratedShedSite.MaxPorts;
            if (kind is null
                || !TryParseList(parse.GetValue(ports)!, s => int.TryParse(s, out int n) && n >= 1 && n <= maxPorts ? n : null, out int[] sizes)
                || !TryParseList(parse.GetValue(rules)!, RuleNamed, out Benchmarking.TripRule[] chosen)
                || parse.GetValue(onsets) < 1
                || !Hardware.Metering.Bl0942.Bl0942Frame.BaudRates.Contains(parse.GetValue(baud)))
            {
                Console.Error.WriteLine($"bench trip: --meter takes ac, bl0942, hlw8032, dc or ac+dc, --ports sizes 1..{Configuration.GeneratedShedSite.MaxPorts} (1..{Configuration.GeneratedShedSite.MaxBl0942Ports} with bl0942), --rules short-circuit, overload, shed-overload or malicious-load, --onsets at least 1, --baud 4800, 19200 or 38400");
                return 2;
            }

            // The malicious-load rule needs a power factor (AC only), and the shed-overload onset is an AC charger's.
            if (kind is Configuration.GeneratedMeter.Dc or Configuration.GeneratedMeter.AcWithDc && chosen.Any(r => r is not (Benchmarking.TripRule.ShortCircuit or Benchmarking.TripRule.Overload)))
            {
                Console.Error.WriteLine("bench trip: with --meter dc or ac+dc, --rules short-circuit or overload (the faults go on DC ports)");
                return 2;
            }

            if (kind is Configuration.GeneratedMeter.AcWithDc && sizes.Any(n => n < 4))
            {
                Console.Error.WriteLine("bench trip: with --meter ac+dc, --ports sizes of 4 or more (every fourth port is DC)");
                return 2;
            }

            return Benchmarking.TripLatencyBenchmark.Run(sizes, chosen, parse.GetValue(onsets), parse.GetValue(seed), Console.Out, kind.Value, parse.GetValue(baud));
        });
        return command;
    }

    private static Benchmarking.TripRule? RuleNamed(string name) => name switch
    {
        "short-circuit" => Benchmarking.TripRule.ShortCircuit,
        "overload" => Benchmarking.TripRule.Overload,
        "shed-overload" => Benchmarking.TripRule.ShedOverload,
        "malicious-load" => Benchmarking.TripRule.MaliciousLoad,
        _ => null,
    };

    private static bool TryParseList<T>(string text, Func<string, T?> parse, out T[] values)
        where T : struct
    {
        T?[] parsed = [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(parse)];
        values = [.. parsed.Where(v => v is not null).Select(v => v!.Value)];
        return parsed.Length > 0 && values.Length == parsed.Length;
    }

    /// <summary><c>bench loads</c>: the malicious-load rule's confusion matrix over simulated loads (docs/performance.md).</summary>
    private static Command Loads()
    {
        var seeds = new Option<int>("--seeds") { Description = "Noise seeds per load", DefaultValueFactory = _ => 5 };
        var minutes = new Option<double>("--minutes") { Description = "Shed time per run at most, in minutes", DefaultValueFactory = _ => 30 };
        var command = new Command("loads", "Run heaters, kettles, chargers with and without PFC, induction cookers and hair dryers through the sampler and protection; print who is locked out");
        command.Options.Add(seeds);
        command.Options.Add(minutes);
        command.SetAction(parse => Benchmarking.LoadClassificationBenchmark.Run(parse.GetValue(seeds), parse.GetValue(minutes), Console.Out));
        return command;
    }

    /// <summary><c>bench ultrasonic</c>: the spread of HC-SR04 readings through the binding on this machine's scheduler.</summary>
    private static Command Ultrasonic()
    {
        var samples = new Option<int>("--samples") { Description = "Bin samples to take (each about 0.35 s)", DefaultValueFactory = _ => 600 };
        var readings = new Option<int>("--readings-per-sample") { Description = "Readings per sample (the site default is 5)", DefaultValueFactory = _ => 5 };
        var distance = new Option<double>("--distance-mm") { Description = "Distance of the simulated target", DefaultValueFactory = _ => 800 };
        var command = new Command("ultrasonic", "Measure how far HC-SR04 readings through the binding stray on this machine (run it quiet and beside stress-ng)");
        command.Options.Add(samples);
        command.Options.Add(readings);
        command.Options.Add(distance);
        command.SetAction(parse => Benchmarking.UltrasonicJitterBenchmark.Run(parse.GetValue(samples), parse.GetValue(readings), parse.GetValue(distance), Console.Out));
        return command;
    }
}
