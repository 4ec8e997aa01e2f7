namespace EdgeGateway.Hardware.Metering;

/// <summary>
/// Tells fault current from a current input pinned at a rail. Both read far from the bias: an open burden or bias
/// divider leaves the input at 0 V, 49.5 A below a 50 A CT's bias, and a bolted short saturates the ADC at a rail.
/// A fault current is alternating: it came from inside the threshold (a short that starts while the port is being
/// measured), moves from sample to sample (a fault within the CT's range), or, saturated, swings to the other
/// side within half a cycle. A pinned input does none of these, and the whole-cycle channel check then reports it
/// as the meter fault it is.
/// </summary>
/// <remarks>
/// What it costs a real short: one sample (80 µs at the demo's sample rate) when the short starts during the
/// measurement or reads within range; when the port is already shorted and saturated as its measurement starts,
/// the time to the next half cycle and two samples, at most 10.2 ms at 50 Hz — small beside the round it waited for
/// its turn. An input that opens in the middle of the port's own measurement while a charger draws current is still
/// taken for a short (the relay opens and the port locks out): that needs the failure to fall inside the port's 40 ms
/// of a round rather than between its measurements, and it errs on the safe side.
/// </remarks>
internal struct FaultCurrentWatch(double thresholdCodes, double movingCodes)
{
    /// <summary>Two samples beyond the threshold that differ by this share of the ADC's full scale are a current moving.</summary>
    public const double MovingShareOfFullScale = 0.01;

    private bool _sawWithin;
    private int _beyondRun;
    private int _lastSign;
    private int _lastCode;

    /// <summary>Takes the next current sample (its ADC code and its distance from the bias, in codes); true when it confirms fault current.</summary>
    public bool IsShortCircuit(int code, double deviation)
    {
        if (Math.Abs(deviation) < thresholdCodes)
        {
            _sawWithin = true;
            _beyondRun = 0;
            return false;
        }

        int sign = Math.Sign(deviation);
        // Each test needs two samples beyond the threshold in a row: a lone sample out there is a glitch.
        bool confirmed = _beyondRun >= 1 && (_sawWithin || sign != _lastSign || Math.Abs(code - _lastCode) >= movingCodes);
        _beyondRun++;
        _lastSign = sign;
        _lastCode = code;
        return confirmed;
    }
}
