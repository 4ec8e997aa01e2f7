using System.Runtime.InteropServices;

namespace EdgeGateway.Hardware.Simulation.Serial;

/// <summary>
/// A pseudo-terminal pair (pty(7)): the simulated device owns the master side, and the gateway opens the slave's
/// path (<see cref="SlavePath"/>, /dev/pts/N) with <c>System.IO.Ports.SerialPort</c> exactly as it opens /dev/ttyAMA0
/// on a Pi. Both sides are put in raw mode (cfmakeraw(3)): no echo, no line editing, no CR/LF translation, every byte
/// passed as it is, as on a UART.
/// </summary>
/// <remarks>
/// The simulator also keeps the slave open itself (never reading it): without that, the master reads EIO whenever the
/// gateway has the port closed, and bytes written then are lost. A pty has no baud rate: bytes cross at once, so the
/// simulated device accounts the wire time itself on the shed's clock. Linux only (glibc's struct termios is 60 bytes).
/// </remarks>
public sealed partial class PseudoTerminal : IDisposable
{
    private const int OpenReadWrite = 0x2;
    private const int OpenNoControllingTty = 0x100;
    private const int TcsaNow = 0;
    private const short PollIn = 0x1;
    private const int InterruptedErrno = 4;
    private const int WouldBlockErrno = 11;
    private const nuint FionRead = 0x541B;

    private readonly int _master;
    private readonly int _slaveHold;
    private int _disposed;

    private PseudoTerminal(int master, int slaveHold, string slavePath)
    {
        _master = master;
        _slaveHold = slaveHold;
        SlavePath = slavePath;
    }

    /// <summary>The slave side's device path (/dev/pts/N): what the gateway opens as its serial port.</summary>
    public string SlavePath { get; }

