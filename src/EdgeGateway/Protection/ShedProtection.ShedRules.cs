using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Contracts.Reasons;

namespace EdgeGateway.Protection;

// The rules of the whole shed: its total power, smoke, the cabinet's temperature and the shed-wide sensors' faults.
public sealed partial class ShedProtection
{
    private void CheckShedTotal(ProtectionInstant now)
    {
        double total = 0;
        foreach (ChargingPort port in _ports)
        {
            total += port.PowerW;
        }

        // With a supply meter the rule acts on the larger of what it measures and the ports' sum: a load before the
        // port meters loads the shed's feeder too (the ports' sum still decides which sessions are cut).
        total = Math.Max(total, MeasuredSupplyW(now) ?? 0);

        (AlarmKind ShedOverload, string ShedSource) key = (AlarmKind.ShedOverload, ShedSource);
        if (total <= _shed.MaxPowerW)
        {
            _shedOverloadSince = null;
            ClearWhenSettled(key, now, ReasonCatalogue.ShedPowerUnderLimit());
            return;
        }

        _clearingSince.Remove(key);
        _shedOverloadSince ??= now.Elapsed;
        if (now.Elapsed - _shedOverloadSince < _shed.OverloadDebounce)
        {
            return;
        }

        // Cut the newest sessions first until the shed is under its limit: the earliest arrivals keep charging.
        double before = total;
        var cut = new List<string>();
        foreach (ChargingPort port in _ports.Where(p => p.Session is not null).OrderByDescending(p => p.Session!.StartedAt).ToArray())
        {
            if (total <= _shed.MaxPowerW)
            {
                break;
            }

            total -= port.PowerW;
            OpenRelay(port, now);
            EndSession(port, SessionEndReason.ShedOverload, now);
            SetState(port, PortState.Idle, "cut: shed overload", now);
            cut.Add(port.Id);
        }

        _shedOverloadSince = null;
        if (!_shedAlarms.ContainsKey(key))
        {
            RaiseShedAlarm(AlarmKind.ShedOverload, ShedSource, before, _shed.MaxPowerW, "W",
                ReasonCatalogue.ShedOverLimit(before, _shed.MaxPowerW, CutList(cut)), now);
        }
    }

    private void CheckSmoke(in ShedSensorReadings readings, ProtectionInstant now)
    {
        if (readings.Smoke is not { } smoke)
        {
            return;
        }

        _smoke = smoke;
        (AlarmKind Smoke, string ShedSource) key = (AlarmKind.Smoke, ShedSource);

        // Two reads running: a single induced spike on a long cable does not shut the shed.
        _smokeReads = smoke ? _smokeReads + 1 : 0;
        if (_smokeReads >= 2)
        {
            _clearingSince.Remove(key);
            if (!_shedAlarms.ContainsKey(key))
            {
                AllOff(SessionEndReason.Smoke, now);
                RaiseShedAlarm(AlarmKind.Smoke, ShedSource, null, null, null, ReasonCatalogue.SmokeDetected(), now);
            }
        }
        else if (!smoke)
        {
            ClearWhenSettled(key, now, ReasonCatalogue.SmokeDetectorQuiet());
        }
    }

    private void CheckTemperature(in ShedSensorReadings readings, ProtectionInstant now)
    {
        if (readings.MaxTemperatureC is not { } celsius)
        {
            return;
        }

        _temperatureC = celsius;
        (AlarmKind OverTemperature, string ShedSource) key = (AlarmKind.OverTemperature, ShedSource);
        if (celsius >= _shed.OverTemperatureC)
        {
            _clearingSince.Remove(key);
            if (!_shedAlarms.ContainsKey(key))
            {
                AllOff(SessionEndReason.OverTemperature, now);
                RaiseShedAlarm(AlarmKind.OverTemperature, ShedSource, celsius, _shed.OverTemperatureC, "°C",
                    ReasonCatalogue.CabinetOverTemperature(celsius, _shed.OverTemperatureC), now);
            }
        }
        else if (celsius < _shed.OverTemperatureC - _shed.TemperatureHysteresisC)
        {
            ClearWhenSettled(key, now, ReasonCatalogue.CabinetCooledDown());
        }
        else
        {
            _clearingSince.Remove(key);
        }
    }

    private void CheckSensorFaults(in ShedSensorReadings readings, ProtectionInstant now)
    {
        var failing = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string id, string fault) in readings.ThermometerFaults ?? [])
        {
            RaiseSensorFault("thermometer:" + id, fault, now, failing);
        }

        if (readings.SmokeFault is { } smokeFault)
        {
            RaiseSensorFault("smoke", smokeFault, now, failing);
        }

        if (readings.VoltageFault is { } voltageFault)
        {
            RaiseSensorFault("vt", voltageFault, now, failing);
        }

        foreach ((AlarmKind kind, string source) in _shedAlarms.Keys.Where(k => k.Kind == AlarmKind.ShedSensorFault && !failing.Contains(k.Source) && k.Source != SupplyMeterSource).ToArray())
        {
            ClearWhenSettled((kind, source), now, ReasonCatalogue.SensorReadsAgain());
        }
    }

    private void RaiseSensorFault(string source, string fault, ProtectionInstant now, HashSet<string> failing)
    {
        failing.Add(source);
        (AlarmKind ShedSensorFault, string source) key = (AlarmKind.ShedSensorFault, source);
        _clearingSince.Remove(key);
        if (!_shedAlarms.ContainsKey(key))
        {
            RaiseShedAlarm(AlarmKind.ShedSensorFault, source, null, null, null, ReasonCatalogue.SensorFault(fault), now);
        }
    }

    /// <summary>
    /// Opens every relay. Each open session ends with <paramref name="reason"/>, unless the site offers sessions back
    /// after this alarm (<see cref="Configuration.ShedProtectionSettings.ResumeAfterSmoke"/>,
    /// <see cref="Configuration.ShedProtectionSettings.ResumeAfterOverTemperature"/>): then it is paused instead — suspended for the
    /// journal as at a clean stop, the port still showing it — and resumes through the restart's path once the alarm has
    /// cleared (see ShedProtection.Resume.cs), or ends with <paramref name="reason"/> at its cut if the alarm outlasts
    /// <see cref="Configuration.ShedProtectionSettings.ResumeAfterShedAlarmWindow"/>.
    /// </summary>
    private void AllOff(SessionEndReason reason, ProtectionInstant now)
    {
        bool offerBack = reason == SessionEndReason.Smoke ? _shed.ResumeAfterSmoke : _shed.ResumeAfterOverTemperature;
        foreach (ChargingPort port in _ports)
        {
            OpenRelay(port, now);
            if (port.Session is not { } session)
            {
                continue;
            }

            if (offerBack && port.Lockout is null && port.State == PortState.Charging)
            {
                PauseForShedAlarm(port, session, reason, now);
                continue;
            }

            EndSession(port, reason, now);
            SetState(port, PortState.Idle, reason.WireName(), now);
        }
    }

    private static string CutList(List<string> ports) => string.Join(", ", ports);
}
