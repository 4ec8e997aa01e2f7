using System.ComponentModel.DataAnnotations;

namespace EdgeGateway.Hub.Platform;

/// <summary>The platform API's settings (section <c>Platform</c>, README.md beside this file).</summary>
internal sealed class PlatformOptions
{
    public const string Section = "Platform";

    /// <summary>The platform store (API keys, orders, sessions, the webhook outbox); relative: in <c>Hub:DataDirectory</c>.</summary>
    [Required]
    public string StorePath { get; set; } = "platform.db";

    /// <summary>How long a start or stop waits for the gateway's reply before answering 504 (the command expires at the
    /// broker after the same time, so a gateway that comes back later never acts on it).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>One webhook request's deadline.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The wait after a webhook's first failed attempt; doubles up to <see cref="WebhookMaxBackoff"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan WebhookInitialBackoff { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:00.050", "1.00:00:00")]
    public TimeSpan WebhookMaxBackoff { get; set; } = TimeSpan.FromMinutes(10);
}
