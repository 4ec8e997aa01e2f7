using System.Globalization;
using System.Net;
using EdgeGateway.Hub.Tests.WebConsole.Browser;

namespace EdgeGateway.Hub.Tests.WebConsole.Api;

/// <summary>
/// Sign-in throttling against the real hub (issue 16 finding 8), its clients connecting from distinct loopback addresses
/// so that the hub sees distinct clients: a lock-out that an attacker cannot turn against a known user, a per-address
/// limit that stops spraying names, and a global limit. The limits' windows are an hour, so no window ends during a run;
/// the steps run in order because they share the hub's global count (the last one uses it up). No proxy is configured:
/// forwarded headers from the clients are not believed.
/// </summary>
[Trait("Category", "Servers")]
[TestCaseOrderer(StepOrderer.TypeName, StepOrderer.AssemblyName)]
public sealed class SignInLimitTests(SignInLimitTests.Rig stack) : IClassFixture<SignInLimitTests.Rig>
{
    private const int PerAddressLimit = 8;
    private const int GlobalLimit = 40;

    [Fact]
    [Step(0)]
    public async Task Forwarded_headers_from_a_client_not_in_the_proxy_list_change_neither_its_address_nor_its_scheme()
    {
        // No proxy is configured (the default): 127.0.0.31 is a client like any other, whatever it claims.
        using var client = new ConsoleClient(stack.BaseUri, IPAddress.Parse("127.0.0.31"));
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < PerAddressLimit + 2; i++)
        {
            using HttpResponseMessage response = await client.SignInAsync(
                "nobody", "Password1", forwardedFor: "198.51.100." + (i + 1).ToString(CultureInfo.InvariantCulture));
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.SeeOther, PerAddressLimit), HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(stack.BaseUri, "/login"));
        request.Headers.Add("X-Forwarded-Proto", "https");
        using HttpResponseMessage page = await client.SendAsync(request);
        string[] cookies = [.. page.Headers.GetValues("Set-Cookie")];
        Assert.NotEmpty(cookies);
        Assert.All(cookies, c => Assert.DoesNotContain("secure", c, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    [Step(1)]
    public async Task Five_wrong_passwords_from_one_address_do_not_stop_the_real_user_signing_in_from_another()
    {
        using var attacker = new ConsoleClient(stack.BaseUri, IPAddress.Parse("127.0.0.11"));
        for (int attempt = 1; attempt <= 5; attempt++)
        {
            using HttpResponseMessage failed = await attacker.SignInAsync("admin", "guess-" + attempt.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(HttpStatusCode.SeeOther, failed.StatusCode);
            Assert.StartsWith("/login?error=", failed.Headers.Location?.OriginalString, StringComparison.Ordinal);
        }

        // The attacker's address is locked for that name, even with the right password ...
        using (HttpResponseMessage locked = await attacker.SignInAsync("admin", ConsoleHubRig.Password))
        {
            Assert.Equal("/login?error=locked", locked.Headers.Location?.OriginalString);
            Assert.Null(attacker.Cookie("edge.auth"));
        }

        // ... and the real admin, elsewhere, signs in.
        using var admin = new ConsoleClient(stack.BaseUri, IPAddress.Parse("127.0.0.12"));
        using HttpResponseMessage ok = await admin.SignInAsync("admin", ConsoleHubRig.Password);
        Assert.Equal(HttpStatusCode.SeeOther, ok.StatusCode);
        Assert.Equal("/", ok.Headers.Location?.OriginalString);
        Assert.NotNull(admin.Cookie("edge.auth"));
    }

    [Fact]
    [Step(2)]
    public async Task Spraying_twenty_names_from_one_address_is_refused_429_with_Retry_After_after_the_per_address_limit()
    {
        using var sprayer = new ConsoleClient(stack.BaseUri, IPAddress.Parse("127.0.0.21"));
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 20; i++)
        {
            using HttpResponseMessage response = await sprayer.SignInAsync("user" + i.ToString(CultureInfo.InvariantCulture), "Password1");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(int.TryParse(response.Headers.GetValues("Retry-After").Single(), NumberStyles.None, CultureInfo.InvariantCulture, out int seconds));
                Assert.InRange(seconds, 1, 3600);
            }
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.SeeOther, PerAddressLimit), .. Enumerable.Repeat(HttpStatusCode.TooManyRequests, 20 - PerAddressLimit)], statuses);

        // The limit is the address's: another address signs in.
        using var other = new ConsoleClient(stack.BaseUri, IPAddress.Parse("127.0.0.22"));
        using HttpResponseMessage ok = await other.SignInAsync("viewer1", ConsoleHubRig.Password);
        Assert.NotNull(other.Cookie("edge.auth"));
    }

    [Fact]
    [Step(3)]
    public async Task Many_addresses_together_are_held_by_the_global_limit()
    {
        // Each address posts once, so no per-address limit is reached: only the global one can refuse.
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < GlobalLimit + 5; i++)
        {
            using var client = new ConsoleClient(stack.BaseUri, IPAddress.Parse("127.0.1." + (i + 1).ToString(CultureInfo.InvariantCulture)));
            using HttpResponseMessage response = await client.SignInAsync("nobody", "Password1");
            statuses.Add(response.StatusCode);
        }

        int accepted = statuses.TakeWhile(s => s == HttpStatusCode.SeeOther).Count();
        Assert.InRange(accepted, 1, GlobalLimit); // the earlier steps used some of the hour's allowance
        Assert.All(statuses.Skip(accepted), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));

        using var admin = new ConsoleClient(stack.BaseUri, IPAddress.Parse("127.0.2.1"));
        using HttpResponseMessage refused = await admin.SignInAsync("admin", ConsoleHubRig.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }

    /// <summary>A hub without InfluxDB whose sign-in limits are small and last an hour.</summary>
    public sealed class Rig() : ConsoleHubRig("signin-limits", [new("admin", "admin"), new("viewer1", "viewer")], commandTimeout: null, withInflux: false)
    {
        protected override IReadOnlyDictionary<string, string> HubEnvironment { get; } = new Dictionary<string, string>
        {
            ["Console__SignIn__PerAddressLimit"] = PerAddressLimit.ToString(CultureInfo.InvariantCulture),
            ["Console__SignIn__PerAddressWindow"] = "01:00:00",
            ["Console__SignIn__GlobalLimit"] = GlobalLimit.ToString(CultureInfo.InvariantCulture),
            ["Console__SignIn__GlobalWindow"] = "01:00:00",
        };
    }
}
