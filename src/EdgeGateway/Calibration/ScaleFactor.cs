namespace EdgeGateway.Calibration;

/// <summary>What a reference meter measures and a site-file factor scales.</summary>
public enum CalibratedQuantity
{
    Voltage,
    Current,
}

/// <summary>
/// One scale factor of a port's meter in the site file: where it is (<see cref="Path"/>, in the checker's notation), its
/// value now, and which way the reading moves with it. A CT's <c>ampsPerAdcVolt</c> or a divider's ratio multiplies the
/// reading; a shunt's ohms divides it (the gateway reads volts across the shunt and divides by its resistance).
/// </summary>
/// <param name="Quantity">The quantity the factor scales.</param>
/// <param name="Path">The key, e.g. <c>ports[P02].meter.ampsPerAdcVolt</c> or <c>mains.voltsPerAdcVolt</c>.</param>
/// <param name="Value">Its value in the site file now.</param>
/// <param name="ReadingGrowsWithFactor">True when the reading is proportional to the factor, false when inversely.</param>
/// <param name="SharedBy">Who else reads through this factor (the shed's VT serves every AC port), or null.</param>
public sealed record ScaleFactor(CalibratedQuantity Quantity, string Path, double Value, bool ReadingGrowsWithFactor, string? SharedBy = null)
{
    /// <summary>The factor that makes the meter read <paramref name="trueOverMeasured"/> times what it reads now.</summary>
    public double Scaled(double trueOverMeasured) =>
        ReadingGrowsWithFactor ? Value * trueOverMeasured : Value / trueOverMeasured;
}
