using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet.Server;

namespace EdgeGateway.Messaging;

/// <summary>
/// An MQTT broker inside the gateway (MQTTnet.Server), for the demo and for a shed without a
/// property-company broker: the gateway publishes to it like to any broker, and anyone on the
/// machine can watch with <c>mosquitto_sub -p PORT -t 'edge/#' -v</c>. It listens on loopback only
/// and has no authentication: production configurations point the gateway at a real broker with TLS.
/// </summary>
public sealed partial class EmbeddedBroker(EmbeddedBrokerSettings settings, ILogger<EmbeddedBroker> logger) : IHostedService, IDisposable
{
    private MqttServer? _server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        MqttServerOptions options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(settings.Address)
            .WithDefaultEndpointPort(settings.Port)
            .WithPersistentSessions()
            .Build();
        _server = new MqttServerFactory().CreateMqttServer(options);
        await _server.StartAsync();
        LogListening(settings.Address, settings.Port);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is { IsStarted: true } server)
        {
            await server.StopAsync(new MqttServerStopOptions());
        }
    }

    public void Dispose() => _server?.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded MQTT broker listening on {Address}:{Port} (watch with: mosquitto_sub -p {Port} -t 'edge/#' -v)")]
    private partial void LogListening(IPAddress address, int port);
}

/// <summary>Where the embedded broker listens.</summary>
public sealed record EmbeddedBrokerSettings(IPAddress Address, int Port);
