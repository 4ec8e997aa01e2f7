using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Tests.WebConsole;
using EdgeGateway.Hub.Tests.WebConsole.Api;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;

namespace EdgeGateway.Hub.Tests.EndToEnd;

/// <summary>
/// Remote upgrade with real processes on loopback (issue 20): real Mosquitto, the hub and the simulated gateway
/// (<c>run --simulate</c>), a bundle archive made and signed here (random bytes: the stand-in runner never unpacks it),
/// and a stand-in for the runner that records what it was given. An admin uploads the signed bundle and starts a rollout
/// of two stages; the gateway accepts, downloads, verifies and hands the archive to the runner; since its status keeps
/// the old version past the deadline, the hub marks it failed (rolled back) and pauses the rollout before the second
/// stage. Then the gateway is sent — as a compromised hub would — a tampered archive (one byte changed) and one signed
/// by another key: both refused in its status with nothing run.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Trait("Category", "Servers")]
public sealed class UpgradeRolloutTests : IDisposable
{
    private const string Version = "0.2.0";

    /// <summary>A bound against a hang on a loaded machine, not a speed.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-upgrade-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_signed_bundle_reaches_the_runner_a_gateway_still_old_past_the_deadline_pauses_the_rollout_and_a_tampered_or_foreign_bundle_runs_nothing()
    {
        using var publisher = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var someoneElse = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string publicKey = Write("bundle-signing.pem", Encoding.ASCII.GetBytes(publisher.ExportSubjectPublicKeyInfoPem()));
        byte[] archive = RandomNumberGenerator.GetBytes(64 * 1024);
        string runnerRecord = Path.Combine(_dir, "runner-args");
        string runner = Write("runner.sh", Encoding.ASCII.GetBytes($"#!/bin/sh\nprintf '%s\\n' \"$@\" > '{runnerRecord}'\n"));
        File.SetUnixFileMode(runner, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        int httpPort = LoopbackPorts.Claim();
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(MosquittoBrokerOptions.ForHub);
        string settings = Write("hub.json", Encoding.UTF8.GetBytes(ConsoleHubRig.SettingsJson([new ConsoleUser("admin", "admin")], null)));
        await using HubProcess hub = await HubProcess.StartAsync(broker, ConsoleHubRig.ClosedInfluxUri(), "v1", "edge", Dir("hub"), settingsFile: settings, httpPort: httpPort,
            environment: new Dictionary<string, string>
            {
                ["Hub__Upgrades__PublicKeyPath"] = publicKey,
                ["Hub__Upgrades__GatewayBaseUrl"] = $"http://127.0.0.1:{httpPort.ToString(CultureInfo.InvariantCulture)}",
                ["Hub__Upgrades__ApplyDeadline"] = "00:00:08",
                ["Hub__Upgrades__CheckInterval"] = "00:00:00.500",
                ["Hub__Upgrades__MinFreeBytes"] = "0",
            });
        await using FakeGateway secondStage = await FakeGateway.StartAsync(broker);
        // The shed's clock starts now: a command's issued_ts is judged against it (mqtt.commandMaxAgeSeconds).
        string output = ProductProcess.BuildOutputOf("EdgeGateway");
        string now = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd'T'HH:mm:ss'+08:00'", CultureInfo.InvariantCulture);
        string scenario = Write("overload-now.yaml", Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(
            File.ReadAllText(Path.Combine(output, "firmware-config", "scenarios", "overload.yaml")), "^start: .*$", $"start: \"{now}\"", System.Text.RegularExpressions.RegexOptions.Multiline)));
        await using var gateway = ProductProcess.Start("EdgeGateway",
        [
            "run", "--simulate", "--config", Path.Combine(output, "firmware-config", "sites", "demo.yaml"), "--scenario", scenario,
            "--speed", "1", "--duration", "00:10:00", "--data-dir", Dir("gw"), "--broker", broker.Uri.ToString(),
        ], new Dictionary<string, string>
        {
            ["EDGEGATEWAY_Upgrade__PublicKeyPath"] = publicKey,
            ["EDGEGATEWAY_Upgrade__Runner"] = runner,
            ["EDGEGATEWAY_Upgrade__ApplyScript"] = "apply-signed-bundle.sh",
            ["EDGEGATEWAY_Upgrade__MinFreeBytes"] = "0",
        });
        string first = $"{SimulatedGateway.Site}/{SimulatedGateway.Gateway}";
        string second = $"{FakeGateway.Site}/{FakeGateway.Gateway}";

        using var admin = new ConsoleClient(ConsoleHubRig.UriOf(hub));
        (await admin.SignInAsync("admin", ConsoleHubRig.Password)).Dispose();
        string name = $"edgegateway-{Version}-linux-arm64.tar.gz";
        await UploadAsync(admin, name, archive);
        await UploadAsync(admin, name + ".sig", Sign(archive, publisher));
        await Eventually(async () =>
        {
            JsonElement view = await admin.GetJsonAsync("/api/upgrades");
            string[] known = [.. view.GetProperty("gateways").EnumerateArray().Select(g => $"{g.GetProperty("site").GetString()}/{g.GetProperty("gateway").GetString()}")];
            return known.Contains(first) && known.Contains(second) && view.GetProperty("bundles").EnumerateArray().Any(b => b.GetProperty("version").GetString() == Version);
        }, "the hub never knew both gateways and the bundle");

        (HttpStatusCode started, JsonElement rollout) = await admin.PostAsync("/api/upgrades/rollouts", $$"""{"version":"{{Version}}","stages":[["{{first}}"],["{{second}}"]]}""");
        Assert.True(started == HttpStatusCode.OK, rollout.ToString());
        string id = rollout.GetProperty("id").GetString()!;

        // The gateway verified the archive and handed it, with its signature and key, to the runner.
        await Eventually(() => Task.FromResult(File.Exists(runnerRecord) && File.ReadAllLines(runnerRecord).Length == 6),
            () => $"the runner was never started; the hub says {admin.GetJsonAsync("/api/upgrades").GetAwaiter().GetResult()}\n---\n{gateway.Output}");
        string[] given = File.ReadAllLines(runnerRecord);
        Assert.Equal("apply-signed-bundle.sh", given[0]);
        Assert.Equal(name, Path.GetFileName(given[1]));
        Assert.Equal(archive, File.ReadAllBytes(given[1]));
        Assert.Equal(["--signature", given[1] + ".sig", "--public-key", publicKey], given[2..]);
        Assert.True(publisher.VerifyData(File.ReadAllBytes(given[1]), File.ReadAllBytes(given[1] + ".sig"), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

        // The stand-in installs nothing: still 0.1.0 past the deadline, so failed, and the rollout stops before stage 2.
        JsonElement paused = default;
        await Eventually(async () =>
        {
            paused = (await admin.GetJsonAsync("/api/upgrades")).GetProperty("rollouts").EnumerateArray().Single(r => r.GetProperty("id").GetString() == id);
            return paused.GetProperty("state").GetString() == "paused";
        }, "the rollout was never paused");
        JsonElement[] gateways = [.. paused.GetProperty("gateways").EnumerateArray()];
        Assert.Equal("failed", gateways.Single(g => g.GetProperty("gateway").GetString() == SimulatedGateway.Gateway).GetProperty("state").GetString());
        Assert.Contains("still 0.1.0", gateways.Single(g => g.GetProperty("gateway").GetString() == SimulatedGateway.Gateway).GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("pending", gateways.Single(g => g.GetProperty("gateway").GetString() == FakeGateway.Gateway).GetProperty("state").GetString());
        Assert.Contains("paused at the first failure", paused.GetProperty("note").GetString(), StringComparison.Ordinal);
        JsonElement[] audit = [.. (await admin.GetJsonAsync("/api/audit")).GetProperty("entries").EnumerateArray()];
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "upgrade_accepted" && e.GetProperty("target").GetString() == first);
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "upgrade_failed" && e.GetProperty("target").GetString() == first);
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "upgrade_rollout_pause");

        // A compromised hub: a changed archive with a digest to match, then another publisher's bundle. Neither runs.
        File.Delete(runnerRecord);
        byte[] tampered = [.. archive];
        tampered[tampered.Length / 2] ^= 0x01;
        byte[] foreign = RandomNumberGenerator.GetBytes(32 * 1024);
        using var server = new BundleServer(new Dictionary<string, byte[]> { ["/tampered.tar.gz"] = tampered, ["/foreign.tar.gz"] = foreign });
        await using ProbeClient hubLike = await ProbeClient.ConnectAsync(broker, clientId: "hub-like");
        await hubLike.SubscribeAsync(ContractTopics.Status(SimulatedGateway.Site, SimulatedGateway.Gateway));
        foreach ((string version, string path, byte[] bytes, byte[] signature) in new[]
        {
            ("0.3.0", "/tampered.tar.gz", tampered, Sign(archive, publisher)),
            ("0.4.0", "/foreign.tar.gz", foreign, Sign(foreign, someoneElse)),
        })
        {
            var request = new CommandRequest
            {
                Id = "test-" + version.Replace('.', '-'),
                Version = version,
                Url = server.Url(path),
                Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)),
                Signature = Convert.ToBase64String(signature),
            };
            await hubLike.PublishAsync(ContractTopics.Command(SimulatedGateway.Site, SimulatedGateway.Gateway, ContractCommands.Upgrade), ContractJson.SerializeToString(request));
            await StatusSaysAsync(hubLike, $"upgrade {version} failed: upgrade_signature_invalid");
        }

        Assert.False(File.Exists(runnerRecord), "the runner was started for a bundle that does not verify");
        Assert.Equal(2, server.Served);
        hub.AssertNoErrorsLogged();
    }

    private static async Task StatusSaysAsync(ProbeClient client, string lastError)
    {
        DateTime deadline = DateTime.UtcNow + Bound;
        while (DateTime.UtcNow < deadline)
        {
            if (await client.TryNextAsync(TimeSpan.FromSeconds(5)) is { } message
                && ContractJson.TryDeserialize(message.Payload.ToArray(), out StatusMessage? status, out _)
                && status!.LastError?.StartsWith(lastError, StringComparison.Ordinal) == true)
            {
                return;
            }
        }

        Assert.Fail($"the gateway's status never said '{lastError}'");
    }

    private static async Task UploadAsync(ConsoleClient client, string name, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/upgrades/bundles/" + name, UriKind.Relative)) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Headers.Add("X-XSRF-TOKEN", client.XsrfToken);
        using HttpResponseMessage response = await client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"{name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static byte[] Sign(byte[] data, ECDsa key) => key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    private static Task Eventually(Func<Task<bool>> condition, string failure) => Eventually(condition, () => failure);

    private static async Task Eventually(Func<Task<bool>> condition, Func<string> failure)
    {
        DateTime deadline = DateTime.UtcNow + Bound;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Fail(failure());
    }

    private string Dir(string name) => Directory.CreateDirectory(Path.Combine(_dir, name)).FullName;

    private string Write(string name, byte[] content)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>Serves fixed bytes by path on loopback, as a hostile download server would.</summary>
    private sealed class BundleServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private int _served;

        public BundleServer(IReadOnlyDictionary<string, byte[]> files)
        {
            Port = LoopbackPorts.Claim();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await _listener.GetContextAsync();
                    }
                    catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException)
                    {
                        return;
                    }

                    if (files.TryGetValue(context.Request.Url!.AbsolutePath, out byte[]? bytes))
                    {
                        Interlocked.Increment(ref _served);
                        context.Response.ContentLength64 = bytes.Length;
                        await context.Response.OutputStream.WriteAsync(bytes);
                    }
                    else
                    {
                        context.Response.StatusCode = 404;
                    }

                    context.Response.Close();
                }
            });
        }

        public int Port { get; }

        public int Served => Volatile.Read(ref _served);

        public string Url(string path) => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}{path}";

        public void Dispose() => _listener.Close();
    }
}
