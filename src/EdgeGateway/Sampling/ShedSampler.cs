using System.Diagnostics;
using EdgeGateway.Board;
using EdgeGateway.Hardware.Metering;
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
    private readonly List<(string Id, string Fault)> _thermometerFaults = [];
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
    }

    public long Rounds { get; private set; }

    /// <summary>Real (monotonic) time the last round completed, for the watchdog. Any thread.</summary>
    public long LastRoundCompletedTimestamp => Volatile.Read(ref _lastRoundEnd);

    public void RunRound()
    {
        IReadOnlyList<IPortMeter> meters = _board.Meters;
        for (int i = 0; i < meters.Count; i++)
        {
            _protection.ProcessCommands();
            ReadRelayFeedback(i);
            MeterReading reading = meters[i].Measure(_protection.ShortCircuitPeakAmps(i));
            _protection.OnPortMeasured(i, reading);
        }

        _protection.ProcessCommands();
        _protection.OnShedSensors(ReadShedSensors());
        _protection.OnRoundComplete();
        Rounds++;
        Volatile.Write(ref _lastRoundEnd, Stopwatch.GetTimestamp());
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
}
