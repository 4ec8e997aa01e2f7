using System.Collections.Concurrent;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Contracts.Reasons;
using EdgeGateway.Hardware.Metering.SupplyMeters;
using static System.FormattableString;

namespace EdgeGateway.Protection;

/// <summary>One poll of the shed's supply meter: its reading, or why there is none.</summary>
public readonly record struct SupplyMeterPoll(SupplyMeterReading? Reading, string? Fault)
{
    public static SupplyMeterPoll Read(SupplyMeterReading reading) => new(reading, null);

    public static SupplyMeterPoll Failed(string fault) => new(null, fault);
}

/// <summary>The supply meter's last fresh reading for the live view and telemetry, with the ports' sum at that moment.</summary>
public sealed record SupplySnapshot(DateTimeOffset MeasuredAt, SupplyMeterReading Reading, double PortsPowerW)
{
    public double UnmeteredW => Reading.PowerW - PortsPowerW;
}

// The shed's supply meter: its faults, the unmetered load (the supply's power minus the ports' beyond a tolerance, for a
// debounce time) and the measured supply the shed overload rule may act on. The meter is read on its own thread
// (SupplyMeterService); its polls queue here and are applied on the sampling thread at the end of each round.
public sealed partial class ShedProtection
{
    /// <summary>The alarm source of the supply meter's own faults (<c>shed_sensor_fault</c>).</summary>
    public const string SupplyMeterSource = "supply_meter";

    private readonly ConcurrentQueue<SupplyMeterPoll> _supplyPolls = new();
    private SupplyMeterReading? _supply;
    private TimeSpan _supplyAt;
    private DateTimeOffset _supplyWallAt;
    private double _supplyPortsW;
    private TimeSpan? _unmeteredSince;

    /// <summary>Any thread: a poll of the supply meter, applied on the sampling thread at the end of the next round.</summary>
    public void SubmitSupplyPoll(SupplyMeterPoll poll) => _supplyPolls.Enqueue(poll);

    /// <summary>Applies a poll of the supply meter now (sampling thread).</summary>
    public void OnSupplyPolled(SupplyMeterPoll poll) => OnSupplyPolled(poll, Now());

    /// <summary>The measured supply's power while its last reading is fresh, for the shed overload rule; null otherwise.</summary>
    private double? MeasuredSupplyW(ProtectionInstant now) =>
        _shed.Supply is { ShedOverloadOnSupply: true } rules && _supply is { } reading && now.Elapsed - _supplyAt <= rules.FreshFor ? reading.PowerW : null;

    private SupplySnapshot? SupplyNow() => _supply is { } reading ? new SupplySnapshot(_supplyWallAt, reading, _supplyPortsW) : null;

    private void ApplySupplyPolls(ProtectionInstant now)
    {
        while (_supplyPolls.TryDequeue(out SupplyMeterPoll poll))
        {
            OnSupplyPolled(poll, now);
        }

        // A meter whose polls stopped coming (its thread stuck in a driver) is a fault too, never a frozen reading.
        if (_supply is not null && _shed.Supply is { } rules && now.Elapsed - _supplyAt > rules.FreshFor)
        {
            OnSupplyPolled(SupplyMeterPoll.Failed(Invariant($"supply meter: no reading for {(now.Elapsed - _supplyAt).TotalSeconds:0} s")), now);
        }
    }

    private void OnSupplyPolled(SupplyMeterPoll poll, ProtectionInstant now)
    {
        (AlarmKind, string) faultKey = (AlarmKind.ShedSensorFault, SupplyMeterSource);
        if (poll.Reading is not { } reading)
        {
            // A dead meter says nothing about unmetered load: the rule waits (its alarm, if raised, stays as it was).
            _supply = null;
            _unmeteredSince = null;
            _clearingSince.Remove((AlarmKind.UnmeteredLoad, ShedSource));
            _clearingSince.Remove(faultKey);
            if (!_shedAlarms.ContainsKey(faultKey))
            {
                RaiseShedAlarm(AlarmKind.ShedSensorFault, SupplyMeterSource, null, null, null, ReasonCatalogue.SensorFault(poll.Fault ?? "supply meter fault"), now);
            }

            return;
        }

        ClearWhenSettled(faultKey, now, ReasonCatalogue.SensorReadsAgain());
        _supply = reading;
        _supplyAt = now.Elapsed;
        _supplyWallAt = now.Wall;
        _supplyPortsW = 0;
        foreach (ChargingPort port in _ports)
        {
            _supplyPortsW += port.PowerW;
        }

        CheckUnmeteredLoad(reading, now);
    }

    private void CheckUnmeteredLoad(SupplyMeterReading reading, ProtectionInstant now)
    {
        if (_shed.Supply is not { } rules)
        {
            return;
        }

        (AlarmKind, string) key = (AlarmKind.UnmeteredLoad, ShedSource);

        // A port whose meter is failing adds nothing to the sum, and its load would look unmetered: the rule waits.
        if (Array.Exists(_ports, p => p.ConsecutiveFaults > 0 || p.State == PortState.Fault))
        {
            _unmeteredSince = null;
            _clearingSince.Remove(key);
            return;
        }

        double unmetered = reading.PowerW - _supplyPortsW;
        double tolerance = Math.Max(rules.UnmeteredToleranceW, rules.UnmeteredTolerancePercent / 100 * reading.PowerW);
        if (unmetered > tolerance)
        {
            _clearingSince.Remove(key);
            _unmeteredSince ??= now.Elapsed;
            TimeSpan lasted = now.Elapsed - _unmeteredSince.Value;
            if (lasted >= rules.UnmeteredDebounce && !_shedAlarms.ContainsKey(key))
            {
                RaiseShedAlarm(AlarmKind.UnmeteredLoad, ShedSource, unmetered, tolerance, "W",
                    ReasonCatalogue.UnmeteredLoad(reading.PowerW, _supplyPortsW, unmetered, lasted.TotalSeconds), now);
            }

            return;
        }

        _unmeteredSince = null;
        if (unmetered < tolerance * rules.UnmeteredClearShare)
        {
            ClearWhenSettled(key, now, ReasonCatalogue.SupplyAgreesWithPorts());
        }
        else
        {
            // Between the clear level and the tolerance: neither raised again nor clearing (hysteresis).
            _clearingSince.Remove(key);
        }
    }
}
