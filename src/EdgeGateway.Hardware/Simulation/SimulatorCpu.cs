using System.Runtime.InteropServices;

namespace EdgeGateway.Hardware.Simulation;

/// <summary>
/// The processor time the simulation itself costs — the simulated chips answering a transfer, the shed's physical
/// model they advance, the scenario between rounds — so that a simulated gateway's CPU can be split into the
/// product's and the simulator's (docs/measurements.md, "CPU per port"). The simulated chips answer on the thread
/// that calls the binding, inside the binding's call: process or thread CPU cannot tell them apart, so each entry
/// point of the simulation is wrapped in <see cref="Enter"/>, which reads the calling thread's CPU clock
/// (<c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>, clock_gettime(2): time this thread ran, not time it waited).
/// </summary>
/// <remarks>
/// An SPI transfer of the simulated MCP3208 costs about half a microsecond; reading the thread clock is a system call
/// of a similar cost (it has no vDSO path). Timing every call would double what it measures, so a call is timed with
/// probability 1/<see cref="SampleEvery"/> (a per-thread random draw, so no periodic pattern of the calls can bias it)
/// and every call is counted; the estimate is the timed time scaled by calls / timed calls. The clock reads' own
/// cost inside a timed window (an empty window's median, measured once) is taken off each window. Only the outermost
/// entry of a thread counts: a chip that calls into the shed model is not counted twice.
/// </remarks>
public static partial class SimulatorCpu
{
    /// <summary>One call in this many is timed.</summary>
    public const int SampleEvery = 16;

    private const int ClockThreadCpuTimeId = 3; // <linux/time.h> CLOCK_THREAD_CPUTIME_ID

    private static readonly Lazy<long> EmptyWindowNanoseconds = new(MeasureEmptyWindow);
    private static long _calls;
    private static long _timedCalls;
    private static long _timedNanoseconds;

    [ThreadStatic]
    private static int _threadDepth;

    [ThreadStatic]
    private static uint _threadRandom;

    /// <summary>Calls into the simulation so far (outermost entries).</summary>
    public static long Calls => Interlocked.Read(ref _calls);

    /// <summary>
    /// Estimated processor time spent inside the simulation since the process started, every thread together.
    /// </summary>
    public static TimeSpan Estimated
    {
        get
        {
            long timed = Interlocked.Read(ref _timedCalls);
            return timed == 0
                ? TimeSpan.Zero
                : TimeSpan.FromTicks((long)(Interlocked.Read(ref _timedNanoseconds) / 100.0 * Interlocked.Read(ref _calls) / timed));
        }
    }

    /// <summary>Marks the calling thread as inside the simulation until the scope is disposed.</summary>
    public static Scope Enter()
    {
        if (_threadDepth++ > 0)
        {
            return default;
        }

        Interlocked.Increment(ref _calls);

        // xorshift32 (Marsaglia 2003), seeded per thread: a cheap draw, independent of the calls' order.
        uint x = _threadRandom == 0 ? (uint)Environment.CurrentManagedThreadId * 2654435761u | 1 : _threadRandom;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        _threadRandom = x;
        return x % SampleEvery == 0 ? new Scope(ThreadNanoseconds()) : new Scope(-1);
    }

    /// <summary>Nanoseconds the calling thread has run (0 where the clock is unavailable).</summary>
    public static long ThreadNanoseconds() =>
        ClockGettime(ClockThreadCpuTimeId, out TimeSpec now) == 0 ? (now.Seconds * 1_000_000_000) + now.Nanoseconds : 0;

    private static void Exit(long started)
    {
        _threadDepth--;
        if (started <= 0)
        {
            return;
        }

        long elapsed = ThreadNanoseconds() - started - EmptyWindowNanoseconds.Value;
        Interlocked.Add(ref _timedNanoseconds, Math.Max(0, elapsed));
        Interlocked.Increment(ref _timedCalls);
    }

    private static long MeasureEmptyWindow()
    {
        long[] windows = new long[1001];
        for (int i = 0; i < windows.Length; i++)
        {
            long start = ThreadNanoseconds();
            windows[i] = ThreadNanoseconds() - start;
        }

        Array.Sort(windows);
        return windows[windows.Length / 2];
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGettime(int clock, out TimeSpec time);

    /// <summary>The time inside the simulation of one outermost call (or nothing, for a nested one).</summary>
    public readonly struct Scope : IDisposable, IEquatable<Scope>
    {
        // 0: a nested entry (only the depth is kept); -1: counted, not timed; above 0: the thread clock at entry.
        private readonly long _started;

        internal Scope(long started) => _started = started == 0 ? -1 : started;

        public void Dispose()
        {
            if (_started != 0)
            {
                Exit(_started);
            }
            else
            {
                _threadDepth--;
            }
        }

        public bool Equals(Scope other) => _started == other._started;

        public override bool Equals(object? obj) => obj is Scope other && Equals(other);

        public override int GetHashCode() => _started.GetHashCode();

        public static bool operator ==(Scope left, Scope right) => left.Equals(right);

        public static bool operator !=(Scope left, Scope right) => !(left == right);
    }
}
