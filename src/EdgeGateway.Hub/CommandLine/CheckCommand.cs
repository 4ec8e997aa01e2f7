using System.CommandLine;
using EdgeGateway.Hub.Hosting;

namespace EdgeGateway.Hub.CommandLine;

/// <summary>
/// <c>check [--config FILE] [the options of run]</c>: reads and validates the settings <c>run</c> would, as at start, and
/// starts nothing: exit 0 with the hub's version, or each problem (named by its key) and exit 2.
/// </summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var command = new Command("check", "Validate the settings run would use, without starting (exit 0: valid; 2: each problem said)");
        var settings = new HubSettingsOptions(command);
        command.SetAction(parse => HubHost.CheckAsync(settings.File(parse), settings.Overrides(parse)));
        return command;
    }
}
