using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Hub.Storage;
using EdgeGateway.Hub.Tests.Ingest;

namespace EdgeGateway.Hub.Tests.Storage;

public sealed class ContractPointsTests
{
    private static readonly DateTimeOffset Received = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Port_telemetry_is_one_point_at_the_message_ts_with_fields_in_contract_units()
    {
        PortTelemetryMessage message = ContractMessageReaderTests.Telemetry() with { Lockout = null, Fault = null };

        string line = ContractPoints.From(message, Received).ToLineProtocol();

        Assert.StartsWith("port,gateway=gw-01,port=p03,site=linzi-001 ", line);
        Assert.Contains("power_w=120.5", line);
        Assert.Contains("seq=7i", line);
        Assert.Contains("state=\"charging\"", line);
        Assert.Contains("relay_closed=true", line);
        Assert.Contains("session_s=1200i", line);
        Assert.DoesNotContain("fault", line);

        // Nanoseconds: the message's ts in milliseconds, plus its seq (7) so that no other message of the series can share it.
        Assert.EndsWith(" " + ((message.Ts.ToUnixTimeMilliseconds() * 1_000_000) + 7), line);
    }

    [Fact]
    public void Two_messages_of_one_series_in_the_same_millisecond_stay_two_points_and_a_redelivery_stays_one()
    {
        PortTelemetryMessage first = ContractMessageReaderTests.Telemetry() with { Seq = 41 };
        PortTelemetryMessage second = first with { Seq = 42, PowerW = 0 };

        string a = ContractPoints.From(first, Received).ToLineProtocol();
        string b = ContractPoints.From(second, Received).ToLineProtocol();
        string again = ContractPoints.From(first, Received.AddSeconds(3)).ToLineProtocol();

        Assert.NotEqual(a[(a.LastIndexOf(' ') + 1)..], b[(b.LastIndexOf(' ') + 1)..]);
        Assert.Equal(a, again);
    }

    [Fact]
    public void A_status_stores_whether_the_gateway_clock_is_synchronised_when_the_gateway_says()
    {
        var status = new StatusMessage
        {
            Seq = 5, Ts = Received, Site = "s", Gateway = "g", Online = true, Version = "1.0.0", UptimeS = 3, OutboxDepth = 0,
        };

        Assert.Contains("clock_synced=false", ContractPoints.From(status with { ClockSynced = false }, Received).ToLineProtocol());
        Assert.DoesNotContain("clock_synced", ContractPoints.From(status, Received).ToLineProtocol());
    }

