using System.CommandLine;

namespace EdgeGateway.CommandLine;

/// <summary>The gateway's commands: run, check-config, relays-off, bench, pin-map, provision, calibrate.</summary>
public static class GatewayCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("EdgeGateway: meters and protects an e-bike charging shed's ports (e-bike 充电棚网关)");
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(CheckConfigCommand.Create());
        root.Subcommands.Add(RelaysOffCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(PinMapCommand.Create());
        root.Subcommands.Add(ProvisionCommand.Create());
        root.Subcommands.Add(CalibrateCommand.Create());
        return root;
    }
}
