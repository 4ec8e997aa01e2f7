using System.Diagnostics;
using EdgeGateway.Board;
using EdgeGateway.Hardware.Metering;
using EdgeGateway.Hardware.Metering.Bl0942;
using EdgeGateway.Hardware.Metering.Hlw8032;
using EdgeGateway.Hardware.ShedSensors;
using EdgeGateway.Protection;

namespace EdgeGateway.Sampling;

/// <summary>
/// One sampling round: every port measured in turn and handed to protection at once (so a relay
/// opens on the sample that decided it), then the shed sensors. Runs on the sampling thread only.
/// </summary>
public sealed class ShedSampler
{
    private readonly ShedBoard _board;
    private readonly ShedProtection _protection;
    private readonly TimeProvider _time;
    private readonly TimeSpan _temperaturePeriod;

    // When each port was last measured out of turn (monotonic timestamps; 0: never).
    private readonly long[] _outOfTurnAt;
    private readonly List<(string Id, string Fault)> _thermometerFaults = [];

    // The ports whose BL0942 drives an over-current output into a GPIO: watched between every two measurements.
    private readonly (int Port, Bl0942PortMeter Meter)[] _overCurrentOutputs;

    // The DC ports (an INA219 each): their shunt read alone between other ports' measurements (one at a time, round
    // robin), every one of them at each look between rounds, and — in a shed with AC ports — every one of them at each
    // half cycle of an AC port's measurement (MainsCycleSampler.AtHalfCycle), so a short on a DC port is seen within
    // about half a mains cycle, not at its turn in the next round.
    private readonly (int Port, Ina219PortMeter Meter)[] _dcPorts;
    private int _dcNext;

    // The ports whose HLW8032 sends a frame every 55 ms on a UART of its own: every new frame is handed to protection.
    private readonly (int Port, Hlw8032PortMeter Meter)[] _frameStreams;

    // The order ports are measured in: the BL0942 ports take turns across their UARTs (the first chip of every UART, then
    // the second...), so that the chips of different UARTs are asked at once (RequestAhead); every other port keeps its place.
    private readonly int[] _order;

    // The BL0942 ports of each UART, in measuring order; for each port, its UART's index there (-1: not a BL0942) and its
    // place on that UART (its wave: the round measures the first chip of every UART, then the second...).
    private readonly (int Port, Bl0942PortMeter Meter)[][] _bl0942Lines;
    private readonly int[] _lineOf;
    private readonly int[] _waveOf;

    // Per UART, the chip whose fast RMS is read next between waves and rounds (round robin).
    private readonly int[] _fastNext;
    private readonly int _chipsOnBusiestLine;

    // Per UART, whether every chip's fast RMS is read at each look between rounds, not one chip's: a UART at a MODE-selected
    // rate (a 1.6 ms read at 38 400 baud) with a chip whose over-current output is not wired, so its fast reads are
    // that chip's only fast look at a short.
    private readonly bool[] _everyChipBetweenRounds;
    private readonly int _chipsBetweenRounds;
    private readonly Func<int, TimeSpan> _decisionLead;
    private readonly Func<int, TimeSpan> _freeLineLead;
    private readonly int[] _positionOf;
    private Task<ThermometerReading[]>? _temperatureRead;
    private long _lastTemperatureRead = long.MinValue;
    private double? _maxTemperatureC;
    private long _lastRoundEnd;

