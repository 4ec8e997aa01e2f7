using Xunit;

namespace EdgeGateway.Testing.Mosquitto;

/// <summary>One plain, anonymous Mosquitto for a test class (IClassFixture) or a collection the test project defines (tests that stop, restart or configure a broker start their own).</summary>
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
