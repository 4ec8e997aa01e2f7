using EdgeGateway.Testing.Mosquitto;

namespace EdgeGateway.Mqtt.Tests;

/// <summary>The tests that can share one plain broker (those that stop, restart or configure a broker start their own).</summary>
[CollectionDefinition(Name)]
public sealed class SharedMosquitto : ICollectionFixture<MosquittoFixture>
{
    public const string Name = "Shared Mosquitto broker";
}
