using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeGateway.Contracts.Localization;

namespace EdgeGateway.Hub.Notifications;

/// <summary>
/// A generic JSON webhook: <c>POST URL</c> with
/// <c>{"notice":"raised|cleared|reminder","language":"zh-CN","title":"…","text":"…","alarm":{…contract v1 alarm…}}</c>
/// (an incident's assignment: <c>"notice":"assigned"</c> and <c>"assignment":{…}</c> instead of <c>alarm</c>);
/// delivered on any 2xx answer.
/// </summary>
/// <remarks>
/// With a secret the request carries <c>X-EdgeGateway-Signature: sha256=HEX</c>, the lowercase hex
/// HMAC-SHA256(key = secret, message = the raw body bytes), the convention GitHub's webhooks made familiar, so a
/// receiver can check the body came from the hub. Delivery is at least once (an answer lost after the receiver
/// acted is retried, and so is a request under way when the hub was killed): every request carries
/// <c>Idempotency-Key: "ALARM_ID:NOTICE"</c> (the IETF httpapi draft's header, a structured-field string), the same on
/// every attempt, by which receivers drop repeats.
/// </remarks>
internal sealed class WebhookChannel(string name, Uri url, string? secret, DisplayText text) : NotificationChannel(name, url, secret, text)
{
    public const string SignatureHeader = "X-EdgeGateway-Signature";

    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>
    /// The notice's idempotency key: its alarm id (percent-encoded, so the key is printable ASCII without a quote or a
    /// backslash, as an RFC 8941 string must be) and notice kind; one per notice and channel, the same on every attempt.
    /// </summary>
    public static string IdempotencyKey(string alarmId, NoticeKind kind) => $"{Uri.EscapeDataString(alarmId)}:{NoticeName(kind)}";

    public override NotificationChannelType Type => NotificationChannelType.Webhook;

    /// <summary><c>sha256=</c> and the lowercase hex HMAC-SHA256 of <paramref name="body"/>.</summary>
    public static string Sign(ReadOnlySpan<byte> body, string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
    }

    /// <summary>The wire name of a notice kind: raised, cleared, reminder, assigned.</summary>
    public static string NoticeName(NoticeKind kind) => kind switch
    {
        NoticeKind.Cleared => "cleared",
        NoticeKind.Reminder => "reminder",
        NoticeKind.Assigned => "assigned",
        _ => "raised",
    };

    protected override HttpRequestMessage CreateRequest(OutgoingNotice notice, DateTimeOffset now)
    {
        byte[] body;
        using (var about = JsonDocument.Parse(notice.Json))
        {
            bool assigned = notice.Kind == NoticeKind.Assigned;
            var payload = new WebhookNotice(
                NoticeName(notice.Kind), Language, notice.Text.Title, notice.Text.ToPlainText(), assigned ? null : about.RootElement, assigned ? about.RootElement : null);
            body = JsonSerializer.SerializeToUtf8Bytes(payload, NotificationJson.Readable.WebhookNotice);
        }

        HttpRequestMessage request = Post(Url, body);
        // An RFC 8941 sf-string, as the draft asks: quoted.
        request.Headers.TryAddWithoutValidation(IdempotencyKeyHeader, $"\"{IdempotencyKey(notice.Key, notice.Kind)}\"");
        if (Secret is not null)
        {
            request.Headers.Add(SignatureHeader, Sign(body, Secret));
        }

        return request;
    }

    protected override DeliveryResult ReadAnswer(string answer) => DeliveryResult.Success;
}
