using System.Reflection;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Contracts.Reasons;

namespace EdgeGateway.Contracts.Tests;

/// <summary>
/// The reason catalogue: every reason the gateway can emit is made by a <see cref="ReasonCatalogue"/> method; each has a
/// zh-CN and an English template, and every parameter a template names is supplied by the method that makes the reason.
/// </summary>
public sealed class ReasonCatalogueTests
{
    /// <summary>Every method of the catalogue, called with sample arguments: found by reflection, so a new code cannot be missed.</summary>
    public static TheoryData<string> Factories => new([.. FactoryMethods().Select(m => m.Name)]);

    [Theory]
    [MemberData(nameof(Factories))]
    public void Every_code_has_both_templates_and_every_parameter_they_name(string factory)
    {
        ContractReason reason = Make(FactoryMethods().Single(m => m.Name == factory));

        Assert.Matches("^[a-z][a-z0-9_]{0,63}$", reason.Code);
        Assert.True(ReasonCatalogue.Templates.TryGetValue(reason.Code, out (string Chinese, string English) templates), $"{reason.Code} has no templates");
        Assert.False(string.IsNullOrWhiteSpace(templates.Chinese));
        Assert.False(string.IsNullOrWhiteSpace(templates.English));
        foreach (string template in new[] { templates.Chinese, templates.English })
        {
            Assert.All(ReasonText.Parameters(template), name => Assert.True(reason.Params.ContainsKey(name), $"{reason.Code}: '{template}' names {name}, which {factory} does not supply"));
        }

        // The English text is the contract's detail: it says everything the reason carries.
        Assert.Equal(reason.Params.Keys.Order(), ReasonText.Parameters(templates.English).Distinct().Order());
        Assert.True(ReasonText.Chinese.TryRender(reason, out string? chinese));
        Assert.True(ReasonText.English.TryRender(reason, out _));

        // A Chinese template is Chinese: at least one CJK character, whatever the parameters add.
        Assert.Contains(chinese, c => c >= 0x2E80);
    }

    [Fact]
    public void Every_template_belongs_to_a_code_the_catalogue_makes()
    {
        string[] made = [.. FactoryMethods().Select(m => Make(m).Code)];

        Assert.Equal(made.Length, made.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(ReasonCatalogue.Templates.Keys.Order(StringComparer.Ordinal), made.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void An_over_current_reads_in_each_language_with_its_numbers_and_units()
    {
        ContractReason reason = ReasonCatalogue.InstantaneousOverCurrent(49.5, 40);

        Assert.Equal("instantaneous current 49.5 A ≥ 40.0 A; relay opened on that sample", ReasonText.Detail(reason));
        Assert.Equal("瞬时电流 49.5 A ≥ 40.0 A，已在该次采样断开继电器", ReasonText.Chinese.Render(reason, "fallback"));
        Assert.Equal("""{"code":"instantaneous_over_current","params":{"current_a":49.5,"limit_a":40}}""", ContractJson.SerializeToString(reason));
    }

    [Fact]
    public void Wire_names_in_parameters_are_put_in_words()
    {
        Assert.Equal("无需复位（当前空闲）", ReasonText.Chinese.Render(ReasonCatalogue.NothingToReset(PortState.Idle), ""));
        Assert.Equal("nothing to reset (state idle)", ReasonText.Detail(ReasonCatalogue.NothingToReset(PortState.Idle)));
        Assert.Equal("因端口过载已锁定：需先复位", ReasonText.Chinese.Render(ReasonCatalogue.LockedOutNeedsReset(AlarmKind.PortOverload), ""));
        Assert.Equal("厨余垃圾桶满溢度 92 %", ReasonText.Chinese.Render(ReasonCatalogue.BinFill("kitchen", 91.6), ""));
    }

    [Fact]
    public void An_unknown_code_or_a_missing_parameter_falls_back_to_the_English_text()
    {
        var unknown = new ContractReason { Code = "newer_than_this_reader" };
        var missing = new ContractReason { Code = "instantaneous_over_current", Params = ReasonCatalogue.InstantaneousOverCurrent(49.5, 40).Params.Where(p => p.Key != "limit_a").ToDictionary() };

        Assert.Equal("the detail", ReasonText.Chinese.Render(unknown, "the detail"));
        Assert.Equal("the detail", ReasonText.Chinese.Render(missing, "the detail"));
        Assert.Equal("the detail", ReasonText.English.Render(null, "the detail"));
    }

    [Fact]
    public void A_reason_survives_the_wire_and_compares_by_value()
    {
        AlarmMessage sent = MqttSamples.AlarmRaised with { Reason = ReasonCatalogue.PowerOverLimit(2612.4, 2400, 2000) };

        Assert.True(ContractJson.TryDeserialize(ContractJson.Serialize(sent), out AlarmMessage? received, out string? error), error);
        Assert.Equal(sent.Reason, received!.Reason);
        Assert.Equal(sent, received);
        Assert.NotEqual(sent.Reason, ReasonCatalogue.PowerOverLimit(2612.5, 2400, 2000));

        // Readers before reason codes: a payload without "reason" still reads, with none.
        string old = ContractJson.SerializeToString(MqttSamples.AlarmRaised).Replace(",\"reason\":null", "", StringComparison.Ordinal);
        Assert.DoesNotContain("\"reason\"", old, StringComparison.Ordinal);
        Assert.True(ContractJson.TryDeserialize(System.Text.Encoding.UTF8.GetBytes(old), out AlarmMessage? legacy, out error), error);
        Assert.Null(legacy!.Reason);
    }

    private static IEnumerable<MethodInfo> FactoryMethods() =>
        typeof(ReasonCatalogue).GetMethods(BindingFlags.Public | BindingFlags.Static).Where(m => m.ReturnType == typeof(ContractReason));

    private static ContractReason Make(MethodInfo factory) =>
        (ContractReason)factory.Invoke(null, [.. factory.GetParameters().Select(p => Sample(p.ParameterType))])!;

    private static object Sample(Type type) => type switch
    {
        _ when type == typeof(double) => 12.5,
        _ when type == typeof(int) => 3,
        _ when type == typeof(long) => 7L,
        _ when type == typeof(string) => "x",
        _ when type.IsEnum => Enum.GetValues(type).GetValue(0)!,
        _ => throw new NotSupportedException($"no sample for {type.Name}: extend Sample"),
    };
}
