using System.CommandLine;
using EdgeGateway.Configuration;

namespace EdgeGateway.CommandLine;

/// <summary><c>check-config FILE...</c>: every problem as FILE:LINE: message; exit 2 when any file is invalid.</summary>
internal static class CheckConfigCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("files") { Description = "Site files to check", Arity = ArgumentArity.OneOrMore };
        var command = new Command("check-config", "Validate site files; exit 0 when valid, 2 when not");
        command.Arguments.Add(files);
        command.SetAction(parse => CheckConfig.Run(parse.GetValue(files) ?? [], Console.Out, Console.Error));
        return command;
    }
}
