namespace EdgeGateway.Tests.Messaging.Mosquitto;

/// <summary>One plain, anonymous Mosquitto shared by the tests of the <see cref="SharedMosquitto"/> (tests that stop, restart or configure a broker start their own).</summary>
public sealed class MosquittoFixture : IAsyncLifetime
{
    private MosquittoBroker? _broker;

    public MosquittoBroker Broker => _broker ?? throw new InvalidOperationException("the shared broker is not started");

    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartNewAsync(MosquittoBrokerOptions.Plain);

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SharedMosquitto : ICollectionFixture<MosquittoFixture>
{
    public const string Name = "Shared Mosquitto broker";
}
