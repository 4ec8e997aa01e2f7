using EdgeGateway.Board;
using EdgeGateway.Hardware.Metering;

namespace EdgeGateway.Calibration;

/// <summary>
/// Measures one port for calibration on a board opened as <c>run</c> opens it (every relay open): closes that port's
/// relay, drops the settling readings, takes the readings, and opens the relay again whatever happens. A short circuit
/// ends the measurement on the reading that saw it; so does <c>cancellation</c> (Ctrl+C), between two readings.
/// </summary>
public static class CalibrationBench
{
    public static IReadOnlyList<MeterReading> Measure(ShedBoard board, int portIndex, IMeterCalibration calibration, out string? relayProblem, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(calibration);
        var readings = new List<MeterReading>(calibration.Readings);
        if (!board.TrySetClosed(portIndex, true, out relayProblem))
        {
            return readings;
        }

        try
        {
            for (int i = 0; i < calibration.SettleReadings + calibration.Readings && !cancellation.IsCancellationRequested; i++)
            {
                MeterReading reading = calibration.Measure();
                if (reading.Status == MeterReadStatus.ShortCircuit)
                {
                    board.TrySetClosed(portIndex, false, out _);
                    readings.Add(reading);
                    break;
                }

                if (i >= calibration.SettleReadings)
                {
                    readings.Add(reading);
                }
            }
        }
        finally
        {
            if (!board.TrySetClosed(portIndex, false, out string? openProblem))
            {
                relayProblem = openProblem;
                board.DriveEveryRelayOpen();
            }
        }

        return readings;
    }
}
