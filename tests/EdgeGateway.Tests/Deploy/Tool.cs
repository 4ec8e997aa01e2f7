using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace EdgeGateway.Tests.Deploy;

/// <summary>Runs a command-line tool (a script, shellcheck, qemu, systemd-analyze) with a time limit and captures what it says.</summary>
public static partial class Tool
{
    public sealed record Result(int ExitCode, string Output, string Error, TimeSpan Elapsed)
    {
        public string All => Output + Error;

        public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalSeconds:0.0} s\n--- stdout\n{Output}--- stderr\n{Error}";

        /// <summary>
        /// For a failure message about a long or full-screen output: the exit code, the time taken, and the last
        /// <paramref name="lines"/> lines of each stream, terminal escapes removed (an exception is at the end).
        /// </summary>
        public string Tails(int lines = 60) =>
            $"exit {ExitCode} after {Elapsed.TotalSeconds:0.0} s\n{Tail("stdout", Output, lines)}{Tail("stderr", Error, lines)}";

        private static string Tail(string name, string text, int lines)
        {
            string[] all = TerminalEscape().Replace(text, "").Split('\n');
            int skipped = Math.Max(0, all.Length - lines);
            return $"--- {name} ({text.Length} chars{(skipped > 0 ? $", last {lines} of {all.Length} lines" : "")})\n{string.Join('\n', all[skipped..])}\n";
        }
    }

    /// <summary>ANSI/VT control sequences (colours, cursor moves, screen modes).</summary>
    [GeneratedRegex(@"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-B]|\x1b[=>]|\r")]
    public static partial Regex TerminalEscape();

    /// <summary>The repository root (the folder with EdgeGateway.sln) these tests were built from.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string InRepository(params string[] parts) => Path.Combine([RepositoryRoot, .. parts]);

    /// <summary>The full path of an executable on PATH, or null.</summary>
    public static string? Find(string name)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static async Task<Result> RunAsync(string file, IEnumerable<string> args, TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        using Running process = Start(file, args, environment, workingDirectory);
        return await process.WaitForExitAsync(timeout);
    }

    /// <summary>Starts a tool (standard input closed) and returns at once: wait for what it says, signal it, wait for its end.</summary>
    public static Running Start(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepositoryRoot,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach ((string key, string? value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        return new Running(start);
    }

    /// <summary>A tool started by <see cref="Start"/>, with its output as it comes.</summary>
    public sealed class Running : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly StringBuilder _error = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly string _command;

        internal Running(ProcessStartInfo start)
        {
            _command = $"{start.FileName} {string.Join(' ', start.ArgumentList)}";
            _process = new Process { StartInfo = start };
            _process.OutputDataReceived += (_, e) => Append(_output, e.Data);
            _process.ErrorDataReceived += (_, e) => Append(_error, e.Data);
            _process.Start();
            _process.StandardInput.Close();
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public int Id => _process.Id;

        /// <summary>What it has said so far, as a result (exit code -1 while it runs).</summary>
        public Result SoFar => new(_process.HasExited ? _process.ExitCode : -1, Text(_output), Text(_error), _clock.Elapsed);

        /// <summary>
        /// Waits until standard output holds <paramref name="text"/>. Fails, showing what it did say, if the tool
        /// ends first or <paramref name="timeout"/> (a bound against a hang, not a measure) passes; the tool is killed then.
        /// </summary>
        public async Task WaitForOutputAsync(string text, TimeSpan timeout)
        {
            while (!Text(_output).Contains(text, StringComparison.Ordinal))
            {
                if (_process.HasExited)
                {
                    _process.WaitForExit(); // drains the redirected streams
                    if (Text(_output).Contains(text, StringComparison.Ordinal))
                    {
                        return;
                    }

                    throw new InvalidOperationException($"{_command} ended without saying \"{text}\"; {SoFar.Tails()}");
                }

                if (_clock.Elapsed > timeout)
                {
                    string starved = CpuAndLoad();
                    Kill();
                    throw new TimeoutException($"{_command} did not say \"{text}\" within {timeout} (killed; {starved}); {SoFar.Tails()}");
                }

                await Task.Delay(100);
            }
        }

        /// <summary>Sends a signal by name (TERM: what `systemctl stop` sends).</summary>
        public void Signal(string signal)
        {
            using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }

        /// <summary>Waits for the tool to end; after <paramref name="timeout"/> of waiting it is killed and the wait fails with what it said.</summary>
        public async Task<Result> WaitForExitAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                string starved = CpuAndLoad();
                Kill();
                throw new TimeoutException($"{_command} did not finish within {timeout} of waiting (killed; {starved}):\n--- stdout\n{Text(_output)}--- stderr\n{Text(_error)}");
            }

            _process.WaitForExit(); // drains the redirected streams
            return new Result(_process.ExitCode, Text(_output), Text(_error), _clock.Elapsed);
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                Kill();
            }

            _process.Dispose();
        }

        /// <summary>
        /// For a timeout: the CPU the tool's own process had and how busy the machine was, which tells a starved tool
        /// (little CPU at a high load) from a stuck one (little CPU at a low load) or a spinning one (much CPU).
        /// </summary>
        private string CpuAndLoad()
        {
            string cpu;
            try
            {
                cpu = $"{_process.TotalProcessorTime.TotalSeconds:0.0} s of CPU";
            }
            catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException or System.ComponentModel.Win32Exception)
            {
                cpu = "CPU time unknown";
            }

            string load = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]) : "unknown";
            return $"{_clock.Elapsed.TotalSeconds:0.0} s after it started, {cpu} in its own process, load average {load}";
        }

        private void Kill()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    private static void Append(StringBuilder text, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (text)
        {
            text.Append(line).Append('\n');
        }
    }

    private static string Text(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }

    private static string FindRepositoryRoot()
    {
        DirectoryInfo? directory = new(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "EdgeGateway.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new DirectoryNotFoundException("EdgeGateway.sln not found above " + AppContext.BaseDirectory);
    }
}
