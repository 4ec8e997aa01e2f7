using System.Diagnostics;

namespace EdgeGateway.Tests.Deploy;

[CollectionDefinition(Name)]
public sealed class Arm64BundleShared : ICollectionFixture<Arm64BundleFixture>
{
    public const string Name = "linux-arm64 bundle under qemu";
}

/// <summary>
/// The bundle that ships to a Raspberry Pi, built once per test run by deploy/gateway/build-bundle.sh (the
/// self-contained linux-arm64 publish, as a technician receives it), and the means to run its EdgeGateway on this
/// x86-64 machine: Debian's qemu-user-static with the arm64 C and C++ runtime of libc6-arm64-cross and
/// libstdc++6-arm64-cross as the sysroot (`qemu-aarch64-static -L /usr/aarch64-linux-gnu ./EdgeGateway …`).
/// </summary>
public sealed class Arm64BundleFixture : IAsyncLifetime
{
    public const string Version = "0.0.0-test.arm64";
    public const string Sysroot = "/usr/aarch64-linux-gnu";

    /// <summary>Publishing restores the linux-arm64 runtime and crossgen packs the first time: minutes on a cold cache.</summary>
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(12);

    private DirectoryInfo? _directory;

    /// <summary>The bundle directory (EdgeGateway, VERSION, deploy/).</summary>
    public string Bundle { get; private set; } = "";

    public string Qemu { get; private set; } = "";

    /// <summary>How long build-bundle.sh took (the publish).</summary>
    public TimeSpan BuildTime { get; private set; }

    /// <summary>What install.sh and upgrade.sh take as --exec-wrapper to run this bundle here.</summary>
    public string ExecWrapper => $"{Qemu} -L {Sysroot}";

    public async Task InitializeAsync()
    {
        Qemu = Tool.Find("qemu-aarch64-static")
            ?? throw new InvalidOperationException("qemu-aarch64-static is not installed: apt-get install qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross (./test.sh does)");
        foreach (string library in new[] { "lib/ld-linux-aarch64.so.1", "lib/libc.so.6", "lib/libstdc++.so.6", "lib/libgcc_s.so.1" })
        {
            if (!File.Exists(Path.Combine(Sysroot, library)))
            {
                throw new InvalidOperationException($"{Sysroot}/{library} is missing: apt-get install libc6-arm64-cross libstdc++6-arm64-cross (./test.sh does)");
            }
        }

        _directory = Directory.CreateTempSubdirectory("edgegateway-arm64-");
        var clock = Stopwatch.StartNew();
        Tool.Result build = await Tool.RunAsync(
            "bash",
            [Tool.InRepository("deploy", "gateway", "build-bundle.sh"), "--output", _directory.FullName, "--version", Version],
            PublishTimeout,
            new Dictionary<string, string?> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" });
        BuildTime = clock.Elapsed;
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException($"build-bundle.sh failed: {build}");
        }

        Bundle = Path.Combine(_directory.FullName, $"edgegateway-{Version}-linux-arm64");
    }

    /// <summary>Runs the bundle's EdgeGateway under qemu, with the bundle as working directory.</summary>
    public Task<Tool.Result> RunAsync(IEnumerable<string> args, TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment = null) =>
        Tool.RunAsync(Qemu, ["-L", Sysroot, Path.Combine(Bundle, "EdgeGateway"), .. args], timeout, environment, Bundle);

    /// <summary>A scratch directory inside the fixture's, removed with it.</summary>
    public string NewDirectory(string name)
    {
        string path = Path.Combine(_directory!.FullName, name);
        Directory.CreateDirectory(path);
        return path;
    }

    public Task DisposeAsync()
    {
        try
        {
            _directory?.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a process the test killed: the temp folder is cleaned by the system later.
        }

        return Task.CompletedTask;
    }
}
