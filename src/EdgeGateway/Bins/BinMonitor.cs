using EdgeGateway.Alarms;
using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Reasons;
using EdgeGateway.Events;
using static System.FormattableString;

namespace EdgeGateway.Bins;

/// <summary>
/// Everything the gateway decides about one bin, as pure code: fill level robust to noise (per-sample
/// median with outlier rejection, then the median of the last three samples), nearly-full and
/// overflow with hysteresis, collections from sudden drops, fill speed and forecast full time (the
/// quantities of OMA LwM2M object 3435 "Filling level"), fire from temperature and its rate of rise,
/// lid left open, tilt, and sensor faults. Time comes only from the samples.
/// </summary>
public sealed class BinMonitor
{
    // Three samples' median: one spurious sample (a hand, a bag's edge) never moves the level.
    private const int HistoryLength = 3;
    private const int JumpSamplesBeforeFault = 3;
    private const int DisagreeSamplesBeforeFault = 3;

    // A bin warms in the sun, but not at this rate above this temperature.
    private const double FireRiseFloorC = 35;
    private static readonly TimeSpan TemperatureWindow = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan MinimumRiseSpan = TimeSpan.FromMinutes(2);

    private readonly BinDefinition _bin;
    private volatile BinThresholds _t;
    private readonly FillGeometry _geometry;
    private readonly IGatewayEventSink _events;
    private readonly string _source;
    private readonly List<double> _history = [];
    private readonly List<(DateTimeOffset At, double Fill)> _cycle = [];
    private readonly List<(DateTimeOffset At, double C)> _temperatures = [];
    private readonly Dictionary<string, SensorTrack> _sensors = new(StringComparer.Ordinal);
    private readonly Dictionary<AlarmKind, Alarm> _alarms = [];
    private readonly Dictionary<AlarmKind, DateTimeOffset> _clearingSince = [];

    // _alarms holds the alarms whose condition is present; _flaps decides what is published and holds a flapping
    // alarm raised after its condition went away.
    private readonly AlarmFlapGuard _flaps;

    private double? _fill;
    private double? _distanceMm;
    private double? _weightKg;
    private double? _temperatureC;
    private double? _previousCycleSpeed;
    private DateTimeOffset? _lastCollectedAt;
    private double? _fillAtLastCollection;
    private DateTimeOffset? _lidOpenSince;
    private int _tiltReads;
    private int _jumpSamples;
    private (DateTimeOffset At, double? WeightBefore)? _pendingCollection;
    private int _disagreeSamples;
    private bool _lidOpen;
    private bool _tilted;
    private string? _fault;
    private DateTimeOffset? _lastSampleAt;

    public BinMonitor(BinDefinition bin, IGatewayEventSink events)
    {
        _bin = bin;
        _t = bin.Thresholds;
        _geometry = new FillGeometry(bin.Geometry);
        _events = events;
        _source = "bin:" + bin.Id;
        _flaps = new AlarmFlapGuard(kind => _t.AlarmFlapping.For(kind));
    }

    public string Id => _bin.Id;

    /// <summary>Reloaded thresholds take effect from the next sample (a reference swap: the bin thread sees the old or the new set, never a mix).</summary>
    public void UpdateThresholds(BinThresholds thresholds) => _t = thresholds;

    /// <summary>The raised alarms: those whose condition is present, and the flapping ones held raised.</summary>
    public IReadOnlyCollection<Alarm> ActiveAlarms =>
        [.. _alarms.Values, .. _flaps.Held.Where(held => !_alarms.Values.Any(a => a.Id == held.Id))];

    public BinSnapshot Snapshot()
    {
        double? speed = FillSpeedPctPerDay();
        return new BinSnapshot(
            _bin.Id,
            ClassWireName(_bin.Class),
            _fill is { } f ? Math.Round(f, 1) : null,
            _distanceMm is { } d ? _geometry.FillLevelMm(d) : null,
            _alarms.ContainsKey(AlarmKind.BinNearlyFull) || _alarms.ContainsKey(AlarmKind.BinOverflow),
            _alarms.ContainsKey(AlarmKind.BinOverflow),
            _fill is { } e && e <= _t.EmptyPct,
            speed is { } s ? Math.Round(s, 1) : null,
            ForecastFullAt(speed),
            _lastCollectedAt,
            _fillAtLastCollection,
            _weightKg,
            _temperatureC,
            _lidOpen,
            _tilted,
            _fault,
            _lastSampleAt);
    }

