using System.Collections;
using System.Reflection;
using System.Text.Json.Serialization.Metadata;
using EdgeGateway.Configuration;
using EdgeGateway.Tests.Simulation;

namespace EdgeGateway.Tests.Configuration;

public sealed class WiringComparerTests
{
    private static SiteConfiguration Load(string yaml)
    {
        SiteFileLoadResult result = SiteFileLoader.LoadText("site.yaml", yaml);
        Assert.True(result.IsValid, string.Join("; ", result.Problems));
        return result.Configuration!;
    }

    [Fact]
    public void The_same_file_has_no_wiring_difference() =>
        Assert.Null(WiringComparer.FirstDifference(Load(ShedHarness.SiteYaml), Load(ShedHarness.SiteYaml)));

    [Fact]
    public void Comments_that_move_lines_and_changed_thresholds_are_not_wiring()
    {
        string changed = "# a comment that moves every line\n" + ShedHarness.SiteYaml
            .Replace("maxPowerW: 2000", "maxPowerW: 2500", StringComparison.Ordinal)
            .Replace("protection: { shortCircuitPeakA: 20 }", "protection: { shortCircuitPeakA: 18, maxPowerW: 400 }", StringComparison.Ordinal);

        Assert.Null(WiringComparer.FirstDifference(Load(ShedHarness.SiteYaml), Load(changed)));
    }

    [Fact]
    public void A_moved_relay_pin_is_wiring_and_says_where()
    {
        string changed = ShedHarness.SiteYaml.Replace("relay: { gpio: 6 }", "relay: { gpio: 19 }", StringComparison.Ordinal);

        string? difference = WiringComparer.FirstDifference(Load(ShedHarness.SiteYaml), Load(changed));

        Assert.Equal("site.Ports[1].Relay.Gpio", difference);
    }

    [Fact]
    public void A_changed_sampling_period_needs_a_restart()
    {
        string changed = ShedHarness.SiteYaml.Replace("roundPeriodMs: 500", "roundPeriodMs: 800", StringComparison.Ordinal);

        Assert.Equal("site.Sampling.RoundPeriod", WiringComparer.FirstDifference(Load(ShedHarness.SiteYaml), Load(changed)));
    }

    [Fact]
    public void Every_record_a_site_file_can_hold_has_the_generated_metadata_the_comparer_walks()
    {
        // Reflection here (the tests run on the JIT) finds what the comparer, reflection-free, must know: each type
        // reachable from SiteConfiguration through public properties, and each concrete record of ours under a
        // declared base type. A record missing from SiteRecordMetadata would throw, or hide a difference, in the product.
        Type[] ours = typeof(SiteConfiguration).Assembly.GetTypes();
        var seen = new HashSet<Type>();
        var pending = new Queue<Type>([typeof(SiteConfiguration)]);
        while (pending.TryDequeue(out Type? type))
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (!seen.Add(type) || type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan) || type == typeof(DateTimeOffset))
            {
                continue;
            }

            if (typeof(IEnumerable).IsAssignableFrom(type))
            {
                Type[] elements = type.IsArray ? [type.GetElementType()!] : type.GetGenericArguments();
                Assert.NotEmpty(elements);
                elements.ToList().ForEach(pending.Enqueue);
                continue;
            }

            ours.Where(t => !t.IsAbstract && t != type && type.IsAssignableFrom(t)).ToList().ForEach(pending.Enqueue);
            PropertyInfo[] properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance);
            properties.Select(p => p.PropertyType).ToList().ForEach(pending.Enqueue);
            if (type.IsAbstract)
            {
                continue;
            }

            JsonTypeInfo? info = SiteRecordMetadata.Default.GetTypeInfo(type);
            Assert.True(info is not null, $"{type} is not in SiteRecordMetadata");
            Assert.Equal(properties.Select(p => p.Name).Order(), info.Properties.Select(p => p.Name).Order());
        }

        Assert.Contains(typeof(Hlw8032MeterDefinition), seen);
        Assert.Contains(typeof(TimeOfFlightFillSensor), seen);
    }
}
