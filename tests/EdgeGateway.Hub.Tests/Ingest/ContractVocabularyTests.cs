using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Ingest;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Hub.Tests.Ingest;

/// <summary>Enumerations the C# types hold as strings (bin class, alarm kind and source) and ids outside the topic are the
/// contract's or refused with a reason; a gateway names at most <see cref="HubLimits"/> ports and bins.</summary>
public sealed class ContractVocabularyTests
{
    private static readonly DateTimeOffset Now = Notifications.NotificationRig.Start.AddSeconds(5);

    private static IngestDecision Read(ContractMessageReader reader, ContractMessage message)
    {
        (string topic, byte[] payload) = message switch
        {
            AlarmMessage a => (ContractTopics.Alarms(a.Site, a.Gateway), ContractJson.Serialize(a)),
            BinStateMessage b => (ContractTopics.BinState(b.Site, b.Gateway, b.Bin), ContractJson.Serialize(b)),
            SessionMessage s => (ContractTopics.Sessions(s.Site, s.Gateway), ContractJson.Serialize(s)),
            PortTelemetryMessage t => (ContractTopics.PortTelemetry(t.Site, t.Gateway, t.Port), ContractJson.Serialize(t)),
            _ => throw new ArgumentException(message.GetType().Name),
        };
        return reader.Read(topic, payload);
    }

    private static BinStateMessage Bin(string bin = "kitchen-1", string binClass = BinClasses.Kitchen) => new()
    {
        Seq = 9, Ts = Now, Site = "dongguan", Gateway = "shed-1", Bin = bin, Class = binClass, FillPct = 40, NearlyFull = false,
        ContainerFull = false, ContainerEmpty = false, LidOpen = false, Tilted = false,
    };

    private static SessionMessage Session(string sessionId = "0193a5c4-5f6e-7b8c-9d0e-1f2a3b4c5d6e", string port = "p03") => new()
    {
        Seq = 10, Ts = Now, Site = "dongguan", Gateway = "shed-1", SessionId = sessionId, Port = port, StartedTs = Now.AddHours(-1),
        EndedTs = Now, DurationS = 3600, EnergyWh = 120, PeakPowerW = 180, EndReason = Contracts.Ports.SessionEndReason.Complete,
    };

    private static PortTelemetryMessage Telemetry(string port, string gateway = "gw-01") =>
        ContractMessageReaderTests.Telemetry() with { Port = port, Gateway = gateway };

    public static TheoryData<string, string> OutsideTheVocabulary => new()
    {
        { "class-bogus", "class 'bogus'" },
        { "class-html", "class '<b>x</b>'" },
        { "class-nul", "class 'a\\u0000b'" },
        { "kind-unknown", "kind 'port_on_fire'" },
        { "source-trailing-backslash", "source 'port:p03\\'" },
        { "source-free-text", "source 'the shed'" },
        { "source-port-id-too-long", "source 'port:" },
        { "alarm-id-too-long", "alarm_id '" },
        { "alarm-id-with-space", "alarm_id 'a b'" },
        { "session-id-with-quote", "session_id 's\"1'" },
        { "session-port-too-long", "port '" },
    };

