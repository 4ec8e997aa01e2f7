using static System.FormattableString;

namespace EdgeGateway.Bins;

/// <summary>
/// Reduces one sensor's raw readings in a sample to one distance, robustly. Readings outside the
/// sensor's range (its blind zone, or beyond its reach) are discarded. The rest are grouped into
/// clusters of readings within 30 mm of each other; the largest cluster wins, and between clusters of
/// equal size the farther one — a spurious echo off a bag's edge, a hand or a fly is always shorter
/// than the surface below it, and rarely twice at the same distance. The sample is the median of the
/// winning cluster; a sample in which no two readings agree is no sample.
/// </summary>
public static class FillSensorFilter
{
    /// <summary>Readings within this of each other agree (see docs/performance.md, "HC-SR04 readings on a busy board").</summary>
    public const double ClusterWidthMm = 30;

    /// <summary>The sample's distance, or the reason there is none.</summary>
    public static bool TryReduce(FillSensorReadings readings, out double distanceMm, out string? problem)
    {
        distanceMm = 0;
        if (readings.Failure is { } failure && readings.DistancesMm.Count == 0)
        {
            problem = failure.StartsWith(readings.SensorId, StringComparison.Ordinal) ? failure : $"{readings.SensorId}: {failure}";
            return false;
        }

        var inRange = new List<double>(readings.DistancesMm.Count);
        int tooClose = 0;
        foreach (double d in readings.DistancesMm)
        {
            if (d < readings.MinimumRangeMm)
            {
                tooClose++;
            }
            else if (d <= readings.MaximumRangeMm)
            {
                inRange.Add(d);
            }
        }

        if (inRange.Count == 0)
        {
            problem = tooClose > 0
                ? $"{readings.SensorId}: every reading inside the sensor's {readings.MinimumRangeMm:0} mm blind zone (spider web, condensation or something on the sensor?)"
                : $"{readings.SensorId}: no echo ({readings.NoReturns} pings without a return)";
            return false;
        }

        inRange.Sort();
        List<double> best = [];
        int start = 0;
        for (int end = 0; end < inRange.Count; end++)
        {
            while (inRange[end] - inRange[start] > ClusterWidthMm)
            {
                start++;
            }

            // Sorted ascending, so a later window of the same size is farther away: ">=" prefers it.
            int size = end - start + 1;
            if (size >= best.Count)
            {
                best = inRange.GetRange(start, size);
            }
        }

        if (best.Count == 1 && inRange.Count > 1)
        {
            // No two readings agree: nothing in this sample can be trusted.
            problem = Invariant($"{readings.SensorId}: no two of {inRange.Count} readings agree within {ClusterWidthMm:0} mm");
            return false;
        }

        distanceMm = Median(best);
        problem = null;
        return true;
    }

    public static double Median(IReadOnlyList<double> values)
    {
        double[] sorted = [.. values];
        Array.Sort(sorted);
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
