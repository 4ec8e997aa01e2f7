using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Tests.Deploy;
using EdgeGateway.Hub.Tests.WebConsole;
using EdgeGateway.Hub.Tests.WebConsole.Api;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;

namespace EdgeGateway.Hub.Tests.EndToEnd;

/// <summary>
/// Remote upgrade with real processes on loopback (issue 20): real Mosquitto, the hub and the simulated gateway
/// (<c>run --simulate</c>) installed in a scratch root as install.sh lays it out (<see cref="InstalledGateway"/>), and
/// bundles made by deploy/gateway/build-bundle.sh --tar and signed here. An admin uploads the signed bundle of this
/// build as 0.2.0 and starts a rollout of two stages; the gateway accepts, downloads, verifies and hands the archive
/// to the runner, the real apply-signed-bundle.sh and upgrade.sh switch the installation and restart the gateway, which
/// reports 0.2.0: the hub marks it applied and sends the second stage. Then 0.3.0, a version that fails at start:
/// upgrade.sh rolls back by itself and marks the undone version in the gateway's data directory, 0.2.0 runs again and
/// reports the rollback in its status, and the hub marks it failed and pauses — at once, not at its apply deadline. Last the gateway is sent — as a compromised hub would — a tampered archive (one byte changed) and one
/// signed by another key: both refused in its status with nothing run.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Trait("Category", "Servers")]
public sealed class UpgradeRolloutTests : IDisposable
{
    /// <summary>A bound against a hang on a loaded machine, not a speed.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(180);

