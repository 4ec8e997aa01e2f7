using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Hub.WebConsole;

/// <summary>
/// How often the sign-in form may be posted (section <c>Console:SignIn</c>): per client address and for the whole hub,
/// each a fixed window. A refused POST answers 429 with <c>Retry-After</c>. docs/security.md, "Console sign-in".
/// </summary>
public sealed class SignInLimitOptions
{
    public const string Section = "Console:SignIn";

    /// <summary>Sign-in POSTs one client address (an IPv6 /64) may make per <see cref="PerAddressWindow"/>.</summary>
    public int PerAddressLimit { get; set; } = 10;

    public TimeSpan PerAddressWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Sign-in POSTs the hub answers per <see cref="GlobalWindow"/> from all addresses together: the ceiling on
    /// guessing from many addresses at once, and on the password hashing it costs.</summary>
    public int GlobalLimit { get; set; } = 120;

    public TimeSpan GlobalWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Problems with these settings, each naming its key; empty when they are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        Check(PerAddressLimit, PerAddressWindow, nameof(PerAddressLimit), nameof(PerAddressWindow));
        Check(GlobalLimit, GlobalWindow, nameof(GlobalLimit), nameof(GlobalWindow));
        if (problems.Count == 0 && GlobalLimit < PerAddressLimit)
        {
            problems.Add($"{Section}:{nameof(GlobalLimit)}: at least {nameof(PerAddressLimit)} ({PerAddressLimit.ToString(CultureInfo.InvariantCulture)})");
        }

        return problems;

        void Check(int limit, TimeSpan window, string limitKey, string windowKey)
        {
            if (limit is < 1 or > 1_000_000)
            {
                problems.Add($"{Section}:{limitKey}: 1 .. 1000000 sign-in attempts");
            }

            if (window < TimeSpan.FromSeconds(1) || window > TimeSpan.FromDays(1))
            {
                problems.Add($"{Section}:{windowKey}: between 1 second and 1 day");
            }
        }
    }
}

/// <summary>The sign-in rate limits: ASP.NET Core's rate limiting, applied to <c>POST /login</c> only.</summary>
internal static partial class SignInLimits
{
    public static IServiceCollection AddSignInLimits(this IServiceCollection services)
    {
        services.AddOptions<SignInLimitOptions>().BindConfiguration(SignInLimitOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SignInLimitOptions>, SignInLimitOptionsValidator>();
        services.AddSingleton<ConsoleMetrics>();
        services.AddRateLimiter(_ => { }); // the middleware's services; the limits need the validated options, below
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<SignInLimitOptions>>((rate, limits) =>
        {
            SignInLimitOptions l = limits.Value;

            // Chained in this order: an address over its own limit is refused before it is counted against everyone's.
            var perAddress = PartitionedRateLimiter.Create<HttpContext, string>(http => IsSignIn(http.Request)
                ? RateLimitPartition.GetFixedWindowLimiter(ClientAddress.Of(http), _ => Window(l.PerAddressLimit, l.PerAddressWindow))
                : RateLimitPartition.GetNoLimiter(""));
            var global = PartitionedRateLimiter.Create<HttpContext, string>(http => IsSignIn(http.Request)
                ? RateLimitPartition.GetFixedWindowLimiter("sign-in", _ => Window(l.GlobalLimit, l.GlobalWindow))
                : RateLimitPartition.GetNoLimiter(""));
            rate.GlobalLimiter = PartitionedRateLimiter.CreateChained(perAddress, global);
            rate.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            rate.OnRejected = OnRejectedAsync;
        });
        return services;
    }

    private static bool IsSignIn(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.Path.Equals("/login", StringComparison.OrdinalIgnoreCase);

    private static FixedWindowRateLimiterOptions Window(int limit, TimeSpan window) => new()
    {
        PermitLimit = limit,
        Window = window,
        QueueLimit = 0, // refuse at once: a queued guess is still a guess
        AutoReplenishment = true,
    };

    private static async ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        HttpContext http = context.HttpContext;
        int seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retryAfter)
            ? (int)Math.Ceiling(Math.Max(1, retryAfter.TotalSeconds))
            : 60;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        http.Response.ContentType = "text/plain; charset=utf-8";
        ILogger logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SignInLimits));
        string from = ClientAddress.Of(http);
        LogRefused(logger, from, seconds);
        http.RequestServices.GetRequiredService<ConsoleMetrics>().SignIn("throttled");

        await http.Response.WriteAsync(
            $"Too many sign-in attempts; try again in {seconds.ToString(CultureInfo.InvariantCulture)} s. 登录尝试过于频繁，请 {seconds.ToString(CultureInfo.InvariantCulture)} 秒后再试。\n",
            cancellationToken);
    }

    // Debug: a flood of refusals must not fill the log (and the SD card of a hub on a Pi).
    [LoggerMessage(Level = LogLevel.Debug, Message = "Console sign-in from {From} refused by the rate limit; retry after {Seconds} s")]
    private static partial void LogRefused(ILogger logger, string from, int seconds);

    private sealed class SignInLimitOptionsValidator : IValidateOptions<SignInLimitOptions>
    {
        public ValidateOptionsResult Validate(string? name, SignInLimitOptions options)
        {
            IReadOnlyList<string> problems = options.Problems();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}

/// <summary>The console's instruments on the hub's meter: sign-ins by result (ok, failed, locked, expired, throttled).
/// Observed, not pushed, so that the series exist (at 0) from the first scrape, before anyone signs in.</summary>
internal sealed class ConsoleMetrics
{
    private static readonly string[] Results = ["ok", "failed", "locked", "expired", "throttled"];
    private readonly ConcurrentDictionary<string, long> _signIns = new(Results.Select(r => KeyValuePair.Create(r, 0L)), StringComparer.Ordinal);

    public ConsoleMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter meter = meterFactory.Create("EdgeGateway.Hub");
        meter.CreateObservableCounter(
            "edgegateway.hub.console.signins",
            () => _signIns.Select(r => new Measurement<long>(r.Value, new KeyValuePair<string, object?>("result", r.Key))),
            "{attempt}",
            "Console sign-in attempts by result");
    }

    public void SignIn(string result) => _signIns.AddOrUpdate(result, 1, (_, n) => n + 1);
}

/// <summary>The client a request counts against: its address, an IPv6 address by its /64 (one subscriber's prefix,
/// which an attacker can fill with addresses at will).</summary>
internal static class ClientAddress
{
    public static string Of(HttpContext http)
    {
        IPAddress? address = http.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        byte[] bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes).ToString() + "/64";
    }
}
