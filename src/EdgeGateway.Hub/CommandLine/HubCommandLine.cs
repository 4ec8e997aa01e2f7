using System.CommandLine;

namespace EdgeGateway.Hub.CommandLine;

/// <summary>The hub's command line: <c>run</c>.</summary>
internal static class HubCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("EdgeGateway hub: contract v1 from MQTT into InfluxDB, alarm notifications.");
        return root;
    }
}
