using System.Diagnostics;
using System.Runtime.CompilerServices;
using EdgeGateway.Hardware.Metering.Bl0942;
using EdgeGateway.Hardware.Simulation.Serial;

namespace EdgeGateway.Hardware.Simulation.Bl0942;

/// <summary>
/// A UART with up to four BL0942s on it (A1/A2 addresses 0–3), behind a pseudo-terminal: the gateway opens
/// <see cref="DevicePath"/> with <c>System.IO.Ports.SerialPort</c> as it opens /dev/ttyAMA0 on a Pi, and this bus reads
/// its bytes on the master side and answers as the addressed chip would, byte for byte (<see cref="Bl0942Frame"/>).
/// </summary>
/// <remarks>
/// <para>
/// A pty carries bytes at once, so the bus spends the wire time on the shed's clock: the request's bytes at 4800 baud
/// before the chip samples its registers, each byte of the answer's before that byte is written (a full packet, 25
/// bytes both ways, is 52 ms), and time moves past a byte only once the gateway has taken it. The gateway's sampling thread is blocked reading the answer meanwhile, so the bus advances the clock on its
/// behalf (<see cref="SimulatedClock.AdvanceWhileOwnerWaitsTo"/>) and the chip answers with the physical model's state
/// at that instant of shed time, whatever the simulation speed. A request to an address with no chip, or to a silent
/// chip, gets nothing back: the gateway's read times out in real time, which costs no shed time.
/// </para>
/// <para>
/// The wire time is this bus's own: an exchange starts when its request arrives or when the bus's previous one ended,
/// whichever is later, and ends at an instant of shed time this bus computes; the clock is moved to that instant, not
/// on by the wire time. So the buses of one shed run in parallel, as the UARTs of a board do: a request sent on five
/// buses at once is answered on all five 52 ms later, not 260 ms. The buses of one clock move it earliest instant first
/// and wait (briefly, in real time) for the gateway to send what it sends at the current instant (<see cref="MoveTimeTo"/>);
/// a gateway thread slower than that wait gets its exchanges later than the wire allows, never sooner. A shed with one
/// bus waits for nothing.
/// </para>
/// </remarks>
public sealed class SimulatedBl0942Bus : IDisposable
{
    private readonly PseudoTerminal _pty;
    private readonly SimulatedClock _clock;
    private readonly SimulatedBl0942?[] _chips = new SimulatedBl0942?[4];
    private readonly Thread _thread;
    private readonly List<byte> _pending = [];

    // The pause, in real time, in which a gateway sends its requests on the other buses: its sampling thread writes
    // them back to back, microseconds apart.
    private static readonly TimeSpan ParallelSendPause = TimeSpan.FromMilliseconds(1);

    // The longest a bus waits, in real time, for the gateway or another bus before it moves time anyway.
    private static readonly TimeSpan ParallelHold = TimeSpan.FromMilliseconds(50);

    // How long a byte written on the master may take to show in the slave's queue (a kernel work queue moves it).
    private static readonly TimeSpan ByteArrival = TimeSpan.FromMilliseconds(1);

    // The longest an answer's byte waits, in real time, for the gateway to take it before the rest of the answer is
    // written unpaced. Long, so that a gateway thread held off its CPU (a loaded machine: hundreds of milliseconds
    // were seen) still finds each byte at its own instant of shed time; reached only when the gateway stopped reading.
    private static readonly TimeSpan ByteTakenHold = TimeSpan.FromSeconds(2);

    // The buses of each shed clock, which run in parallel.
    private static readonly ConditionalWeakTable<SimulatedClock, List<SimulatedBl0942Bus>> BusesOf = [];

    private readonly List<SimulatedBl0942Bus> _busesOnClock;
    private volatile bool _stopping;

    // The rate the gateway's side was set to when the frame being received began (read from the pty's termios), and one
    // byte's time at it (ticks, read by other buses).
    private int _frameBaud;
    private long _byteTicks = Bl0942Frame.ByteTime.Ticks;
    private int _requests;
    private TimeSpan _busyUntil;

    // The instant a request waiting unread on this bus's pty was sent at, stamped by another bus about to move time
    // (ticks; -1: none).
    private long _sentAtTicks = -1;

    // The instant this bus's exchange in progress needs the clock at next (ticks; long.MaxValue: no exchange).
    private long _dueTicks = long.MaxValue;

    // The instant this bus's last answer was written at (ticks).
    private long _answeredAtTicks = -1;

    public SimulatedBl0942Bus(SimulatedClock clock)
    {
        _clock = clock;
        _busesOnClock = BusesOf.GetValue(clock, _ => []);
        lock (_busesOnClock)
        {
            _busesOnClock.Add(this);
        }

        _pty = PseudoTerminal.Open();
        _thread = new Thread(Serve) { IsBackground = true, Name = $"BL0942 bus {_pty.SlavePath}" };
        _thread.Start();
    }

    /// <summary>The serial device the gateway opens (the pty's slave, /dev/pts/N).</summary>
    public string DevicePath => _pty.SlavePath;