    private static ContractMessage Message(string name)
    {
        AlarmMessage alarm = Notifications.Alarms.Raised(at: Now);
        return name switch
        {
            "class-bogus" => Bin(binClass: "bogus"),
            "class-html" => Bin(binClass: "<b>x</b>"),
            "class-nul" => Bin(binClass: "a\0b"),
            "kind-unknown" => alarm with { Kind = "port_on_fire" },
            "source-trailing-backslash" => alarm with { Source = "port:p03\\" },
            "source-free-text" => alarm with { Source = "the shed" },
            "source-port-id-too-long" => alarm with { Source = "port:" + new string('p', 65) },
            "alarm-id-too-long" => alarm with { AlarmId = new string('a', 65) },
            "alarm-id-with-space" => alarm with { AlarmId = "a b" },
            "session-id-with-quote" => Session(sessionId: "s\"1"),
            "session-port-too-long" => Session(port: new string('p', 65)),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }

    [Theory]
    [MemberData(nameof(OutsideTheVocabulary))]
    public void A_value_outside_the_contracts_vocabulary_is_refused_naming_it(string name, string detailStart)
    {
        var reader = new ContractMessageReader(new FakeTimeProvider(Now));

        IngestDecision.Reject reject = Assert.IsType<IngestDecision.Reject>(Read(reader, Message(name)));

        Assert.Equal(RejectReason.InvalidMessage, reject.Reason);
        Assert.StartsWith(detailStart, reject.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_contracts_own_values_are_accepted()
    {
        var reader = new ContractMessageReader(new FakeTimeProvider(Now));
        AlarmMessage alarm = Notifications.Alarms.Raised(alarmId: Guid.CreateVersion7(Now).ToString(), at: Now);
        ContractMessage[] good =
        [
            .. BinClasses.All.Select(c => Bin(binClass: c)),
            .. ContractAlarmKinds.All.Select(k => alarm with { Kind = k }),
            .. ContractIds.PlainSources.Select(s => alarm with { Source = s }),
            alarm with { Source = "bin:kitchen-1" },
            alarm with { Source = "thermometer:T1" },
            alarm with { Source = "port:" + new string('p', ContractIds.MaxLength) },
            Session(),
        ];

        Assert.All(good, message => Assert.IsType<IngestDecision.Accept>(Read(reader, message)));
    }

    [Fact]
    public void A_gateway_names_at_most_its_cap_of_ports_and_bins_the_excess_is_refused_and_the_known_still_accepted()
    {
        var reader = new ContractMessageReader(new FakeTimeProvider(Now), new HubLimits { MaxPortsPerGateway = 3, MaxBinsPerGateway = 1 });

        Assert.All(new[] { "p1", "p2", "p3" }, p => Assert.IsType<IngestDecision.Accept>(Read(reader, Telemetry(p))));
        IngestDecision.Reject fourth = Assert.IsType<IngestDecision.Reject>(Read(reader, Telemetry("p4")));
        Assert.Equal(RejectReason.LimitExceeded, fourth.Reason);
        Assert.Contains("Hub:Limits:MaxPortsPerGateway", fourth.Detail, StringComparison.Ordinal);
        Assert.Equal("limit_exceeded", DeadLetter.WireName(fourth.Reason));

        // Known ports keep coming in; another gateway has its own cap; an alarm or session naming a fourth port is refused too.
        Assert.IsType<IngestDecision.Accept>(Read(reader, Telemetry("p2")));
        Assert.IsType<IngestDecision.Accept>(Read(reader, Telemetry("p4", gateway: "gw-02")));
        AlarmMessage alarm = Notifications.Alarms.Raised(site: "linzi-001", gateway: "gw-01", source: "port:p9", at: Now);
        Assert.Equal(RejectReason.LimitExceeded, Assert.IsType<IngestDecision.Reject>(Read(reader, alarm)).Reason);
        Assert.IsType<IngestDecision.Accept>(Read(reader, alarm with { Source = "port:p1" }));
        Assert.Equal(RejectReason.LimitExceeded, Assert.IsType<IngestDecision.Reject>(Read(reader, Session(port: "p5") with { Site = "linzi-001", Gateway = "gw-01" })).Reason);

        Assert.IsType<IngestDecision.Accept>(Read(reader, Bin("b1")));
        Assert.Equal(RejectReason.LimitExceeded, Assert.IsType<IngestDecision.Reject>(Read(reader, Bin("b2"))).Reason);
    }

    [Theory]
    [InlineData(0, 32, "Hub:Limits:MaxPortsPerGateway")]
    [InlineData(64, 0, "Hub:Limits:MaxBinsPerGateway")]
    public void Limits_out_of_range_are_a_configuration_problem(int ports, int bins, string key)
    {
        var options = new HubOptions { Limits = new HubLimits { MaxPortsPerGateway = ports, MaxBinsPerGateway = bins } };
        Assert.Contains(options.Problems(), problem => problem.StartsWith(key, StringComparison.Ordinal));
        Assert.DoesNotContain(new HubOptions().Problems(), problem => problem.StartsWith("Hub:Limits", StringComparison.Ordinal));
    }
}
