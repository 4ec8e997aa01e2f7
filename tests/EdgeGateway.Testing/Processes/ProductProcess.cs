using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using EdgeGateway.Testing.Mosquitto;

namespace EdgeGateway.Testing.Processes;

/// <summary>
/// One of the product's programs (EdgeGateway.dll, EdgeGateway.Hub.dll, built next to the tests) run as its own
/// process, as systemd would: its output captured line by line, waited for by content, stopped with SIGTERM or killed
/// with SIGKILL. A process-exit hook kills any a test left running.
/// </summary>
public sealed class ProductProcess : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<ProductProcess, byte> Live = new();
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];

    static ProductProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (ProductProcess process in Live.Keys)
            {
                process.KillNow();
            }
        };
    }

    private ProductProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything written to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <c>dotnet {project}.dll {args}</c> in the project's own build output (src/{project}/bin/{configuration}/{tfm}),
    /// as it ships: a test project's output mixes the dependencies of several programs (the hub runs on the ASP.NET
    /// shared framework, the gateway does not), so a program is not run from there.
    /// </summary>
    public static ProductProcess Start(string project, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        string directory = BuildOutputOf(project);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        start.ArgumentList.Add(Path.Combine(directory, project + ".dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Plain log lines (no colour codes), and no terminal live view.
        start.Environment["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "false";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__ColorBehavior"] = "Disabled";
        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = new ProductProcess(Process.Start(start)!, project);
        process._process.OutputDataReceived += (_, e) => process.OnLine(e.Data);
        process._process.ErrorDataReceived += (_, e) => process.OnLine(e.Data);
        process._process.BeginOutputReadLine();
        process._process.BeginErrorReadLine();
        Live[process] = 0;
        return process;
    }

    /// <summary>src/{project}/bin/{configuration}/{tfm} of the repository these tests were built from.</summary>
    public static string BuildOutputOf(string project)
    {
        // AppContext.BaseDirectory is tests/{test project}/bin/{configuration}/{tfm}/.
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = output.Name;
        string configuration = output.Parent!.Name;
        DirectoryInfo? root = output;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "EdgeGateway.sln")))
        {
            root = root.Parent;
        }

        string directory = Path.Combine(root?.FullName ?? throw new DirectoryNotFoundException("EdgeGateway.sln not found above " + output.FullName), "src", project, "bin", configuration, tfm);
        return File.Exists(Path.Combine(directory, project + ".dll"))
            ? directory
            : throw new FileNotFoundException($"{project} is not built in {directory}; the test project must reference it");
    }

    /// <summary>Waits for a line containing <paramref name="text"/> (already written or still to come).</summary>
    public Task<string> WaitForLineAsync(string text, TimeSpan timeout) => WaitForLineAsync(line => line.Contains(text, StringComparison.Ordinal), text, timeout);

    public async Task<string> WaitForLineAsync(Func<string, bool> match, string what, TimeSpan timeout)
    {
        TaskCompletionSource<string> seen = new(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            string? found = _output.ToString().Split('\n').FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }

            _waiters.Add((match, seen));
        }

        try
        {
            return await seen.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Name} did not write '{what}' within {timeout}; exited: {HasExited}. Output:\n{Output}");
        }
    }

    /// <summary>SIGTERM (systemd's stop) and wait for the exit.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            try
            {
                await Tool.RunAsync("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            }
            catch (InvalidOperationException)
            {
                // It exited between the check and the signal.
            }
        }

        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        Live.TryRemove(this, out _);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash or an OOM kill.</summary>
    public async Task KillAsync()
    {
        KillNow();
        await _process.WaitForExitAsync();
        Live.TryRemove(this, out _);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} did not exit within {timeout}. Output:\n{Output}");
        }

        Live.TryRemove(this, out _);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        Live.TryRemove(this, out _);
        _process.Dispose();
    }

    private void KillNow()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _output.Append(line).Append('\n');
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    _waiters[i].Seen.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
