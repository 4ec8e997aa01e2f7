using EdgeGateway.Hardware.Metering.SupplyMeters;
using EdgeGateway.Hardware.Modbus;
using EdgeGateway.Hardware.Simulation.Serial;
using EdgeGateway.Hardware.Simulation.Shed;

namespace EdgeGateway.Hardware.Simulation.Modbus;

/// <summary>
/// An RS-485 supply meter behind a pseudo-terminal, answering a Modbus RTU master byte for byte as the meter of
/// <see cref="Map"/> at unit <see cref="Unit"/> would: a request with a bad CRC or for another unit gets silence
/// (Modbus over Serial Line v1.02, §2.4.1: only the addressed server answers, and a frame with a CRC error is
/// discarded); a function other than the map's gets exception 01, a count of 0 or over 125 exception 03, a range
/// covering a register the meter does not have exception 02.
/// </summary>
/// <remarks>
/// Its registers are computed from <see cref="SupplyFrontEnd"/> every <see cref="UpdatePeriod"/> of shed time on the
/// thread that advances the shed's clock (the sampling thread, which owns the physical model); the pty thread answers
/// from the last image. The gateway reads the meter on its own thread, so an exchange costs no shed time: the answer
/// is the meter's registers at that instant of the shed's clock.
/// </remarks>
public sealed class SimulatedSupplyMeter : IDisposable
{
    /// <summary>How often the meter refreshes its measurement registers (a DIN-rail meter updates about every 0.5–1 s).</summary>
    public static readonly TimeSpan UpdatePeriod = TimeSpan.FromMilliseconds(500);

    private readonly PseudoTerminal _pty;
    private readonly SimulatedClock _clock;
    private readonly SupplyFrontEnd _frontEnd;
    private readonly Thread _thread;
    private readonly TimeSpan _frameGap;
    private volatile Dictionary<ushort, ushort> _image = [];
    private volatile bool _stopping;
    private double _energyKWh;
    private TimeSpan _lastUpdate;
    private int _requests;
    private int _answers;
    private volatile SupplyMeterFault _fault;