    public ShedSampler(ShedBoard board, ShedProtection protection, TimeProvider time, TimeSpan temperaturePeriod)
    {
        _board = board;
        _protection = protection;
        _time = time;
        _temperaturePeriod = temperaturePeriod;
        _outOfTurnAt = new long[board.Meters.Count];
        _overCurrentOutputs = [.. board.Meters.Select((m, i) => (Port: i, Meter: m as Bl0942PortMeter)).Where(w => w.Meter is { WatchesOverCurrent: true }).Select(w => (w.Port, w.Meter!))];
        _frameStreams = [.. board.Meters.Select((m, i) => (Port: i, Meter: m as Hlw8032PortMeter)).Where(w => w.Meter is not null).Select(w => (w.Port, w.Meter!))];
        _dcPorts = [.. board.Meters.Select((m, i) => (Port: i, Meter: m as Ina219PortMeter)).Where(w => w.Meter is not null).Select(w => (w.Port, w.Meter!))];
        (int Port, Bl0942PortMeter Meter)[][] byLine = [.. board.Meters
            .Select((m, i) => (Port: i, Meter: m as Bl0942PortMeter))
            .Where(w => w.Meter is not null)
            .Select(w => (w.Port, Meter: w.Meter!))
            .GroupBy(w => w.Meter.Chip.Line, StringComparer.Ordinal)
            .Select(g => g.ToArray())];
        var interleaved = new Queue<int>(byLine.SelectMany(line => line.Select((w, n) => (w.Port, n))).OrderBy(w => w.n).ThenBy(w => w.Port).Select(w => w.Port));
        _order = [.. Enumerable.Range(0, board.Meters.Count).Select(i => board.Meters[i] is Bl0942PortMeter ? interleaved.Dequeue() : i)];
        _positionOf = new int[_order.Length];
        for (int k = 0; k < _order.Length; k++)
        {
            _positionOf[_order[k]] = k;
        }

        _bl0942Lines = [.. byLine.Select(line => line.OrderBy(w => _positionOf[w.Port]).ToArray())];
        _lineOf = [.. Enumerable.Repeat(-1, board.Meters.Count)];
        _waveOf = [.. Enumerable.Repeat(-1, board.Meters.Count)];
        for (int l = 0; l < _bl0942Lines.Length; l++)
        {
            for (int n = 0; n < _bl0942Lines[l].Length; n++)
            {
                _lineOf[_bl0942Lines[l][n].Port] = l;
                _waveOf[_bl0942Lines[l][n].Port] = n;
            }
        }

        // While the sampling thread waits for a chip's answer (a packet is 52 ms on the wire), it watches the over-current
        // outputs every few milliseconds: a short on any port trips there, on this thread, not after the packet.
        if (_overCurrentOutputs.Length > 0)
        {
            Action watch = () => WatchOverCurrentOutputs();
            foreach ((int _, Bl0942PortMeter meter) in _bl0942Lines.SelectMany(line => line))
            {
                meter.Chip.WhileWaiting = watch;
            }
        }

        _fastNext = new int[_bl0942Lines.Length];
        _chipsOnBusiestLine = _bl0942Lines.Length == 0 ? 0 : _bl0942Lines.Max(line => line.Length);
        _everyChipBetweenRounds = [.. _bl0942Lines.Select(line => line.Any(w => !w.Meter.WatchesOverCurrent && w.Meter.Chip.Baud > Bl0942Frame.BaudRate))];
        _chipsBetweenRounds = _bl0942Lines.Select((line, l) => _everyChipBetweenRounds[l] ? line.Length : 1).DefaultIfEmpty(0).Max();

        // A BL0942's measurement out of turn is a full packet on the wire: asked that much before the debounce runs out,
        // its reading lands as it does (a millisecond to spare, so that it never lands before). Behind another chip's
        // packet on its UART, one packet more (MeasureOutOfTurn takes that answer, then asks only if it is still due).
        _decisionLead = port => _lineOf[port] < 0
            ? TimeSpan.Zero
            : (((Bl0942PortMeter)board.Meters[port]).PacketExchange * (LineBusy(port) ? 2 : 1)) - TimeSpan.FromMilliseconds(1);
        _freeLineLead = port => _lineOf[port] < 0 ? TimeSpan.Zero : ((Bl0942PortMeter)board.Meters[port]).PacketExchange - TimeSpan.FromMilliseconds(1);
        if (board.Mains?.Scan is { } scan)
        {
            scan.Listener = new ScanToProtection(protection);
        }

        // An AC port's measurement takes up to two mains cycles (the wait for a crossing, then the cycle): the DC shunts
        // are read at its zero crossings, where the pause costs the measurement least and its sample times account for it.
        if (board.Mains is { } mains && _dcPorts.Length > 0)
        {
            mains.AtHalfCycle = () => WatchDcShunts(everyPort: true);
        }
    }

