using System.Net;
using System.Text.Json;

namespace EdgeGateway.Hub.Tests.WebConsole.Api;

/// <summary>The console API tests share one stack (<see cref="ConsoleApiRig"/>); they run one after the other.</summary>
[CollectionDefinition(Name)]
public sealed class SharedConsoleApi : ICollectionFixture<ConsoleApiRig>
{
    public const string Name = "console-api";
}

/// <summary>
/// The real product for the console API tests, started once (<see cref="ConsoleHubRig"/>: Mosquitto, InfluxDB 1.x, the
/// hub process with the web console), with one user per role and two more, a 3 s command timeout, the real gateway on
/// simulated hardware started at once (scenario "overload", its clock starting now, real time: P02 is locked out about
/// 2.5 s after start), and a fake gateway that raises alarms on demand and never answers.
/// </summary>
public sealed class ConsoleApiRig() : ConsoleHubRig("api", Users, CommandTimeout)
{
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(3);

    /// <summary>The test users: one per role and two more (<c>lock-me</c> is for the lockout test only), and for the
    /// tenant matrix the other company's and the district's users of each role but admin (<see cref="TenantUser"/>).</summary>
    private static IReadOnlyList<ConsoleUser> Users { get; } =
    [
        .. OnePerRole,
        new("lock-me", "viewer"),
        new("wrong-pw", "manager"),
        new("manager", "manager", DisplayName: "张经理"),
        .. new[] { "viewer", "manager", "maintenance" }.SelectMany(role => new ConsoleUser[]
        {
            new(TenantUser(OtherCompany, role), role, Company: OtherCompany),
            new(TenantUser("district", role), role, Company: "district"),
        }),
    ];

    private readonly Dictionary<string, ConsoleClient> _signedIn = [];
    private FakeGateway? _fake;
    private FakeGateway? _otherFake;

    internal FakeGateway Fake => _fake ?? throw new InvalidOperationException("not started");

    /// <summary>A fake gateway at the other company's site (<see cref="ConsoleHubRig.OtherSite"/>).</summary>
    internal FakeGateway OtherFake => _otherFake ?? throw new InvalidOperationException("not started");

    /// <summary>The tenant matrix's user of <paramref name="company"/> (or <c>district</c>) with <paramref name="role"/>.</summary>
    public static string TenantUser(string company, string role) => $"{company}-{role}";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        StartGateway();
        _fake = await FakeGateway.StartAsync(Broker);
        _otherFake = await FakeGateway.StartAsync(Broker, OtherSite, "gw-beta");

        // Ready when the board shows the shed's 20 ports and 4 bins and the fake gateway (retained states).
        using ConsoleClient admin = new(BaseUri);
        await admin.SignInAsync("admin", Password);
        await Eventually(async () =>
        {
            JsonElement board = await admin.GetJsonAsync("/api/board");
            JsonElement? shed = FindGateway(board, Site, Gateway);
            return shed is { } g && g.GetProperty("ports").GetArrayLength() == 20 && g.GetProperty("bins").GetArrayLength() == 4
                && FindGateway(board, FakeGateway.Site, FakeGateway.Gateway) is not null && FindGateway(board, OtherSite, "gw-beta") is not null;
        }, TimeSpan.FromSeconds(60), "the board never showed the demo shed's 20 ports and 4 bins and the fake gateway");
    }

    /// <summary>A client signed in as the test user of <paramref name="role"/> (one per role, kept for the whole run).</summary>
    internal Task<ConsoleClient> AsAsync(string role) => AsUserAsync(UserOf(role));

    /// <summary>A client signed in as <paramref name="user"/> (kept for the whole run).</summary>
    internal async Task<ConsoleClient> AsUserAsync(string user)
    {
        if (!_signedIn.TryGetValue(user, out ConsoleClient? client))
        {
            client = new ConsoleClient(BaseUri);
            using HttpResponseMessage response = await client.SignInAsync(user, Password);
            Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
            Assert.NotNull(client.Cookie("edge.auth"));
            _signedIn[user] = client;
        }

        return client;
    }

    internal ConsoleClient Anonymous() => new(BaseUri);

    internal static JsonElement? FindGateway(JsonElement board, string site, string gateway)
    {
        foreach (JsonElement g in board.GetProperty("gateways").EnumerateArray())
        {
            if (g.GetProperty("site").GetString() == site && g.GetProperty("gateway").GetString() == gateway)
            {
                return g;
            }
        }

        return null;
    }

    internal static JsonElement? FindItem(JsonElement gateway, string collection, string key, string id)
    {
        foreach (JsonElement item in gateway.GetProperty(collection).EnumerateArray())
        {
            if (item.GetProperty(key).GetString() == id)
            {
                return item;
            }
        }

        return null;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, failing with <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    internal static async Task Eventually(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{what} (waited {timeout})");
            }

            await Task.Delay(200);
        }
    }

    public override async Task DisposeAsync()
    {
        foreach (ConsoleClient client in _signedIn.Values)
        {
            client.Dispose();
        }

        if (_fake is not null)
        {
            await _fake.DisposeAsync();
        }

        if (_otherFake is not null)
        {
            await _otherFake.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}
