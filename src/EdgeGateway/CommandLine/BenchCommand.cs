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
        return command;
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
