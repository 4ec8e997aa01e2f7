using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace EdgeGateway.Hub.Tests.WebConsole.Api;

/// <summary>
/// An HTTP client that behaves like the console's pages in a browser: it keeps cookies, does not follow redirects (the
/// tests look at them), signs in through the login form with the token from the <c>XSRF-TOKEN</c> cookie, and sends
/// that cookie's value as <c>X-XSRF-TOKEN</c> with each POST, as the pages' script does.
/// </summary>
internal sealed class ConsoleClient : IDisposable
{
    private readonly HttpClient _http;

    /// <param name="baseUri">The hub's console.</param>
    /// <param name="from">The loopback address the client connects from (127.0.0.0/8 is all loopback on Linux): a
    /// client elsewhere, as the hub sees it; 127.0.0.1 when null.</param>
    public ConsoleClient(Uri baseUri, IPAddress? from = null)
    {
        BaseUri = baseUri;
        var handler = new SocketsHttpHandler { CookieContainer = Cookies, AllowAutoRedirect = false, UseCookies = true };
        if (from is not null)
        {
            handler.ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(from, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        _http = new HttpClient(handler)
        {
            BaseAddress = baseUri,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public Uri BaseUri { get; }

    public CookieContainer Cookies { get; } = new();

    /// <summary>The value of a cookie the hub set, or null.</summary>
    public string? Cookie(string name) => Cookies.GetCookies(BaseUri)[name]?.Value;

    /// <summary>The antiforgery request token the last page load set (the <c>XSRF-TOKEN</c> cookie).</summary>
    public string? XsrfToken => Cookie("XSRF-TOKEN") is { } token ? Uri.UnescapeDataString(token) : null;

    /// <summary>
    /// Loads the login page (which sets <c>XSRF-TOKEN</c>) and posts the form as the page would; on success loads a page
    /// again, as the browser does after the redirect, so that the token is the signed-in user's. Returns the POST's answer.
    /// </summary>
    public async Task<HttpResponseMessage> SignInAsync(string user, string password, string? returnUrl = null, bool withToken = true, string? forwardedFor = null)
    {
        using (HttpResponseMessage page = await _http.GetAsync(new Uri("/login", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }

        var form = new List<KeyValuePair<string, string>> { new("username", user), new("password", password) };
        if (returnUrl is not null)
        {
            form.Add(new("returnUrl", returnUrl));
        }

        if (withToken)
        {
            form.Add(new("__RequestVerificationToken", XsrfToken ?? ""));
        }

        using var content = new FormUrlEncodedContent(form);
        using var post = new HttpRequestMessage(HttpMethod.Post, new Uri("/login", UriKind.Relative)) { Content = content };
        if (forwardedFor is not null)
        {
            post.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        HttpResponseMessage response = await _http.SendAsync(post);
        if (Cookie("edge.auth") is not null)
        {
            await RefreshTokenAsync();
        }

        return response;
    }

    /// <summary>Loads a page so that the <c>XSRF-TOKEN</c> cookie holds a token for whoever is signed in now.</summary>
    public async Task RefreshTokenAsync()
    {
        using HttpResponseMessage page = await _http.GetAsync(new Uri("/login", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request) => _http.SendAsync(request);

    public Task<HttpResponseMessage> GetAsync(string path) => _http.GetAsync(new Uri(path, UriKind.Relative));

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using HttpResponseMessage response = await GetAsync(path);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>POSTs <paramref name="json"/> (nothing when null) with the <c>X-XSRF-TOKEN</c> header: the cookie's
    /// token, <paramref name="token"/> instead when given, none when <paramref name="withToken"/> is false.</summary>
    public async Task<HttpResponseMessage> PostJsonAsync(string path, string? json, bool withToken = true, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        }

        if (withToken)
        {
            request.Headers.Add("X-XSRF-TOKEN", token ?? XsrfToken ?? "");
        }

        return await _http.SendAsync(request);
    }

    /// <summary>POSTs and returns the status and the parsed body (JSON, or null when there is none).</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, string? json)
    {
        using HttpResponseMessage response = await PostJsonAsync(path, json);
        string body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone());
    }

    /// <summary>Opens a stream (SSE) and returns once its headers arrived.</summary>
    public Task<HttpResponseMessage> OpenStreamAsync(string path, CancellationToken cancellationToken) =>
        _http.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, cancellationToken);

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// Waits until the hub answers HTTP: HubProcess returns when ingest is connected, which can be a moment before
    /// Kestrel listens (the web server starts after the hosted services).
    /// </summary>
    public static async Task WaitServingAsync(Uri baseUri)
    {
        using var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(60) }; // hang bounds, generous for a loaded machine
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(180);
        while (true)
        {
            try
            {
                using HttpResponseMessage response = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
                return;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