    /// <summary>Opens a pair: posix_openpt(3), grantpt(3), unlockpt(3), ptsname_r(3), raw mode on both sides.</summary>
    public static PseudoTerminal Open()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("pseudo-terminal serial simulation needs Linux");
        }

        int master = PosixOpenpt(OpenReadWrite | OpenNoControllingTty);
        if (master < 0)
        {
            throw new IOException($"posix_openpt failed: errno {Marshal.GetLastPInvokeError()}");
        }

        try
        {
            if (Grantpt(master) != 0 || Unlockpt(master) != 0)
            {
                throw new IOException($"grantpt/unlockpt failed: errno {Marshal.GetLastPInvokeError()}");
            }

            byte[] name = new byte[128];
            if (PtsnameR(master, name, name.Length) != 0)
            {
                throw new IOException($"ptsname_r failed: errno {Marshal.GetLastPInvokeError()}");
            }

            string path = System.Text.Encoding.ASCII.GetString(name, 0, Array.IndexOf(name, (byte)0));
            int slave = OpenPath(path, OpenReadWrite | OpenNoControllingTty);
            if (slave < 0)
            {
                throw new IOException($"open {path} failed: errno {Marshal.GetLastPInvokeError()}");
            }

            MakeRaw(master);
            MakeRaw(slave);
            return new PseudoTerminal(master, slave, path);
        }
        catch
        {
            _ = Close(master);
            throw;
        }
    }

    /// <summary>
    /// Waits up to <paramref name="timeoutMs"/> for bytes from the gateway and reads what is there (at most
    /// <paramref name="buffer"/>'s length). 0 when nothing came in time.
    /// </summary>
    public int Read(Span<byte> buffer, int timeoutMs)
    {
        var poll = new PollFd { Fd = _master, Events = PollIn };
        int ready = Poll(ref poll, 1, timeoutMs);
        if (ready <= 0 || (poll.Revents & PollIn) == 0)
        {
            return 0;
        }

        nint n = ReadFd(_master, ref MemoryMarshal.GetReference(buffer), buffer.Length);
        return n > 0 ? (int)n : 0;
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> for bytes from the gateway; true when there are some to read.</summary>
    public bool WaitReadable(int timeoutMs)
    {
        var poll = new PollFd { Fd = _master, Events = PollIn };
        return Poll(ref poll, 1, timeoutMs) > 0 && (poll.Revents & PollIn) != 0;
    }

    /// <summary>Writes <paramref name="bytes"/> to the gateway's side, all of them (a short write is continued).</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty && Volatile.Read(ref _disposed) == 0)
        {
            nint n = WriteFd(_master, in MemoryMarshal.GetReference(bytes), bytes.Length);
            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno is InterruptedErrno or WouldBlockErrno)
                {
                    continue;
                }

                throw new IOException($"write to pty master failed: errno {errno}");
            }

            bytes = bytes[(int)n..];
        }
    }

    /// <summary>
    /// Bytes written to the master and waiting on the slave side, not yet read by the gateway (FIONREAD on the
    /// simulator's own slave descriptor: the slave's one input queue). Bytes written reach that queue a moment later
    /// (the kernel moves them on its own thread), which is how a device that sends on its own waits for them to be there.
    /// </summary>
    public int QueuedForSlave()
    {
        int queued = 0;
        return Ioctl(_slaveHold, FionRead, ref queued) == 0 ? queued : 0;
    }

    /// <summary>Bytes the gateway wrote that are waiting on the master side, not yet read by the simulator (FIONREAD on the master).</summary>
    public int QueuedForMaster()
    {
        int queued = 0;
        return Volatile.Read(ref _disposed) == 0 && Ioctl(_master, FionRead, ref queued) == 0 ? queued : 0;
    }

    /// <summary>
    /// The output rate the gateway set on its side (tcgetattr(3) on the simulator's slave descriptor: the slave's one
    /// termios, which SerialPort.BaudRate sets), in baud; 0 when it cannot be read or is not a standard rate. A pty
    /// carries bytes whatever the rate: a device that talks at a rate of its own compares it with this one.
    /// </summary>
    public int SlaveBaudRate()
    {
        byte[] termios = new byte[64];
        if (Volatile.Read(ref _disposed) != 0 || Tcgetattr(_slaveHold, termios) != 0)
        {
            return 0;
        }

        // speed_t codes of <termios.h> (asm-generic/termbits.h): B4800 = 0000014 … B38400 = 0000017, B57600 = 0010001 …
        return Cfgetospeed(termios) switch
        {
            11 => 2400,
            12 => 4800,
            13 => 9600,
            14 => 19200,
            15 => 38400,
            0x1001 => 57600,
            0x1002 => 115200,
            _ => 0,
        };
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _ = Close(_slaveHold);
            _ = Close(_master);
        }
    }

    private static void MakeRaw(int fd)
    {
        // glibc's struct termios is 60 bytes on every Linux architecture .NET runs on; a larger buffer is harmless.
        byte[] termios = new byte[64];
        if (Tcgetattr(fd, termios) != 0)
        {
            throw new IOException($"tcgetattr failed: errno {Marshal.GetLastPInvokeError()}");
        }

        Cfmakeraw(termios);
        if (Tcsetattr(fd, TcsaNow, termios) != 0)
        {
            throw new IOException($"tcsetattr failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "posix_openpt", SetLastError = true)]
    private static partial int PosixOpenpt(int flags);

    [LibraryImport("libc", EntryPoint = "grantpt", SetLastError = true)]
    private static partial int Grantpt(int fd);

    [LibraryImport("libc", EntryPoint = "unlockpt", SetLastError = true)]
    private static partial int Unlockpt(int fd);

    [LibraryImport("libc", EntryPoint = "ptsname_r", SetLastError = true)]
    private static partial int PtsnameR(int fd, [Out] byte[] buffer, nint length);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenPath(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "tcgetattr", SetLastError = true)]
    private static partial int Tcgetattr(int fd, [Out] byte[] termios);

    [LibraryImport("libc", EntryPoint = "tcsetattr", SetLastError = true)]
    private static partial int Tcsetattr(int fd, int optionalActions, byte[] termios);

    [LibraryImport("libc", EntryPoint = "cfgetospeed")]
    private static partial uint Cfgetospeed(byte[] termios);

    [LibraryImport("libc", EntryPoint = "cfmakeraw")]
    private static partial void Cfmakeraw([In, Out] byte[] termios);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, nuint request, ref int value);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(ref PollFd fds, nuint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint ReadFd(int fd, ref byte buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint WriteFd(int fd, in byte buffer, nint count);
}
