namespace EdgeGateway.Bins;

/// <summary>
/// Reduces one sensor's raw readings in a sample to one distance, robustly: readings outside the
/// sensor's range (its blind zone, or beyond its reach) are discarded, then readings far from the
/// median — more than three median absolute deviations, at least 15 mm — are rejected as spurious
/// echoes (a bag's edge, a hand, a fly), and the median of the rest is the sample.
/// </summary>
public static class FillSensorFilter
{
    private const double MinimumSpreadMm = 5;

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

        double median = Median(inRange);
        var deviations = inRange.Select(d => Math.Abs(d - median)).ToList();
        double mad = Math.Max(Median(deviations), MinimumSpreadMm);
        var kept = inRange.Where(d => Math.Abs(d - median) <= 3 * mad).ToList();
        distanceMm = Median(kept);
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
