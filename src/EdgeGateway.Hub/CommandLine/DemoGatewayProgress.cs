using System.Globalization;

namespace EdgeGateway.Hub.CommandLine;

/// <summary>
/// What the demo says about its simulated gateway while `dotnet run` builds and starts it: that it is building (the first
/// build takes a minute or two, during which the board shows no shed and nothing else is said), when it is running, and
/// if it stopped — instead of two silent minutes. In both languages, as the rest of the demo's banner.
/// </summary>
internal sealed class DemoGatewayProgress(TextWriter console, TimeProvider time, string gatewayLog)
{
    private readonly Lock _gate = new();
    private long _started;
    private bool _running;
    private bool _exited;

    /// <summary>The build and start begin.</summary>
    public void Starting()
    {
        _started = time.GetTimestamp();
        Say("building and starting the simulated gateway (dotnet run: the first build takes a minute or two) — 正在编译并启动模拟网关…");
    }

    /// <summary>A line of the gateway's output: the first one means the build is over and the gateway is running.</summary>
    public void OnGatewayOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            if (_running || _exited)
            {
                return;
            }

            _running = true;
        }

        Say(string.Create(CultureInfo.InvariantCulture,
            $"the simulated gateway is running after {time.GetElapsedTime(_started).TotalSeconds:0} s; its shed appears on the board — 模拟网关已启动"));
    }

    /// <summary>The gateway's process ended (a build error, a crash, or the demo stopping it).</summary>
    public void OnGatewayExited(int exitCode)
    {
        lock (_gate)
        {
            if (_exited)
            {
                return;
            }

            _exited = true;
        }

        Say(string.Create(CultureInfo.InvariantCulture, $"the simulated gateway stopped (exit code {exitCode}); its log: {gatewayLog} — 模拟网关已停止"));
    }

    private void Say(string text)
    {
        lock (_gate)
        {
            console.WriteLine("  " + text);
            console.Flush();
        }
    }
}
