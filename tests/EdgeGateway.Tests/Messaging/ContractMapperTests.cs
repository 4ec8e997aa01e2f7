using System.Text.Json;
using EdgeGateway.CommandLine;
using EdgeGateway.Configuration;
using EdgeGateway.Messaging;
using EdgeGateway.Messaging.Outbox;

namespace EdgeGateway.Tests.Messaging;

/// <summary>How the gateway stamps contract messages: one millisecond per message and topic at least.</summary>
public sealed class ContractMapperTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 8, 0, 0, 123, TimeSpan.Zero);

    private static ContractMapper Mapper() => new(SiteFileLoader.Load(FirmwareConfig.DemoSite).Configuration!);

    private static DateTimeOffset Ts(OutboxItem item)
    {
        using var json = JsonDocument.Parse(item.Render(1));
        return json.RootElement.GetProperty("ts").GetDateTimeOffset();
    }

    private static OutboxItem StatusAt(ContractMapper map, DateTimeOffset at) =>
        map.StatusItem(map.Status(online: true, at, TimeSpan.Zero, 0, null, null));

    [Fact]
    public void Messages_of_one_topic_stamped_in_the_same_millisecond_get_successive_milliseconds()
    {
        ContractMapper map = Mapper();

        DateTimeOffset[] stamps = [.. Enumerable.Range(0, 5).Select(_ => Ts(StatusAt(map, T0)))];

        Assert.Equal([T0, T0.AddMilliseconds(1), T0.AddMilliseconds(2), T0.AddMilliseconds(3), T0.AddMilliseconds(4)], stamps);
    }

    [Fact]
    public void A_message_after_a_burst_within_the_burst_keeps_after_it_and_a_later_one_keeps_its_own_time()
    {
        ContractMapper map = Mapper();
        Ts(StatusAt(map, T0));
        Ts(StatusAt(map, T0));
        Ts(StatusAt(map, T0));

        Assert.Equal(T0.AddMilliseconds(3), Ts(StatusAt(map, T0.AddMilliseconds(1))));
        Assert.Equal(T0.AddMilliseconds(10), Ts(StatusAt(map, T0.AddMilliseconds(10))));
    }

    [Fact]
    public void A_wall_clock_stepped_back_by_NTP_is_taken_as_it_is()
    {
        ContractMapper map = Mapper();
        Ts(StatusAt(map, T0));

        DateTimeOffset earlier = T0.AddMinutes(-5);

        Assert.Equal(earlier, Ts(StatusAt(map, earlier)));
    }

    [Fact]
    public void Messages_of_different_topics_in_the_same_millisecond_keep_that_millisecond()
    {
        ContractMapper map = Mapper();

        Assert.Equal(T0, Ts(StatusAt(map, T0)));
        Assert.Equal(T0, Ts(map.BufferFull("a1", raised: true, T0, T0, thinned: 1, bound: 10)));
    }
}
