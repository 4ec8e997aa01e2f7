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
/// The port's <see cref="SerialPort.ReadTimeout"/> is set for each slice and put back after the read.
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
            var quiet = new QuietLineTime(timeout);
            while (true)
            {
                TimeSpan slice = quiet.Left < Slice ? quiet.Left : Slice;
                port.ReadTimeout = Math.Max(1, (int)Math.Ceiling(slice.TotalMilliseconds));
                long started = Stopwatch.GetTimestamp();
                try
                {
                    return port.Read(buffer, offset, count);
                }
                catch (TimeoutException)
                {
                    // The port rounds a wait below 30 ms up to 30 ms: that is the slice's planned length.
                    if (quiet.SliceEnded(slice, slice < Slice ? Slice : slice, Stopwatch.GetElapsedTime(started)))
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
}

/// <summary>
/// How long a serial line has been quiet, counted in the slices a waiting thread watched it: each slice that ended
/// without a byte counts its nominal length, one that overran its planned length by more than
/// <see cref="StallTolerantSerialRead.Slice"/> (the thread was held off its CPU meanwhile) does not, up to
/// <see cref="StallTolerantSerialRead.MaximumForgivenSlices"/> of them, so a machine that never lets the thread run still
/// gives up.
/// </summary>
public struct QuietLineTime(TimeSpan timeout)
{
    private TimeSpan _counted;
    private int _forgiven;

    /// <summary>The quiet time still to count before the line is taken for silent.</summary>
    public readonly TimeSpan Left => timeout - _counted;

    /// <summary>
    /// A slice ended without a byte: it counts <paramref name="nominal"/> unless it took (<paramref name="took"/>) more
    /// than <paramref name="planned"/> plus a slice. True when the line has now been quiet for the whole timeout.
    /// </summary>
    public bool SliceEnded(TimeSpan nominal, TimeSpan planned, TimeSpan took)
    {
        if (took > planned + StallTolerantSerialRead.Slice && _forgiven < StallTolerantSerialRead.MaximumForgivenSlices)
        {
            _forgiven++;
            return false;
        }

        _counted += nominal;
        return _counted >= timeout;
    }

    /// <summary>A byte came: the quiet time starts again.</summary>
    public void Restart()
    {
        _counted = TimeSpan.Zero;
        _forgiven = 0;
    }
}
