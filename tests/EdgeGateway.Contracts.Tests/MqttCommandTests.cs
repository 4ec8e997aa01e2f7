using System.Text;
using EdgeGateway.Contracts.Mqtt;

namespace EdgeGateway.Contracts.Tests;

public sealed class MqttCommandTests
{
    [Fact]
    public void A_well_formed_command_is_read()
    {
        byte[] payload = Encoding.UTF8.GetBytes("""{"v":1,"port":"p03","operator":"wang.li","reason":"charger replaced","alarm_id":null,"comment":"ticket 88"}""");
        Assert.True(ContractJson.TryDeserializeCommand(payload, out CommandRequest? request, out string? error), error);
        Assert.Null(error);
        Assert.Equal(new CommandRequest { Port = "p03", Operator = "wang.li", Reason = "charger replaced", Comment = "ticket 88" }, request);
    }

    [Fact]
    public void A_command_id_and_issue_time_are_read_and_a_bad_one_is_refused_with_a_reason()
    {
        byte[] payload = Encoding.UTF8.GetBytes("""{"port":"p03","operator":"wang","id":"0193a5c4-5f6e-7b8c","issued_ts":"2026-11-25T11:30:00.123Z"}""");
        Assert.True(ContractJson.TryDeserializeCommand(payload, out CommandRequest? request, out string? error), error);
        Assert.Equal(("0193a5c4-5f6e-7b8c", new DateTimeOffset(2026, 11, 25, 11, 30, 0, 123, TimeSpan.Zero)), (request!.Id, request.IssuedTs));

        Assert.False(ContractJson.TryDeserializeCommand(Encoding.UTF8.GetBytes("""{"issued_ts":"yesterday"}"""), out _, out error));
        Assert.StartsWith("wrong format: field 'issued_ts'", error, StringComparison.Ordinal);
        Assert.False(ContractCommands.TryValidate(ContractCommands.Snapshot, new CommandRequest { Id = "a b" }, out error));
        Assert.StartsWith("id must be", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_serialized_request_reads_back()
    {
        Assert.True(ContractJson.TryDeserializeCommand(ContractJson.Serialize(MqttSamples.Request), out CommandRequest? request, out _));
        Assert.Equal(MqttSamples.Request, request);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData(" { } ")]
    public void An_empty_payload_or_object_is_an_empty_request(string json)
    {
        Assert.True(ContractJson.TryDeserializeCommand(Encoding.UTF8.GetBytes(json), out CommandRequest? request, out string? error), error);
        Assert.Equal(new CommandRequest(), request);
    }

    [Theory]
    [InlineData("{", "malformed JSON")]
    [InlineData("{\"port\":\"p1\"", "malformed JSON")]
    [InlineData("{\"port\":\"p1\",}", "malformed JSON")]
    [InlineData("{'port':'p1'}", "malformed JSON")]
    [InlineData("{\"port\":\"p1\"} {}", "malformed JSON")]
    [InlineData("{\"port\":\"p1\"} x", "malformed JSON")]
    [InlineData("{\"port\":\"p1\" /* c */}", "malformed JSON")]
    [InlineData("not json", "malformed JSON")]
    [InlineData(" ", "malformed JSON")]
    [InlineData("[]", "must be a JSON object")]
    [InlineData("\"port_reset\"", "must be a JSON object")]
    [InlineData("null", "must be a JSON object")]
    [InlineData("42", "must be a JSON object")]
    [InlineData("{\"port\":3}", "field 'port' must be a string")]
    [InlineData("{\"operator\":true}", "field 'operator' must be a string")]
    [InlineData("{\"reason\":[\"a\"]}", "field 'reason' must be a string")]
    [InlineData("{\"alarm_id\":{\"id\":\"a1\"}}", "field 'alarm_id' must be a string")]
    [InlineData("{\"v\":\"1\"}", "field 'v' must be an integer")]
    [InlineData("{\"v\":1.5}", "field 'v' must be an integer")]
    [InlineData("{\"v\":2}", "unsupported contract version 2")]
    [InlineData("{\"Port\":\"p1\"}", "unknown field 'Port'")]
    [InlineData("{\"operater\":\"wang\"}", "unknown field 'operater'")]
    [InlineData("{\"port\":\"p1\",\"port\":\"p2\"}", "appears more than once")]
    public void Bad_payloads_are_rejected_with_a_reason(string json, string reason)
    {
        Assert.False(ContractJson.TryDeserializeCommand(Encoding.UTF8.GetBytes(json), out CommandRequest? request, out string? error));
        Assert.Null(request);
        Assert.NotNull(error);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_is_rejected_without_throwing()
    {
        byte[] payload = [.. "{\"port\":\""u8, 0xC3, 0x28, .. "\"}"u8];
        Assert.False(ContractJson.TryDeserializeCommand(payload, out _, out string? error));
        Assert.NotNull(error);
    }

    [Fact]
    public void Oversized_payloads_are_rejected()
    {
        string comment = new('x', ContractJson.MaxCommandBytes);
        byte[] payload = Encoding.UTF8.GetBytes($"{{\"comment\":\"{comment}\"}}");
        Assert.False(ContractJson.TryDeserializeCommand(payload, out CommandRequest? request, out string? error));
        Assert.Null(request);
        Assert.Contains("too large", error, StringComparison.Ordinal);
        Assert.Contains("4096", error, StringComparison.Ordinal);

        byte[] atLimit = Encoding.UTF8.GetBytes($"{{\"comment\":\"{comment[..(ContractJson.MaxCommandBytes - 14)]}\"}}");
        Assert.Equal(ContractJson.MaxCommandBytes, atLimit.Length);
        Assert.True(ContractJson.TryDeserializeCommand(atLimit, out _, out error), error);
    }

    [Fact]
    public void Deeply_nested_payloads_are_rejected_without_throwing()
    {
        string json = "{\"comment\":" + new string('[', 1000) + new string(']', 1000) + "}";
        Assert.False(ContractJson.TryDeserializeCommand(Encoding.UTF8.GetBytes(json), out _, out string? error));
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData("port_start", "{\"port\":\"p1\"}", null)]
    [InlineData("port_start", "{}", "port is required")]
    [InlineData("port_start", "{\"port\":\"p/1\"}", "port must be")]
    [InlineData("port_enable", "{\"port\":\"p1\",\"operator\":\"wang\"}", null)]
    [InlineData("port_disable", "{\"port\":\"p1\"}", "operator is required")]
    [InlineData("port_reset", "{\"port\":\"p1\",\"operator\":\"wang\",\"reason\":\"charger replaced\"}", null)]
    [InlineData("port_reset", "{\"port\":\"p1\",\"operator\":\"wang\"}", "reason is required")]
    [InlineData("port_reset", "{\"port\":\"p1\",\"operator\":\" \",\"reason\":\"x\"}", "operator is required")]
    [InlineData("alarm_ack", "{\"alarm_id\":\"a-1\",\"operator\":\"wang\"}", null)]
    [InlineData("alarm_ack", "{\"operator\":\"wang\"}", "alarm_id is required")]
    [InlineData("snapshot", "", null)]
    [InlineData("reload_config", "{}", null)]
    [InlineData("reboot", "{}", "unknown command 'reboot'")]
    public void Each_command_needs_its_fields(string name, string json, string? expected)
    {
        Assert.True(ContractJson.TryDeserializeCommand(Encoding.UTF8.GetBytes(json), out CommandRequest? request, out string? parseError), parseError);
        bool valid = ContractCommands.TryValidate(name, request!, out string? error);
        Assert.Equal(expected is null, valid);
        if (expected is not null)
        {
            Assert.Contains(expected, error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_command_vocabulary_is_the_contracts()
    {
        Assert.Equal(["port_start", "port_stop", "port_enable", "port_disable", "port_reset", "alarm_ack", "snapshot", "reload_config", "upgrade"], ContractCommands.All);
        Assert.All(ContractCommands.All, name => Assert.True(ContractTopics.IsValidSegment(name)));
    }
}
