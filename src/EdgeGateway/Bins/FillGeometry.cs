using EdgeGateway.Configuration;

namespace EdgeGateway.Bins;

/// <summary>Turns a distance from the sensor into a fill percentage for one bin's shape.</summary>
public sealed class FillGeometry(BinGeometry geometry)
{
    private readonly FillCalibrationPoint[] _points = [.. geometry.Calibration.OrderByDescending(p => p.DistanceMm)];

    /// <summary>
    /// Fill % for a distance: linear between the bottom (0 %) and the full line (100 %), or
    /// interpolated in the calibration table. Beyond the full line it keeps rising (a heap above the
    /// rim reads over 100 %); below the bottom it is 0.
    /// </summary>
    public double FillPct(double distanceMm)
    {
        if (_points.Length < 2)
        {
            double span = geometry.SensorToBottomMm - geometry.SensorToFullMm;
            return Math.Max(0, (geometry.SensorToBottomMm - distanceMm) / span * 100);
        }

        // Points run from the bottom (largest distance, least fill) up to the top.
        if (distanceMm >= _points[0].DistanceMm)
        {
            return _points[0].FillPct;
        }

        for (int i = 1; i < _points.Length; i++)
        {
            FillCalibrationPoint far = _points[i - 1];
            FillCalibrationPoint near = _points[i];
            if (distanceMm >= near.DistanceMm || i == _points.Length - 1)
            {
                double t = (far.DistanceMm - distanceMm) / (far.DistanceMm - near.DistanceMm);
                return Math.Max(0, far.FillPct + (t * (near.FillPct - far.FillPct)));
            }
        }

        return _points[^1].FillPct;
    }

    /// <summary>Height of the contents above the bottom, in mm (LwM2M 3435 "Actual Fill Level").</summary>
    public double FillLevelMm(double distanceMm) => Math.Max(0, geometry.SensorToBottomMm - distanceMm);
}