    public static string ClassWireName(BinClass binClass) => binClass switch
    {
        BinClass.Recyclable => "recyclable",
        BinClass.Kitchen => "kitchen",
        BinClass.Hazardous => "hazardous",
        _ => "other",
    };

    public void OnSample(BinSample sample)
    {
        DateTimeOffset now = sample.At;
        _lastSampleAt = now;
        var faults = new List<string>();
        if (sample.SwitchFault is { } switchFault)
        {
            faults.Add(switchFault);
        }

        CheckLid(sample, now);
        CheckTilt(sample, now);
        CheckTemperature(sample, now, faults);

        double? weightBefore = _weightKg;
        if (sample.WeightKg is { } kg)
        {
            _weightKg = kg;
        }
        else if (sample.WeightFault is { } weightFault)
        {
            faults.Add(weightFault);
        }

        // With the lid open or the bin tipped, the sensor is not looking at the contents.
        if (!_lidOpen && !_tilted)
        {
            UpdateFill(sample, now, weightBefore, faults);
        }

        CheckFillAlarms(now);
        CheckSensorFaults(faults, now);
        _flaps.PublishSettled(FlapTime(now), now, _events);
    }

    /// <summary>
    /// The time the flap guard measures its window and hold on: the bin's, which today is its samples' (every bin
    /// duration — lid open, clearing, fire rise — is measured on it); it moves with them to a monotonic reading.
    /// </summary>
    private static TimeSpan FlapTime(DateTimeOffset sampleAt) => sampleAt - DateTimeOffset.UnixEpoch;

