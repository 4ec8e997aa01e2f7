using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EdgeGateway.Hub.Tests.WebConsole;
using EdgeGateway.Hub.Tests.WebConsole.Api;
using EdgeGateway.Testing.Http;

namespace EdgeGateway.Hub.Tests.Platform;

/// <summary>The platform API tests share one stack (<see cref="PlatformRig"/>); they run one after the other.</summary>
[CollectionDefinition(Name)]
public sealed class SharedPlatformApi : ICollectionFixture<PlatformRig>
{
    public const string Name = "platform-api";
}

/// <summary>
/// The real hub process for the platform API (<see cref="ConsoleHubRig"/>: Mosquitto, InfluxDB 1.x, the hub with its
/// registry, where <c>test-site</c> has a tariff of 1.20 元/kWh), with a 2 s command timeout and webhook retries after
/// 0.2 s; test-side gateways answering per the contract (<see cref="PlatformGateway"/>): one at the own company's site,
/// one at the other company's, one that never answers and one whose status says offline; an API key per company (the
/// own company's with a webhook to a loopback receiver), made by the admin through the console's key endpoints.
/// </summary>
public sealed class PlatformRig() : ConsoleHubRig("platform", [new ConsoleUser("admin", "admin", Company: null)], commandTimeout: null)
{
    public const string OwnSite = WebConsole.Api.FakeGateway.Site;
    public const string OwnGateway = "gw-platform";
    public const string SilentGateway = "gw-silent";
    public const string OfflineGateway = "gw-offline";
    public const string OtherGateway = "gw-other";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) }; // a hang bound, generous for a loaded machine

    private PlatformGateway? _own;
    private PlatformGateway? _other;
    private PlatformGateway? _silent;
    private PlatformGateway? _offline;
    private LoopbackReceiver? _receiver;
    private readonly List<ConsoleClient> _clients = [];

    internal PlatformGateway Own => _own ?? throw new InvalidOperationException("not started");

    internal PlatformGateway Other => _other ?? throw new InvalidOperationException("not started");

    internal PlatformGateway Silent => _silent ?? throw new InvalidOperationException("not started");

    internal PlatformGateway Offline => _offline ?? throw new InvalidOperationException("not started");

    internal LoopbackReceiver Receiver => _receiver ?? throw new InvalidOperationException("not started");

    internal ConsoleClient Admin => _clients.Count > 0 ? _clients[0] : throw new InvalidOperationException("not started");

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
        _own = await PlatformGateway.StartAsync(Broker, OwnSite, OwnGateway, true, "P01", "P02", "P03", "P04");
        _other = await PlatformGateway.StartAsync(Broker, OtherSite, OtherGateway, true, "P01");
        _silent = await PlatformGateway.StartAsync(Broker, OwnSite, SilentGateway, true, "P01");
        _silent.Answer = (_, _) => null;
        _offline = await PlatformGateway.StartAsync(Broker, OwnSite, OfflineGateway, false, "P01");

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

        // Ready when the board holds every test gateway's ports (retained states).
        await ConsoleApiRig.Eventually(async () =>
        {
            foreach ((string site, string gw, string key) in new[] { (OwnSite, OwnGateway, OwnKey), (OwnSite, SilentGateway, OwnKey), (OwnSite, OfflineGateway, OwnKey), (OtherSite, OtherGateway, OtherKey) })
            {
                using HttpResponseMessage response = await SendAsync(HttpMethod.Get, $"/api/platform/v1/sites/{site}/gateways/{gw}/ports/P01", key);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    return false;
                }
            }

            return true;
        }, TimeSpan.FromSeconds(60), "the hub never showed the test gateways' ports");
    }

    /// <summary>A key made by the admin; the answer (<c>key</c>, <c>webhook_secret</c>).</summary>
    internal async Task<JsonElement> CreateKeyAsync(string company, string name, string? webhookUrl)
    {
        (HttpStatusCode status, JsonElement body) = await Admin.PostAsync(
            "/api/platform/keys", JsonSerializer.Serialize(new Dictionary<string, string?> { ["company"] = company, ["name"] = name, ["webhook_url"] = webhookUrl }));
        Assert.True(status == HttpStatusCode.OK, $"creating a key: {(int)status} {body}");
        return body;
    }

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
        foreach (PlatformGateway? gateway in new[] { _own, _other, _silent, _offline })
        {
            if (gateway is not null)
            {
                await gateway.DisposeAsync();
            }
        }

        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}