    /// <summary>
    /// The hub's <c>ApplyDeadline</c>: long enough for the switch on a loaded machine (check-config, a stop, a start
    /// up to sampling, 2 s of settling). The rollback case does not wait for it: the gateway reports the rollback.
    /// </summary>
    private static readonly TimeSpan ApplyDeadline = TimeSpan.FromSeconds(40);

    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-upgrade-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_signed_bundle_is_installed_and_reported_one_that_does_not_come_up_is_rolled_back_and_a_tampered_or_foreign_bundle_runs_nothing()
    {
        using var publisher = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var someoneElse = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string publicKey = Write("bundle-signing.pem", Encoding.ASCII.GetBytes(publisher.ExportSubjectPublicKeyInfoPem()));
        string output = ProductProcess.BuildOutputOf("EdgeGateway");
        byte[] good = await BundleAsync("0.2.0", ThisMachinesPublish(output));
        byte[] failing = await BundleAsync("0.3.0", StandInFailingAtStart());

        int httpPort = LoopbackPorts.Claim();
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(MosquittoBrokerOptions.ForHub);
        string settings = Write("hub.json", Encoding.UTF8.GetBytes(ConsoleHubRig.SettingsJson([new ConsoleUser("admin", "admin")], null)));
        await using HubProcess hub = await HubProcess.StartAsync(broker, ConsoleHubRig.ClosedInfluxUri(), "v1", "edge", Dir("hub"), settingsFile: settings, httpPort: httpPort,
            environment: new Dictionary<string, string>
            {
                ["Hub__Upgrades__PublicKeyPath"] = publicKey,
                ["Hub__Upgrades__GatewayBaseUrl"] = $"http://127.0.0.1:{httpPort.ToString(CultureInfo.InvariantCulture)}",
                ["Hub__Upgrades__ApplyDeadline"] = ApplyDeadline.ToString("c", CultureInfo.InvariantCulture),
                ["Hub__Upgrades__CheckInterval"] = "00:00:00.500",
                ["Hub__Upgrades__MinFreeBytes"] = "0",
            });
        await using FakeGateway secondStage = await FakeGateway.StartAsync(broker);

        // Installed as 0.1.0 (this build, which has no VERSION file and so reports its assembly's 0.1.0), started by
        // the test and handed to the stand-in systemctl, which runs every later version from the installation.
        await using var installed = InstalledGateway.Create(Dir("root"), "0.1.0", Path.Combine(output, "firmware-config", "sites", "demo.yaml"),
            Path.Combine(output, "firmware-config", "scenarios", "overload.yaml"),
            ["--speed", "1", "--duration", "00:10:00", "--data-dir", Directory.CreateDirectory(Path.Combine(Dir("root"), "var", "lib", "edgegateway")).FullName, "--broker", broker.Uri.ToString()]);
        File.WriteAllText(Path.Combine(installed.Root, "scenario.yaml"), System.Text.RegularExpressions.Regex.Replace(
            File.ReadAllText(Path.Combine(installed.Root, "scenario.yaml")), "^start: .*$", $"start: \"{ShedNow()}\"", System.Text.RegularExpressions.RegexOptions.Multiline));
        await using var gateway = ProductProcess.Start("EdgeGateway", installed.RunArgs, new Dictionary<string, string>
        {
            ["EDGEGATEWAY_Upgrade__PublicKeyPath"] = publicKey,
            ["EDGEGATEWAY_Upgrade__Runner"] = installed.Runner,
            ["EDGEGATEWAY_Upgrade__ApplyScript"] = installed.ApplyScript,
            ["EDGEGATEWAY_Upgrade__MinFreeBytes"] = "0",
        });
        installed.RunsAs(gateway.Id);
        string first = $"{SimulatedGateway.Site}/{SimulatedGateway.Gateway}";
        string second = $"{FakeGateway.Site}/{FakeGateway.Gateway}";

        using var admin = new ConsoleClient(ConsoleHubRig.UriOf(hub));
        (await admin.SignInAsync("admin", ConsoleHubRig.Password)).Dispose();
        foreach ((string version, byte[] archive) in new[] { ("0.2.0", good), ("0.3.0", failing) })
        {
            await UploadAsync(admin, ArchiveName(version), archive);
            await UploadAsync(admin, ArchiveName(version) + ".sig", Sign(archive, publisher));
        }

        await Eventually(async () =>
        {
            JsonElement view = await admin.GetJsonAsync("/api/upgrades");
            string[] known = [.. view.GetProperty("gateways").EnumerateArray().Select(g => $"{g.GetProperty("site").GetString()}/{g.GetProperty("gateway").GetString()}")];
            return known.Contains(first) && known.Contains(second) && view.GetProperty("bundles").GetArrayLength() == 2;
        }, "the hub never knew both gateways and the bundles");

        // Applied: the installation switched, the gateway restarted into 0.2.0 and says so; the second stage is sent.
        string upgrade = await StartRolloutAsync(admin, "0.2.0", $$"""[["{{first}}"],["{{second}}"]]""");
        JsonElement rollout = await RolloutWhenAsync(admin, upgrade, r => State(r, FakeGateway.Gateway) != "pending", () => $"the second stage was never sent\n{installed.ApplyLog}\n{gateway.Output}\n{installed.GatewayLog("0.2.0")}");
        Assert.Equal("applied", State(rollout, SimulatedGateway.Gateway));
        Assert.Equal(1, rollout.GetProperty("stage").GetInt32());
        Assert.Equal("0.2.0", installed.Link("current"));
        Assert.Equal("0.1.0", installed.Link("previous"));
        // The gateway reports 0.2.0 as soon as it is up; upgrade.sh watches it settle a little longer before it says so.
        await Eventually(() => Task.FromResult(installed.ApplyLog.Contains("upgraded: 0.2.0 runs", StringComparison.Ordinal)), () => installed.ApplyLog);
        Assert.Contains("signature verified", installed.ApplyLog, StringComparison.Ordinal);
        Assert.Equal(0, await gateway.WaitForExitAsync(Bound));
        Assert.Equal("0.2.0", VersionOf(await admin.GetJsonAsync("/api/upgrades"), SimulatedGateway.Gateway));

        // Rolled back: 0.3.0 does not come up, upgrade.sh starts 0.2.0 again, which says so in its status: failed at once.
        string rollback = await StartRolloutAsync(admin, "0.3.0", $$"""[["{{first}}"]]""");
        rollout = await RolloutWhenAsync(admin, rollback, r => r.GetProperty("state").GetString() == "paused", () => $"the rollout was never paused\n{installed.ApplyLog}");
        Assert.Equal("failed", State(rollout, SimulatedGateway.Gateway));
        Assert.Contains("upgrade 0.3.0 failed: upgrade_rolled_back", rollout.GetProperty("gateways")[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Dir("root"), "var", "lib", "edgegateway", "upgrade-undone")), "the gateway removes the mark once it has reported it");
        Assert.True(installed.ApplyLog.Contains("0.3.0 did not come up: going back to 0.2.0", StringComparison.Ordinal), installed.ApplyLog);
        // 0.2.0 reports the rollback as soon as it is up, while upgrade.sh still watches it settle: its last word comes later.
        await Eventually(() => Task.FromResult(installed.ApplyLog.Contains("the upgrade to 0.3.0 failed and was undone", StringComparison.Ordinal)), () => installed.ApplyLog);
        Assert.Equal("0.2.0", installed.Link("current"));
        Assert.Contains("0.3.0 stand-in: fails at start", installed.GatewayLog("0.3.0"), StringComparison.Ordinal);
        JsonElement[] audit = [.. (await admin.GetJsonAsync("/api/audit")).GetProperty("entries").EnumerateArray()];
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "upgrade_applied" && e.GetProperty("target").GetString() == first);
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "upgrade_failed" && e.GetProperty("target").GetString() == first);
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "upgrade_rollout_pause");

        // A compromised hub: a changed archive with a digest to match, then another publisher's bundle. Neither runs.
        string applied = installed.ApplyLog;
        byte[] tampered = [.. good];
        tampered[tampered.Length / 2] ^= 0x01;
        byte[] foreign = RandomNumberGenerator.GetBytes(32 * 1024);
        using var server = new BundleServer(new Dictionary<string, byte[]> { ["/tampered.tar.gz"] = tampered, ["/foreign.tar.gz"] = foreign });
        await using ProbeClient hubLike = await ProbeClient.ConnectAsync(broker, clientId: "hub-like");
        await hubLike.SubscribeAsync(ContractTopics.Status(SimulatedGateway.Site, SimulatedGateway.Gateway));
        foreach ((string version, string path, byte[] bytes, byte[] signature) in new[]
        {
            ("0.4.0", "/tampered.tar.gz", tampered, Sign(good, publisher)),
            ("0.5.0", "/foreign.tar.gz", foreign, Sign(foreign, someoneElse)),
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

        Assert.Equal(applied, installed.ApplyLog);
        Assert.Equal(2, server.Served);
        hub.AssertNoErrorsLogged();
    }

    /// <summary>The archive of a bundle built by build-bundle.sh --tar from <paramref name="publish"/> as <paramref name="version"/>.</summary>
    private async Task<byte[]> BundleAsync(string version, string publish)
    {
        string bundles = Dir("bundles");
        (await DeployScripts.RunAsync(Path.Combine("deploy", "gateway", "build-bundle.sh"), ["--output", bundles, "--version", version, "--tar", "--publish-dir", publish], Bound))
            .AssertSucceeded("build-bundle.sh " + version);
        return File.ReadAllBytes(Path.Combine(bundles, ArchiveName(version)));
    }

    /// <summary>
    /// This build as the publish of a release for this machine: the build output without the native libraries of the
    /// other platforms (<c>runtimes/</c> but linux-x64 and unix; 17 of its 47 MiB), as <c>dotnet publish -r linux-x64</c>
    /// would leave out — what build-bundle.sh copies and packs is then a third.
    /// </summary>
    private string ThisMachinesPublish(string output)
    {
        string publish = Dir("publish-this-build");
        foreach (string file in Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(output, file);
            string[] parts = relative.Split(Path.DirectorySeparatorChar);
            if (parts[0] == "runtimes" && parts.Length > 1 && parts[1] is not ("linux-x64" or "unix"))
            {
                continue;
            }

            string target = Path.Combine(publish, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        File.SetUnixFileMode(Path.Combine(publish, "EdgeGateway"), File.GetUnixFileMode(Path.Combine(output, "EdgeGateway")));
        return publish;
    }

    /// <summary>A publish whose EdgeGateway accepts the site file and then fails at every start, as a broken release would.</summary>
    private string StandInFailingAtStart()
    {
        string publish = Dir("publish-failing");
        string executable = Path.Combine(publish, "EdgeGateway");
        File.WriteAllText(executable, """
            #!/bin/sh
            case "$1" in
              check-config) echo "$2: ok (0.3.0 stand-in)" ;;
              *) echo "0.3.0 stand-in: fails at start" >&2; exit 1 ;;
            esac

            """.Replace("\r\n", "\n", StringComparison.Ordinal));
        File.SetUnixFileMode(executable, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return publish;
    }

    private static async Task<string> StartRolloutAsync(ConsoleClient admin, string version, string stages)
    {
        (HttpStatusCode started, JsonElement rollout) = await admin.PostAsync("/api/upgrades/rollouts", $$"""{"version":"{{version}}","stages":{{stages}}}""");
        Assert.True(started == HttpStatusCode.OK, rollout.ToString());
        return rollout.GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> RolloutWhenAsync(ConsoleClient admin, string id, Func<JsonElement, bool> condition, Func<string> failure)
    {
        JsonElement rollout = default;
        await Eventually(async () =>
        {
            rollout = (await admin.GetJsonAsync("/api/upgrades")).GetProperty("rollouts").EnumerateArray().Single(r => r.GetProperty("id").GetString() == id);
            return condition(rollout);
        }, () => $"{failure()}\nlast seen: {rollout}");
        return rollout;
    }

    private static string? State(JsonElement rollout, string gateway) =>
        rollout.GetProperty("gateways").EnumerateArray().Single(g => g.GetProperty("gateway").GetString() == gateway).GetProperty("state").GetString();

    private static string? VersionOf(JsonElement view, string gateway) =>
        view.GetProperty("gateways").EnumerateArray().Single(g => g.GetProperty("gateway").GetString() == gateway).GetProperty("version").GetString();

    private static string ArchiveName(string version) => $"edgegateway-{version}-linux-arm64.tar.gz";

    /// <summary>Now on the shed's clock (the site's zone), as a scenario's <c>start</c>.</summary>
    private static string ShedNow() => DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd'T'HH:mm:ss'+08:00'", CultureInfo.InvariantCulture);

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