    /// <summary>Frames received from the gateway (reads and writes, to any address), for tests.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Puts <paramref name="chip"/> on the bus at its address.</summary>
    public void Attach(SimulatedBl0942 chip)
    {
        ArgumentNullException.ThrowIfNull(chip);
        if (_chips[chip.Address] is not null)
        {
            throw new InvalidOperationException($"two BL0942s at address {chip.Address} on {DevicePath}");
        }

        _chips[chip.Address] = chip;
    }

    public SimulatedBl0942? Chip(int address) => _chips[address];

    public void Dispose()
    {
        lock (_busesOnClock)
        {
            _busesOnClock.Remove(this);
        }

        _stopping = true;
        foreach (SimulatedBl0942? chip in _chips)
        {
            chip?.Stop();
        }

        _thread.Join(TimeSpan.FromSeconds(2));
        _pty.Dispose();
    }

    private void Serve()
    {
        byte[] buffer = new byte[64];
        while (!_stopping)
        {
            int n;
            int baud;
            TimeSpan sentAt;
            try
            {
                if (!_pty.WaitReadable(50))
                {
                    continue;
                }

                // Under the buses' lock, so that no other bus moves time or stamps this one between the look at the
                // clock and the read: bytes another bus saw waiting carry its stamp, the others were sent by now.
                lock (_busesOnClock)
                {
                    long stamped = Interlocked.Exchange(ref _sentAtTicks, -1);
                    sentAt = stamped >= 0 ? TimeSpan.FromTicks(stamped) : _clock.Elapsed;

                    // Before the read: the gateway changes its rate only once what it wrote at the old one is out.
                    baud = _pty.SlaveBaudRate();
                    n = _pty.Read(buffer, 0);
                }
            }
            catch (IOException)
            {
                return;
            }

            for (int i = 0; i < n; i++)
            {
                Take(buffer[i], sentAt, baud);
            }
        }
    }

    /// <summary>One byte from the gateway: a command byte starts a frame (2 bytes for a read, 6 for a write); stray bytes are dropped, as the chip's UART does.</summary>
    private void Take(byte b, TimeSpan sentAt, int baud)
    {
        if (_pending.Count == 0 && (b & 0xFC) is not (Bl0942Frame.ReadCommand or Bl0942Frame.WriteCommand))
        {
            return;
        }

        if (_pending.Count == 0)
        {
            _frameBaud = baud;
        }

        _pending.Add(b);
        bool isRead = (_pending[0] & 0xFC) == Bl0942Frame.ReadCommand;
        if (_pending.Count < (isRead ? 2 : 6))
        {
            return;
        }

        byte[] frame = [.. _pending];
        _pending.Clear();
        Interlocked.Increment(ref _requests);
        SimulatedBl0942? chip = _chips[frame[0] & 0x3];

        // The request left the gateway at this instant (the clock stands while the gateway runs); its bytes end on this
        // bus's wire a request's time later. Other buses' requests sent in the same breath must arrive before time moves.
        TimeSpan byteTime = Bl0942Frame.ByteTimeAt(_frameBaud > 0 ? _frameBaud : Bl0942Frame.BaudRate);
        Volatile.Write(ref _byteTicks, byteTime.Ticks);
        TimeSpan start = sentAt > _busyUntil ? sentAt : _busyUntil;
        _busyUntil = start + (byteTime * frame.Length);
        MoveTimeTo(_busyUntil, pauseFirst: true);
        try
        {
            // A chip listening at another rate than the frame was sent at sees framing errors, not a command.
            if (chip is null || chip.Fault == Bl0942Fault.Silent || _stopping || chip.BaudRate != _frameBaud)
            {
                return;
            }

            if (isRead)
            {
                Answer(chip, frame);
            }
            else if (frame[5] == Bl0942Frame.Checksum(frame[0], frame.AsSpan(1, 4)))
            {
                chip.WriteRegister((Bl0942Register)frame[1], Bl0942Frame.Read24(frame.AsSpan(2)));
            }
        }
        finally
        {
            Done();
        }
    }

