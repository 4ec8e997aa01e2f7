using System.Diagnostics;
using System.Globalization;
using EdgeGateway.Testing.Network;

namespace EdgeGateway.Benchmarks;

/// <summary>
/// A gateway from a publish directory, as the benches run one beside the build's (<c>--publish NAME=DIR[;VAR=VALUE]…</c>):
/// DIR/EdgeGateway.dll with dotnet (a ReadyToRun or trimmed publish), or the native DIR/EdgeGateway when there is no
/// dll (Native AOT, the bundle's build), with its embedded broker on a port of its own and its output drained.
/// </summary>
internal static class PublishedGateway
{
    /// <summary>Reads one <c>--publish</c> option: a name, the directory, and the environment variables after it, if any.</summary>
    public static (string Name, string Directory, Dictionary<string, string> Environment) Parse(string option)
    {
        (string name, string value) = BenchArguments.Named(option, "--publish NAME=DIR[;VAR=VALUE]");
        int semicolon = value.IndexOf(';', StringComparison.Ordinal);
        return semicolon < 0
            ? (name, Path.GetFullPath(value), [])
            : (name, Path.GetFullPath(value[..semicolon]), BenchArguments.Environment(value[(semicolon + 1)..], "--publish"));
    }

    /// <summary>Starts the gateway of <paramref name="directory"/> with <paramref name="args"/> (its command line after the program).</summary>
    public static Process Start(string directory, IReadOnlyDictionary<string, string> environment, IEnumerable<string> args)
    {
        string dll = Path.Combine(directory, "EdgeGateway.dll");
        ProcessStartInfo start = File.Exists(dll)
            ? new ProcessStartInfo("dotnet") { ArgumentList = { dll } }
            : new ProcessStartInfo(Path.Combine(directory, "EdgeGateway"));
        start.WorkingDirectory = directory;
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach ((string key, string value) in environment)
        {
            start.Environment[key] = value;
        }

        if (!environment.ContainsKey("EDGEGATEWAY_Mqtt__EmbeddedPort"))
        {
            start.Environment["EDGEGATEWAY_Mqtt__EmbeddedPort"] = LoopbackPorts.Claim().ToString(CultureInfo.InvariantCulture);
        }

        start.Environment["Logging__Console__FormatterName"] = "simple";
        return SoakBench.StartDrained(start);
    }

    /// <summary>Kills the process (and anything it started) when disposed, and waits for it.</summary>
    public sealed class KilledOnDispose(Process process) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
            process.Dispose();
        }
    }
}