    private void UpdateFill(BinSample sample, DateTimeOffset now, double? weightBefore, List<string> faults)
    {
        var fills = new List<(string Sensor, double Fill, double DistanceMm)>();
        foreach (FillSensorReadings readings in sample.Fill)
        {
            SensorTrack track = Track(readings.SensorId);
            if (!FillSensorFilter.TryReduce(readings, out double distance, out string? problem))
            {
                if (readings.OnlyUntimed)
                {
                    // The gateway could not time the sensor (its thread lost the CPU on every ping): nothing learnt
                    // about the sensor, so a raised no-echo fault stands and a run of no-echo samples goes on.
                    track.UntimedSamples++;
                    if (track.Fault is { } standing)
                    {
                        faults.Add(standing);
                    }
                    else if (track.UntimedSamples >= _t.UntimedSamples)
                    {
                        faults.Add(Invariant($"{problem} for {track.UntimedSamples} samples"));
                    }

                    continue;
                }

                track.NoValidSamples++;
                track.Fault = track.NoValidSamples >= _t.NoEchoSamples ? Invariant($"{problem} for {track.NoValidSamples} samples") : null;
                if (track.Fault is not null)
                {
                    faults.Add(track.Fault);
                }
                else if (track.UntimedSamples >= _t.UntimedSamples)
                {
                    // Already a fault for want of timing; a sample that failed on its own merits does not lift it.
                    faults.Add(Invariant($"{problem}, after {track.UntimedSamples} samples that could not be timed"));
                }

                continue;
            }

            track.NoValidSamples = 0;
            track.UntimedSamples = 0;
            track.Fault = null;
            bool flat = readings.DistancesMm.Count > 1 && readings.DistancesMm.All(d => d == readings.DistancesMm[0]);
            track.IdenticalSamples = flat && track.LastDistanceMm == distance ? track.IdenticalSamples + 1 : 0;
            track.LastDistanceMm = distance;
            if (track.IdenticalSamples + 1 >= _t.StuckSamples)
            {
                faults.Add(Invariant($"{readings.SensorId}: stuck at {distance:0} mm for {track.IdenticalSamples + 1} samples"));
                continue;
            }

            fills.Add((readings.SensorId, _geometry.FillPct(distance), distance));
        }

        if (fills.Count == 0)
        {
            return;
        }

        (string _, double fill, double distanceMm) = fills[0];
        if (fills.Count == 2)
        {
            double gap = Math.Abs(fills[0].Fill - fills[1].Fill);
            if (gap > _t.SensorDisagreementPct)
            {
                _disagreeSamples++;
                if (_disagreeSamples >= DisagreeSamplesBeforeFault)
                {
                    faults.Add(Invariant($"{fills[0].Sensor} reads {fills[0].Fill:0} %, {fills[1].Sensor} reads {fills[1].Fill:0} %"));
                }

                // Trust the one that agrees with what the bin was.
                double reference = _fill ?? Math.Min(fills[0].Fill, fills[1].Fill);
                (_, fill, distanceMm) = fills.MinBy(f => Math.Abs(f.Fill - reference));
            }
            else
            {
                _disagreeSamples = 0;
                fill = (fills[0].Fill + fills[1].Fill) / 2;
                distanceMm = (fills[0].DistanceMm + fills[1].DistanceMm) / 2;
            }
        }

        if (_fill is not { } current)
        {
            Accept(fill, distanceMm, now);
            return;
        }

        // Emptied: a big drop, or any clear drop that leaves the bin empty (a bin collected at 20 %
        // falls less than the collection drop, but nothing else takes waste out of a bin). One low
        // sample could be a bad one, so a drop counts when the next sample confirms it.
        double delta = fill - current;
        if (delta <= -_t.CollectionDropPct || (delta <= -5 && fill <= _t.EmptyPct))
        {
            if (_pendingCollection is not { } pending)
            {
                _pendingCollection = (now, weightBefore);
                return;
            }

            _pendingCollection = null;
            Collected(current, pending.WeightBefore, pending.At);
            Accept(fill, distanceMm, now);
            return;
        }

        _pendingCollection = null;

        if (delta > _t.MaxRisePct && !WeightConfirmsRise(weightBefore))
        {
            // A level cannot rise that fast: a one-off is a spurious echo; if it stays, something is
            // lodged under the sensor. A load cell that saw nothing arrive settles it at once.
            _jumpSamples++;
            if (_jumpSamples >= JumpSamplesBeforeFault || (weightBefore is not null && _weightKg is not null))
            {
                faults.Add(Invariant($"fill reads {fill:0} % against {current:0} % a moment ago{(_weightKg is not null ? " with no matching weight" : "")}: something lodged under the sensor?"));
            }

            return;
        }

        _jumpSamples = 0;
        Accept(fill, distanceMm, now);
    }

    private bool WeightConfirmsRise(double? weightBefore) =>
        weightBefore is { } before && _weightKg is { } after && after - before >= 5;

    private void Accept(double fill, double distanceMm, DateTimeOffset now)
    {
        _history.Add(fill);
        if (_history.Count > HistoryLength)
        {
            _history.RemoveAt(0);
        }

        _fill = FillSensorFilter.Median(_history);
        _distanceMm = distanceMm;

        // The fill speed fits the samples themselves: the three-sample median lags a steady rise.
        _cycle.Add((now, fill));
        _cycle.RemoveAll(p => now - p.At > TimeSpan.FromDays(2));
    }

    private void Collected(double fillBefore, double? weightBefore, DateTimeOffset now)
    {
        // The cycle that just ended gives the fill speed until the new one has enough history.
        if (FillSpeedPctPerDay() is { } speed)
        {
            _previousCycleSpeed = speed;
        }

        _lastCollectedAt = now;
        _fillAtLastCollection = Math.Round(fillBefore, 1);
        _history.Clear();
        _cycle.Clear();
        _jumpSamples = 0;
        _events.Publish(new BinCollected(now, _bin.Id, Math.Round(fillBefore, 1), weightBefore));
    }

