using System.Diagnostics;

namespace EdgeGateway.Tests.CommandLine;

/// <summary>
/// Runs the built gateway as its own process, as an operator or systemd would — from its own build output
/// (src/EdgeGateway/bin), with its own dependencies: this test project's output also carries the ASP.NET shared
/// framework's assumptions of the shared test fixtures, so the gateway does not run from here.
/// </summary>
internal static class GatewayProcess
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static async Task<Result> RunAsync(TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = EdgeGateway.Testing.Processes.ProductProcess.BuildOutputOf("EdgeGateway"),
        };
        start.ArgumentList.Add(Path.Combine(EdgeGateway.Testing.Processes.ProductProcess.BuildOutputOf("EdgeGateway"), "EdgeGateway.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"gateway {string.Join(' ', args)} did not exit within {timeout}");
        }

        return new Result(process.ExitCode, await output, await error);
    }
}
