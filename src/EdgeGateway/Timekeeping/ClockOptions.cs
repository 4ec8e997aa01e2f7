namespace EdgeGateway.Timekeeping;

/// <summary>How the gateway tells whether its wall clock is synchronised (configuration section <c>Clock</c>).</summary>
public sealed class ClockOptions
{
    public const string Section = "Clock";

    /// <summary>systemd-timesyncd's flag file: it exists once the clock has been synchronised since boot.</summary>
    public string SynchronizedFlag { get; set; } = "/run/systemd/timesync/synchronized";

    /// <summary>Also take the kernel's adjtimex status (<c>STA_UNSYNC</c> clear) as synchronised: chrony and ntpd write no flag file.</summary>
    public bool KernelStatus { get; set; } = true;

    /// <summary>What a simulated shed reports (<c>run --simulate</c>): its clock is the scenario's, so synchronised by default.</summary>
    public bool SimulatedSynchronized { get; set; } = true;

    /// <summary>The source these options describe: fixed for a simulated shed, the board's otherwise.</summary>
    public ClockSync For(bool simulated) =>
        simulated ? ClockSync.Fixed(SimulatedSynchronized) : new SystemClockSync(SynchronizedFlag, KernelStatus);
}
