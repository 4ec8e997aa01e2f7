using EdgeGateway.Hardware.Metering.Bl0942;
using EdgeGateway.Hardware.Simulation.Serial;

namespace EdgeGateway.Hardware.Simulation.Bl0942;

/// <summary>
/// A UART with up to four BL0942s on it (A1/A2 addresses 0–3), behind a pseudo-terminal: the gateway opens
/// <see cref="DevicePath"/> with <c>System.IO.Ports.SerialPort</c> as it opens /dev/ttyAMA0 on a Pi, and this bus reads
/// its bytes on the master side and answers as the addressed chip would, byte for byte (<see cref="Bl0942Frame"/>).
/// </summary>
/// <remarks>
/// A pty carries bytes at once, so the bus spends the wire time on the shed's clock: the request's bytes at 4800 baud
/// before the chip samples its registers, the answer's before it is written (a full packet, 25 bytes both ways, is
/// 52 ms). The gateway's sampling thread is blocked reading the answer meanwhile, so the bus advances the clock on its
/// behalf (<see cref="SimulatedClock.AdvanceWhileOwnerWaits"/>) and the chip answers with the physical model's state
/// at that instant of shed time, whatever the simulation speed. A request to an address with no chip, or to a silent
/// chip, gets nothing back: the gateway's read times out in real time, which costs no shed time.
/// </remarks>
public sealed class SimulatedBl0942Bus : IDisposable
{
    private readonly PseudoTerminal _pty;
    private readonly SimulatedClock _clock;
    private readonly SimulatedBl0942?[] _chips = new SimulatedBl0942?[4];
    private readonly Thread _thread;
    private readonly List<byte> _pending = [];
    private volatile bool _stopping;
    private int _requests;

    public SimulatedBl0942Bus(SimulatedClock clock)
    {
        _clock = clock;
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
            try
            {
                n = _pty.Read(buffer, 50);
            }
            catch (IOException)
            {
                return;
            }

            for (int i = 0; i < n; i++)
            {
                Take(buffer[i]);
            }
        }
    }

    /// <summary>One byte from the gateway: a command byte starts a frame (2 bytes for a read, 6 for a write); stray bytes are dropped, as the chip's UART does.</summary>
    private void Take(byte b)
    {
        if (_pending.Count == 0 && (b & 0xFC) is not (Bl0942Frame.ReadCommand or Bl0942Frame.WriteCommand))
        {
            return;
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
        _clock.AdvanceWhileOwnerWaits(Bl0942Frame.ByteTime * frame.Length);
        if (chip is null || chip.Fault == Bl0942Fault.Silent || _stopping)
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

    private void Answer(SimulatedBl0942 chip, byte[] request)
    {
        byte[] answer;
        if (request[1] == Bl0942Frame.FullPacketRegister)
        {
            answer = chip.Packet(_clock.Elapsed);
        }
        else
        {
            answer = new byte[4];
            Bl0942Frame.Write24(answer, chip.ReadRegister((Bl0942Register)request[1], _clock.Elapsed));
            answer[3] = Bl0942Frame.Checksum(request[0], [request[1], answer[0], answer[1], answer[2]]);
        }

        if (chip.Fault == Bl0942Fault.BadChecksum)
        {
            answer[^1] ^= 0x5A;
        }

        _clock.AdvanceWhileOwnerWaits(Bl0942Frame.ByteTime * answer.Length);
        try
        {
            _pty.Write(answer);
        }
        catch (IOException)
        {
            // The gateway closed its side: nobody to answer.
        }
    }
}
