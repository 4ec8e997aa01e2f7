using System.Diagnostics;
using System.IO.Ports;

namespace EdgeGateway.Hardware.Serial;

/// <summary>
/// Reads a serial port with a timeout counted in short slices the reading thread actually waited through, so a
/// process that was held off the CPU (a busy board, a cgroup's CPU quota spent, a long GC pause, swapping) does not take
/// the line for silent. The kernel's serial driver keeps receiving while the process stands still: an answer that came
/// meanwhile is in its buffer, and a single long timeout would expire on the wall clock the moment the process runs
/// again, before the read looks at it. Here each slice of at most <see cref="Slice"/> that ends without a byte counts as
/// its nominal length, one that overran by more than a slice (the thread was not watching) does not count, and the read
/// gives up only when the counted slices add up to the timeout.
/// </summary>
/// <remarks>
/// <para>
/// Measured: with six CPU-bound loops beside the BL0942 tests on a 2-vCPU container, the test process stood still for
/// 300–500 ms at a time, and a 500 ms read timeout expired with the simulated chip's answer due microseconds later
/// (docs/performance.md, "Serial reads on a stalled process"). On a line that is really quiet the read waits its
/// timeout, rounded up to whole slices, plus whatever the process lost.
/// </para>
/// <para>
/// System.IO.Ports on Unix rounds read timeouts below 30 ms up to 30 ms (its TimeoutResolution), hence the slice.
/// The port's <see cref="SerialPort.ReadTimeout"/> is the whole timeout; it is put back after the read.
/// </para>
/// </remarks>
public static class StallTolerantSerialRead
{
    /// <summary>The longest one wait for bytes lasts before it is counted.</summary>
    public static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(30);

    /// <summary>Overrun slices one read forgives at most: its wait is bounded by the timeout and this many stalls.</summary>
    public const int MaximumForgivenSlices = 8;

    /// <summary>
    /// Reads up to <paramref name="count"/> bytes into <paramref name="buffer"/> at <paramref name="offset"/>, returning as
    /// soon as some are there; 0 when the line stayed quiet for <paramref name="timeout"/> of counted slices.
    /// </summary>
    /// <exception cref="IOException">The port failed (as <see cref="SerialPort.Read(byte[], int, int)"/>).</exception>
    /// <exception cref="InvalidOperationException">The port is closed.</exception>
    public static int Read(SerialPort port, byte[] buffer, int offset, int count, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(port);
        int configured = port.ReadTimeout;
        try
        {
            TimeSpan counted = TimeSpan.Zero;
            int forgiven = 0;
            while (true)
            {
                TimeSpan left = timeout - counted;
                TimeSpan slice = left < Slice ? left : Slice;
                port.ReadTimeout = Math.Max(1, (int)Math.Ceiling(slice.TotalMilliseconds));
                long started = Stopwatch.GetTimestamp();
                try
                {
                    return port.Read(buffer, offset, count);
                }
                catch (TimeoutException)
                {
                    // A slice that overran by more than a slice was time the thread did not watch the line: it does not
                    // count (up to MaximumForgivenSlices per read, so a machine that never lets it run still gives up).
                    TimeSpan waited = slice < Slice ? Slice : slice; // the port's own rounding up to 30 ms
                    bool overran = Stopwatch.GetElapsedTime(started) > waited + Slice;
                    if (overran && forgiven < MaximumForgivenSlices)
                    {
                        forgiven++;
                        continue;
                    }

                    counted += slice;
                    if (counted >= timeout)
                    {
                        return 0;
                    }
                }
            }
        }
        finally
        {
            port.ReadTimeout = configured;
        }
    }

    /// <summary>As <see cref="Read(SerialPort, byte[], int, int, TimeSpan)"/> with the port's own read timeout.</summary>
    public static int Read(SerialPort port, byte[] buffer, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(port);
        return port.ReadTimeout == SerialPort.InfiniteTimeout
            ? port.Read(buffer, offset, count)
            : Read(port, buffer, offset, count, TimeSpan.FromMilliseconds(port.ReadTimeout));
    }
}
