using System.Net.Http.Headers;
using EdgeGateway.Hub.Notifications;
using EdgeGateway.Mqtt;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Hub.Platform;

/// <summary>
/// Sends the webhook outbox (<see cref="PlatformStore"/>'s <c>webhook</c> table) as the notification ledger's delivery
/// does its jobs: the oldest due event first; a failed attempt (refused connection, timeout, non-2xx) is retried after
/// the product's exponential back-off for as long as it takes; a 2xx marks it delivered, and it is never sent again.
/// Each event's attempt is marked in the store before the request leaves, so one under way when the hub was killed is
/// sent again at the next start (at least once; the receiver drops a repeat by its <c>event_id</c>).
/// </summary>
/// <remarks>Logs name the key and the event, never the URL or the secret.</remarks>
internal sealed partial class WebhookDelivery(
    PlatformStore store, PlatformEvents events, IHttpClientFactory httpClients, IOptions<PlatformOptions> options, TimeProvider time, ILogger<WebhookDelivery> logger)
    : BackgroundService
{
    public const string EventHeader = "X-EdgeGateway-Event";

    /// <summary>Nothing due still looks again this often (a safety net; recording wakes the loop at once).</summary>
    private static readonly TimeSpan LongestWait = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        int dropped = store.DropOrphans(time.GetUtcNow());
        if (dropped > 0)
        {
            LogDropped(dropped);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            // Taken before looking, so an event recorded while this loop looks still wakes it.
            Task woken = events.Wake.Next;
            TimeSpan? wait;
            try
            {
                wait = await DeliverNextAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (SqliteException exception)
            {
                LogStoreFailed(exception.Message);
                wait = options.Value.WebhookInitialBackoff;
            }

            if (wait != TimeSpan.Zero)
            {
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                TimeSpan delay = wait is { } w && w < LongestWait ? w : LongestWait;
                await Task.WhenAny(woken, Task.Delay(delay, time, stop.Token));
                await stop.CancelAsync();
            }
        }
    }

    /// <summary>Sends the next due event, if any; returns how long to wait before looking again (zero: at once; null: until woken).</summary>
    private async Task<TimeSpan?> DeliverNextAsync(CancellationToken stoppingToken)
    {
        DateTimeOffset now = time.GetUtcNow();
        WebhookJob? job = store.NextDue(now);
        if (job is null)
        {
            return store.NextDueTime() is { } due ? (due > now ? due - now : TimeSpan.Zero) : null;
        }

        ApiKeyRecord? key = store.FindKey(job.KeyId);
        if (key is not { RevokedAt: null, WebhookUrl: { } url, WebhookSecret: { } secret })
        {
            store.DropOrphans(now);
            return TimeSpan.Zero;
        }

        byte[] body = System.Text.Encoding.UTF8.GetBytes(job.Body);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation(WebhookSignature.Header, WebhookSignature.Sign(secret, now.ToUnixTimeSeconds(), body));
        request.Headers.TryAddWithoutValidation(EventHeader, job.EventType);
        store.MarkSending(job.Id, now);

        string? failure;
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
        {
            deadline.CancelAfter(options.Value.WebhookTimeout);
            try
            {
                using HttpClient http = httpClients.CreateClient(NotificationDelivery.HttpClientName);
                using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
                failure = response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}";
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                failure = $"no answer within {options.Value.WebhookTimeout.TotalSeconds} s";
            }
            catch (HttpRequestException exception)
            {
                failure = exception.HttpRequestError.ToString();
            }
        }

        DateTimeOffset after = time.GetUtcNow();
        if (failure is null)
        {
            store.MarkDelivered(job.Id, after);
            LogDelivered(job.EventType, job.EventId, key.Id, job.Attempts + 1);
        }
        else
        {
            TimeSpan backoff = new ExponentialBackoff(options.Value.WebhookInitialBackoff, options.Value.WebhookMaxBackoff).Delay(job.Attempts);
            store.MarkFailed(job.Id, after + backoff, failure);
            LogFailed(job.EventType, job.EventId, key.Id, job.Attempts + 1, failure, backoff);
        }

        return TimeSpan.Zero;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {EventType} {EventId} delivered to key {KeyId} (attempt {Attempt})")]
    private partial void LogDelivered(string eventType, string eventId, string keyId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {EventType} {EventId} to key {KeyId} failed (attempt {Attempt}): {Reason}; next attempt in {RetryIn}")]
    private partial void LogFailed(string eventType, string eventId, string keyId, int attempt, string reason, TimeSpan retryIn);

    [LoggerMessage(Level = LogLevel.Error, Message = "Platform store failed while delivering webhooks: {Reason}; the events stay pending")]
    private partial void LogStoreFailed(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} pending webhooks of revoked keys or keys without a webhook are not sent")]
    private partial void LogDropped(int count);
}
