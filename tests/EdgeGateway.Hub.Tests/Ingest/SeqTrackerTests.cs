using EdgeGateway.Hub.Ingest;

namespace EdgeGateway.Hub.Tests.Ingest;

public sealed class SeqTrackerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);
    private readonly SeqTracker _tracker = new(TimeSpan.FromMinutes(2));

    private void See(DateTimeOffset at, params long[] seqs)
    {
        foreach (long seq in seqs)
        {
            _tracker.Observe("s", "g", seq, at);
        }
    }

    [Fact]
    public void A_seq_beyond_the_contract_neither_overflows_the_outstanding_count_nor_becomes_a_gap()
    {
        // Two gateways each claiming long.MaxValue: the sum of their holes overflowed a long (/healthz answered 500),
        // and each hole, given up on, was a seq_missing of 9.2e18.
        foreach (string gateway in new[] { "g1", "g2" })
        {
            _tracker.Observe("s", gateway, 1, T0);
            _tracker.Observe("s", gateway, long.MaxValue, T0);
        }

        Assert.Equal(0, _tracker.Outstanding);
        Assert.Empty(_tracker.TakeGaps(T0.AddHours(1)));
    }

    [Fact]
    public void The_outstanding_count_over_many_gateways_at_the_contracts_largest_seq_saturates_instead_of_overflowing()
    {
        for (int i = 0; i < 2000; i++)
        {
            _tracker.Observe("s", "g" + i, 1, T0);
            _tracker.Observe("s", "g" + i, EdgeGateway.Contracts.Mqtt.ContractMessage.MaxSeq, T0);
        }

        Assert.Equal(long.MaxValue, _tracker.Outstanding);
    }

    [Fact]
    public void Numbers_out_of_order_within_the_grace_period_are_not_gaps()
    {
        See(T0, 10, 11, 14, 15);
        See(T0.AddSeconds(30), 12, 13);

        Assert.Empty(_tracker.TakeGaps(T0.AddMinutes(10)));
        Assert.Equal(0, _tracker.Outstanding);
    }

    [Fact]
    public void A_hole_open_while_writes_fail_is_judged_only_a_grace_period_after_they_succeed_again()
    {
        object telemetry = new(), alarms = new();
        // Telemetry 11 waits out a 10-minute outage in a retried batch; alarm 12, on the other connection, was stored before it.
        See(T0, 10, 12);
        Assert.Empty(_tracker.TakeGaps(T0.AddMinutes(1)));
        _tracker.Hold(telemetry);
        _tracker.Hold(alarms);
        Assert.Empty(_tracker.TakeGaps(T0.AddMinutes(5)));
        _tracker.Release(alarms, T0.AddMinutes(9)); // the alarm lane writes again; the telemetry lane still retries
        Assert.Empty(_tracker.TakeGaps(T0.AddMinutes(10)));

        _tracker.Release(telemetry, T0.AddMinutes(11)); // every lane writes again: a fresh grace, not 11 minutes old
        Assert.Empty(_tracker.TakeGaps(T0.AddMinutes(12)));
        See(T0.AddMinutes(12.5), 11);
        Assert.Empty(_tracker.TakeGaps(T0.AddMinutes(20)));
        Assert.Equal(0, _tracker.Outstanding);

        // A real loss is still found, a grace period after the writes recovered.
        See(T0.AddMinutes(21), 14);
        _tracker.Hold(telemetry);
        Assert.Empty(_tracker.TakeGaps(T0.AddMinutes(22)));
        _tracker.Release(telemetry, T0.AddMinutes(23));
        Assert.Empty(_tracker.TakeGaps(T0.AddMinutes(24.5)));
        Assert.Equal((13L, 13L), Assert.Single(_tracker.TakeGaps(T0.AddMinutes(25.5))) is var gap ? (gap.From, gap.To) : default);
    }

    [Fact]
    public void A_number_missing_past_the_grace_period_is_one_gap_with_its_range()
    {
        See(T0, 10, 11, 15, 16);

        Assert.Empty(_tracker.TakeGaps(T0.AddMinutes(1)));
        Assert.Equal(3, _tracker.Outstanding);
        SeqGap gap = Assert.Single(_tracker.TakeGaps(T0.AddMinutes(3)));
        Assert.Equal((12L, 14L, 3L), (gap.From, gap.To, gap.Count));
        Assert.Empty(_tracker.TakeGaps(T0.AddMinutes(10)));
    }

    [Fact]
    public void Duplicates_and_redeliveries_are_neither_gaps_nor_counted_twice()
    {
        See(T0, 1, 2, 3, 3, 2, 4);

        Assert.Empty(_tracker.TakeGaps(T0.AddHours(1)));
        Assert.Equal(0, _tracker.Outstanding);
    }

    [Fact]
    public void Two_holes_become_two_gaps()
    {
        See(T0, 1, 3, 6);

        IReadOnlyList<SeqGap> gaps = _tracker.TakeGaps(T0.AddMinutes(5));

        Assert.Equal([(2L, 2L), (4L, 5L)], gaps.Select(g => (g.From, g.To)));
    }

    [Fact]
    public void Gateways_are_tracked_apart()
    {
        _tracker.Observe("s", "g1", 1, T0);
        _tracker.Observe("s", "g2", 100, T0);
        _tracker.Observe("s", "g1", 3, T0);
        _tracker.Observe("s", "g2", 101, T0);

        SeqGap gap = Assert.Single(_tracker.TakeGaps(T0.AddMinutes(5)));
        Assert.Equal(("g1", 2L), (gap.Gateway, gap.From));
    }

    [Fact]
    public void An_outbox_reset_far_below_the_mark_starts_the_gateway_over()
    {
        See(T0, 500_000, 500_001);
        See(T0.AddMinutes(1), 1, 2, 3);

        Assert.Empty(_tracker.TakeGaps(T0.AddMinutes(10)));
    }

    [Fact]
    public void While_joining_the_stream_starts_at_the_highest_number_seen_and_nothing_below_it_is_judged()
    {
        _tracker.JoinWindow = TimeSpan.FromSeconds(30);

        // A restarted instance: its session redelivers 5 (from before the restart), then live numbers and a peer's report.
        See(T0, 5);
        See(T0.AddSeconds(2), 40, 41);
        See(T0.AddSeconds(10), 20, 42);

        Assert.Empty(_tracker.TakeGaps(T0.AddMinutes(10)));
        Assert.Equal(0, _tracker.Outstanding);

        // Joined: from 42 on, a hole is judged as always.
        See(T0.AddSeconds(40), 43, 46);
        Assert.Equal(2, _tracker.Outstanding);
        SeqGap gap = Assert.Single(_tracker.TakeGaps(T0.AddMinutes(5)));
        Assert.Equal((44L, 45L), (gap.From, gap.To));
    }

    [Fact]
    public void Without_a_join_window_a_hole_after_the_first_number_is_judged()
    {
        See(T0, 5);
        See(T0.AddSeconds(2), 8);

        SeqGap gap = Assert.Single(_tracker.TakeGaps(T0.AddMinutes(3)));
        Assert.Equal((6L, 7L), (gap.From, gap.To));
    }
}
