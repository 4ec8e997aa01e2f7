using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Testing.Http;

/// <summary>
/// One request the receiver got: <c>NthOnPath</c> is 1 for the first request to its path, 2 for the second...;
/// <c>ReceivedAt</c> is the receiver's <see cref="LoopbackReceiver.Clock"/> (often a FakeTimeProvider) when its body
/// had arrived; <c>ArrivedAt</c> is the wall clock (<see cref="TimeProvider.System"/>) at the same moment, whatever
/// the receiver's clock, so that a test on a fake clock can still measure real delivery latency.
/// </summary>
public sealed record ReceivedRequest(
    int NthOnPath, string Method, string Path, string QueryString, IReadOnlyDictionary<string, string> Query,
    IReadOnlyDictionary<string, string> Headers, byte[] Body, DateTimeOffset ReceivedAt, DateTimeOffset ArrivedAt)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public JsonElement Json
    {
        get
        {
            using var document = JsonDocument.Parse(Body);
            return document.RootElement.Clone();
        }
    }
}

/// <summary>What the receiver answers: a status, a body, after an optional delay.</summary>
public sealed record ReceiverReply(int Status, string Body, TimeSpan Delay = default)
{
    /// <summary>Success for every platform: errcode (WeCom, DingTalk) and code (Feishu) 0.</summary>
    public static ReceiverReply Ok { get; } = new(200, """{"errcode":0,"errmsg":"ok","code":0,"msg":"success"}""");
}

/// <summary>
/// A Kestrel server on 127.0.0.1 and a free port that records every request (method, path, query, headers, body,
/// arrival time) and answers what the test chose, standing in for WeCom, DingTalk, Feishu and webhook receivers.
/// </summary>
public sealed class LoopbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private readonly ConcurrentDictionary<string, int> _countByPath = new(StringComparer.Ordinal);
    private Func<ReceivedRequest, ReceiverReply> _reply = _ => ReceiverReply.Ok;

    private LoopbackReceiver(WebApplication app, TimeProvider clock)
    {
        _app = app;
        Clock = clock;
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Stamps <see cref="ReceivedRequest.ReceivedAt"/> (<see cref="ReceivedRequest.ArrivedAt"/> is always the wall clock).</summary>
    public TimeProvider Clock { get; }

    public IReadOnlyList<ReceivedRequest> Requests => [.. _requests];

    /// <summary>Starts a receiver; <paramref name="clock"/> stamps <see cref="ReceivedRequest.ReceivedAt"/>, the wall clock unless given.</summary>
    public static async Task<LoopbackReceiver> StartAsync(TimeProvider? clock = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        var receiver = new LoopbackReceiver(app, clock ?? TimeProvider.System);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return receiver;
    }

    /// <summary>The absolute URL of <paramref name="pathAndQuery"/> on this receiver.</summary>
    public string Url(string pathAndQuery) => new Uri(BaseAddress, pathAndQuery).AbsoluteUri;

    public IReadOnlyList<ReceivedRequest> On(string path) => [.. _requests.Where(request => request.Path == path)];

    /// <summary>Answers every later request with what <paramref name="reply"/> returns for it.</summary>
    public void Answer(Func<ReceivedRequest, ReceiverReply> reply) => _reply = reply;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        string path = context.Request.Path.Value ?? "/";
        var request = new ReceivedRequest(
            _countByPath.AddOrUpdate(path, 1, (_, n) => n + 1),
            context.Request.Method,
            path,
            context.Request.QueryString.Value ?? string.Empty,
            context.Request.Query.ToDictionary(pair => pair.Key, pair => pair.Value.ToString(), StringComparer.Ordinal),
            context.Request.Headers.ToDictionary(pair => pair.Key, pair => pair.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body.ToArray(),
            Clock.GetUtcNow(),
            TimeProvider.System.GetUtcNow());
        _requests.Enqueue(request);

        ReceiverReply reply = _reply(request);
        if (reply.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(reply.Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        context.Response.StatusCode = reply.Status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(reply.Body, context.RequestAborted);
    }
}
