using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet.Server;

namespace EdgeGateway.Messaging;

/// <summary>
/// An MQTT broker inside the gateway (MQTTnet.Server), for the demo and for a shed without a
/// property-company broker: the gateway publishes to it like to any broker, and anyone on the
/// machine can watch with <c>mosquitto_sub -V mqttv5 -p PORT -t 'edge/#' -v</c> (MQTTnet's server refuses the empty client id an MQTT 3.1.1 mosquitto_sub sends; with MQTT 5 it assigns one). It listens on loopback only
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

        // MQTT 3.1.1 §3.1.3.1 / MQTT 5 §3.1.3.1.1: a client may connect with an empty client id and
        // the server assigns one (mosquitto_sub does this by default).
        _server.ValidatingConnectionAsync += e =>
        {
            if (string.IsNullOrEmpty(e.ClientId))
            {
                e.AssignedClientIdentifier = "anon-" + Guid.NewGuid().ToString("N")[..12];
                e.ReasonCode = MQTTnet.Protocol.MqttConnectReasonCode.Success;
            }

            return Task.CompletedTask;
        };
        try
        {
            await _server.StartAsync();
            LogListening(settings.Address, settings.Port);
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            // Protection never depends on the broker: without it the outbox keeps everything until one answers.
            LogCannotListen(ex, settings.Address, settings.Port);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is { IsStarted: true } server)
        {
            await server.StopAsync(new MqttServerStopOptions());
        }
    }

    public void Dispose() => _server?.Dispose();

    [LoggerMessage(Level = LogLevel.Error, Message = "Embedded MQTT broker cannot listen on {Address}:{Port}; messages wait in the outbox")]
    private partial void LogCannotListen(Exception exception, IPAddress address, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded MQTT broker listening on {Address}:{Port} (watch with: mosquitto_sub -V mqttv5 -p {Port} -t 'edge/#' -v)")]
    private partial void LogListening(IPAddress address, int port);
}

/// <summary>Where the embedded broker listens.</summary>
public sealed record EmbeddedBrokerSettings(IPAddress Address, int Port);