    public SimulatedSupplyMeter(SimulatedClock clock, SupplyFrontEnd frontEnd, SupplyMeterMap map, byte unit, int baudRate)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(map);
        _clock = clock;
        _frontEnd = frontEnd;
        Map = map;
        Unit = unit;
        _frameGap = ModbusRtuMaster.FrameGapAt(baudRate);
        Update(clock.Elapsed);
        ScheduleUpdate();
        _pty = PseudoTerminal.Open();
        _thread = new Thread(Serve) { IsBackground = true, Name = $"supply meter {_pty.SlavePath}" };
        _thread.Start();
    }

    public SupplyMeterMap Map { get; }

    public byte Unit { get; }

    /// <summary>The serial device the gateway opens (the pty's slave).</summary>
    public string DevicePath => _pty.SlavePath;

    public SupplyFrontEnd FrontEnd => _frontEnd;

    public SupplyMeterFault Fault
    {
        get => _fault;
        set => _fault = value;
    }

    /// <summary>Frames received (any unit, good CRC or not), for tests.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Frames answered (data or exception), for tests.</summary>
    public int Answers => Volatile.Read(ref _answers);

    /// <summary>Recomputes the registers from the shed now (tests that drive the clock by hand call it).</summary>
    public void Update(TimeSpan at)
    {
        (double vrms, double irms, double watts) = _frontEnd.Integrate(at, 1);
        if (at > _lastUpdate)
        {
            _energyKWh += Math.Max(0, watts) * (at - _lastUpdate).TotalHours / 1000;
        }

        _lastUpdate = at;
        double apparent = vrms * irms;
        double pf = apparent > 1 ? Math.Clamp(watts / apparent, -1, 1) : 1;
        var image = new Dictionary<ushort, ushort>();
        foreach (SupplyMeterRegister register in Map.Registers)
        {
            double value = register.Quantity switch
            {
                SupplyQuantity.Voltage => vrms,
                SupplyQuantity.Current => irms,
                SupplyQuantity.ActivePower => watts,
                SupplyQuantity.PowerFactor => pf,
                SupplyQuantity.Frequency => _frontEnd.FrequencyHz,
                _ => _energyKWh,
            };
            (ushort high, ushort low) = SupplyMeterMap.EncodeFloat((float)(value / register.Scale));
            image[register.Address] = high;
            image[(ushort)(register.Address + 1)] = low;
        }

        _image = image;
    }

    /// <summary>The meter loses power: it stops measuring and answers nothing more.</summary>
    public void Stop()
    {
        _stopping = true;
        _fault = SupplyMeterFault.Silent;
    }

    public void Dispose()
    {
        _stopping = true;
        _thread.Join(TimeSpan.FromSeconds(2));
        _pty.Dispose();
    }

    private void ScheduleUpdate()
    {
        var next = TimeSpan.FromTicks(((_clock.Elapsed.Ticks / UpdatePeriod.Ticks) + 1) * UpdatePeriod.Ticks);
        _clock.ScheduleAt(next, () =>
        {
            if (_stopping)
            {
                return;
            }

            Update(next);
            ScheduleUpdate();
        });
    }

    private void Serve()
    {
        byte[] buffer = new byte[300];
        var frame = new List<byte>();
        int gapMs = Math.Max(2, (int)Math.Ceiling(_frameGap.TotalMilliseconds));
        while (!_stopping)
        {
            int n;
            try
            {
                n = _pty.Read(buffer, frame.Count == 0 ? 50 : gapMs);
            }
            catch (IOException)
            {
                return;
            }

            frame.AddRange(buffer.AsSpan(0, n));

            // A frame ends at a silence of t3.5 (§2.5.1.1); a read request is whole at 8 bytes, answered without waiting.
            bool wholeRead = frame.Count == 8 && frame[1] is 0x03 or 0x04;
            if (frame.Count > 0 && (n == 0 || wholeRead || frame.Count >= 256))
            {
                byte[] request = [.. frame];
                frame.Clear();
                Interlocked.Increment(ref _requests);
                if (Answer(request) is { } answer)
                {
                    try
                    {
                        _pty.Write(answer);
                        Interlocked.Increment(ref _answers);
                    }
                    catch (IOException)
                    {
                        // The gateway closed its side: nobody to answer.
                    }
                }
            }
        }
    }

    /// <summary>The meter's answer to one frame, or null for silence.</summary>
    internal byte[]? Answer(ReadOnlySpan<byte> request)
    {
        SupplyMeterFault fault = _fault;
        if (request.Length < 4 || !ModbusCrc.IsValid(request) || request[0] != Unit || fault == SupplyMeterFault.Silent)
        {
            return null;
        }

        byte function = request[1];
        byte[] answer;
        if (function != (byte)Map.Function)
        {
            answer = Exception(function, ModbusExceptionCode.IllegalFunction);
        }
        else if (request.Length != 8 || (request[4] << 8 | request[5]) is 0 or > ModbusRtuMaster.MaxRegisters)
        {
            answer = Exception(function, ModbusExceptionCode.IllegalDataValue);
        }
        else if (fault == SupplyMeterFault.DeviceFailure)
        {
            answer = Exception(function, ModbusExceptionCode.ServerDeviceFailure);
        }
        else
        {
            int start = request[2] << 8 | request[3];
            int count = request[4] << 8 | request[5];
            Dictionary<ushort, ushort> image = _image;
            answer = new byte[5 + (2 * count)];
            answer[0] = Unit;
            answer[1] = function;
            answer[2] = (byte)(2 * count);
            for (int i = 0; i < count; i++)
            {
                if (!image.TryGetValue((ushort)(start + i), out ushort word))
                {
                    answer = Exception(function, ModbusExceptionCode.IllegalDataAddress);
                    break;
                }

                answer[3 + (2 * i)] = (byte)(word >> 8);
                answer[4 + (2 * i)] = (byte)word;
            }

            if (answer[1] == function)
            {
                ModbusCrc.Append(answer);
            }
        }

        if (fault == SupplyMeterFault.BadCrc)
        {
            answer[^1] ^= 0x5A;
        }

        return answer;
    }

    private byte[] Exception(byte function, ModbusExceptionCode code)
    {
        byte[] answer = [Unit, (byte)(function | 0x80), (byte)code, 0, 0];
        ModbusCrc.Append(answer);
        return answer;
    }
}
