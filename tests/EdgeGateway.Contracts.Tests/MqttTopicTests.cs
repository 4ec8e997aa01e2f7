using EdgeGateway.Contracts.Mqtt;

namespace EdgeGateway.Contracts.Tests;

public sealed class MqttTopicTests
{
    [Fact]
    public void Topics_are_built_as_the_contract_says()
    {
        Assert.Equal("edge/v1/hz-xixi-07/shed-a/status", ContractTopics.Status("hz-xixi-07", "shed-a"));
        Assert.Equal("edge/v1/hz-xixi-07/shed-a/ports/p03/telemetry", ContractTopics.PortTelemetry("hz-xixi-07", "shed-a", "p03"));
        Assert.Equal("edge/v1/hz-xixi-07/shed-a/ports/p03/state", ContractTopics.PortState("hz-xixi-07", "shed-a", "p03"));
        Assert.Equal("edge/v1/s/g/bins/kitchen-1/telemetry", ContractTopics.BinTelemetry("s", "g", "kitchen-1"));
        Assert.Equal("edge/v1/s/g/bins/kitchen-1/state", ContractTopics.BinState("s", "g", "kitchen-1"));
        Assert.Equal("edge/v1/s/g/alarms", ContractTopics.Alarms("s", "g"));
        Assert.Equal("edge/v1/s/g/sessions", ContractTopics.Sessions("s", "g"));
        Assert.Equal("edge/v1/s/g/sessions/resumed", ContractTopics.SessionsResumed("s", "g"));
        Assert.Equal("edge/v1/s/g/cards", ContractTopics.Cards("s", "g"));
        Assert.Equal("edge/v1/s/g/cmd/port_reset", ContractTopics.Command("s", "g", ContractCommands.PortReset));
        Assert.Equal("edge/v1/s/g/cmd/+", ContractTopics.CommandFilter("s", "g"));
        Assert.Equal("edge/v1/s/g/#", ContractTopics.GatewayFilter("s", "g"));
        Assert.Equal(1, ContractTopics.ContractVersion);
    }

    public static TheoryData<string, ContractTopic> BuiltTopics => new()
    {
        { ContractTopics.Status("site_1", "gw-A"), new ContractTopic("site_1", "gw-A", ContractTopicKind.Status) },
        { ContractTopics.Alarms("site_1", "gw-A"), new ContractTopic("site_1", "gw-A", ContractTopicKind.Alarms) },
        { ContractTopics.Sessions("site_1", "gw-A"), new ContractTopic("site_1", "gw-A", ContractTopicKind.Sessions) },
        { ContractTopics.SessionsResumed("site_1", "gw-A"), new ContractTopic("site_1", "gw-A", ContractTopicKind.SessionResumed) },
        { ContractTopics.Cards("site_1", "gw-A"), new ContractTopic("site_1", "gw-A", ContractTopicKind.Cards) },
        { ContractTopics.PortTelemetry("site_1", "gw-A", "p01"), new ContractTopic("site_1", "gw-A", ContractTopicKind.PortTelemetry, Port: "p01") },
        { ContractTopics.PortState("site_1", "gw-A", "p01"), new ContractTopic("site_1", "gw-A", ContractTopicKind.PortState, Port: "p01") },
        { ContractTopics.BinTelemetry("site_1", "gw-A", "b-2"), new ContractTopic("site_1", "gw-A", ContractTopicKind.BinTelemetry, Bin: "b-2") },
        { ContractTopics.BinState("site_1", "gw-A", "b-2"), new ContractTopic("site_1", "gw-A", ContractTopicKind.BinState, Bin: "b-2") },
        { ContractTopics.Command("site_1", "gw-A", "alarm_ack"), new ContractTopic("site_1", "gw-A", ContractTopicKind.Command, CommandName: "alarm_ack") },
    };

    [Theory]
    [MemberData(nameof(BuiltTopics))]
    public void Built_topics_parse_back(string topic, ContractTopic expected)
    {
        Assert.True(ContractTopics.TryParse(topic, out ContractTopic parsed));
        Assert.Equal(expected, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("edge/v1")]
    [InlineData("edge/v1/")]
    [InlineData("edge/v1/s/g")]
    [InlineData("edge/v2/s/g/status")]
    [InlineData("Edge/v1/s/g/status")]
    [InlineData("/edge/v1/s/g/status")]
    [InlineData("edge/v1/s/g/status/")]
    [InlineData("edge/v1//g/status")]
    [InlineData("edge/v1/s//status")]
    [InlineData("edge/v1/+/g/status")]
    [InlineData("edge/v1/s/#")]
    [InlineData("edge/v1/s/g/cmd/+")]
    [InlineData("edge/v1/s/g/cmd/#")]
    [InlineData("edge/v1/s/g/cmd/")]
    [InlineData("edge/v1/s/g/cmd")]
    [InlineData("edge/v1/s/g/sessions/paused")]
    [InlineData("edge/v1/s/g/cmd/a/b")]
    [InlineData("edge/v1/s/g/ports/p1")]
    [InlineData("edge/v1/s/g/ports//state")]
    [InlineData("edge/v1/s/g/ports/+/state")]
    [InlineData("edge/v1/s/g/ports/p1/power")]
    [InlineData("edge/v1/s/g/bins/b1/fill")]
    [InlineData("edge/v1/s/g/alarm")]
    [InlineData("edge/v1/s/g/status/extra")]
    [InlineData("edge/v1/s.1/g/status")]
    [InlineData("edge/v1/s 1/g/status")]
    [InlineData("edge/v1/站点/g/status")]
    public void Bad_topics_are_rejected(string? topic)
    {
        Assert.False(ContractTopics.TryParse(topic, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("+")]
    [InlineData("#")]
    [InlineData("a/b")]
    [InlineData("a b")]
    [InlineData("p.1")]
    public void Building_with_a_bad_segment_throws(string segment)
    {
        Assert.Throws<ArgumentException>(() => ContractTopics.Status(segment, "g"));
        Assert.Throws<ArgumentException>(() => ContractTopics.Status("s", segment));
        Assert.Throws<ArgumentException>(() => ContractTopics.PortState("s", "g", segment));
        Assert.Throws<ArgumentException>(() => ContractTopics.BinTelemetry("s", "g", segment));
        Assert.Throws<ArgumentException>(() => ContractTopics.Command("s", "g", segment));
    }
}