    [Fact]
    public void The_sheds_supply_in_a_status_is_stored_on_its_gateway_point_and_absent_without_a_supply_meter()
    {
        var status = new StatusMessage
        {
            Seq = 11, Ts = Received, Site = "s", Gateway = "g", Online = true, Version = "1.0.0", UptimeS = 3, OutboxDepth = 0,
        };
        var supply = new ShedSupply
        {
            MeasuredTs = Received, VoltageV = 228.4, CurrentA = 14.2, PowerW = 3190, PowerFactor = 0.983, FrequencyHz = 50.01,
            ImportEnergyKwh = 48212.6, PortsPowerW = 2690, UnmeteredW = 500,
        };

        string line = ContractPoints.From(status with { Supply = supply }, Received).ToLineProtocol();

        foreach (string field in new[] { "supply_power_w=3190", "supply_voltage_v=228.4", "supply_current_a=14.2", "supply_power_factor=0.983", "supply_frequency_hz=50.01", "supply_import_energy_kwh=48212.6", "supply_ports_power_w=2690", "supply_unmetered_w=500" })
        {
            Assert.Contains(field, line, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("supply_", ContractPoints.From(status, Received).ToLineProtocol(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_clock_step_reported_by_a_gateway_is_stored_on_its_gateway_point()
    {
        var status = new StatusMessage
        {
            Seq = 9, Ts = Received, Site = "s", Gateway = "g", Online = true, Version = "1.0.0", UptimeS = 3, OutboxDepth = 0, ClockSynced = true,
            ClockStep = new ClockStepReport { StepMs = 18_000_000, DetectedTs = Received, Corrected = 4, SentCount = 2, SentFirstSeq = 3, SentLastSeq = 5 },
        };

        string line = ContractPoints.From(status, Received).ToLineProtocol();

        Assert.StartsWith("gateway,gateway=g,site=s ", line);
        foreach (string field in new[] { "clock_step_ms=18000000i", "clock_step_corrected=4i", "clock_step_sent=2i", "clock_step_sent_first_seq=3i", "clock_step_sent_last_seq=5i" })
        {
            Assert.Contains(field, line);
        }
    }

    [Fact]
    public void A_session_stores_its_order_or_card_its_limit_and_its_cost_as_fields_and_none_of_them_when_absent()
    {
        var session = new SessionMessage
        {
            Seq = 9, Ts = Received, Site = "s", Gateway = "g", SessionId = "s-1", Port = "P05", StartedTs = Received.AddMinutes(-4), EndedTs = Received,
            DurationS = 240, EnergyWh = 40.2, PeakPowerW = 601, EndReason = SessionEndReason.UserStop,
        };

        string paid = ContractPoints.From(session with { Card = "RIG-0001", Limit = new ChargeLimit { AmountFen = 100 }, CostFen = 5 }, Received).ToLineProtocol();
        string plain = ContractPoints.From(session, Received).ToLineProtocol();

        Assert.StartsWith("session,end_reason=user_stop,gateway=g,port=P05,site=s ", paid); // the card is no tag: no series per card
        Assert.All(["card=\"RIG-0001\"", "limit_amount_fen=100i", "cost_fen=5i"], field => Assert.Contains(field, paid));
        Assert.DoesNotContain("order_id", paid);
        Assert.Contains("energy_wh=40.2", plain);
        Assert.All(["card", "order_id", "limit_", "cost_fen"], field => Assert.DoesNotContain(field, plain));
    }

    [Fact]
    public void Tag_values_with_spaces_commas_and_equals_are_escaped_by_the_library()
    {
        var alarm = new AlarmMessage
        {
            Seq = 3, Ts = Received, Site = "s", Gateway = "g", AlarmId = "a-1", Event = AlarmEvent.Raised, Kind = "smoke",
            Severity = AlarmSeverity.Critical, Source = "thermometer:t 1,a=b", RaisedTs = Received, Detail = "smoke \"detected\"",
        };

        string line = ContractPoints.From(alarm, Received).ToLineProtocol();

        Assert.Contains(@"source=thermometer:t\ 1\,a\=b", line);
        Assert.Contains(@"detail=""smoke \""detected\""""", line);
        Assert.Contains("event=raised", line);
        Assert.Contains("kind=smoke", line);
    }

    [Fact]
    public void An_alarm_on_a_port_carries_the_port_tag()
    {
        var alarm = new AlarmMessage
        {
            Seq = 3, Ts = Received, Site = "s", Gateway = "g", AlarmId = "a-1", Event = AlarmEvent.Raised, Kind = "port_overload",
            Severity = AlarmSeverity.Major, Source = "port:p07", Value = 1200, Threshold = 1000, Unit = "W", RaisedTs = Received, Detail = "d",
        };

        string line = ContractPoints.From(alarm, Received).ToLineProtocol();

        Assert.Contains(",port=p07", line);
        Assert.Contains("value=1200", line);
        Assert.Contains("threshold=1000", line);
    }

    [Fact]
    public void The_last_will_is_timed_when_it_arrived_not_when_it_was_composed()
    {
        var will = new StatusMessage { Seq = 0, Ts = Received.AddHours(-5), Site = "s", Gateway = "g", Online = false, Version = "1", UptimeS = 0, OutboxDepth = 0 };

        string line = ContractPoints.From(will, Received).ToLineProtocol();

        Assert.EndsWith(" " + (Received.ToUnixTimeMilliseconds() * 1_000_000), line);
        Assert.Contains("last_will=true", line);
    }

    [Fact]
    public void A_redelivered_message_makes_the_identical_point()
    {
        PortTelemetryMessage message = ContractMessageReaderTests.Telemetry();

        Assert.Equal(ContractPoints.From(message, Received).ToLineProtocol(), ContractPoints.From(message, Received.AddMinutes(3)).ToLineProtocol());
    }
}
