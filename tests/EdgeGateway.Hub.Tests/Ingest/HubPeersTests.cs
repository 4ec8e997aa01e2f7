using EdgeGateway.Hub.Ingest;

namespace EdgeGateway.Hub.Tests.Ingest;

public sealed class HubPeersTests
{
    [Fact]
    public void Stored_numbers_are_reported_as_the_fewest_inclusive_ranges() =>
        Assert.Equal(
            [[1L, 3L], [5L, 5L], [7L, 9L]],
            HubPeers.Ranges([9, 1, 2, 3, 5, 7, 8, 2]));
}
