using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.WebConsole.Dashboard;
using EdgeGateway.Hub.WebConsole.History;
using EdgeGateway.Hub.WebConsole.Scope;
using EdgeGateway.Hub.WebConsole.Store;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EdgeGateway.Hub.WebConsole.Api;

/// <summary><c>GET /api/board</c>, <c>/api/board/stream</c> (SSE), <c>/api/ports/…</c> and <c>/api/bins/…</c>.</summary>
internal static class DashboardEndpoints
{
    /// <summary>A comment line this often keeps proxies and the browser from closing an idle stream.</summary>
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static RouteGroupBuilder MapDashboardEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/board", (HttpContext http, LiveDashboard board, ConsoleScope scope, ConsoleUserDirectory users) =>
        {
            DashboardView all = board.Snapshot();
            Func<string, string?> name = SiteNames.For(http, scope, board, users);
            return TypedResults.Json(
                all with { Gateways = [.. all.Gateways.Where(g => scope.Sees(g.Site)).Select(g => g with { SiteName = name(g.Site) })] },
                ConsoleJson.Web.DashboardView);
        });
        api.MapGet("/board/stream", StreamAsync);
        api.MapGet("/ports/{site}/{gw}/{port}", PortAsync);
        api.MapGet("/bins/{site}/{gw}/{bin}", BinAsync);
        return api;
    }

    private static async Task<Results<JsonHttpResult<PortDetail>, JsonHttpResult<ConsoleError>>> PortAsync(
        string site, string gw, string port, string? hours, HttpContext http, LiveDashboard board, ConsoleHistory history, ConsoleStore store, ConsoleUserDirectory users, CancellationToken cancellationToken)
    {
        ConsoleText text = ConsoleLanguage.Text(http, users);
        if (!TryHours(hours, 6, out int window))
        {
            return ConsoleResults.InvalidRequest(text, "hours: 1 .. 72");
        }

        if (!Segments(site, gw, port) || board.FindPort(site, gw, port) is not { } live)
        {
            return ConsoleResults.NotFound(text, text.Port(site, gw, port));
        }

        try
        {
            PortHistory past = await history.PortAsync(site, gw, port, window, cancellationToken);
            return TypedResults.Json(
                new PortDetail(site, gw, live, past.Series, past.Sessions, AlarmEndpoints.Views(past.Alarms, store, text), true, null),
                ConsoleJson.Web.PortDetail);
        }
        catch (HistoryUnavailableException exception)
        {
            return TypedResults.Json(new PortDetail(site, gw, live, [], [], [], false, Unavailable(text, exception)), ConsoleJson.Web.PortDetail);
        }
    }

    private static async Task<Results<JsonHttpResult<BinDetail>, JsonHttpResult<ConsoleError>>> BinAsync(
        string site, string gw, string bin, string? hours, HttpContext http, LiveDashboard board, ConsoleHistory history, ConsoleStore store, ConsoleUserDirectory users, CancellationToken cancellationToken)
    {
        ConsoleText text = ConsoleLanguage.Text(http, users);
        if (!TryHours(hours, 24, out int window))
        {
            return ConsoleResults.InvalidRequest(text, "hours: 1 .. 72");
        }

        if (!Segments(site, gw, bin) || board.FindBin(site, gw, bin) is not { } live)
        {
            return ConsoleResults.NotFound(text, text.Bin(site, gw, bin));
        }

        try
        {
            BinHistory past = await history.BinAsync(site, gw, bin, window, cancellationToken);
            return TypedResults.Json(
                new BinDetail(site, gw, live, past.Series, AlarmEndpoints.Views(past.Alarms, store, text), true, null),
                ConsoleJson.Web.BinDetail);
        }
        catch (HistoryUnavailableException exception)
        {
            return TypedResults.Json(new BinDetail(site, gw, live, [], [], false, Unavailable(text, exception)), ConsoleJson.Web.BinDetail);
        }
    }

    /// <summary>
    /// Server-Sent Events: each board change as an event named after what changed, a <c>: keep-alive</c> comment every
    /// 15 s, and <c>event: resync</c> when this browser fell so far behind that changes were dropped (it reloads the
    /// board). Optional <c>?site=</c> limits the stream to one site. Ends when the browser leaves or the hub stops.
    /// </summary>
    private static async Task StreamAsync(
        HttpContext http, string? site, DashboardStream stream, LiveDashboard board, ConsoleUserDirectory users, ConsoleScope scope, IHostApplicationLifetime lifetime)
    {
        ConsoleText text = ConsoleLanguage.Text(http, users);
        Func<string, string?> name = SiteNames.For(http, scope, board, users);
        HttpResponse response = http.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers["X-Accel-Buffering"] = "no"; // nginx: pass events on at once
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        // Only the caller's sites (the registry as it was when the stream opened; the page reopens it after a resync).
        using DashboardSubscriber subscriber = stream.Subscribe(string.IsNullOrEmpty(site) ? null : site, scope.Sees);
        try
        {
            await response.WriteAsync("retry: 3000\n: connected\n\n", stop.Token);
            await response.Body.FlushAsync(stop.Token);
            while (!stop.IsCancellationRequested)
            {
                bool ready;
                using (var idle = CancellationTokenSource.CreateLinkedTokenSource(stop.Token))
                {
                    idle.CancelAfter(KeepAlive);
                    try
                    {
                        ready = await subscriber.Changes.WaitToReadAsync(idle.Token);
                    }
                    catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                    {
                        await response.WriteAsync(": keep-alive\n\n", stop.Token);
                        await response.Body.FlushAsync(stop.Token);
                        continue;
                    }
                }

                if (!ready)
                {
                    return;
                }

                var events = new StringBuilder();
                if (subscriber.TakeOverflow())
                {
                    while (subscriber.Changes.TryRead(out _))
                    {
                    }

                    events.Append("event: resync\ndata: {}\n\n");
                }

                while (events.Length < 64 * 1024 && subscriber.Changes.TryRead(out DashboardChange? change))
                {
                    events.Append("event: ").Append(Name(change.Kind)).Append("\ndata: ").Append(Data(change, text, name)).Append("\n\n");
                }

                await response.WriteAsync(events.ToString(), stop.Token);
                await response.Body.FlushAsync(stop.Token);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The browser left, or the hub is stopping.
        }
        catch (IOException)
        {
            // The connection broke mid-write.
        }
    }

    internal static string Name(DashboardChangeKind kind) => kind switch
    {
        DashboardChangeKind.Gateway => "gateway",
        DashboardChangeKind.Port => "port",
        DashboardChangeKind.Bin => "bin",
        _ => "alarm",
    };

    /// <summary>The event's data: the object as on the board, with <c>site</c> and <c>gateway</c>; one line of JSON.</summary>
    internal static string Data(DashboardChange change, ConsoleText text, Func<string, string?>? name = null)
    {
        switch (change.Item)
        {
            case GatewayView gateway:
                return JsonSerializer.Serialize(gateway with { SiteName = name?.Invoke(gateway.Site) ?? gateway.SiteName }, ConsoleJson.Web.GatewayView);
            case AlarmRecord alarm:
                return JsonSerializer.Serialize(alarm.View(text) with { SiteName = name?.Invoke(alarm.Site) }, ConsoleJson.Web.AlarmView);
            default:
                System.Text.Json.Nodes.JsonObject item = change.Item is PortView port
                    ? JsonSerializer.SerializeToNode(port, ConsoleJson.Web.PortView)!.AsObject()
                    : JsonSerializer.SerializeToNode((BinView)change.Item, ConsoleJson.Web.BinView)!.AsObject();
                item.Insert(0, "site", change.Site);
                item.Insert(1, "gateway", change.Gateway);
                item.Insert(2, "site_name", name?.Invoke(change.Site));
                return item.ToJsonString();
        }
    }

    internal static string Unavailable(ConsoleText text, HistoryUnavailableException exception) =>
        exception.NotConfigured ? text.InfluxDisabled : text.HistoryUnavailable(exception.Message);

    private static bool Segments(params string[] segments) => segments.All(ContractTopics.IsValidSegment);

    private static bool TryHours(string? text, int fallback, out int hours)
    {
        if (string.IsNullOrEmpty(text))
        {
            hours = fallback;
            return true;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out hours) && hours is >= 1 and <= 72;
    }
}
