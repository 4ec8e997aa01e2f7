using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Events;

namespace EdgeGateway.Protection;

// Alarm bookkeeping: a port's alarms, the shed's alarms and their clearing once the condition has settled.
public sealed partial class ShedProtection
{
    private void RaisePortAlarm(ChargingPort port, AlarmKind kind, double? value, double? threshold, string? unit, string detail, ProtectionInstant now)
    {
        if (port.Alarms.ContainsKey(kind))
        {
            return;
        }

        var alarm = new Alarm(Guid.CreateVersion7(now.Wall).ToString(), kind, kind.DefaultSeverity(), port.Source, value, threshold, unit, now.Wall, detail);
        port.Alarms[kind] = alarm;
        _events.Publish(new AlarmRaised(now.Wall, alarm));
    }

    private void ClearPortAlarm(ChargingPort port, AlarmKind kind, string reason, ProtectionInstant now)
    {
        if (port.Alarms.Remove(kind, out Alarm? alarm))
        {
            _events.Publish(new AlarmCleared(now.Wall, alarm, reason));
        }
    }

    /// <summary>No-load and maximum-duration notices clear when the port is used again.</summary>
    private void ClearMomentaryAlarms(ChargingPort port, string reason, ProtectionInstant now)
    {
        ClearPortAlarm(port, AlarmKind.PortNoLoad, reason, now);
        ClearPortAlarm(port, AlarmKind.PortMaxDuration, reason, now);
    }

    private void RaiseShedAlarm(AlarmKind kind, string source, double? value, double? threshold, string? unit, string detail, ProtectionInstant now)
    {
        var alarm = new Alarm(Guid.CreateVersion7(now.Wall).ToString(), kind, kind.DefaultSeverity(), source, value, threshold, unit, now.Wall, detail);
        _shedAlarms[(kind, source)] = alarm;
        _events.Publish(new AlarmRaised(now.Wall, alarm));
    }

    /// <summary>Clears a shed alarm once its condition has been gone for the hysteresis time.</summary>
    private void ClearWhenSettled((AlarmKind Kind, string Source) key, ProtectionInstant now, string reason)
    {
        if (!_shedAlarms.ContainsKey(key))
        {
            _clearingSince.Remove(key);
            return;
        }

        if (!_clearingSince.TryGetValue(key, out TimeSpan since))
        {
            _clearingSince[key] = now.Elapsed;
            since = now.Elapsed;
        }

        if (now.Elapsed - since >= _shed.AlarmClearAfter && _shedAlarms.Remove(key, out Alarm? alarm))
        {
            _clearingSince.Remove(key);
            _events.Publish(new AlarmCleared(now.Wall, alarm, reason));
        }
    }

    private bool HasShedAlarm(AlarmKind kind) => _shedAlarms.ContainsKey((kind, ShedSource));
}
