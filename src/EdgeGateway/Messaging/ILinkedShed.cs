using EdgeGateway.Bins;
using EdgeGateway.Configuration;
using EdgeGateway.Protection;

namespace EdgeGateway.Messaging;

/// <summary>
/// What the MQTT link reads from and commands on a shed: its site file, its clock, its protection (snapshot and
/// commands) and its bins. The gateway's <see cref="Hosting.ShedRuntime"/> is one; the district fleet simulator runs
/// hundreds of model-metered sheds in one process through the same link, outbox and contract code.
/// </summary>
public interface ILinkedShed
{
    SiteConfiguration Site { get; }

    TimeProvider Time { get; }

    ShedProtection Protection { get; }

    RecyclingStation? Station { get; }

    /// <summary>
    /// True once the shed's power was cut under the gateway (a simulated power cut): the link then writes and sends
    /// nothing more, and leaves the broker to publish its will, as a Pi that lost its supply would.
    /// </summary>
    bool PowerLost => false;

    /// <summary>
    /// A simulated shed's clock, on which telemetry falls due: each period of shed time, stamped and snapshotted at that
    /// instant, at any speed (as fast as the CPU allows included). Null on a board, where shed time is real time.
    /// </summary>
    Hardware.Simulation.SimulatedClock? ShedClock => null;
}
