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
/// libstdc++6-arm64-cross as the sysroot (`qemu-aarch64-static -L /usr/aarch64-linux-gnu -E
/// DOTNET_EnableWriteXorExecute=0 ./EdgeGateway …`).
/// </summary>
/// <remarks>
/// <para>
/// The bundle is a Native AOT build (build-bundle.sh's default since 2026-12-08): it has no JIT, so the setting below
/// changes nothing for it; it stays for a bundle built with <c>--ready-to-run</c>, which runs here the same way.
/// </para>
/// <para>
/// Why the emulated gateway runs with W^X off (<see cref="EmulatorArguments"/>): by default (.NET 7 and later) the
/// runtime writes JIT-compiled code through a second, writable mapping of the same memory and executes it through a
/// read-execute one. qemu-user notices that guest code changed only when it is written through the address it executes
/// from, so when the runtime reuses code memory (a freed dynamic method's, such as a reflection invoke stub's) qemu
/// goes on running its translation of the old code. That is what made runs of this bundle end in
/// <c>NullReferenceException at InvokeStub_EventSourceAttribute.set_Guid</c> (the type initializer of
/// CDSCollectionETWBCLProvider, first needed by <c>GpioController.Dispose</c> at shutdown) and exit 1: with the live-table
/// test's command (qemu 7.2, 30 simulated seconds) 85 runs out of 85 failed that way with W^X on, at load averages of 3
/// to 39 on two cores (with and without stress-ng, three terminal sizes), and none out of 50 with it off, at 6 to 78
/// (issue 12). With
/// W^X on the gateway now still exits 0 but logs that its GPIO controllers failed to be released; with it off nothing
/// fails, which the tests check. The same failure class is reported for .NET under qemu
/// (dotnet/sdk#27190: NullReferenceException in InvokeStub_Assembly.get_Location; dotnet/runtime#94909: a segfault
/// that DOTNET_EnableWriteXorExecute=0 removes) and for Erlang's JIT, whose dual-mapped code memory qemu-user runs
/// stale too (erlang/docker-erlang-otp#400; erlang/otp#6340 added +JMsingle to turn it off); .NET does not support
/// running under qemu (its supported-OS notes, cited in dotnet/runtime#95120). On a Raspberry Pi the gateway keeps W^X on:
/// the setting is the emulator's, passed with qemu's <c>-E</c>, and nothing in the bundle changes.
/// </para>
/// </remarks>
public sealed class Arm64BundleFixture : IAsyncLifetime
{
    public const string Version = "0.0.0-test.arm64";
    public const string Sysroot = "/usr/aarch64-linux-gnu";

    /// <summary>
    /// A bound against a hang: publishing restores the linux-arm64 runtime and ILCompiler packs the first time (minutes
    /// on a cold cache); with the cache warm the Native AOT publish took 75 s on an idle 2-core machine (ReadyToRun
    /// 34 s; that one took 2.3 min on a busy machine and 23.5 min under stress-ng at load averages of 40-78).
    /// </summary>
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(40);

    private DirectoryInfo? _directory;

    /// <summary>The bundle directory (EdgeGateway, VERSION, deploy/).</summary>
    public string Bundle { get; private set; } = "";

    public string Qemu { get; private set; } = "";

    /// <summary>How long build-bundle.sh took (the publish).</summary>
    public TimeSpan BuildTime { get; private set; }

    /// <summary>qemu's arguments before the executable: the arm64 sysroot, and W^X off in the emulated .NET runtime (see the remarks).</summary>
    public static IReadOnlyList<string> EmulatorArguments { get; } = ["-L", Sysroot, "-E", "DOTNET_EnableWriteXorExecute=0"];

    /// <summary>What install.sh and upgrade.sh take as --exec-wrapper to run this bundle here.</summary>
    public string ExecWrapper => string.Join(' ', [Qemu, .. EmulatorArguments]);

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
        Tool.RunAsync(Qemu, [.. EmulatorArguments, Path.Combine(Bundle, "EdgeGateway"), .. args], timeout, environment, Bundle);

    /// <summary>Starts the bundle's EdgeGateway under qemu, with the bundle as working directory, and returns at once.</summary>
    public Tool.Running Start(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null) =>
        Tool.Start(Qemu, [.. EmulatorArguments, Path.Combine(Bundle, "EdgeGateway"), .. args], environment, Bundle);

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
