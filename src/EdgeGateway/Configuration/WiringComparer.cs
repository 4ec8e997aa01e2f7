using System.Collections;
using System.Reflection;

namespace EdgeGateway.Configuration;

/// <summary>
/// Tells whether a reloaded site file changed the wiring (chips, buses, pins, ports, bins, sampling)
/// or only thresholds, which can be applied without a restart. Line numbers and display names are
/// not wiring: a comment added to the file moves every line below it.
/// </summary>
public static class WiringComparer
{
    private static readonly HashSet<string> NotWiring = new(StringComparer.Ordinal)
    {
        nameof(ChargingPortDefinition.Line),
        nameof(SiteConfiguration.SourceFile),
        nameof(SiteIdentity.Name),
        nameof(ChargingPortDefinition.Protection),
        nameof(SiteConfiguration.PortProtection),
        nameof(SiteConfiguration.ShedProtection),
        nameof(BinDefinition.Thresholds),
        nameof(SiteConfiguration.BinThresholds),
    };

    /// <summary>The path of the first wiring difference between two site files, or null when only thresholds differ.</summary>
    public static string? FirstDifference(object? current, object? reloaded, string path = "site")
    {
        if (current is null || reloaded is null)
        {
            return current is null && reloaded is null ? null : path;
        }

        Type type = current.GetType();
        if (type != reloaded.GetType())
        {
            return path;
        }

        if (type.IsPrimitive || type.IsEnum || current is string or decimal or TimeSpan or DateTimeOffset)
        {
            return current.Equals(reloaded) ? null : path;
        }

        if (current is IEnumerable first && reloaded is IEnumerable second)
        {
            object?[] a = [.. first.Cast<object?>()];
            object?[] b = [.. second.Cast<object?>()];
            if (a.Length != b.Length)
            {
                return path;
            }

            for (int i = 0; i < a.Length; i++)
            {
                if (FirstDifference(a[i], b[i], $"{path}[{i}]") is { } difference)
                {
                    return difference;
                }
            }

            return null;
        }

        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (NotWiring.Contains(property.Name) || property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            if (FirstDifference(property.GetValue(current), property.GetValue(reloaded), $"{path}.{property.Name}") is { } difference)
            {
                return difference;
            }
        }

        return null;
    }
}
