namespace EdgeGateway.Timekeeping;

/// <summary>
/// Which boot of the board this is: the kernel's random boot id, new at every boot. Monotonic clock readings
/// (<c>CLOCK_MONOTONIC</c>, what <see cref="TimeProvider.GetTimestamp"/> reads on Linux) count from boot, so they can
/// be compared only between readings that carry the same boot id.
/// </summary>
public static class BootId
{
    /// <summary>Where Linux publishes it.</summary>
    public const string KernelPath = "/proc/sys/kernel/random/boot_id";

    private static readonly Lazy<string> Kernel = new(() => Read(KernelPath) ?? ("process-" + Guid.NewGuid().ToString("N")));

    /// <summary>
    /// This boot's id; where the kernel does not publish one, an id of this process (readings from another process are
    /// then never taken as comparable, which is the safe side).
    /// </summary>
    public static string Current => Kernel.Value;

    /// <summary>The id in <paramref name="path"/>, or null when it cannot be read.</summary>
    public static string? Read(string path)
    {
        try
        {
            string id = File.ReadAllText(path).Trim();
            return id.Length > 0 ? id : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
