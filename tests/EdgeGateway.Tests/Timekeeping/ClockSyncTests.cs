using EdgeGateway.Hardware.Clock;
using EdgeGateway.Timekeeping;

namespace EdgeGateway.Tests.Timekeeping;

public sealed class ClockSyncTests : IDisposable
{
    private readonly DirectoryInfo _run = Directory.CreateTempSubdirectory("edgegateway-timesync-");

    private string Flag => Path.Combine(_run.FullName, "synchronized");

    [Fact]
    public void The_clock_is_synchronised_once_timesyncd_writes_its_flag_file()
    {
        var clock = new SystemClockSync(Flag, kernelStatus: false);
        Assert.False(clock.IsSynchronized());

        File.WriteAllText(Flag, "");
        Assert.True(clock.IsSynchronized());

        // /run is a tmpfs: a reboot removes the flag, and the clock is untrusted again until the next synchronisation.
        File.Delete(Flag);
        Assert.False(clock.IsSynchronized());
    }

    [Fact]
    public void The_kernel_status_is_read_without_privileges_on_linux()
    {
        bool? kernel = KernelClockStatus.IsSynchronized();
        Assert.Equal(OperatingSystem.IsLinux(), kernel.HasValue);

        // Without the flag file the answer is the kernel's.
        Assert.Equal(kernel == true, new SystemClockSync(Flag, kernelStatus: true).IsSynchronized());
    }

    [Fact]
    public void A_simulated_shed_reports_its_clock_synchronised_unless_configured_otherwise()
    {
        Assert.True(new ClockOptions().For(simulated: true).IsSynchronized());
        Assert.False(new ClockOptions { SimulatedSynchronized = false }.For(simulated: true).IsSynchronized());

        ClockSync board = new ClockOptions { SynchronizedFlag = Flag, KernelStatus = false }.For(simulated: false);
        Assert.IsType<SystemClockSync>(board);
        Assert.False(board.IsSynchronized());
    }

    public void Dispose() => _run.Delete(recursive: true);
}
