using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using EdgeGateway.Testing.Mosquitto;

namespace EdgeGateway.Testing.Servers;

/// <summary>
/// One server executable run by a fixture: started with its arguments in its directory, stdout and stderr captured
/// into <see cref="Log"/> (all starts), ready when the fixture's probe says so, stopped with SIGTERM or killed with
/// SIGKILL. A process-exit hook kills every server a test forgot, so none outlives the test run.
/// </summary>
internal sealed class ServerProcess
{
    private static readonly ConcurrentDictionary<ServerProcess, byte> Live = new();
    private static readonly TimeSpan DefaultStopTimeout = TimeSpan.FromSeconds(60);

    private readonly string _name;
    private readonly string _executable;
    private readonly string _workingDirectory;
    private readonly TimeSpan _stopTimeout;
    private readonly StringBuilder _log = new();
    private readonly Lock _gate = new();
    private Process? _process;
    private int _starts;

    static ServerProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (ServerProcess server in Live.Keys)
            {
                server.KillNow();
            }
        };
    }

    public ServerProcess(string name, string executable, string workingDirectory, TimeSpan? stopTimeout = null)
    {
        _name = name;
        _executable = executable;
        _workingDirectory = workingDirectory;
        _stopTimeout = stopTimeout ?? DefaultStopTimeout;
    }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _process is { HasExited: false };
            }
        }
    }

    /// <summary>The running server's process id, or null.</summary>
    public int? ProcessId
    {
        get
        {
            lock (_gate)
            {
                return _process is { HasExited: false } ? _process.Id : null;
            }
        }
    }

    /// <summary>How long the last successful start took, from process start to the first ready probe.</summary>
    public TimeSpan LastStartDuration { get; private set; }


    /// <summary>Whether the captured log says a listener could not bind (the port was taken after it was probed free).</summary>
    public bool LogSaysAddressInUse => Log.Contains("address already in use", StringComparison.OrdinalIgnoreCase);

    /// <summary>Starts the process and polls <paramref name="isReady"/> until it answers true, the process exits, or the timeout passes.</summary>
    public async Task StartAsync(IReadOnlyList<string> arguments, Func<CancellationToken, Task<bool>> isReady, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{_name} is already running");
        }

        var start = new ProcessStartInfo(_executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = _workingDirectory,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        int attempt = Interlocked.Increment(ref _starts);
        AppendLog($"# fixture: start {attempt.ToString(CultureInfo.InvariantCulture)}: {_executable} {string.Join(' ', arguments)}");

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => AppendLog(e.Data);
        process.ErrorDataReceived += (_, e) => AppendLog(e.Data);
        var clock = Stopwatch.StartNew();
        lock (_gate)
        {
            process.Start();
            _process = process;
            Live[this] = 0;
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        while (true)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync(CancellationToken.None);
                int code = process.ExitCode;
                Forget(process);
                throw new ServerStartException($"{_name} exited with {code.ToString(CultureInfo.InvariantCulture)} while starting:\n{Log}");
            }

            if (cancellationToken.IsCancellationRequested)
            {
                KillNow();
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (await isReady(cancellationToken))
            {
                LastStartDuration = clock.Elapsed;
                return;
            }

            if (clock.Elapsed > timeout)
            {
                KillNow();
                throw new ServerStartException($"{_name} was not ready within {timeout}:\n{Log}");
            }

            try
            {
                await Task.Delay(20, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                KillNow();
                throw;
            }
        }
    }

    /// <summary>SIGTERM, then waits for the process to exit (the server saves what it holds in memory).</summary>
    public async Task StopAsync()
    {
        Process? process = CurrentProcess();
        if (process is null)
        {
            return;
        }

        await Tool.RunAsync("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
        using var cts = new CancellationTokenSource(_stopTimeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            KillNow();
            throw new TimeoutException($"{_name} did not stop within {_stopTimeout} of SIGTERM:\n{Log}");
        }

        Forget(process);
    }

    /// <summary>SIGKILL (nothing saved), then waits for the process to be gone.</summary>
    public async Task KillAsync()
    {
        Process? process = CurrentProcess();
        if (process is null)
        {
            return;
        }

        process.Kill();
        await process.WaitForExitAsync();
        Forget(process);
    }

    /// <summary>Kills the process if it runs and stops tracking it for the process-exit hook.</summary>
    public async Task DisposeAsync()
    {
        await KillAsync();
        Live.TryRemove(this, out _);
    }

    private void AppendLog(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.Append(line).Append('\n');
        }
    }

    private Process? CurrentProcess()
    {
        lock (_gate)
        {
            return _process is { HasExited: false } ? _process : null;
        }
    }

    private void Forget(Process process)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_process, process))
            {
                _process = null;
            }
        }

        process.Dispose();
    }

    private void KillNow()
    {
        lock (_gate)
        {
            try
            {
                if (_process is { HasExited: false })
                {
                    _process.Kill();
                    _process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
            }
        }
    }
}

/// <summary>A server did not come up; the message carries its captured output.</summary>
public sealed class ServerStartException(string message) : Exception(message);
