using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Events;

namespace EdgeGateway.Protection;

// Alarm bookkeeping: a port's alarms, the shed's alarms and their clearing once the condition has settled. The
// dictionaries hold the alarms whose condition is present (the rules act on them); what is published goes through
// _flaps, which holds a flapping alarm raised after its condition went away.
public sealed partial class ShedProtection
{
    private void RaisePortAlarm(ChargingPort port, AlarmKind kind, double? value, double? threshold, string? unit, ContractReason reason, ProtectionInstant now)
    {
        if (port.Alarms.ContainsKey(kind))
        {
            return;
        }

        port.Alarms[kind] = Raise(new Alarm(Guid.CreateVersion7(now.Wall).ToString(), kind, kind.DefaultSeverity(), port.Source, value, threshold, unit, now.Wall, ReasonText.Detail(reason)) { Reason = reason }, now);
    }

    private void ClearPortAlarm(ChargingPort port, AlarmKind kind, ContractReason reason, ProtectionInstant now)
    {
        if (port.Alarms.Remove(kind, out Alarm? alarm))
        {
            Clear(alarm, reason, now);
        }
    }

    /// <summary>An operator's reset clears the port's alarms, the flapping ones held raised too, at once.</summary>
    private void ResetPortAlarms(ChargingPort port, ContractReason reason, ProtectionInstant now)
    {
        foreach (AlarmKind kind in port.Alarms.Keys.ToArray())
        {
            port.Alarms.Remove(kind, out Alarm? alarm);
            Alarm held = _flaps.Release(kind, port.Source) ?? alarm!;
            _events.Publish(new AlarmCleared(now.Wall, held, ReasonText.Detail(reason)) { Code = reason });
        }

        foreach (Alarm held in _flaps.ReleaseAll(port.Source))
        {
            _events.Publish(new AlarmCleared(now.Wall, held, ReasonText.Detail(reason)) { Code = reason });
        }
    }

    /// <summary>No-load and maximum-duration notices clear when the port is used again.</summary>
    private void ClearMomentaryAlarms(ChargingPort port, ContractReason reason, ProtectionInstant now)
    {
        ClearPortAlarm(port, AlarmKind.PortNoLoad, reason, now);
        ClearPortAlarm(port, AlarmKind.PortMaxDuration, reason, now);
    }

    private void RaiseShedAlarm(AlarmKind kind, string source, double? value, double? threshold, string? unit, ContractReason reason, ProtectionInstant now)
    {
        _shedAlarms[(kind, source)] = Raise(new Alarm(Guid.CreateVersion7(now.Wall).ToString(), kind, kind.DefaultSeverity(), source, value, threshold, unit, now.Wall, ReasonText.Detail(reason)) { Reason = reason }, now);
    }

    /// <summary>Publishes a raise, unless the alarm is flapping and still held raised: then that alarm stands for it.</summary>
    private Alarm Raise(Alarm alarm, ProtectionInstant now) => _flaps.Raise(alarm, now.Elapsed, now.Wall, _events);

    /// <summary>Publishes a clear, or the alarm raised again as flapping, or nothing while it flaps.</summary>
    private void Clear(Alarm alarm, ContractReason reason, ProtectionInstant now) => _flaps.Clear(alarm, reason, now.Elapsed, now.Wall, _events);

    /// <summary>Clears the flapping alarms whose condition has stayed away for the hold time.</summary>
    private void SettleFlapping(ProtectionInstant now) => _flaps.PublishSettled(now.Elapsed, now.Wall, _events);

    /// <summary>Clears a shed alarm once its condition has been gone for the hysteresis time.</summary>
    private void ClearWhenSettled((AlarmKind Kind, string Source) key, ProtectionInstant now, ContractReason reason)
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
            Clear(alarm, reason, now);
        }
    }

    private bool HasShedAlarm(AlarmKind kind) => _shedAlarms.ContainsKey((kind, ShedSource));
}
