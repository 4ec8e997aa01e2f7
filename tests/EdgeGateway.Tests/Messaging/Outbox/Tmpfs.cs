using System.Diagnostics;
using System.Globalization;

namespace EdgeGateway.Tests.Messaging.Outbox;

/// <summary>
/// A real, small filesystem of its own (tmpfs), mounted for one test class and unmounted afterwards, so a test can fill
/// it up and see what SQLite really does on ENOSPC. Needs root on Linux, as the tests and CI run.
/// </summary>
/// <remarks>
/// If mounting is not permitted the constructor throws, so every test that needs it fails and says why: a full-disk
/// regression must not pass unnoticed because the tests were skipped.
/// </remarks>
internal sealed class Tmpfs : IDisposable
{
    public Tmpfs(long sizeBytes)
    {
        Directory.CreateDirectory(Path);
        string? problem;
        try
        {
            (int exit, string output) = Run("mount", "-t", "tmpfs", "-o", string.Create(CultureInfo.InvariantCulture, $"size={sizeBytes}"), "tmpfs", Path);
            problem = exit == 0 ? null : string.Create(CultureInfo.InvariantCulture, $"exit {exit}: {output.Trim()}");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            problem = "no mount command: " + ex.Message;
        }

        if (problem is not null)
        {
            TryDeleteDirectory();
            throw new InvalidOperationException(
                $"The disk-full tests need a real small filesystem and could not mount one ('mount -t tmpfs' on {Path}: {problem}). " +
                "They must run as root on Linux (as CI does); they are not skipped, so that a full-disk regression cannot pass unnoticed.");
        }
    }

    /// <summary>The mount point.</summary>
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "edgegateway-outbox-tests", "tmpfs-" + Guid.NewGuid().ToString("N"));

    /// <summary>What the filesystem has left (statvfs).</summary>
    public long Available => new DriveInfo(Path).AvailableFreeSpace;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>A file of <paramref name="bytes"/> real bytes (not sparse), to take space now and give it back later.</summary>
    public string Filler(string name, long bytes)
    {
        string path = File(name);
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        byte[] chunk = new byte[16 * 1024];
        Array.Fill(chunk, (byte)0xA5);
        for (long left = bytes; left > 0; left -= chunk.Length)
        {
            file.Write(chunk, 0, (int)Math.Min(left, chunk.Length));
        }

        return path;
    }

    /// <summary>A file that takes every byte the filesystem has left (written until ENOSPC).</summary>
    public string FillUp(string name)
    {
        string path = File(name);
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        byte[] chunk = new byte[4096];
        try
        {
            while (true)
            {
                file.Write(chunk);
            }
        }
        catch (IOException)
        {
            // Full: that was the point.
        }

        return path;
    }

    public void Dispose()
    {
        (int exit, _) = Run("umount", Path);
        if (exit != 0)
        {
            // Something still holds a file open (a failed test's outbox): detach it now, freed when it is closed.
            Run("umount", "-l", Path);
        }

        TryDeleteDirectory();
    }

    private void TryDeleteDirectory()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    private static (int Exit, string Output) Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill();
            return (-1, output + " (timed out)");
        }

        return (process.ExitCode, output);
    }
}
