using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Tests.EndToEnd;
using EdgeGateway.Hub.Tests.WebConsole;
using EdgeGateway.Hub.Tests.WebConsole.Api;
using EdgeGateway.Testing.Http;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;
using static System.FormattableString;

namespace EdgeGateway.Hub.Tests.Platform;

/// <summary>The platform API tests share one stack (<see cref="PlatformRig"/>); they run one after the other.</summary>
[CollectionDefinition(Name)]
public sealed class SharedPlatformApi : ICollectionFixture<PlatformRig>
{
    public const string Name = "platform-api";
}

/// <summary>
/// The real stack for the platform API, started once for its tests: Mosquitto, InfluxDB 1.x and the hub process with its
/// registry (<see cref="ConsoleHubRig"/>; <c>test-site</c> has a tariff of 1.20 元/kWh), a 2 s command timeout and
/// webhook retries after 0.2 s; the real gateway process (<c>run --simulate</c>, <see cref="SimulatedGateway"/>) as
/// <see cref="OwnGateway"/> of that site, on the seven-port shed of <see cref="SiteYaml"/> playing
/// <see cref="ScenarioYaml"/> at <see cref="Speed"/>×, connected through a <see cref="TcpCutter"/> so that a test can cut
/// its link; a gateway that says it is online and never answers (<see cref="FakeGateway"/>); a subscriber that records
/// every command the hub sends to the site's gateways and every card list it sends to the own gateway; an API key per
/// company (the own company's with a webhook to a loopback receiver), made by the admin through the console's key
/// endpoints, and a prepaid card (<see cref="CardReference"/>) issued by the own company's manager through the console's
/// card endpoints, both before the gateway starts, so that every event of the shed has a key to go to and the shed's
/// card terminal knows the card.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "xunit ends a fixture through IAsyncLifetime.DisposeAsync, which disposes the link and the recorder")]
public sealed class PlatformRig() : ConsoleHubRig("platform", [new ConsoleUser("admin", "admin", Company: null), new ConsoleUser(ManagerName, "manager")], commandTimeout: null)
{
    /// <summary>The own company's manager, who issued <see cref="CardReference"/>.</summary>
    public const string ManagerName = "li";

    /// <summary>The resident's prepaid card: its UID (what the reader reads), its number, its opening balance (1 元).</summary>
    public const string CardUid = "04C1D2E3F4A5B6";

    public const string CardReference = "RIG-0001";

    public const long CardOpeningFen = 100;

    public const string OwnSite = FakeGateway.Site;
    public const string OwnGateway = "gw-platform";
    public const string SilentGateway = "gw-silent";

    /// <summary>
    /// Shed seconds per real second: a 600 W charger draws 5 Wh a real second. The simulated shed costs CPU by the shed
    /// second (about 8 ms of a core each for these seven ports with the process's start, <c>/usr/bin/time</c> on 15 minutes at 30×: 7.2 s), so the tests' limits
    /// are small and the speed no higher than leaves a test time to act before a charge reaches its limit.
    /// </summary>
    public const int Speed = 30;

