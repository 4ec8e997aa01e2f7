namespace EdgeGateway.Tests.Deploy;

/// <summary>
/// A throwaway file system root that Debian's dpkg installs packages into, maintainer scripts included, without
/// touching this machine: <c>dpkg --root DIR --force-script-chrootless</c> runs the scripts here (not chrooted, which
/// would need a whole system inside DIR) with DPKG_ROOT=DIR, which the packages' scripts honour (useradd --prefix,
/// deb-systemd-helper). Everything runs under fakeroot with a saved state, so it works the same whether the suite
/// runs as root or not, and the owners the scripts set are read back through the same fakeroot
/// (<see cref="OwnerAndModeAsync"/>). Dependencies are not installed (--force-depends): the root holds no other
/// package; and an arm64 package installs on this amd64 machine (--force-architecture).
/// Not exercised here: systemctl starting or stopping the services (nothing starts under DPKG_ROOT), udev, modprobe.
/// </summary>
public sealed class DpkgRoot : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgegateway-dpkg-");

    public DpkgRoot()
    {
        Directory.CreateDirectory(In("etc"));
        Directory.CreateDirectory(In("var/lib/dpkg/info"));
        Directory.CreateDirectory(In("var/lib/dpkg/updates"));
        File.WriteAllText(In("var/lib/dpkg/status"), "");
        File.WriteAllText(In("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        File.WriteAllText(In("etc/group"), "root:x:0:\n");
        File.WriteAllText(In("etc/shadow"), "root:*:19000:0:99999:7:::\n");
        File.WriteAllText(In("etc/gshadow"), "root:*::\n");
        File.WriteAllText(FakerootState, "");
    }

    public string Root => _directory.FullName;

    private string FakerootState => Path.Combine(Root, "..", _directory.Name + ".fakeroot");

    /// <summary>A path inside the root ("etc/edgegateway/hub.json").</summary>
    public string In(string path) => Path.Combine(Root, path);

    /// <summary>Runs dpkg on the root (e.g. "-i", FILE; "-r", NAME; "-P", NAME) with extra environment for the scripts.</summary>
    public Task<Tool.Result> DpkgAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null) =>
        Fakeroot(["dpkg", $"--root={Root}", "--force-script-chrootless", "--force-depends", "--force-architecture", "--log=/dev/null", .. args], environment);

    /// <summary>"uid:gid mode" of a path inside the root, as the maintainer scripts left it (through fakeroot's saved state).</summary>
    public async Task<string> OwnerAndModeAsync(string path)
    {
        Tool.Result stat = await Fakeroot(["stat", "-c", "%u:%g %a", In(path)]);
        Assert.True(stat.ExitCode == 0, stat.ToString());
        return stat.Output.Trim();
    }

    /// <summary>True when PATH is a symbolic link (an enabled unit's link points at /usr/lib/…, outside the root: it dangles here).</summary>
    public static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;

    /// <summary>The number of an account in the root's passwd or group file, or null.</summary>
    public string? IdOf(string database, string name) =>
        File.ReadAllLines(In($"etc/{database}")).Select(line => line.Split(':')).FirstOrDefault(fields => fields[0] == name)?[2];

    private async Task<Tool.Result> Fakeroot(IEnumerable<string> command, IReadOnlyDictionary<string, string?>? environment = null)
    {
        string fakeroot = Tool.Find("fakeroot") ?? throw new InvalidOperationException("fakeroot is not installed: apt-get install fakeroot (./test.sh does)");
        return await Tool.RunAsync(fakeroot, ["-i", FakerootState, "-s", FakerootState, "--", .. command], Timeout, environment, Root);
    }

    public void Dispose()
    {
        try
        {
            _directory.Delete(recursive: true);
            File.Delete(FakerootState);
        }
        catch (IOException)
        {
            // Left for the system's temp cleaning.
        }
    }
}