    /// <summary>
    /// Moves the shed's clock to <paramref name="at"/> for this bus's exchange, as a discrete-event simulation of the
    /// shed's UARTs: time moves to the earliest instant any bus needs next, so an answer due earlier on another bus is
    /// written at its own instant, not at this bus's later one. Three things hold the move back, each for at most
    /// <see cref="ParallelHold"/> of real time: another bus's exchange due earlier; a request sent on another bus and
    /// not yet read by its thread (stamped here with the instant it was sent by, so a slow thread does not make it a
    /// later one); and an answer the gateway has not taken yet (it reads it and sends that bus's next request at this
    /// instant, before it waits on this bus). A gateway that is slower than the hold meanwhile (a loaded machine) gets
    /// its exchanges later than the wire allows, never sooner.
    /// </summary>
    private void MoveTimeTo(TimeSpan at, bool pauseFirst)
    {
        Volatile.Write(ref _dueTicks, at.Ticks);
        SimulatedBl0942Bus[] others;
        lock (_busesOnClock)
        {
            others = [.. _busesOnClock.Where(b => b != this)];
        }

        if (others.Length == 0)
        {
            _clock.AdvanceWhileOwnerWaitsTo(at);
            return;
        }

        if (pauseFirst && at > _clock.Elapsed)
        {
            // The gateway's requests on the other buses follow this one within microseconds: let them reach their ptys.
            Thread.Sleep(ParallelSendPause);
        }

        long holdUntil = Environment.TickCount64 + (long)ParallelHold.TotalMilliseconds;
        lock (_busesOnClock)
        {
            while (true)
            {
                long now = _clock.Elapsed.Ticks;
                if (at.Ticks <= now)
                {
                    return;
                }

                bool held = false;
                foreach (SimulatedBl0942Bus other in others)
                {
                    if (other._pty.QueuedForMaster() > 0)
                    {
                        Interlocked.CompareExchange(ref other._sentAtTicks, now, -1);
                    }

                    long stamped = Volatile.Read(ref other._sentAtTicks);
                    held |= Volatile.Read(ref other._dueTicks) < at.Ticks
                        || (stamped >= 0 && stamped + (2 * Volatile.Read(ref other._byteTicks)) < at.Ticks)
                        || (Volatile.Read(ref other._answeredAtTicks) == now && other._pty.QueuedForSlave() > 0);
                }

                if (!held || Environment.TickCount64 >= holdUntil)
                {
                    _clock.AdvanceWhileOwnerWaitsTo(at);
                    Monitor.PulseAll(_busesOnClock);
                    return;
                }

                Monitor.Wait(_busesOnClock, 1);
            }
        }
    }

    /// <summary>This bus's exchange is over (its answer written, or none due): it holds no other bus's time back.</summary>
    private void Done()
    {
        Volatile.Write(ref _dueTicks, long.MaxValue);
        lock (_busesOnClock)
        {
            Monitor.PulseAll(_busesOnClock);
        }
    }

    private void Answer(SimulatedBl0942 chip, byte[] request)
    {
        byte[] answer;
        TimeSpan byteTime = Bl0942Frame.ByteTimeAt(chip.BaudRate);
        // The chip samples its registers when the request's last byte is in (this bus's instant: another bus may have
        // moved the clock further meanwhile).
        TimeSpan sampled = _busyUntil;
        if (request[1] == Bl0942Frame.FullPacketRegister)
        {
            answer = chip.Packet(sampled);
        }
        else
        {
            answer = new byte[4];
            Bl0942Frame.Write24(answer, chip.ReadRegister((Bl0942Register)request[1], sampled));
            answer[3] = Bl0942Frame.Checksum(request[0], [request[1], answer[0], answer[1], answer[2]]);
        }

        if (chip.Fault == Bl0942Fault.BadChecksum)
        {
            answer[^1] ^= 0x5A;
        }

        // Byte by byte, each at the instant its stop bit ends, as the wire delivers them: a gateway that looks at other
        // inputs between the bytes of a 52 ms packet sees them at those instants (the first byte 2 ms after the request,
        // not the whole packet 48 ms later).
        try
        {
            bool paced = true;
            for (int i = 0; i < answer.Length && !_stopping; i++)
            {
                if (i > 0 && paced)
                {
                    paced = AwaitTaken();
                }

                _busyUntil = sampled + (byteTime * (i + 1));
                MoveTimeTo(_busyUntil, pauseFirst: false);
                _pty.Write(answer.AsSpan(i, 1));
            }

            Volatile.Write(ref _answeredAtTicks, _busyUntil.Ticks);
        }
        catch (IOException)
        {
            // The gateway closed its side: nobody to answer.
        }
    }

    /// <summary>
    /// Before the answer's next byte: time is not moved past a byte the gateway has not taken yet, so a gateway that looks
    /// at its other inputs between bytes looks at the instant the byte came. Meanwhile this bus holds no other bus back:
    /// a gateway reading another bus's answer first takes this one's bytes when it comes to them, and they are not
    /// written before their instants. False when the byte stayed untaken for <see cref="ByteTakenHold"/> of real time:
    /// the gateway is not reading (it gave up on the answer), and the rest of the answer is not paced.
    /// </summary>
    private bool AwaitTaken()
    {
        Done();

        // The kernel moves a pty's bytes to the slave's queue from a work queue, a moment after the write: first see the
        // byte there (or the gateway has taken it already, within ByteArrival), then see it gone.
        long start = Stopwatch.GetTimestamp();
        while (_pty.QueuedForSlave() == 0 && !_stopping && Stopwatch.GetElapsedTime(start) < ByteArrival)
        {
            Thread.Yield();
        }

        while (_pty.QueuedForSlave() > 0 && !_stopping)
        {
            TimeSpan waited = Stopwatch.GetElapsedTime(start);
            if (waited >= ByteTakenHold)
            {
                return false;
            }

            // A reading gateway takes a byte within tens of microseconds: yield for the first two milliseconds (a sleep
            // would cost a millisecond a byte, 23 ms a packet), then sleep.
            if (waited < TimeSpan.FromMilliseconds(2))
            {
                Thread.Yield();
            }
            else
            {
                Thread.Sleep(1);
            }
        }

        return true;
    }
}
