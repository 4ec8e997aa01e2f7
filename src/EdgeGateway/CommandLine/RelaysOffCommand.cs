using System.CommandLine;
using EdgeGateway.Board;
using EdgeGateway.Configuration;
using EdgeGateway.Hosting;

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
                // Building the board claims every relay pin at its open level; disposing releases the buses.
                using ShedBoard board = ShedBoard.Create(load.Configuration!, new LinuxBoardBuses(load.Configuration!.Board), ShedRuntime.Ds18b20, relaysOnly: true);
                Console.Out.WriteLine($"{board.Relays.Count} relays open");
                return 0;
            }
            catch (BoardException ex)
            {
                Console.Error.WriteLine($"relays-off: {ex.Message}");
                return 3;
            }
        });
        return command;
    }
}
