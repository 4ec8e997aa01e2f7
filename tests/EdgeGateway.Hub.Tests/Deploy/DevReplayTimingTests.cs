using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeGateway.Hub.Tests.Deploy;

/// <summary>
/// deploy/dev/run-gateway.sh times the history replay to end at the present, so that the live phase carries on
/// without a gap and the console's last-seen and 6 h charts are fresh once it ends: checked with a stand-in for
/// <c>dotnet</c> that records each scenario the script hands the gateway.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class DevReplayTimingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-dev-replay-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_history_starts_its_own_replay_time_later_than_N_hours_ago_so_it_ends_now_and_live_follows()
    {
        string bin = Directory.CreateDirectory(Path.Combine(_dir, "bin")).FullName;
        string record = Path.Combine(_dir, "scenarios.txt");
        string fake = Path.Combine(bin, "dotnet");
        await File.WriteAllTextAsync(fake, $$"""
            #!/usr/bin/env bash
            # Stand-in for dotnet: record the scenario's start and duration lines, as the gateway would read them.
            while [ $# -gt 0 ]; do [ "$1" = --scenario ] && grep -E '^(start|duration):' "$2" >>"{{record}}"; shift; done
            echo --- >>"{{record}}"
            """);
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string path = bin + ":" + Environment.GetEnvironmentVariable("PATH");

        DateTimeOffset before = DateTimeOffset.UtcNow;
        ScriptResult run = await DeployScripts.RunAsync("deploy/dev/run-gateway.sh",
        [
            "--state-dir", _dir, "--name", "gw", "--site-file", "site.yaml", "--seed", "7", "--broker", "mqtts://127.0.0.1:1",
            "--dll", "EdgeGateway.dll", "--history-minutes", "1440", "--history-speed", "60", "--speed", "1",
        ], TimeSpan.FromSeconds(60), environment: new Dictionary<string, string> { ["PATH"] = path });
        DateTimeOffset after = DateTimeOffset.UtcNow;
        run.AssertSucceeded("run-gateway.sh");

        string[] phases = (await File.ReadAllTextAsync(record)).Split("---", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(2, phases.Length);
        (DateTimeOffset historyStart, string? duration) = Scenario(phases[0]);
        (DateTimeOffset liveStart, string? none) = Scenario(phases[1]);

        // 24 h at 60x take 24 min: the replay starts 23 h 36 min ago and its last point is then the present.
        Assert.Equal("1.00:00:00", duration);
        Assert.InRange(historyStart, before - TimeSpan.FromHours(24) + TimeSpan.FromMinutes(24) - TimeSpan.FromSeconds(2), after - TimeSpan.FromHours(24) + TimeSpan.FromMinutes(24) + TimeSpan.FromSeconds(1));
        Assert.Null(none);
        Assert.InRange(liveStart, before - TimeSpan.FromSeconds(2), after + TimeSpan.FromSeconds(1));
    }

    private static (DateTimeOffset Start, string? Duration) Scenario(string lines)
    {
        Match start = StartLine().Match(lines);
        Match duration = DurationLine().Match(lines);
        Assert.True(start.Success, lines);
        return (DateTimeOffset.Parse(start.Groups[1].Value, CultureInfo.InvariantCulture), duration.Success ? duration.Groups[1].Value : null);
    }

    [GeneratedRegex("^start: \"([^\"]+)\"", RegexOptions.Multiline)]
    private static partial Regex StartLine();

    [GeneratedRegex("^duration: \"([^\"]+)\"", RegexOptions.Multiline)]
    private static partial Regex DurationLine();
}
