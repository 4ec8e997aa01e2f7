using EdgeGateway.Configuration;

namespace EdgeGateway.Protection;

/// <summary>What protection needs to know about a port: its id, thresholds, whether it is AC metered, and whether it starts disabled.</summary>
public sealed record PortProtectionPlan(string Id, PortProtectionSettings Settings, bool IsAc, bool StartDisabled = false)
{
    public static IReadOnlyList<PortProtectionPlan> From(SiteConfiguration site) =>
        site.Ports.Select(p => new PortProtectionPlan(p.Id, p.Protection, p.Meter is not DcMeterDefinition, p.Disabled)).ToArray();
}
