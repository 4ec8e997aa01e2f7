using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Servers;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeGateway.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/EdgeGateway.Benchmarks -- ingest [--messages N]</c>: the hub's ingest rate
/// through a real Mosquitto into a real InfluxDB 1.x on this machine, measured in one run next to the two rates that
/// bound it — the broker delivering the same messages to a bare QoS 1 subscriber, and InfluxDB taking the same points
/// as line protocol straight over HTTP — and with the hub's in-flight window (MQTT 5 Receive Maximum) at 20, the
/// window Mosquitto gives MQTT 3.1.1 clients by default, to show what acknowledging after the write costs without a
/// wide window. The bench's publisher and bare subscriber are MQTTnet clients with the product's socket buffers
/// (<see cref="BenchMqtt"/>); each hub is measured once it is ready by its <c>/healthz</c> and a probe message, not by
/// its log.
/// </summary>
internal static class IngestBench
{
    private const int Gateways = 50;

    public static async Task<int> RunAsync(string[] args)
    {
        int messages = BenchArguments.Option(args, "--messages").Select(BenchArguments.Int).FirstOrDefault(60_000);
        if (messages < 1)
        {
            Console.Error.WriteLine("ingest: --messages must be at least 1");
            return 2;
        }

        byte[][] payloads = MakePayloads(messages, out string[] topics);
        Line($"ingest bench: {messages:N0} port telemetry messages from {Gateways} gateways (~{payloads.Average(p => p.Length):F0} bytes each), {Environment.ProcessorCount} cores");
        Line($"  publisher and bare subscriber: {BenchMqtt.ClientDescription}");

        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(MosquittoBrokerOptions.ForHub);
        await using InfluxDbServer influx = await InfluxDbServer.StartNewAsync();

        double brokerRate = await BareSubscriberAsync(broker, topics, payloads);
        Line($"  Mosquitto → bare QoS 1 subscriber ({BenchMqtt.ClientDescription}): {brokerRate:N0} msg/s");

        double influxRate = await LineProtocolAsync(influx, topics, payloads);
        Line($"  InfluxDB /write, 5,000 lines per request: {influxRate:N0} points/s");

        foreach (int window in new[] { 4000, 20 })
        {
            (double rate, TimeSpan elapsed) = await HubAsync(broker, influx, topics, payloads, window);
            Line($"  Mosquitto → hub → InfluxDB, Receive Maximum {window}: {rate:N0} msg/s = {rate:N0} points/s ({elapsed.TotalSeconds:F1} s)");
        }

        return 0;
    }

    private static void Line(FormattableString text) => Console.WriteLine(text.ToString(CultureInfo.InvariantCulture));

    private static byte[][] MakePayloads(int count, out string[] topics)
    {
        var start = new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);
        byte[][] payloads = new byte[count][];
        topics = new string[count];
        for (int i = 0; i < count; i++)
        {
            int gw = i % Gateways;
            long seq = (i / Gateways) + 1;
            string port = "P" + ((seq % 28) + 1).ToString("00", CultureInfo.InvariantCulture);
            topics[i] = ContractTopics.PortTelemetry("bench", $"gw-{gw:000}", port);
            payloads[i] = ContractJson.Serialize(new PortTelemetryMessage
            {
                Seq = seq, Ts = start.AddMilliseconds(seq * 10), Site = "bench", Gateway = $"gw-{gw:000}", Port = port,
                State = PortState.Charging, RelayClosed = true, VoltageV = 229.5, CurrentA = 0.8, PowerW = 120 + (i % 50),
                PowerFactor = 0.64, SessionEnergyWh = i % 1000, SessionS = 600, LifetimeEnergyWh = 10_000 + i, MeasuredTs = start,
            });
        }

