using System.Text.RegularExpressions;

namespace EdgeGateway.Tests.Deploy;

/// <summary>
/// Every systemd unit under deploy/ (the gateway's and the servers') passes `systemd-analyze verify` without a warning,
/// in a scratch root holding the machine's own system units and a stand-in for each program the unit runs (verify
/// checks that ExecStart and the like name executables). Skipped, saying so, where systemd-analyze is not installed.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Trait("Category", "Servers")]
public sealed partial class SystemdUnitTests
{
    public static TheoryData<string> Units()
    {
        var data = new TheoryData<string>();
        foreach (string extension in new[] { "*.service", "*.socket", "*.timer", "*.path" })
        {
            foreach (string file in Directory.GetFiles(Tool.InRepository("deploy"), extension, SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetRelativePath(Tool.RepositoryRoot, file).Replace('\\', '/'));
            }
        }

        return data;
    }

    [SystemdAnalyzeTheory]
    [MemberData(nameof(Units))]
    public async Task Unit_passes_systemd_analyze_verify(string unit)
    {
        using var root = new ScratchRoot();
        string text = File.ReadAllText(Tool.InRepository(unit));
        foreach (string program in ExecutablesOf(text))
        {
            root.AddExecutable(program);
        }

        root.AddUnit(Path.GetFileName(unit), text);

        Tool.Result result = await VerifyAsync(root.Path, Path.GetFileName(unit));

        Assert.True(result.ExitCode == 0 && result.All.Trim().Length == 0, $"systemd-analyze verify {unit}:\n{result.All}");
    }

    [SystemdAnalyzeFact]
    public async Task A_unit_with_a_mistake_fails_the_check()
    {
        using var root = new ScratchRoot();
        string text = File.ReadAllText(Tool.InRepository("deploy", "gateway", "edgegateway.service")).Replace("WatchdogSec=10", "WatchdogSecs=10", StringComparison.Ordinal);
        foreach (string program in ExecutablesOf(text))
        {
            root.AddExecutable(program);
        }

        root.AddUnit("edgegateway.service", text);

        Tool.Result result = await VerifyAsync(root.Path, "edgegateway.service");

        Assert.Contains("Unknown key 'WatchdogSecs'", result.All, StringComparison.Ordinal);
    }

    public static Task<Tool.Result> VerifyAsync(string root, string unit) =>
        Tool.RunAsync(SystemdAnalyzeFactAttribute.Path!, ["verify", $"--root={root}", unit], TimeSpan.FromMinutes(1), new Dictionary<string, string?> { ["SYSTEMD_LOG_COLOR"] = "0" });

    /// <summary>The absolute programs of the unit's Exec*= lines (after systemd's "-@:+!" prefixes).</summary>
    public static IEnumerable<string> ExecutablesOf(string unit) =>
        ExecLine().Matches(unit).Select(m => m.Groups["program"].Value).Distinct(StringComparer.Ordinal);

    [GeneratedRegex(@"^\s*Exec[A-Za-z]*\s*=\s*[-@:+!]*(?<program>/\S+)", RegexOptions.Multiline)]
    private static partial Regex ExecLine();

    /// <summary>A temporary root with the machine's system units (sysinit.target and the rest) and room for more.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public sealed class ScratchRoot : IDisposable
    {
        private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgegateway-units-");

        public ScratchRoot()
        {
            foreach (string system in new[] { "/usr/lib/systemd/system", "/lib/systemd/system" })
            {
                if (Directory.Exists(system))
                {
                    CopyTree(system, System.IO.Path.Combine(Path, "usr", "lib", "systemd", "system"));
                    break;
                }
            }
        }

        public string Path => _directory.FullName;

        public void AddExecutable(string absolutePath)
        {
            string file = System.IO.Path.Combine(Path, absolutePath.TrimStart('/'));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
            if (!File.Exists(file))
            {
                File.WriteAllText(file, "#!/bin/sh\n");
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }
        }

        public void AddUnit(string name, string text)
        {
            string directory = System.IO.Path.Combine(Path, "etc", "systemd", "system");
            Directory.CreateDirectory(directory);
            File.WriteAllText(System.IO.Path.Combine(directory, name), text);
        }

        public void Dispose() => _directory.Delete(recursive: true);

        private static void CopyTree(string from, string to)
        {
            Directory.CreateDirectory(to);
            foreach (string entry in Directory.EnumerateFileSystemEntries(from))
            {
                string target = System.IO.Path.Combine(to, System.IO.Path.GetFileName(entry));
                var info = new FileInfo(entry);
                if (info.LinkTarget is { } link)
                {
                    File.CreateSymbolicLink(target, link);
                }
                else if (Directory.Exists(entry))
                {
                    CopyTree(entry, target);
                }
                else
                {
                    File.Copy(entry, target);
                }
            }
        }
    }
}

/// <summary>A fact that needs systemd-analyze; skipped with the reason where it is not installed.</summary>
public sealed class SystemdAnalyzeFactAttribute : FactAttribute
{
    public static readonly string? Path = Tool.Find("systemd-analyze");

    public SystemdAnalyzeFactAttribute()
    {
        if (Path is null)
        {
            Skip = "systemd-analyze is not installed on this machine (Debian's systemd package provides it), so the units cannot be verified here";
        }
    }
}

/// <summary>A theory that needs systemd-analyze; skipped with the reason where it is not installed.</summary>
public sealed class SystemdAnalyzeTheoryAttribute : TheoryAttribute
{
    public SystemdAnalyzeTheoryAttribute()
    {
        if (SystemdAnalyzeFactAttribute.Path is null)
        {
            Skip = "systemd-analyze is not installed on this machine (Debian's systemd package provides it), so the units cannot be verified here";
        }
    }
}
