using System.Diagnostics;
using System.Text;

namespace EdgeGateway.Benchmarks.Tests;

/// <summary>What a bench printed (stdout and stderr, interleaved as they came) and how it exited.</summary>
internal sealed record BenchRun(string Command, int ExitCode, string Output, TimeSpan Elapsed)
{
    public override string ToString() => $"{Command} exited with {ExitCode} after {Elapsed.TotalSeconds:F1} s. Output:\n{Output}";
}

/// <summary>
/// Runs <c>EdgeGateway.Benchmarks.dll</c> from its own build output (tests/EdgeGateway.Benchmarks/bin/{configuration}/{tfm},
/// the configuration these tests were built in) as <c>dotnet run --project tests/EdgeGateway.Benchmarks -- …</c> would,
/// without building it again, in a temporary working directory. A run still going after its timeout is killed with
/// everything it started (its Mosquitto, InfluxDB and hub processes).
/// </summary>
internal static class BenchProcess
{
    public static Task<BenchRun> RunBenchmarksAsync(IReadOnlyList<string> args, TimeSpan timeout) =>
        RunDllAsync(Path.Combine(BuildOutputOf("tests", "EdgeGateway.Benchmarks"), "EdgeGateway.Benchmarks.dll"), args, timeout);

    /// <summary>{root}/{folder}/{project}/bin/{configuration}/{tfm} of the repository these tests were built from.</summary>
    public static string BuildOutputOf(string folder, string project)
    {
        // AppContext.BaseDirectory is tests/EdgeGateway.Benchmarks.Tests/bin/{configuration}/{tfm}/.
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        DirectoryInfo? root = output;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "EdgeGateway.sln")))
        {
            root = root.Parent;
        }

        if (root is null)
        {
            throw new DirectoryNotFoundException("EdgeGateway.sln not found above " + output.FullName);
        }

        string directory = Path.Combine(root.FullName, folder, project, "bin", output.Parent!.Name, output.Name);
        return File.Exists(Path.Combine(directory, project + ".dll"))
            ? directory
            : throw new FileNotFoundException($"{project} is not built in {directory}; the test project must reference it");
    }

    private static Task<BenchRun> RunDllAsync(string dll, IReadOnlyList<string> args, TimeSpan timeout) => RunDotnetAsync([dll, .. args], timeout);

    /// <summary><c>dotnet ARGUMENTS</c> in a temporary working directory: a dll and its arguments, or <c>exec</c> and the host's options first.</summary>
    public static async Task<BenchRun> RunDotnetAsync(IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        string work = Directory.CreateTempSubdirectory("edgegateway-bench-smoke-").FullName;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true, // BenchmarkDotNet asks on stdin when no filter is given: this answers nothing
            UseShellExecute = false,
            WorkingDirectory = work,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string arg in arguments)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "false";
        string command = "dotnet " + string.Join(' ', arguments.Select(a => Path.IsPathRooted(a) ? Path.GetFileName(a) : a));
        var output = new StringBuilder();
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        try
        {
            process.Start();
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                throw new TimeoutException($"{command} did not finish within {timeout.TotalSeconds:F0} s (killed). Output:\n{Text(output)}");
            }

            // WaitForExitAsync returns once the output pipes are drained too.
            return new BenchRun(command, process.ExitCode, Text(output), clock.Elapsed);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.Append(line).Append('\n');
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
