using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Contracts.Reasons;
using EdgeGateway.Events;

namespace EdgeGateway.Protection;

// Operator commands (start, stop, disable, enable, reset): queued from any thread, applied on the sampling thread.
public sealed partial class ShedProtection
{
    /// <summary>Queues a command from any thread; it completes once the sampling thread has applied or refused it.</summary>
    public Task<CommandResult> SubmitAsync(PortCommand command)
    {
        var pending = new PendingCommand(command, new TaskCompletionSource<CommandResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        _commands.Enqueue(pending);
        return pending.Completion.Task;
    }

    /// <summary>Applies queued commands. Called by the sampling loop between measurements.</summary>
    public void ProcessCommands()
    {
        while (_settingsUpdates.TryDequeue(out Action? update))
        {
            update();
        }

        while (_commands.TryDequeue(out PendingCommand? pending))
        {
            ProtectionInstant now = Now();
            CommandResult result = Execute(pending.Command, now);
            _events.Publish(new CommandHandled(now.Wall, pending.Command, result));
            pending.Completion.TrySetResult(result);
        }
    }

    private CommandResult Execute(PortCommand command, ProtectionInstant now)
    {
        if (!_byId.TryGetValue(command.PortId, out ChargingPort? port))
        {
            return CommandResult.Refused(ReasonCatalogue.UnknownPort(command.PortId));
        }

        if (string.IsNullOrWhiteSpace(command.By))
        {
            return CommandResult.Refused(ReasonCatalogue.OperatorRequired());
        }

        return command.Kind switch
        {
            PortCommandKind.Start => Start(port, command.By, command.Order, now),
            PortCommandKind.Stop => Stop(port, now),
            PortCommandKind.Disable => Disable(port, now),
            PortCommandKind.Enable => Enable(port, now),
            PortCommandKind.Reset => Reset(port, command, now),
            _ => CommandResult.Refused(ReasonCatalogue.UnknownCommand(command.Kind.ToString(), "start, stop, enable, disable, reset")),
        };
    }

    private CommandResult Start(ChargingPort port, string by, ChargeOrder? order, ProtectionInstant now)
    {
        if (StartForKnownOrder(order?.OrderId) is { } known)
        {
            return known;
        }

        if (!_configured || _suspended)
        {
            return CommandResult.Refused(_suspended ? ReasonCatalogue.GatewayStopping() : ReasonCatalogue.ConfigurationNotApplied());
        }

        if (port.State is not (PortState.Idle or PortState.Complete))
        {
            return CommandResult.Refused(port.State switch
            {
                PortState.Charging when port.Session?.Resuming?.AwaitingClock is not null => ReasonCatalogue.ChargingAwaitingClock(),
                PortState.Charging => ReasonCatalogue.AlreadyCharging(),
                PortState.Disabled when port.Lockout is { } lockout => ReasonCatalogue.LockedOutNeedsReset(lockout),
                PortState.Disabled => ReasonCatalogue.DisabledByOperator(),
                _ => ReasonCatalogue.PortInFault(port.Fault ?? port.Lockout?.WireName() ?? "unknown"),
            });
        }

        if (ShedLockedOut)
        {
            return CommandResult.Refused(HasShedAlarm(AlarmKind.Smoke) ? ReasonCatalogue.ShedSmokeOff() : ReasonCatalogue.ShedOverTemperatureOff());
        }

        if (HasShedAlarm(AlarmKind.ShedOverload))
        {
            return CommandResult.Refused(ReasonCatalogue.ShedAtPowerLimit());
        }

        ClearMomentaryAlarms(port, ReasonCatalogue.NewSession(), now);
        if (!_relays.TrySetClosed(port.Index, true, out string? error))
        {
            // The relay did not get the command, and the bus that drives it is in doubt: lock the port
            // out as a relay fault and keep commanding it open until the bus answers.
            port.RelayOpenPending = true;
            port.Lockout = AlarmKind.RelayFault;
            SetState(port, PortState.Fault, "relay write failed", now);
            RaisePortAlarm(port, AlarmKind.RelayFault, null, null, null, ReasonCatalogue.RelayCloseFailed(error ?? ""), now);
            return CommandResult.Refused(ReasonCatalogue.RelayWriteFailed(error ?? ""));
        }

        port.RelayClosed = true;
        port.RelayLeakReads = 0;
        port.ResetOverload();
        port.Malicious.Reset();
        string sessionId = Guid.CreateVersion7(now.Wall).ToString();
        port.Session = new OpenSession(sessionId, now.Wall, now.Elapsed) { Order = order };
        SetState(port, PortState.Charging, "started by " + by, now);
        _events.Publish(new SessionStarted(now.Wall, sessionId, port.Id, by) { Order = order });
        return CommandResult.Applied(ReasonCatalogue.Charging()) with { SessionId = sessionId };
    }

    private CommandResult Stop(ChargingPort port, ProtectionInstant now)
    {
        if (port.Session is null)
        {
            return CommandResult.Refused(ReasonCatalogue.NoSessionToStop());
        }

        // A user stop (port_stop): the relay opens, the port is free for the next charge; no lock-out, unlike port_disable.
        OpenRelay(port, now);
        EndSession(port, SessionEndReason.UserStop, now);
        SetState(port, PortState.Idle, "user_stop", now);
        return CommandResult.Applied(ReasonCatalogue.Stopped());
    }

    private CommandResult Disable(ChargingPort port, ProtectionInstant now)
    {
        OpenRelay(port, now);
        if (port.Session is not null)
        {
            EndSession(port, SessionEndReason.DisabledByOperator, now);
        }

        ClearMomentaryAlarms(port, ReasonCatalogue.PortDisabled(), now);
        if (port.State == PortState.Disabled)
        {
            return CommandResult.Applied(ReasonCatalogue.AlreadyDisabled());
        }

        SetState(port, PortState.Disabled, "disabled by operator", now);
        return CommandResult.Applied(ReasonCatalogue.Disabled());
    }

    private CommandResult Enable(ChargingPort port, ProtectionInstant now)
    {
        if (port.Lockout is { } lockout)
        {
            return CommandResult.Refused(ReasonCatalogue.LockedOutOnlyReset(lockout));
        }

        if (port.State != PortState.Disabled)
        {
            return CommandResult.Refused(ReasonCatalogue.NotDisabled(port.State));
        }

        SetState(port, port.Alarms.ContainsKey(AlarmKind.PortSensorFault) ? PortState.Fault : PortState.Idle, "enabled by operator", now);
        return CommandResult.Applied(ReasonCatalogue.Enabled());
    }

    private CommandResult Reset(ChargingPort port, PortCommand command, ProtectionInstant now)
    {
        if (string.IsNullOrWhiteSpace(command.Reason))
        {
            return CommandResult.Refused(ReasonCatalogue.ResetNeedsReason());
        }

        if (port.Lockout is null && port.State != PortState.Fault)
        {
            return CommandResult.Refused(ReasonCatalogue.NothingToReset(port.State));
        }

        string why = $"reset by {command.By}: {command.Reason}";
        ResetPortAlarms(port, ReasonCatalogue.ResetBy(command.By, command.Reason), now);

        port.Lockout = null;
        port.ConsecutiveFaults = 0;
        port.RelayLeakReads = 0;
        port.IdenticalReadings = 0;
        port.FaultCode = null;
        SetState(port, PortState.Idle, why, now);
        return CommandResult.Applied(ReasonCatalogue.Reset());
    }

    private sealed record PendingCommand(PortCommand Command, TaskCompletionSource<CommandResult> Completion);
}