    /// <summary>
    /// LwM2M 3435 "Average Fill Speed": the least-squares slope of the fill over the current cycle
    /// (at least half an hour of it), else the last cycle's.
    /// </summary>
    private double? FillSpeedPctPerDay()
    {
        if (_cycle.Count >= 3 && _cycle[^1].At - _cycle[0].At >= TimeSpan.FromMinutes(30))
        {
            DateTimeOffset origin = _cycle[0].At;
            double n = _cycle.Count, sx = 0, sy = 0, sxx = 0, sxy = 0;
            foreach ((DateTimeOffset at, double fill) in _cycle)
            {
                double x = (at - origin).TotalDays;
                sx += x;
                sy += fill;
                sxx += x * x;
                sxy += x * fill;
            }

            double denominator = (n * sxx) - (sx * sx);
            if (denominator > 0)
            {
                return Math.Max(0, ((n * sxy) - (sx * sy)) / denominator);
            }
        }

        return _previousCycleSpeed;
    }

    /// <summary>LwM2M 3435 "Forecast Full Date": when the fill reaches the container-full threshold at the current speed.</summary>
    private DateTimeOffset? ForecastFullAt(double? speedPctPerDay)
    {
        if (_fill is not { } fill || _lastSampleAt is not { } now || speedPctPerDay is not ({ } speed and > 0.1))
        {
            return null;
        }

        return fill >= _t.OverflowPct ? now : now + TimeSpan.FromDays((_t.OverflowPct - fill) / speed);
    }

    private void CheckFillAlarms(DateTimeOffset now)
    {
        if (_fill is not { } fill)
        {
            return;
        }

        CheckLevel(AlarmKind.BinNearlyFull, fill, _t.NearlyFullPct, now);
        CheckLevel(AlarmKind.BinOverflow, fill, _t.OverflowPct, now);
    }

    private void CheckLevel(AlarmKind kind, double fill, double threshold, DateTimeOffset now)
    {
        if (fill >= threshold)
        {
            _clearingSince.Remove(kind);
            Raise(kind, fill, threshold, "%", ReasonCatalogue.BinFill(ClassWireName(_bin.Class), fill), now);
        }
        else if (fill < threshold - _t.HysteresisPct)
        {
            // Below the threshold by the hysteresis: no flapping around the line.
            Clear(kind, ReasonCatalogue.FillDown(fill), now);
        }
    }

    private void CheckLid(BinSample sample, DateTimeOffset now)
    {
        if (sample.LidOpen is not { } open)
        {
            return;
        }

        _lidOpen = open;
        if (open)
        {
            _lidOpenSince ??= now;
            _clearingSince.Remove(AlarmKind.BinLidOpen);
            TimeSpan openFor = now - _lidOpenSince.Value;
            if (openFor >= _t.LidOpenAfter)
            {
                Raise(AlarmKind.BinLidOpen, openFor.TotalMinutes, _t.LidOpenAfter.TotalMinutes, "min", ReasonCatalogue.BinLidOpen(openFor.TotalMinutes), now);
            }
        }
        else
        {
            _lidOpenSince = null;
            ClearWhenSettled(AlarmKind.BinLidOpen, ReasonCatalogue.LidClosed(), now);
        }
    }

    private void CheckTilt(BinSample sample, DateTimeOffset now)
    {
        if (sample.Tilted is not { } tilted)
        {
            return;
        }

        _tilted = tilted;

        // Two samples running: a knock while someone throws in a bag is not a tipped bin.
        _tiltReads = tilted ? _tiltReads + 1 : 0;
        if (_tiltReads >= 2)
        {
            _clearingSince.Remove(AlarmKind.BinTamper);
            Raise(AlarmKind.BinTamper, null, null, null, ReasonCatalogue.BinTipped(), now);
        }
        else if (!tilted)
        {
            ClearWhenSettled(AlarmKind.BinTamper, ReasonCatalogue.BinUpright(), now);
        }
    }