    /// <summary>
    /// Seven ports on one MCP3208 (the VT on channel 0), as the demo shed's first seven, and the card terminal of
    /// <c>firmware-config/sites/demo-card-terminal.yaml</c> (reader, 16×2 LCD, limits as there; the keypad's pins that
    /// are this shed's relays, BCM 22, 23 and 24, moved to free pins 18, 19 and 21; BCM 4 is the 1-Wire bus's). The shed's clock runs at
    /// <see cref="Speed"/>×, so it is soon an hour and more ahead of the hub's, which stamps every command: the command window is
    /// the widest a site file allows (24 h), or every command after the first few seconds would be refused as expired.
    /// </summary>
    public static readonly string SiteYaml = $$"""
        site:
          id: {{OwnSite}}
          gateway: {{OwnGateway}}
          name: 平台测试车棚
        board:
          i2cBus: 1
          gpioChip: 0
        mains:
          nominalVoltageV: 220
          frequencyHz: 50
          voltageSensor: { adc: adc0, channel: 0 }
          voltsPerAdcVolt: 268.97
        adcs:
          - { id: adc0, chip: mcp3208, spiBus: 0, chipSelect: 0, clockHz: 1000000, referenceV: 3.3 }
        ports:
        {{string.Join("\n", new[] { 5, 6, 12, 13, 22, 23, 24 }.Select((gpio, i) => Invariant($"  - {{ id: P0{i + 1}, meter: {{ type: ac, adc: adc0, channel: {i + 1}, ampsPerAdcVolt: 30 }}, relay: {{ gpio: {gpio} }} }}")))}}
        terminal:
          reader: { chip: mfrc522, spiBus: 0, chipSelect: 1, resetGpio: 25, clockHz: 1000000 }
          keypad: { rowGpios: [17, 27, 18, 19], columnGpios: [21, 26, 16, 20] }
          lcd: { address: 0x27, columns: 16, rows: 2 }
          maxAmountFen: 2000
          allowConcurrentSessions: false
        protection:
          port:
            maxPowerW: 1000
          shed:
            maxPowerW: 6000
        sampling:
          roundPeriodMs: 500
          telemetryPeriodSeconds: 30
        mqtt:
          broker: embedded
          commandMaxAgeSeconds: 86400
        """;

