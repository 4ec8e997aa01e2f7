using System.CommandLine;

namespace EdgeGateway.Hub.CommandLine;

/// <summary>The hub's command line: <c>run</c>, <c>check</c>, <c>demo</c>, <c>hash-password</c>, <c>add-user</c>.</summary>
internal static class HubCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("EdgeGateway hub: every shed's contract v1 messages from MQTT into InfluxDB, and alarm notifications (充电棚与垃圾分类站数据中心)");
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(CheckCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(HashPasswordCommand.Create());
        root.Subcommands.Add(AddUserCommand.Create());
        return root;
    }
}