    public long Rounds { get; private set; }

    /// <summary>Real (monotonic) time the last round completed, for the watchdog. Any thread.</summary>
    public long LastRoundCompletedTimestamp => Volatile.Read(ref _lastRoundEnd);

    public void RunRound()
    {
        IReadOnlyList<IPortMeter> meters = _board.Meters;
        int wave = 0;
        for (int k = 0; k < meters.Count; k++)
        {
            int i = _order[k];
            _protection.ProcessCommands();
            WatchOverCurrentOutputs();
            TakeNewFrames();
            ReadRelayFeedback(i);
            if (_waveOf[i] > wave)
            {
                // Every chip of the wave before has answered: before the next wave's packets, every chip's fast RMS once.
                wave = _waveOf[i];
                ReadFastCurrents(everyChip: true);
            }

            RequestAhead(k, wave);
            if (meters[i] is not AcPortMeter)
            {
                // Before an AC port's measurement a read would delay its first pair past the crossing the port before
                // ended on, and the measurement would wait a cycle for the next: its own half cycles read the shunts.
                WatchDcShunts(everyPort: false);
            }

            OnMeasured(i, meters[i].Measure(_protection.ShortCircuitPeakAmps(i)));

            // A BL0942's read is a 52 ms exchange: an over-current output raised meanwhile is acted on now, not after
            // another port's measurement out of turn.
            WatchOverCurrentOutputs();
            MeasureOutOfTurn(meters, i);
        }

        _protection.ProcessCommands();
        WatchOverCurrentOutputs();
        TakeNewFrames();
        _protection.OnShedSensors(ReadShedSensors());
        _protection.OnRoundComplete();
        Rounds++;
        Volatile.Write(ref _lastRoundEnd, Stopwatch.GetTimestamp());
    }

    /// <summary>
    /// Between rounds, while the loop waits for the next: one conversion of every charging port's CT (the pacer calls
    /// this every few milliseconds), so a short that starts between rounds trips within a mains cycle too, and a port
    /// due for an overload decision is measured then. False when
    /// no port is watched (every relay open, or no AC port and no BL0942 over-current output): the pacer then just waits.
    /// </summary>
    public bool WatchBetweenRounds()
    {
        bool watching = _board.Mains?.Scan?.SamplePass() ?? false;
        watching |= WatchOverCurrentOutputs();
        watching |= TakeNewFrames();
        watching |= ReadFastCurrents(everyChip: false);
        watching |= WatchDcShunts(everyPort: true);

        // An overload due for its decision, or a rise the scan just saw, is measured now, not at the next round.
        MeasureOutOfTurn(_board.Meters, -1);
        return watching;
    }

    // A port is measured out of turn at most this often: a meter that keeps failing must not take over the round.
    private static readonly TimeSpan OutOfTurnSpacing = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// At most one port measured out of turn between two in turn: a port whose overload debounce has run out (its
    /// measurement decides at once, not a round later), else a port the fault-current scan saw rise above what may be an
    /// overload (its measurement starts the debounce at once, not when its turn comes). So an overload trips about
    /// the debounce after its onset whatever the shed's size; the decision is still taken on whole-cycle measurements.
    /// </summary>
    private void MeasureOutOfTurn(IReadOnlyList<IPortMeter> meters, int justMeasured)
    {
        int port = _protection.OverloadDecisionDue(_decisionLead);
        if (port < 0 && !(_board.Mains?.Scan?.TryTakeSuspect(out port) ?? false))
        {
            return;
        }

        long now = _time.GetTimestamp();
        if (port == justMeasured || (_outOfTurnAt[port] != 0 && _time.GetElapsedTime(_outOfTurnAt[port], now) < OutOfTurnSpacing))
        {
            return;
        }

        if (meters[port] is Bl0942PortMeter { Requested: false } && LineBusy(port))
        {
            // Another chip of its UART is answering: take that answer first (it is that port's measurement), then ask
            // this one only if its packet would not land before the debounce runs out (it is asked at a later look).
            foreach ((int other, Bl0942PortMeter meter) in _bl0942Lines[_lineOf[port]])
            {
                if (meter.Requested)
                {
                    OnMeasured(other, meter.Measure(_protection.ShortCircuitPeakAmps(other)));
                }
            }

            if (_protection.OverloadDecisionDue(_freeLineLead) != port)
            {
                return;
            }
        }

        _outOfTurnAt[port] = _time.GetTimestamp();
        _protection.ProcessCommands();
        OnMeasured(port, meters[port].Measure(_protection.ShortCircuitPeakAmps(port)));
    }

