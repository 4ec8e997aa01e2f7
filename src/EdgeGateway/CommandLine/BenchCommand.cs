using System.CommandLine;

namespace EdgeGateway.CommandLine;

/// <summary><c>bench</c>: the cost of a metering-and-protection round and the process's resident memory (see README).</summary>
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
        return command;
    }
}