        return payloads;
    }

    /// <summary>Publishes every message at QoS 1 with up to 1,000 in flight.</summary>
    private static async Task PublishAllAsync(MosquittoBroker broker, string[] topics, byte[][] payloads)
    {
        using IMqttClient publisher = await BenchMqtt.ConnectAsync(broker, "bench-publisher");
        using var inFlight = new SemaphoreSlim(1000);
        var pending = new List<Task>(payloads.Length);
        for (int i = 0; i < payloads.Length; i++)
        {
            await inFlight.WaitAsync();
            MqttApplicationMessage message = new MqttApplicationMessageBuilder().WithTopic(topics[i]).WithPayload(payloads[i])
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
            pending.Add(publisher.PublishAsync(message).ContinueWith(_ => inFlight.Release(), TaskScheduler.Default));
        }

        await Task.WhenAll(pending);
        await publisher.DisconnectAsync();
    }

    private static async Task<double> BareSubscriberAsync(MosquittoBroker broker, string[] topics, byte[][] payloads)
    {
        // The same window as the hub's default, so that the two differ only in what is done with a message.
        using IMqttClient subscriber = await BenchMqtt.ConnectAsync(broker, "bench-bare-subscriber", receiveMaximum: 4000);
        int received = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.ApplicationMessageReceivedAsync += _ =>
        {
            if (Interlocked.Increment(ref received) == payloads.Length)
            {
                all.TrySetResult();
            }

            return Task.CompletedTask;
        };
        await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("edge/v1/bench/#", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        var clock = Stopwatch.StartNew();
        await PublishAllAsync(broker, topics, payloads);
        await all.Task.WaitAsync(TimeSpan.FromMinutes(5));
        clock.Stop();
        await subscriber.DisconnectAsync();
        return payloads.Length / clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> LineProtocolAsync(InfluxDbServer influx, string[] topics, byte[][] payloads)
    {
        await influx.CreateDatabaseAsync("baseline");
        var reader = new Hub.Ingest.ContractMessageReader(TimeProvider.System);
        var lines = new List<string>(payloads.Length);
        for (int i = 0; i < payloads.Length; i++)
        {
            var accept = (Hub.Ingest.IngestDecision.Accept)reader.Read(topics[i], payloads[i]);
            lines.Add(Hub.Storage.ContractPoints.From(accept.Message, DateTimeOffset.UtcNow).ToLineProtocol());
        }

        var clock = Stopwatch.StartNew();
        foreach (string[] chunk in lines.Chunk(5000))
        {
            await influx.WriteLinesAsync("baseline", string.Join('\n', chunk), precision: "ns");
        }

        clock.Stop();
        return payloads.Length / clock.Elapsed.TotalSeconds;
    }

    private static async Task<(double Rate, TimeSpan Elapsed)> HubAsync(MosquittoBroker broker, InfluxDbServer influx, string[] topics, byte[][] payloads, int window)
    {
        string database = "hub" + window.ToString(CultureInfo.InvariantCulture);
        string clientId = "bench-hub-" + window.ToString(CultureInfo.InvariantCulture);
        await influx.CreateDatabaseAsync(database);
        string data = Directory.CreateTempSubdirectory("edgegateway-bench-hub-").FullName;
        int port = LoopbackPorts.Claim();
        await using var hub = ProductProcess.Start("EdgeGateway.Hub",
            [
                "run", "--broker", broker.Uri.ToString(), "--influx-url", influx.Uri.ToString(), "--influx-api", "v1",
                "--influx-db", database, "--http", $"http://127.0.0.1:{port}", "--client-id", clientId, "--data-dir", data,
            ],
            new Dictionary<string, string> { ["Hub__Ingest__QueueCapacity"] = window.ToString(CultureInfo.InvariantCulture), ["Logging__LogLevel__Default"] = "Warning", ["Logging__LogLevel__EdgeGateway.Hub.Ingest.HubIngestService"] = "Information" });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var health = new Uri($"http://127.0.0.1:{port}/healthz");
        long before = await WaitReadyAsync(hub, http, health, broker);

        var clock = Stopwatch.StartNew();
        Task publishing = PublishAllAsync(broker, topics, payloads);
        while (true)
        {
            JsonElement state = await http.GetFromJsonAsync<JsonElement>(health);
            if (state.GetProperty("acknowledged").GetInt64() - before >= payloads.Length)
            {
                break;
            }

            if (hub.HasExited)
            {
                throw new InvalidOperationException($"the hub exited with {hub.ExitCode} while ingesting; last /healthz: {state}. Its output:\n{hub.Output}");
            }

            if (clock.Elapsed > TimeSpan.FromMinutes(10))
            {
                throw new TimeoutException("the hub did not take every message in 10 minutes: " + state);
            }

            await Task.Delay(20);
        }

        clock.Stop();
        await publishing;

        // Every message is one point, and the readiness probe one more (however often it was sent: the same point).
        long expected = payloads.Length + 1;
        long stored = await influx.CountAsync(database, "port", "seq");
        for (var settle = Stopwatch.StartNew(); stored != expected && settle.Elapsed < TimeSpan.FromSeconds(10);)
        {
            await Task.Delay(100);
            stored = await influx.CountAsync(database, "port", "seq");
        }

        if (stored != expected)
        {
            throw new InvalidOperationException($"stored {stored} points for {payloads.Length} messages and the readiness probe");
        }

        await hub.StopAsync(TimeSpan.FromSeconds(20));
        // The hub's session (2 days' expiry) would otherwise go on queueing the next run's messages in the broker.
        await BenchMqtt.EndSessionAsync(broker, clientId);
        Directory.Delete(data, recursive: true);
        return (payloads.Length / clock.Elapsed.TotalSeconds, clock.Elapsed);
    }

    /// <summary>
    /// Waits until the hub is ready to be measured, and returns its acknowledged count then: its <c>/healthz</c>
    /// answers (connection refused until its web server listens) with <c>broker_connected</c>, and a probe message
    /// (port telemetry of gateway <c>gw-ready</c>) has come back acknowledged, which proves the subscription: a
    /// message published between the hub's CONNACK and its SUBACK would be lost to it. The probe is sent again every
    /// 2 s until it is taken. Fails, with what it last saw and the hub's output, when the hub exits or after
    /// <paramref name="bound"/> (default 90 s).
    /// </summary>
    private static async Task<long> WaitReadyAsync(ProductProcess hub, HttpClient http, Uri health, MosquittoBroker broker, TimeSpan? bound = null)
    {
        TimeSpan limit = bound ?? TimeSpan.FromSeconds(90);
        var clock = Stopwatch.StartNew();
        string seen = "no answer yet";
        IMqttClient? prober = null;
        TimeSpan? probedAt = null;
        int probes = 0;
        try
        {
            while (true)
            {
                if (hub.HasExited)
                {
                    throw new InvalidOperationException($"the hub exited with {hub.ExitCode} before it was ready; last seen from {health}: {seen}. Its output:\n{hub.Output}");
                }

                if (clock.Elapsed > limit)
                {
                    throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                        $"the hub was not ready within {limit.TotalSeconds:F0} s (/healthz answering with broker_connected true, then a probe message acknowledged; {probes} probes sent); last seen from {health}: {seen}. Its output:\n{hub.Output}"));
                }

                JsonElement? state = null;
                try
                {
                    state = await http.GetFromJsonAsync<JsonElement>(health);
                    seen = state.Value.ToString();
                }
                catch (HttpRequestException exception)
                {
                    seen = exception.Message; // "Connection refused (127.0.0.1:PORT)" until Kestrel listens
                }
                catch (TaskCanceledException)
                {
                    seen = $"no answer within {http.Timeout.TotalSeconds} s";
                }

                if (state is { } s && s.GetProperty("broker_connected").GetBoolean())
                {
                    long acknowledged = s.GetProperty("acknowledged").GetInt64();
                    if (acknowledged >= 1 && acknowledged == s.GetProperty("received").GetInt64() && s.GetProperty("queued").GetInt64() == 0)
                    {
                        return acknowledged;
                    }

                    if (probedAt is null || clock.Elapsed - probedAt > TimeSpan.FromSeconds(2))
                    {
                        prober ??= await BenchMqtt.ConnectAsync(broker, "bench-ready-probe");
                        await prober.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(ProbeTopic).WithPayload(ProbePayload)
                            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
                        probedAt = clock.Elapsed;
                        probes++;
                    }
                }

                await Task.Delay(100);
            }
        }
        finally
        {
            if (prober is not null)
            {
                await prober.DisconnectAsync();
                prober.Dispose();
            }
        }
    }

    private static string ProbeTopic => ContractTopics.PortTelemetry("bench", "gw-ready", "P01");

    private static byte[] ProbePayload
    {
        get
        {
            var at = new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);
            return ContractJson.Serialize(new PortTelemetryMessage
            {
                Seq = 1, Ts = at, Site = "bench", Gateway = "gw-ready", Port = "P01", State = PortState.Charging, RelayClosed = true,
                VoltageV = 229.5, CurrentA = 0.8, PowerW = 120, PowerFactor = 0.64, SessionEnergyWh = 0, SessionS = 600,
                LifetimeEnergyWh = 10_000, MeasuredTs = at,
            });
        }
    }

}
