using EdgeGateway.Hardware.Bins;

namespace EdgeGateway.Hardware.Tests.Bins;

/// <summary>The context-switch count that tells a ping's timing was disturbed, on this (Linux) machine's kernel.</summary>
public sealed class PingCpuHoldTests
{
    [Fact]
    public void A_thread_that_sleeps_has_been_switched_out_and_the_count_says_so()
    {
        Assert.True(OperatingSystem.IsLinux(), "the gateway and its tests run on Linux");
        long before = PingCpuHold.ThreadSwitches();

        Thread.Sleep(5); // blocks: the kernel always switches the thread out

        Assert.True(PingCpuHold.ThreadSwitches() > before, "getrusage(RUSAGE_THREAD) counted the switch");
    }

    [Fact]
    public void The_threads_own_scheduling_policy_is_back_after_the_ping()
    {
        int before = SchedulingPolicy();

        using (var hold = PingCpuHold.Begin())
        {
            // SCHED_FIFO (1) while held when this process may have it (root, CAP_SYS_NICE, LimitRTPRIO), else unchanged.
            Assert.Equal(hold.Raised ? 1 : before, SchedulingPolicy());
        }

        Assert.Equal(before, SchedulingPolicy());
    }

    /// <summary>The calling thread's policy as the kernel reports it (/proc/thread-self/sched: "policy : N").</summary>
    private static int SchedulingPolicy()
    {
        string line = File.ReadLines("/proc/thread-self/sched").First(l => l.StartsWith("policy", StringComparison.Ordinal));
        return int.Parse(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
