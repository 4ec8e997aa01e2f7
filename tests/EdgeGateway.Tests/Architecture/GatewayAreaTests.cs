using ArchUnitNET.Loader;
using ArchUnitNET.xUnit;
using EdgeGateway.Protection;
using static ArchUnitNET.Fluent.ArchRuleDefinition;
using static ArchUnitNET.Fluent.Slices.SliceRuleDefinition;

namespace EdgeGateway.Tests.Architecture;

/// <summary>
/// The gateway's areas (the namespaces under EdgeGateway) depend one way only: a cycle
/// between two areas means neither can be understood, tested or moved without the other.
/// The explicit rules keep the lowest areas free of what sits on top of them: Protection
/// is pure code that decides about ports and must never reach the network, the host or
/// the console; Configuration is read by everyone and reads nobody above it.
/// </summary>
public sealed class GatewayAreaTests
{
    private static readonly ArchUnitNET.Domain.Architecture Gateway =
        new ArchLoader().LoadAssemblies(typeof(ShedProtection).Assembly).Build();

    [Fact]
    public void Areas_are_free_of_cycles() =>
        Slices().Matching("EdgeGateway.(*)..").Should().BeFreeOfCycles().Check(Gateway);

    [Theory]
    [InlineData("Protection", "Messaging")]
    [InlineData("Protection", "Hosting")]
    [InlineData("Protection", "CommandLine")]
    [InlineData("Protection", "LiveView")]
    [InlineData("Protection", "Simulation")]
    [InlineData("Configuration", "Hosting")]
    [InlineData("Configuration", "Messaging")]
    [InlineData("Configuration", "Protection")]
    [InlineData("Configuration", "CommandLine")]
    [InlineData("Events", "Messaging")]
    public void Area_does_not_depend_on_an_area_above_it(string area, string above) =>
        Types().That().ResideInNamespaceOrBelow($"EdgeGateway.{area}")
            .Should().NotDependOnAny(Types().That().ResideInNamespaceOrBelow($"EdgeGateway.{above}"))
            .Because($"{area} sits below {above}")
            .Check(Gateway);
}
