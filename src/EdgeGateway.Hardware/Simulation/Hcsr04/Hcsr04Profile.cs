namespace EdgeGateway.Hardware.Simulation.Hcsr04;

/// <summary>
/// The timing and range of one trigger/echo ultrasonic module. Both modules below speak the same protocol: a trigger
/// pulse of at least 10 µs, a burst of eight 40 kHz cycles, then an echo pulse as long as the sound's round trip.
/// </summary>
/// <param name="Name">For messages.</param>
/// <param name="EchoDelay">From the trigger's falling edge to the echo's rising edge: the burst (8 × 25 µs) and the
/// module's start-up.</param>
/// <param name="NoEchoPulse">How long the echo stays high when nothing comes back before the module gives up.</param>
/// <param name="BlindZoneMm">An echo from closer than this comes back while the transducer still rings and is not
/// seen: the module answers as if nothing came back.</param>
/// <param name="MaximumRangeMm">Farther than this the echo is too weak to detect: nothing comes back.</param>
public sealed record Hcsr04Profile(string Name, TimeSpan EchoDelay, TimeSpan NoEchoPulse, double BlindZoneMm, double MaximumRangeMm)
{
    /// <summary>
    /// HC-SR04 (separate send and receive transducers, range 2 cm–4 m): without an echo the line stays high about
    /// 38 ms and falls. It has no blind zone of the JSN kind: from 2 cm down its readings are unreliable (crosstalk
    /// between the transducers), which is not modelled; the simulated module gives the geometric distance.
    /// </summary>
    public static Hcsr04Profile Hcsr04 { get; } = new("HC-SR04", TimeSpan.FromMicroseconds(450), TimeSpan.FromMilliseconds(38), 0, 4000);

    /// <summary>
    /// JSN-SR04T (one waterproof transducer sends and receives; mode 1, R27 open, is the HC-SR04 protocol): targets
    /// closer than about 200 mm are inside its blind zone; without an echo the line falls after about 60 ms.
    /// </summary>
    public static Hcsr04Profile JsnSr04t { get; } = new("JSN-SR04T", TimeSpan.FromMicroseconds(450), TimeSpan.FromMilliseconds(60), 200, 4500);
}
