using System.CommandLine;
using EdgeGateway.Hub.Hosting;

namespace EdgeGateway.Hub.CommandLine;

/// <summary>
/// <c>run [--config FILE] [--broker URL] [--influx-url URL] [--influx-api v2|v1] [--influx-db NAME] [--influx-org ORG]
/// [--influx-token TOKEN] [--http URL] [--client-id ID] [--shared-group NAME] [--data-dir DIR]</c>. Each option overrides
/// one configuration key; the keys also come from appsettings.json, /etc/edgegateway/hub.json and the environment
/// (<c>Hub__Influx__Token</c>), the usual .NET way.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var command = new Command("run", "Ingest contract v1 into InfluxDB and send alarm notifications (the hub's main job)");
        var settings = new HubSettingsOptions(command);
        command.SetAction((parse, cancellationToken) => HubHost.RunAsync(settings.File(parse), settings.Overrides(parse), cancellationToken));
        return command;
    }
}
