using System.Diagnostics;
using System.Globalization;

namespace EdgeGateway.FleetSim.District;

/// <summary>
/// A real, small filesystem (tmpfs of a given size) mounted on a directory, so that an outbox on it meets ENOSPC as it
/// would on a full SD card. Needs root (CAP_SYS_ADMIN), which the suite and .ci/run have; without it the mount fails
/// with mount's own message.
/// </summary>
internal static class SmallFilesystem
{
    public static async Task MountAsync(string directory, int sizeKiB, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        await RunAsync("mount", ["-t", "tmpfs", "-o", string.Create(CultureInfo.InvariantCulture, $"size={sizeKiB}k,mode=0700"), "tmpfs", directory], cancellationToken);
    }

    public static Task UnmountAsync(string directory) => RunAsync("umount", ["-l", directory], CancellationToken.None);

    private static async Task RunAsync(string program, string[] args, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        string error = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({process.ExitCode}): {error.Trim()} (a small filesystem for the disk-full fault needs root)");
        }
    }
}
