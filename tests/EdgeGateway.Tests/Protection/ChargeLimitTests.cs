using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Metering;
using EdgeGateway.Protection;
using Microsoft.Extensions.Time.Testing;
using UnitsNet;

namespace EdgeGateway.Tests.Protection;

/// <summary>The limits of a paid charge (energy, duration, amount at a tariff), enforced by protection on its own clock and meter; port_stop.</summary>
public sealed class ChargeLimitTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private static CommandResult StartWith(ShedHarness h, int index, ChargeOrder order, string by = "platform") =>
        h.Send(new PortCommand(PortCommandKind.Start, ShedHarness.Id(index), by, null, order));

    private static ChargeOrder Order(string id, ChargeLimit limit, ChargeTariff? tariff = null) => new(id, null, limit, tariff);

    /// <summary>Draws <paramref name="watts"/> once a second until the port's session ends; returns how many seconds that took.</summary>
    private static int DrawUntilEnded(ShedHarness h, int index, double watts, int atMost)
    {
        for (int s = 1; s <= atMost; s++)
        {
            h.Advance(Second);
            h.Draw(index, watts);
            if (h.Sessions(index).Count > 0)
            {
                return s;
            }
        }

        return -1;
    }

    [Fact]
    public void An_energy_limit_ends_the_session_as_limit_reached_within_one_measurement_relay_open_port_idle_no_lockout()
    {
        var h = new ShedHarness();
        CommandResult started = StartWith(h, 0, Order("ord-1", new ChargeLimit { EnergyWh = 10 }));
        Assert.True(started is { Accepted: true, SessionId: not null }, started.Message);

        // 600 W is 1/6 Wh a second: 10 Wh after 60 s.
        long mark = h.Mark();
        Assert.InRange(DrawUntilEnded(h, 0, 600, atMost: 120), 60, 61);

        ChargingSession session = Assert.Single(h.Sessions(0));
        Assert.Equal((SessionEndReason.LimitReached, started.SessionId, "ord-1"), (session.EndReason, session.Id, session.Order?.OrderId));
        Assert.InRange(session.EnergyWh, 10, 10 + (600 / 3600.0));
        Assert.False(h.Relays.IsClosed(0));
        Assert.Equal(PortState.Idle, h.State(0));
        Assert.Null(h.Port(0).Lockout);
        Assert.Empty(h.Events.After<AlarmRaised>(mark));
        Assert.StartsWith("limit_reached: ", h.Events.After<PortStateChanged>(mark).Single().Reason, StringComparison.Ordinal);
        Assert.Null(session.CostFen);

        // The port is free for the next charge.
        Assert.True(h.Send(PortCommandKind.Start, 0).Accepted);
    }

    [Fact]
    public void A_duration_limit_runs_on_the_monotonic_clock_whatever_the_wall_clock_does()
    {
        var h = new ShedHarness();
        Assert.True(StartWith(h, 0, Order("ord-2", new ChargeLimit { DurationMin = 2 })).Accepted);

        // Half-way the wall clock steps back an hour (NTP): the two minutes paid for are two minutes of charging.
        h.DrawFor(0, 100, TimeSpan.FromSeconds(60), Second);
        h.StepWallClock(TimeSpan.FromHours(-1));
        h.DrawFor(0, 100, TimeSpan.FromSeconds(59), Second);
        Assert.Empty(h.Sessions(0));

        h.Advance(Second);
        h.Draw(0, 100);

        Assert.Equal(SessionEndReason.LimitReached, Assert.Single(h.Sessions(0)).EndReason);
        Assert.False(h.Relays.IsClosed(0));
    }

    [Fact]
    public void An_amount_at_a_price_per_kwh_ends_when_the_energy_bought_is_used_and_reports_the_cost()
    {
        var h = new ShedHarness();

        // 3 元 at 1.50 元/kWh buys 2 kWh; scaled down: 3 fen at 150 fen/kWh buys 20 Wh, 80 s at 900 W.
        Assert.True(StartWith(h, 0, Order("ord-3", new ChargeLimit { AmountFen = 3 }, new ChargeTariff { FenPerKwh = 150 })).Accepted);
        h.DrawFor(0, 900, TimeSpan.FromSeconds(48), Second);
        Assert.Equal(2, h.Port(0).SessionCostFen);

        Assert.InRange(DrawUntilEnded(h, 0, 900, atMost: 120) + 48, 80, 81);

        ChargingSession session = Assert.Single(h.Sessions(0));
        Assert.Equal((SessionEndReason.LimitReached, 3L), (session.EndReason, session.CostFen));
        Assert.InRange(session.EnergyWh, 20, 20 + (900 / 3600.0));
    }

    [Fact]
    public void An_amount_at_a_price_per_hour_block_ends_when_the_blocks_bought_have_run_and_never_costs_more_than_paid()
    {
        var h = new ShedHarness();

        // 2.50 元 at 1 元 per started hour buys two whole blocks: the third would start at 2 h.
        Assert.True(StartWith(h, 0, Order("ord-4", new ChargeLimit { AmountFen = 250 }, new ChargeTariff { FenPerHour = 100 })).Accepted);
        Assert.Equal(100, h.Port(0).SessionCostFen);
        h.DrawFor(0, 200, TimeSpan.FromMinutes(61), TimeSpan.FromSeconds(10));
        Assert.Equal(200, h.Port(0).SessionCostFen);
        h.DrawFor(0, 200, TimeSpan.FromMinutes(59) - TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
        Assert.Empty(h.Sessions(0));

        h.Advance(TimeSpan.FromSeconds(10));
        h.Draw(0, 200);

        ChargingSession session = Assert.Single(h.Sessions(0));
        Assert.Equal((SessionEndReason.LimitReached, 200L), (session.EndReason, session.CostFen));
    }

    [Fact]
    public void A_per_hour_tariff_without_an_amount_charges_every_started_block_at_a_user_stop()
    {
        var h = new ShedHarness();
        Assert.True(StartWith(h, 0, new ChargeOrder(null, "card-0042", null, new ChargeTariff { FenPerHour = 100 })).Accepted);
        h.DrawFor(0, 200, TimeSpan.FromMinutes(61), TimeSpan.FromSeconds(30));

        Assert.Equal(new CommandResult(true, "stopped"), h.Send(PortCommandKind.Stop, 0));

        ChargingSession session = Assert.Single(h.Sessions(0));
        Assert.Equal((SessionEndReason.UserStop, 200L, "card-0042"), (session.EndReason, session.CostFen, session.Order?.Card));
    }

    [Fact]
    public void A_time_limit_ends_a_session_even_when_its_meter_is_not_read()
    {
        var h = new ShedHarness();
        Assert.True(StartWith(h, 0, Order("ord-5", new ChargeLimit { DurationMin = 1 })).Accepted);
        h.DrawFor(0, 100, TimeSpan.FromSeconds(50), Second);

        // The meter stops answering: the port is not measured on the charging path, the paid minute still runs out.
        h.Advance(TimeSpan.FromSeconds(10));
        h.Protection.OnRoundComplete();

        Assert.Equal(SessionEndReason.LimitReached, Assert.Single(h.Sessions(0)).EndReason);
    }

    [Fact]
    public void A_resumed_session_keeps_its_order_and_limit()
    {
        var h = new ShedHarness();
        ChargeOrder order = Order("ord-6", new ChargeLimit { EnergyWh = 151 }, new ChargeTariff { FenPerKwh = 100 });
        var journalled = new JournalledSession("0193a1b2-resumed", "p1", ShedHarness.T0 - TimeSpan.FromMinutes(40), 150, 420, ShedHarness.T0 - TimeSpan.FromMinutes(3), null, null) { Order = order };
        h.Protection.ResumeSessions([(journalled, TimeSpan.FromMinutes(3))]);
        Assert.Equal((order, 15L), (h.Protection.Snapshot.Ports[0].SessionOrder, h.Protection.Snapshot.Ports[0].SessionCostFen));
        h.Draw(0, 0);
        h.Sensors(ShedHarness.Quiet);
        h.Protection.OnRoundComplete();
        Assert.True(h.Relays.IsClosed(0));

        // 360 W is 0.1 Wh a second: the last Wh of the limit in 10 s.
        Assert.InRange(DrawUntilEnded(h, 0, 360, atMost: 60), 10, 11);

        ChargingSession session = Assert.Single(h.Sessions(0));
        Assert.Equal((SessionEndReason.LimitReached, "ord-6", 15L), (session.EndReason, session.Order?.OrderId, session.CostFen));
    }

    [Fact]
    public void Port_stop_ends_the_session_as_user_stop_without_lockout_and_is_refused_when_nothing_runs()
    {
        var h = new ShedHarness();
        Assert.Equal(new CommandResult(false, "no session to stop"), h.Send(PortCommandKind.Stop, 0));

        h.Start(0);
        h.DrawFor(0, 300, TimeSpan.FromSeconds(10), Second);
        long mark = h.Mark();
        Assert.Equal(new CommandResult(true, "stopped"), h.Send(PortCommandKind.Stop, 0));

        Assert.Equal(SessionEndReason.UserStop, Assert.Single(h.Sessions(0)).EndReason);
        Assert.Equal((PortState.Idle, false, null), (h.State(0), h.Relays.IsClosed(0), h.Port(0).Lockout));
        Assert.Empty(h.Events.After<AlarmRaised>(mark));
        Assert.True(h.Send(PortCommandKind.Start, 0).Accepted);
    }

    [Fact]
    public void The_same_order_again_answers_as_the_first_start_and_starts_nothing_and_an_ended_order_is_refused()
    {
        var h = new ShedHarness();
        ChargeOrder order = Order("ord-7", new ChargeLimit { EnergyWh = 1 });
        CommandResult first = StartWith(h, 0, order);
        long mark = h.Mark();

        // Retried with a new command id (the command journal cannot tell): the same order, on the same port or another.
        CommandResult again = StartWith(h, 0, order);
        CommandResult elsewhere = StartWith(h, 1, order);

        Assert.True(again is { Accepted: true }, again.Message);
        Assert.Equal((first.SessionId, first.SessionId), (again.SessionId, elsewhere.SessionId));
        Assert.Contains("already charging on port p1", elsewhere.Message, StringComparison.Ordinal);
        Assert.Empty(h.Relays.WritesAfter(mark));
        Assert.Empty(h.Events.After<SessionStarted>(mark));
        Assert.Equal(PortState.Idle, h.State(1));

        Assert.InRange(DrawUntilEnded(h, 0, 600, atMost: 60), 6, 7);
        CommandResult afterEnd = StartWith(h, 1, order);
        Assert.False(afterEnd.Accepted);
        Assert.Equal(first.SessionId, afterEnd.SessionId);
        Assert.Contains("order ord-7 already charged", afterEnd.Message, StringComparison.Ordinal);
        Assert.Equal(PortState.Idle, h.State(1));
    }

    [Fact]
    public void A_start_is_refused_with_the_reason_on_a_busy_disabled_or_locked_out_port()
    {
        var h = new ShedHarness();
        h.Start(0);
        Assert.Equal(new CommandResult(false, "already charging"), StartWith(h, 0, Order("ord-8", new ChargeLimit { EnergyWh = 5 })));

        h.Send(PortCommandKind.Disable, 1);
        Assert.Equal(new CommandResult(false, "disabled by an operator"), StartWith(h, 1, Order("ord-9", new ChargeLimit { EnergyWh = 5 })));

        h.Measure(0, MeterReading.ShortCircuit(ElectricCurrent.FromAmperes(80)));
        Assert.Equal(new CommandResult(false, "locked out by port_short_circuit: needs port_reset"), StartWith(h, 0, Order("ord-10", new ChargeLimit { EnergyWh = 5 })));
        Assert.DoesNotContain(h.Events.All<SessionStarted>(), s => s.Order is not null);
    }

    [Fact]
    public void A_start_is_refused_during_smoke_and_during_a_shed_overload()
    {
        var smoky = new ShedHarness();
        smoky.Smoke(true);
        smoky.Advance(Second);
        smoky.Smoke(true);
        Assert.Equal(new CommandResult(false, "smoke alarm: every port is off"), StartWith(smoky, 0, Order("ord-11", new ChargeLimit { EnergyWh = 5 })));

        var h = new ShedHarness(new ShedProtectionSettings { MaxPowerW = 1000, OverloadDebounce = Second, AlarmClearAfter = TimeSpan.FromSeconds(10) });
        h.Start(0);
        h.Advance(Second);
        h.Start(1);
        h.Round(700, 700);
        h.Advance(Second);
        h.Round(700, 700);
        Assert.NotNull(h.ShedAlarm(AlarmKind.ShedOverload));
        Assert.Equal(new CommandResult(false, "shed at its power limit: try again later"), StartWith(h, 1, Order("ord-12", new ChargeLimit { EnergyWh = 5 })));
    }

    [Fact]
    public async Task A_start_is_refused_before_the_configuration_is_applied_and_while_a_session_waits_for_the_clock()
    {
        var time = new FakeTimeProvider(ShedHarness.T0);
        var relays = new RecordingRelayBank(new Sequence(), 1);
        var protection = new ShedProtection(new ShedProtectionSettings(), [new PortProtectionPlan("p1", new PortProtectionSettings(), IsAc: true)], relays, new RecordingEventSink(new Sequence()), time);
        Task<CommandResult> early = protection.SubmitAsync(new PortCommand(PortCommandKind.Start, "p1", "platform"));
        protection.ProcessCommands();
        Assert.Equal(new CommandResult(false, "the configuration is not applied yet: every relay stays open"), await early);
        Assert.Empty(relays.Writes);

        var h = new ShedHarness();
        var held = new JournalledSession("0193a1b2-held", "p1", ShedHarness.T0 - TimeSpan.FromMinutes(40), 150, 420, ShedHarness.T0 - TimeSpan.FromMinutes(3), null, null);
        h.Protection.ResumeSessions([(held, null)], outageAwaitsClock: true);
        CommandResult refused = StartWith(h, 0, Order("ord-13", new ChargeLimit { EnergyWh = 5 }));
        Assert.False(refused.Accepted);
        Assert.Contains("waits for the wall clock", refused.Message, StringComparison.Ordinal);
    }
}