    private void CheckTemperature(BinSample sample, DateTimeOffset now, List<string> faults)
    {
        if (sample.TemperatureC is not { } celsius)
        {
            if (sample.TemperatureFault is { } fault)
            {
                faults.Add(fault);
            }

            return;
        }

        _temperatureC = celsius;
        _temperatures.Add((now, celsius));
        _temperatures.RemoveAll(t => now - t.At > TemperatureWindow);
        double rise = RiseCPerMinute(now);
        bool hot = celsius >= _t.FireTemperatureC;
        bool rising = rise >= _t.FireRiseCPerMinute && celsius >= FireRiseFloorC;
        if (hot || rising)
        {
            _clearingSince.Remove(AlarmKind.BinFire);
            Raise(AlarmKind.BinFire, celsius, _t.FireTemperatureC, "°C",
                hot ? ReasonCatalogue.BinHot(celsius) : ReasonCatalogue.BinSmouldering(celsius, rise), now);
        }
        else if (celsius < _t.FireTemperatureC - 10 && rise < _t.FireRiseCPerMinute / 2)
        {
            ClearWhenSettled(AlarmKind.BinFire, ReasonCatalogue.BinCooled(celsius), now);
        }
        else
        {
            _clearingSince.Remove(AlarmKind.BinFire);
        }
    }

    /// <summary>Rise in °C per minute from the oldest reading in the window at least two minutes back.</summary>
    private double RiseCPerMinute(DateTimeOffset now)
    {
        foreach ((DateTimeOffset at, double c) in _temperatures)
        {
            TimeSpan span = now - at;
            if (span >= MinimumRiseSpan)
            {
                return (_temperatures[^1].C - c) / span.TotalMinutes;
            }
        }

        return 0;
    }

    private void CheckSensorFaults(List<string> faults, DateTimeOffset now)
    {
        if (faults.Count > 0)
        {
            _fault = string.Join("; ", faults);
            _clearingSince.Remove(AlarmKind.BinSensorFault);
            Raise(AlarmKind.BinSensorFault, null, null, null, ReasonCatalogue.SensorFault(_fault), now);
            return;
        }

        _fault = null;
        ClearWhenSettled(AlarmKind.BinSensorFault, ReasonCatalogue.BinSensorsReadAgain(), now);
    }

    private SensorTrack Track(string sensorId)
    {
        if (!_sensors.TryGetValue(sensorId, out SensorTrack? track))
        {
            _sensors[sensorId] = track = new SensorTrack();
        }

        return track;
    }

    private void Raise(AlarmKind kind, double? value, double? threshold, string? unit, ContractReason reason, DateTimeOffset now)
    {
        if (_alarms.ContainsKey(kind))
        {
            return;
        }

        var alarm = new Alarm(Guid.CreateVersion7(now).ToString(), kind, kind.DefaultSeverity(), _source, value is { } v ? Math.Round(v, 2) : null, threshold, unit, now, ReasonText.Detail(reason)) { Reason = reason };

        // A flapping alarm still held raised stands for the condition again: nothing new is published.
        _alarms[kind] = _flaps.Raise(alarm, FlapTime(now), now, _events);
    }

    private void Clear(AlarmKind kind, ContractReason reason, DateTimeOffset now)
    {
        _clearingSince.Remove(kind);
        if (_alarms.Remove(kind, out Alarm? alarm))
        {
            _flaps.Clear(alarm, reason, FlapTime(now), now, _events);
        }
    }

    private void ClearWhenSettled(AlarmKind kind, ContractReason reason, DateTimeOffset now)
    {
        if (!_alarms.ContainsKey(kind))
        {
            _clearingSince.Remove(kind);
            return;
        }

        if (!_clearingSince.TryGetValue(kind, out DateTimeOffset since))
        {
            _clearingSince[kind] = since = now;
        }

        if (now - since >= _t.AlarmClearAfter)
        {
            Clear(kind, reason, now);
        }
    }

    private sealed class SensorTrack
    {
        public int NoValidSamples { get; set; }

        /// <summary>Samples since the last valid one that the gateway could not time at all.</summary>
        public int UntimedSamples { get; set; }

        /// <summary>The no-echo fault this sensor stands in, kept across samples that could not be timed.</summary>
        public string? Fault { get; set; }

        public int IdenticalSamples { get; set; }

        public double? LastDistanceMm { get; set; }
    }
}
