using System.Runtime.InteropServices;

namespace EdgeGateway.Hardware.Bins;

/// <summary>
/// Keeps the calling thread on its CPU for one timed ping (or one bit-banged HX711 read), where the system allows it,
/// and lets the caller tell afterwards whether it stayed there. The HC-SR04 binding times the echo by polling the pin against a Stopwatch, so a ping is exact only
/// while its thread is never switched out between the trigger and the echo's fall; on a busy board (a CPU-bound
/// neighbour, the .NET JIT, a burst of MQTT) a switch adds its whole length to the echo, tens of centimetres at once.
/// </summary>
/// <remarks>
/// <para>
/// Linux only (elsewhere <see cref="Begin"/> does nothing and every ping counts as held). The thread is raised to
/// <c>SCHED_FIFO</c> at priority <see cref="RealtimePriority"/> for the ping — below the kernel's interrupt threads
/// (priority 50) — when the process may (root, CAP_SYS_NICE, or <c>LimitRTPRIO</c> ≥ 10 in the systemd unit, which
/// deploy/gateway/edgegateway.service sets), and put back to its own policy after it. A ping lasts at most the binding's
/// 100 ms, and the kernel's real-time throttling (sched_rt_runtime_us) bounds it anyway.
/// </para>
/// <para>
/// Whether or not it was raised, the caller counts the thread's context switches around the ping
/// (<see cref="ThreadSwitches"/>: getrusage(2), <c>RUSAGE_THREAD</c>, <c>ru_nvcsw</c> + <c>ru_nivcsw</c>). Any switch means the thread was off its CPU for an
/// unknown time during the ping, so the reading's timing is not to be trusted; the caller pings again. Time taken from
/// a virtual machine's vCPU by its host (steal) is not a switch of the thread and is not seen.
/// </para>
/// </remarks>
internal readonly partial struct PingCpuHold : IDisposable
{
    /// <summary>SCHED_FIFO priority for the ping: above every normal task, below the kernel's IRQ threads (50).</summary>
    public const int RealtimePriority = 10;

    private const int SchedFifo = 1;
    private const int RusageThread = 1;

    private static readonly bool Supported = OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    private readonly int _policyBefore;
    private readonly int _priorityBefore;

    private PingCpuHold(int policyBefore, int priorityBefore, bool raised)
    {
        _policyBefore = policyBefore;
        _priorityBefore = priorityBefore;
        Raised = raised;
    }

    /// <summary>True when the ping runs at real-time priority.</summary>
    public bool Raised { get; }

    /// <summary>Raises the calling thread for one ping where allowed; dispose (on the same thread) right after the ping.</summary>
    public static PingCpuHold Begin()
    {
        if (!Supported)
        {
            return default;
        }

        int policy = Native.sched_getscheduler(0);
        var param = default(Native.SchedParam);
        _ = Native.sched_getparam(0, ref param);
        var fifo = new Native.SchedParam { Priority = RealtimePriority };
        bool raised = policy >= 0 && policy != SchedFifo && Native.sched_setscheduler(0, SchedFifo, ref fifo) == 0;
        return new PingCpuHold(policy, param.Priority, raised);
    }

    /// <summary>
    /// The calling thread's context switches so far, voluntary and involuntary; two readings around a ping that differ
    /// mean the thread was off its CPU during it. 0 where the system cannot tell.
    /// </summary>
    public static long ThreadSwitches()
    {
        if (!Supported || Native.getrusage(RusageThread, out Native.RUsage usage) != 0)
        {
            return 0;
        }

        return usage.VoluntarySwitches + usage.InvoluntarySwitches;
    }

    public void Dispose()
    {
        if (Raised)
        {
            var param = new Native.SchedParam { Priority = _priorityBefore };
            _ = Native.sched_setscheduler(0, _policyBefore, ref param);
        }
    }

    private static partial class Native
    {
        [StructLayout(LayoutKind.Sequential)]
        public struct SchedParam
        {
            public int Priority;
        }

        /// <summary>struct rusage on 64-bit Linux: two struct timeval, then fourteen longs (getrusage(2)).</summary>
        [StructLayout(LayoutKind.Sequential)]
        public struct RUsage
        {
            public long UserSeconds;
            public long UserMicroseconds;
            public long SystemSeconds;
            public long SystemMicroseconds;
            public long MaxRss;
            public long Ixrss;
            public long Idrss;
            public long Isrss;
            public long MinorFaults;
            public long MajorFaults;
            public long Swaps;
            public long BlockInputs;
            public long BlockOutputs;
            public long MessagesSent;
            public long MessagesReceived;
            public long Signals;
            public long VoluntarySwitches;
            public long InvoluntarySwitches;
        }

        [LibraryImport("libc", SetLastError = true)]
        public static partial int getrusage(int who, out RUsage usage);

        [LibraryImport("libc", SetLastError = true)]
        public static partial int sched_getscheduler(int pid);

        [LibraryImport("libc", SetLastError = true)]
        public static partial int sched_getparam(int pid, ref SchedParam param);

        [LibraryImport("libc", SetLastError = true)]
        public static partial int sched_setscheduler(int pid, int policy, ref SchedParam param);
    }
}
