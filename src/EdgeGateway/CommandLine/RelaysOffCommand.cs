using System.CommandLine;
using EdgeGateway.Board;
using EdgeGateway.Configuration;

namespace EdgeGateway.CommandLine;

/// <summary>
/// <c>relays-off --config FILE</c>: drives every port relay open and exits. systemd runs it as
/// ExecStopPost, so however the gateway ended (stop, crash, SIGKILL, watchdog) the sockets go dead
/// before anything else happens.
/// </summary>
internal static class RelaysOffCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "Site file", DefaultValueFactory = _ => FirmwareConfig.InstalledSite };
        var command = new Command("relays-off", "Open every port relay (safety stop) and exit");
        command.Options.Add(config);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(config)!;
            SiteFileLoadResult load = SiteFileLoader.Load(path);
            if (!load.IsValid)
            {
                foreach (ConfigurationProblem problem in load.Problems)
                {
                    Console.Error.WriteLine(problem);
                }

                return 2;
            }

            try
            {
                // Every relay pin that can be reached is claimed at its open level, whatever else does not answer.
                var board = ShedBoard.OpenEveryRelay(load.Configuration!, new LinuxBoardBuses(load.Configuration!.Board));
                int exitCode = Report(board);

                // The relays are driven by now: a chip or bus that fails to let go is said, and the exit code stays theirs.
                foreach (PartReleaseFailure failure in board.Release())
                {
                    Console.Error.WriteLine($"relays-off: warning: releasing {failure.Part} failed: {failure.Exception.GetType().Name}: {failure.Exception.Message}");
                }

                return exitCode;
            }
            catch (BoardException ex)
            {
                // The buses themselves could not be opened (no /dev/gpiochip0, no /dev/i2c-1): nothing is reachable.
                Console.Error.WriteLine($"relays-off: {ex.Message}");
                return 3;
            }
        });
        return command;
    }

    /// <summary>Exit 0 when every relay is open; 3, naming each relay it could not reach, when some are not.</summary>
    internal static int Report(ShedBoard board)
    {
        Console.Out.WriteLine($"{board.Relays.Count} relays open");
        foreach (string problem in board.UnreachableRelays)
        {
            Console.Error.WriteLine($"relays-off: NOT OPENED: {problem}");
        }

        return board.UnreachableRelays.Count == 0 ? 0 : 3;
    }
}
