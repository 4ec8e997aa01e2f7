using EdgeGateway.Hardware.Clock;

namespace EdgeGateway.Timekeeping;

/// <summary>
/// Whether the gateway's wall clock can be trusted to stamp messages. A Raspberry Pi has no real-time clock: it boots
/// with the time fake-hwclock saved at shutdown (or 1970) and steps when NTP first synchronises. Nothing waits for it:
/// protection runs on monotonic time from the first round; this only tells the hub (status <c>clock_synced</c>) whether
/// the stamps it receives are the NTP time.
/// </summary>
public abstract class ClockSync
{
    /// <summary>True once the wall clock is synchronised to a time source.</summary>
    public abstract bool IsSynchronized();

    /// <summary>A clock whose answer is fixed: a simulated shed's clock is its own truth (synchronised), or a test's choice.</summary>
    public static ClockSync Fixed(bool synchronized) => new FixedClockSync(synchronized);

    private sealed class FixedClockSync(bool synchronized) : ClockSync
    {
        public override bool IsSynchronized() => synchronized;
    }
}

/// <summary>
/// The board's clock: synchronised when systemd-timesyncd's flag file exists (it creates
/// <c>/run/systemd/timesync/synchronized</c> at its first synchronisation after boot; /run is a tmpfs, so the flag never
/// outlives a boot), or, with <paramref name="kernelStatus"/>, when the kernel's adjtimex status says so (chrony and
/// ntpd clear <c>STA_UNSYNC</c>, which timesyncd does too).
/// </summary>
/// <param name="synchronizedFlag">The flag file's path (configurable for tests and other NTP clients).</param>
/// <param name="kernelStatus">Also ask the kernel (adjtimex(2)).</param>
public sealed class SystemClockSync(string synchronizedFlag, bool kernelStatus) : ClockSync
{
    public override bool IsSynchronized() =>
        File.Exists(synchronizedFlag) || (kernelStatus && KernelClockStatus.IsSynchronized() == true);
}
