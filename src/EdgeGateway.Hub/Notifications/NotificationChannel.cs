using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using EdgeGateway.Contracts.Localization;

namespace EdgeGateway.Hub.Notifications;

/// <summary>The platforms a channel can post to.</summary>
internal enum NotificationChannelType
{
    WeCom,
    DingTalk,
    Feishu,
    Webhook,
}

/// <summary>One delivery attempt's outcome; <see cref="Failure"/> says why not, free of URLs and secrets.</summary>
internal readonly record struct DeliveryResult(bool Delivered, string? Failure)
{
    public static DeliveryResult Success { get; } = new(true, null);

    public static DeliveryResult Failed(string reason) => new(false, reason);
}

/// <summary>
/// What a channel posts: its key (the alarm id, or an assignment's <see cref="AssignmentNotice.Key"/>), what it is
/// about as JSON (the contract alarm message as it arrived, or the <see cref="AssignmentNotice"/>), and its text.
/// </summary>
internal sealed record OutgoingNotice(NoticeKind Kind, string Key, string Json, AlarmNotice Text);

/// <summary>
/// A configured robot or webhook: builds its platform's request, posts it, and reads the platform's answer.
/// The URL and the secret are credentials: they are used for the request and never appear in a
/// <see cref="DeliveryResult.Failure"/> (answers are scrubbed of them too, in case a platform echoes them).
/// </summary>
internal abstract class NotificationChannel
{
    /// <summary>Enough for any platform's answer; a longer one is cut, not buffered.</summary>
    private const int MaxAnswerBytes = 16 * 1024;

    private readonly string[] _credentials;

    protected NotificationChannel(string name, Uri url, string? secret, DisplayText text)
    {
        Name = name;
        Url = url;
        Secret = string.IsNullOrEmpty(secret) ? null : secret;
        Text = text;
        _credentials = Credentials(url, Secret);
    }

    /// <summary>The configured name: the only thing logs say about a channel.</summary>
    public string Name { get; }

    public abstract NotificationChannelType Type { get; }

    /// <summary>The language of this channel's notices.</summary>
    public DisplayText Text { get; }

    /// <summary><c>zh-CN</c> or <c>en</c>.</summary>
    public string Language => ReferenceEquals(Text, DisplayText.Chinese) ? "zh-CN" : "en";

    protected Uri Url { get; }

    protected string? Secret { get; }

    public static NotificationChannel Create(string name, NotificationChannelType type, Uri url, string? secret, DisplayText text) => type switch
    {
        NotificationChannelType.WeCom => new WeComChannel(name, url, text),
        NotificationChannelType.DingTalk => new DingTalkChannel(name, url, secret, text),
        NotificationChannelType.Feishu => new FeishuChannel(name, url, secret, text),
        _ => new WebhookChannel(name, url, secret, text),
    };

    /// <summary>
    /// One attempt. Delivery problems (refused connection, timeout, non-2xx, a platform error code, an unreadable
    /// answer) come back as a failed result; only <paramref name="stopping"/> being cancelled throws.
    /// </summary>
    public async Task<DeliveryResult> SendAsync(HttpClient http, OutgoingNotice notice, DateTimeOffset now, TimeSpan timeout, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(notice);

        // Real time, not the injected TimeProvider: this bounds real network I/O.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(timeout);
        DeliveryResult result;
        try
        {
            using HttpRequestMessage request = CreateRequest(notice, now);
            using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            // Scrubbed before anything is cut from it, so no part of a credential an answer echoes can survive.
            string answer = Redact(await ReadAnswerAsync(response, deadline.Token));
            result = response.IsSuccessStatusCode
                ? ReadAnswer(answer)
                : DeliveryResult.Failed(string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)response.StatusCode}{Excerpt(answer)}"));
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            result = DeliveryResult.Failed(string.Create(CultureInfo.InvariantCulture, $"no answer within {timeout.TotalSeconds:0.###} s"));
        }
        catch (HttpRequestException exception)
        {
            result = DeliveryResult.Failed(Describe(exception));
        }
        catch (IOException)
        {
            result = DeliveryResult.Failed("connection lost while reading the answer");
        }

        return result.Failure is null ? result : DeliveryResult.Failed(Redact(result.Failure));
    }

    /// <summary>Replaces every credential this channel knows (query values, the hook id, the secret) with <c>***</c>.</summary>
    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (string credential in _credentials)
        {
            text = text.Replace(credential, "***", StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>The platform request for <paramref name="notice"/>; <paramref name="now"/> dates a signature.</summary>
    protected abstract HttpRequestMessage CreateRequest(OutgoingNotice notice, DateTimeOffset now);

    /// <summary>Whether a 2xx answer means delivered; the chat platforms answer 200 with an error code in the body.</summary>
    protected abstract DeliveryResult ReadAnswer(string answer);

    protected static HttpRequestMessage Post(Uri url, byte[] json)
    {
        var content = new ByteArrayContent(json);
        // DingTalk documents that the request must declare UTF-8; the others accept it.
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
    }

    protected static PlatformReply? ParseReply(string answer)
    {
        try
        {
            return JsonSerializer.Deserialize(answer, NotificationJson.Default.PlatformReply);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A platform's error code and message, shortened.</summary>
    protected static DeliveryResult PlatformError(string field, long code, string? message) =>
        DeliveryResult.Failed(string.Create(CultureInfo.InvariantCulture, $"{field} {code}: {Shorten(message ?? string.Empty)}"));

    protected static DeliveryResult Unreadable(string answer) => DeliveryResult.Failed($"unreadable answer{Excerpt(answer)}");

    private static async Task<string> ReadAnswerAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using Stream stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        byte[] buffer = new byte[MaxAnswerBytes];
        int total = 0;
        int read;
        while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
        }

        return Encoding.UTF8.GetString(buffer, 0, total);
    }

    /// <summary>What went wrong, from the error category only: exception messages may name the host, never needed here.</summary>
    private static string Describe(HttpRequestException exception)
    {
        string what = exception.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => "name resolution failed",
            HttpRequestError.ConnectionError => "connection failed",
            HttpRequestError.SecureConnectionError => "TLS handshake failed",
            HttpRequestError.ResponseEnded => "the server closed the connection",
            HttpRequestError.InvalidResponse => "invalid HTTP answer",
            HttpRequestError.ProxyTunnelError => "proxy tunnel failed",
            _ => "request failed",
        };
        return exception.InnerException is SocketException socket ? $"{what} ({socket.SocketErrorCode})" : what;
    }

    private static string Excerpt(string answer) => string.IsNullOrWhiteSpace(answer) ? string.Empty : $": {Shorten(answer.Trim())}";

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";

    /// <summary>Every value in the query, the last path segment (Feishu's hook id), the secret; longest first.</summary>
    private static string[] Credentials(Uri url, string? secret)
    {
        var credentials = new HashSet<string>(StringComparer.Ordinal);
        if (secret is not null)
        {
            credentials.Add(secret);
        }

        foreach (string pair in url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            string value = equals < 0 ? pair : pair[(equals + 1)..];
            if (value.Length >= 4)
            {
                credentials.Add(value);
                credentials.Add(Uri.UnescapeDataString(value));
            }
        }

        string lastSegment = url.Segments.Length > 0 ? url.Segments[^1].Trim('/') : string.Empty;
        if (lastSegment.Length >= 8)
        {
            credentials.Add(lastSegment);
        }

        return [.. credentials.OrderByDescending(credential => credential.Length)];
    }
}
