using System.Runtime.InteropServices;

namespace EdgeGateway.Hardware.Clock;

/// <summary>
/// The kernel's own view of whether the system clock is synchronised: adjtimex(2) with no modes set only reads, and
/// returns <c>TIME_ERROR</c> while <c>STA_UNSYNC</c> is set (no NTP daemon has disciplined the clock, or it lost its
/// source). systemd-timesyncd, chrony and ntpd clear <c>STA_UNSYNC</c> once they have synchronised the clock.
/// </summary>
public static partial class KernelClockStatus
{
    private const int TimeError = 5;

    /// <summary>True when the kernel says the clock is synchronised, false when it says it is not, null when it cannot be asked (not Linux).</summary>
    public static bool? IsSynchronized()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            var timex = default(Timex);
            int state = adjtimex(ref timex);
            return state < 0 ? null : state != TimeError;
        }
        catch (DllNotFoundException)
        {
            return null;
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>struct timex: 208 bytes on 64-bit Linux, 128 on 32-bit; only <c>modes</c> (the first field, 0: read only) is set. Sized with room to spare.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 512)]
    private struct Timex
    {
        public uint Modes;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int adjtimex(ref Timex buffer);
}