    /// <summary>Whether another chip of this BL0942 port's UART has a packet request on the wire.</summary>
    private bool LineBusy(int port)
    {
        foreach ((int other, Bl0942PortMeter meter) in _bl0942Lines[_lineOf[port]])
        {
            if (other != port && meter.Requested)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A port's measurement to protection; a BL0942 packet's fast RMS current too (it may start an overload's debounce).</summary>
    private void OnMeasured(int port, in MeterReading reading)
    {
        _protection.OnPortMeasured(port, reading);
        if (reading.Status == MeterReadStatus.Ok && _board.Meters[port] is Bl0942PortMeter meter)
        {
            _protection.OnFastCurrent(port, meter.FastRmsAmps, meter.PowerLag);
        }
    }

    /// <summary>
    /// Reads the fast RMS current (I_FAST_RMS alone, a 12.5 ms exchange at 4800 baud, 1.6 ms at 38 400) of the charging
    /// BL0942s, on every UART with nothing on its wire, all UARTs at once: one chip of each (round robin) between rounds
    /// (every chip of a fast UART with a chip whose over-current output is not wired: a short there is seen within
    /// about 10 ms), every chip of each (one after the other) between two waves of a round. Each reading goes to protection at once, where current past
    /// the port's limit over its voltage starts the overload's debounce (<see cref="ShedProtection.OnFastCurrent"/>), so
    /// the debounce starts within a few tens of milliseconds of the onset instead of at the chip's next 400 ms WATT
    /// refresh and the port's next packet. True when any chip was read.
    /// </summary>
    private bool ReadFastCurrents(bool everyChip)
    {
        if (_bl0942Lines.Length == 0)
        {
            return false;
        }

        bool read = false;
        int chips = everyChip ? _chipsOnBusiestLine : _chipsBetweenRounds;
        for (int c = 0; c < chips; c++)
        {
            bool any = false;
            for (int l = 0; l < _bl0942Lines.Length; l++)
            {
                (int Port, Bl0942PortMeter Meter)[] line = _bl0942Lines[l];
                if ((c > 0 && !everyChip && !_everyChipBetweenRounds[l]) || c >= line.Length || line.Any(w => w.Meter.Requested))
                {
                    continue;
                }

                // The next chip of this UART whose relay is closed (an open port has no overload to start).
                for (int tried = 0; tried < line.Length; tried++)
                {
                    (int port, Bl0942PortMeter meter) = line[_fastNext[l]];
                    _fastNext[l] = (_fastNext[l] + 1) % line.Length;
                    if (!double.IsInfinity(_protection.ShortCircuitPeakAmps(port)) && meter.TryRequestFastCurrent())
                    {
                        any = true;
                        break;
                    }
                }
            }

            if (!any)
            {
                break;
            }

            read = true;
            foreach ((int Port, Bl0942PortMeter Meter)[] line in _bl0942Lines)
            {
                foreach ((int port, Bl0942PortMeter meter) in line)
                {
                    if (!meter.TryTakeFastCurrent(out double amps))
                    {
                        continue;
                    }

                    // Past the short-circuit threshold, as a packet's would be: a port whose over-current output is not
                    // wired trips here, within a fast-read interval, instead of on its own packet up to a round later.
                    if (meter.FastReadPastShortCircuit(_protection.ShortCircuitPeakAmps(port)))
                    {
                        _protection.OnPortMeasured(port, MeterReading.ShortCircuit(UnitsNet.ElectricCurrent.FromAmperes(amps * Math.Sqrt(2))));
                    }
                    else
                    {
                        _protection.OnFastCurrent(port, amps, meter.PowerLag);
                    }
                }
            }

            // A chip's over-current output raised meanwhile is acted on now.
            WatchOverCurrentOutputs();
            MeasureOutOfTurn(_board.Meters, -1);
        }

        return read;
    }

    /// <summary>
    /// Before the measurement at <paramref name="position"/> of the round: on every UART with BL0942s and no request on
    /// the wire, the request of its next chip still to be measured this round. Each UART is a wire of its own, so the
    /// chips of five UARTs answer in the time of one (52 ms at 4800 baud), and a round of 20 chips, four on each of five
    /// UARTs, takes four exchanges instead of twenty; the chips of one UART still answer one after the other. Only chips
    /// of <paramref name="wave"/> (their place on their UART) are asked, so that every UART is free when the fast-RMS
    /// reads between two waves begin.
    /// </summary>
    private void RequestAhead(int position, int wave)
    {
        foreach ((int Port, Bl0942PortMeter Meter)[] line in _bl0942Lines)
        {
            int next = -1;
            bool busy = false;
            foreach ((int port, Bl0942PortMeter meter) in line)
            {
                busy |= meter.Requested;

                // Not past this wave: the UARTs must all be free when the fast RMS reads between two waves begin.
                if (next < 0 && _positionOf[port] >= position && _waveOf[port] <= wave)
                {
                    next = port;
                }
            }

            if (!busy && next >= 0)
            {
                ((Bl0942PortMeter)_board.Meters[next]).TryRequest(_protection.ShortCircuitPeakAmps(next));
            }
        }
    }

    /// <summary>
    /// A BL0942's over-current output high on a port whose relay is closed is a short circuit, decided here at once (the
    /// chip compares its half-cycle fast RMS with the threshold protection gave it): the relay opens on the sampling
    /// thread, between two other measurements or between two bytes of a chip's answer (<see cref="Bl0942.WhileWaiting"/>),
    /// as the fault-current scan's does. True when any output is watched.
    /// </summary>
    private bool WatchOverCurrentOutputs()
    {
        foreach ((int port, Bl0942PortMeter meter) in _overCurrentOutputs)
        {
            double threshold = _protection.ShortCircuitPeakAmps(port);
            if (!double.IsInfinity(threshold) && meter.TryReadOverCurrent(out bool asserted) && asserted)
            {
                _protection.OnPortMeasured(port, MeterReading.ShortCircuit(UnitsNet.ElectricCurrent.FromAmperes(Math.Max(threshold, meter.OverCurrentPeakAmps))));
            }
        }

        return _overCurrentOutputs.Length > 0;
    }

    /// <summary>
    /// The shunt of DC ports whose relay is closed, read alone (<see cref="Ina219PortMeter.TryReadPastShortCircuit"/>):
    /// one port (round robin) between two measurements of a round, every one between rounds. Past the short-circuit
    /// threshold is a short circuit, decided here on the sampling thread; below it, the current goes to protection as a
    /// BL0942's fast RMS does (<see cref="ShedProtection.OnFastCurrent"/>): past the port's limit over its pack voltage
    /// it starts the overload's debounce now, not at the port's next measurement. True when any DC port is watched.
    /// </summary>
    private bool WatchDcShunts(bool everyPort)
    {
        int looks = everyPort ? _dcPorts.Length : Math.Min(1, _dcPorts.Length);
        for (int n = 0, tried = 0; n < looks && tried < _dcPorts.Length; tried++)
        {
            (int port, Ina219PortMeter meter) = _dcPorts[_dcNext];
            _dcNext = (_dcNext + 1) % _dcPorts.Length;
            double threshold = _protection.ShortCircuitPeakAmps(port);
            if (double.IsInfinity(threshold))
            {
                continue;
            }

            n++;
            if (!meter.TryReadPastShortCircuit(threshold, out bool past, out double amps))
            {
                continue;
            }

            if (past)
            {
                _protection.OnPortMeasured(port, MeterReading.ShortCircuit(UnitsNet.ElectricCurrent.FromAmperes(amps)));
            }
            else
            {
                _protection.OnFastCurrent(port, amps, Ina219PortMeter.PowerLag);
            }
        }

        return _dcPorts.Length > 0;
    }

    /// <summary>
    /// Every HLW8032's frames that came in since the last look, each handed to protection at once: every port is
    /// watched all the time, each IC on its own UART, whatever the port's turn in the round. True when any IC is watched.
    /// </summary>
    private bool TakeNewFrames()
    {
        foreach ((int port, Hlw8032PortMeter meter) in _frameStreams)
        {
            if (meter.TryTakeNewFrame(_protection.ShortCircuitPeakAmps(port), out MeterReading reading))
            {
                _protection.OnPortMeasured(port, reading);
            }
        }

        return _frameStreams.Length > 0;
    }

    /// <summary>Where the port's relay has contact feedback: whether its contacts are closed, for protection to compare with its command.</summary>
    private void ReadRelayFeedback(int port)
    {
        // A feedback input that cannot be read says nothing this round; the meter still protects the port.
        if (port < _board.RelayFeedback.Count && _board.RelayFeedback[port] is { } input && input.TryRead(out bool closed, out _))
        {
            _protection.OnRelayFeedback(port, closed);
        }
    }

    private ShedSensorReadings ReadShedSensors()
    {
        bool? smoke = null;
        string? smokeFault = null;
        if (_board.Smoke is { } input)
        {
            if (input.TryRead(out bool active, out string? fault))
            {
                smoke = active;
            }
            else
            {
                smokeFault = fault;
            }
        }

        PollThermometers();
        return new ShedSensorReadings(_maxTemperatureC, _thermometerFaults, smoke, smokeFault, _board.Mains?.VoltageFault);
    }

    /// <summary>
    /// Starts a read of every thermometer each temperature period and takes the results in whichever
    /// round they are ready: a slow 1-Wire conversion never holds up a round.
    /// </summary>
    private void PollThermometers()
    {
        if (_board.Thermometers.Count == 0)
        {
            return;
        }

        long now = _time.GetTimestamp();
        if (_temperatureRead is null && (_lastTemperatureRead == long.MinValue || _time.GetElapsedTime(_lastTemperatureRead, now) >= _temperaturePeriod))
        {
            _lastTemperatureRead = now;
            _temperatureRead = ReadAllAsync(_board.Thermometers);
        }

        if (_temperatureRead is not { IsCompleted: true } done)
        {
            return;
        }

        _temperatureRead = null;
        _thermometerFaults.Clear();
        double? max = null;
        foreach (ThermometerReading reading in done.IsCompletedSuccessfully ? done.Result : [])
        {
            if (reading.TryGetTemperature(out UnitsNet.Temperature t))
            {
                max = Math.Max(max ?? double.MinValue, t.DegreesCelsius);
            }
            else
            {
                _thermometerFaults.Add((reading.Id, reading.Fault!));
            }
        }

        _maxTemperatureC = max;
    }

    private static Task<ThermometerReading[]> ReadAllAsync(IReadOnlyList<IShedThermometer> thermometers)
    {
        var reads = new Task<ThermometerReading>[thermometers.Count];
        for (int i = 0; i < reads.Length; i++)
        {
            reads[i] = thermometers[i].ReadAsync(CancellationToken.None).AsTask();
        }

        return Task.WhenAll(reads);
    }

    /// <summary>
    /// The fault-current scan's thresholds come from protection and its verdicts go to it at once, on the sampling
    /// thread in the middle of another port's measurement: the relay opens on the scan sample that confirmed the short.
    /// </summary>
    private sealed class ScanToProtection(ShedProtection protection) : IFaultCurrentListener
    {
        public double ShortCircuitPeakAmps(int port) => protection.ShortCircuitPeakAmps(port);

        public void OnShortCircuit(int port, UnitsNet.ElectricCurrent peak) => protection.OnPortMeasured(port, MeterReading.ShortCircuit(peak));

        public double OverloadSuspectAmps(int port) => protection.OverloadSuspectAmps(port);
    }
}