    /// <summary>
    /// What happens at the shed, by port: P01 has nothing plugged; P02 gets a 1500 W modified charger that asks to start
    /// and is locked out by the overload; P03, P04, P06 and P07 have a 600 W lithium charger plugged that waits for a
    /// start (nobody asks); at P05 an operator starts a charge paid by card <c>card-0042</c> with a 5 Wh limit, as the
    /// console or a card terminal would (not the platform's API). At the card terminal, once P05 is idle again, a
    /// resident lays card <see cref="CardUid"/> on the reader at 00:10, keys <c>5#</c> (P05 starts with the card's
    /// balance as its limit) and takes the card away; at 00:11:30 lays it on again and keys <c>5#</c>: P05 stops
    /// (<c>user_stop</c>) after 90 shed seconds of 600 W, 15 Wh (2 fen at 1.20 元/kWh), far below the 1 元 the card holds. The swipe comes
    /// 20 real seconds after the gateway starts, by when the hub has sent it the card list (at its first status).
    /// </summary>
    public static string ScenarioYaml(string start) => $$"""
        name: platform e2e
        start: "{{start}}"
        seed: 18
        arrivals:
          peakPerHour: 0
        events:
          - at: "00:00:01"
            port: P02
            plug: { load: modified_charger, powerW: 1500 }
        {{string.Join("\n", new[] { "P03", "P04", "P05", "P06", "P07" }.Select(port =>
            $"  - at: \"00:00:01\"\n    port: {port}\n    plug: {{ load: lithium, powerW: 600, stateOfCharge: 0.2, capacityWh: 5000, requestStart: false }}"))}}
          - at: "00:00:30"
            port: P05
            command: { kind: start, card: card-0042, limit: { energy_wh: 5 } }
          - at: "00:10:00"
            card: {{CardUid}}
          - at: "00:10:10"
            keys: "5#"
          - at: "00:10:20"
            card: none
          - at: "00:11:30"
            card: {{CardUid}}
          - at: "00:11:40"
            keys: "5#"
          - at: "00:11:50"
            card: none
        """;

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) }; // a hang bound, generous for a loaded machine

    private FakeGateway? _silent;
    private ProbeClient? _commands;
    private Task _recording = Task.CompletedTask;
    private readonly CancellationTokenSource _stopRecording = new();
    private TcpCutter? _link;
    private ProductProcess? _gateway;
    private LoopbackReceiver? _receiver;
    private readonly List<ConsoleClient> _clients = [];

    internal LoopbackReceiver Receiver => _receiver ?? throw new InvalidOperationException("not started");

    /// <summary>The gateway's link to the broker: <see cref="TcpCutter.Cut"/> takes the gateway offline (the broker
    /// publishes its Last Will, the hub's board shows it offline) while it runs on.</summary>
    internal TcpCutter GatewayLink => _link ?? throw new InvalidOperationException("not started");

    internal ProductProcess GatewayProcess => _gateway ?? throw new InvalidOperationException("not started");

    internal ConsoleClient Admin => _clients.Count > 0 ? _clients[0] : throw new InvalidOperationException("not started");

    /// <summary>The own company's manager (<see cref="ManagerName"/>), signed in.</summary>
    internal ConsoleClient Manager => _clients.Count > 1 ? _clients[1] : throw new InvalidOperationException("not started");

    /// <summary>Every card list the hub published for <see cref="OwnGateway"/>, in order.</summary>
    internal ConcurrentQueue<CardListMessage> CardLists { get; } = new();

    /// <summary>Every command the hub published to a gateway of <see cref="OwnSite"/>: (gateway, command, request), in order.</summary>
    internal ConcurrentQueue<(string Gateway, string Command, CommandRequest Request)> Commands { get; } = new();

    /// <summary>The own company's key (its webhook: <see cref="Receiver"/>'s <c>/own</c>) and its webhook secret.</summary>
    public string OwnKey { get; private set; } = "";

    public string OwnWebhookSecret { get; private set; } = "";

    public string OtherKey { get; private set; } = "";

    protected override IReadOnlyDictionary<string, string> HubEnvironment { get; } = new Dictionary<string, string>
    {
        ["Platform__CommandTimeout"] = "00:00:02",
        ["Platform__WebhookInitialBackoff"] = "00:00:00.200",
        ["Platform__WebhookMaxBackoff"] = "00:00:00.400",
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _receiver = await LoopbackReceiver.StartAsync();
        _silent = await FakeGateway.StartAsync(Broker, OwnSite, SilentGateway);
        _commands = await ProbeClient.ConnectAsync(Broker, clientId: "platform-commands-" + Guid.NewGuid().ToString("N")[..6]);
        await _commands.SubscribeAsync($"{ContractTopics.Root}/{OwnSite}/+/cmd/+");
        await _commands.SubscribeAsync(ContractTopics.Cards(OwnSite, OwnGateway));
        _recording = RecordCommandsAsync(_commands, _stopRecording.Token);

        var admin = new ConsoleClient(BaseUri);
        _clients.Add(admin);
        using (HttpResponseMessage signedIn = await admin.SignInAsync("admin", Password))
        {
            Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        }
        JsonElement own = await CreateKeyAsync(OwnCompany, "pay-platform", Receiver.Url("/own"));
        OwnKey = own.GetProperty("key").GetString()!;
        OwnWebhookSecret = own.GetProperty("webhook_secret").GetString()!;
        OtherKey = (await CreateKeyAsync(OtherCompany, "beta-platform", null)).GetProperty("key").GetString()!;

        // The manager issues the resident's card in the console, as the cards page does, before the gateway starts.
        var manager = new ConsoleClient(BaseUri);
        _clients.Add(manager);
        using (HttpResponseMessage signedIn = await manager.SignInAsync(ManagerName, Password))
        {
            Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        }

        (HttpStatusCode issued, JsonElement card) = await manager.PostAsync($"/api/cards/{OwnCompany}",
            Invariant($$"""{"uid":"{{CardUid}}","reference":"{{CardReference}}","opening_yuan":{{CardOpeningFen / 100m}}}"""));
        Assert.True(issued == HttpStatusCode.OK, $"issuing the card: {(int)issued} {card}");

        string siteFile = Path.Combine(WorkDirectory, "platform-site.yaml");
        string scenarioFile = Path.Combine(WorkDirectory, "platform-scenario.yaml");
        await File.WriteAllTextAsync(siteFile, SiteYaml);
        await File.WriteAllTextAsync(scenarioFile, ScenarioYaml(SimulatedGateway.StartingNow()));
        _link = new TcpCutter(Broker.Port);
        // Reconnects within a second of a restored link (the product's back-off reaches 30 s).
        _gateway = SimulatedGateway.Start(_link.Uri, siteFile, scenarioFile, Directory.CreateDirectory(Path.Combine(WorkDirectory, "gw")).FullName,
            Invariant($"{Speed}"), "1.00:00:00", new Dictionary<string, string> { ["EDGEGATEWAY_Mqtt__MaxBackoff"] = "00:00:01" });

        // Ready when the hub shows both gateways online with their ports, and P02's overload has locked it out.
        await ConsoleApiRig.Eventually(async () =>
        {
            foreach (string gateway in new[] { OwnGateway, SilentGateway })
            {
                (HttpStatusCode status, _, string body) = await CallAsync(HttpMethod.Get, $"/api/platform/v1/sites/{OwnSite}/gateways/{gateway}/ports/P01", OwnKey);
                if (status != HttpStatusCode.OK || !JsonDocument.Parse(body).RootElement.GetProperty("gateway_online").GetBoolean())
                {
                    return false;
                }
            }

            (_, _, string p02) = await CallAsync(HttpMethod.Get, $"/api/platform/v1/sites/{OwnSite}/gateways/{OwnGateway}/ports/P02", OwnKey);
            return JsonDocument.Parse(p02).RootElement.GetProperty("state").GetString() == "disabled";
        }, TimeSpan.FromSeconds(90), "the hub never showed the gateways' ports and P02 locked out");
    }

    /// <summary>A key made by the admin; the answer (<c>key</c>, <c>webhook_secret</c>).</summary>
    internal async Task<JsonElement> CreateKeyAsync(string company, string name, string? webhookUrl)
    {
        (HttpStatusCode status, JsonElement body) = await Admin.PostAsync(
            "/api/platform/keys", JsonSerializer.Serialize(new Dictionary<string, string?> { ["company"] = company, ["name"] = name, ["webhook_url"] = webhookUrl }));
        Assert.True(status == HttpStatusCode.OK, $"creating a key: {(int)status} {body}");
        return body;
    }

    /// <summary>The commands of one name the hub sent to <paramref name="gateway"/>.</summary>
    internal IEnumerable<CommandRequest> CommandsTo(string gateway, string command) =>
        Commands.Where(c => c.Gateway == gateway && c.Command == command).Select(c => c.Request);

    /// <summary>A platform API request with <paramref name="key"/> as the bearer token (none when null).</summary>
    internal async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? key, string? json = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(BaseUri, path));
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return await Http.SendAsync(request);
    }

    /// <summary>The status, content type and body of a platform API request.</summary>
    internal async Task<(HttpStatusCode Status, string? ContentType, string Body)> CallAsync(HttpMethod method, string path, string? key, string? json = null)
    {
        using HttpResponseMessage response = await SendAsync(method, path, key, json);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Restarts the hub process (same data directory, same port).</summary>
    internal Task RestartHubAsync() => Hub.RestartAsync();

    public override async Task DisposeAsync()
    {
        foreach (ConsoleClient client in _clients)
        {
            client.Dispose();
        }

        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (_link is not null)
        {
            await _link.DisposeAsync();
        }

        await _stopRecording.CancelAsync();
        await _recording;
        if (_commands is not null)
        {
            await _commands.DisposeAsync();
        }

        if (_silent is not null)
        {
            await _silent.DisposeAsync();
        }

        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }

        _stopRecording.Dispose();
        await base.DisposeAsync();
    }

    private async Task RecordCommandsAsync(ProbeClient probe, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            MQTTnet.MqttApplicationMessage? message = await probe.TryNextAsync(TimeSpan.FromMilliseconds(200));
            if (message is null || !ContractTopics.TryParse(message.Topic, out ContractTopic topic))
            {
                continue;
            }

            if (topic.Kind == ContractTopicKind.Command && ContractJson.TryDeserialize(message.Payload.ToArray(), out CommandRequest? request, out _))
            {
                Commands.Enqueue((topic.Gateway, topic.CommandName!, request!));
            }
            else if (topic.Kind == ContractTopicKind.Cards && ContractJson.TryDeserialize(message.Payload.ToArray(), out CardListMessage? list, out _))
            {
                CardLists.Enqueue(list!);
            }
        }
    }
}
