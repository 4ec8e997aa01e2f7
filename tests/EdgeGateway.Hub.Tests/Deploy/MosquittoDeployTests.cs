using System.Security.Cryptography.X509Certificates;
using MQTTnet;

namespace EdgeGateway.Hub.Tests.Deploy;

/// <summary>
/// deploy/mosquitto: the credential script's CA, server certificate and accounts, and a real mosquitto running the
/// production configuration (loopback ports, temporary paths): TLS that validates against the generated CA only, no
/// anonymous or plain-TCP access, each gateway confined to its own topics, the hub reading everything and sending
/// commands, mutual TLS naming the account, queues kept across a broker restart.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Trait("Category", "Servers")]
public sealed partial class MosquittoDeployTests(ProductionBroker broker) : IClassFixture<ProductionBroker>
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(700);
    private static readonly string UserA = ProductionBroker.UserOf(ProductionBroker.SiteA, ProductionBroker.GatewayA);
    private static readonly string UserB = ProductionBroker.UserOf(ProductionBroker.SiteB, ProductionBroker.GatewayB);
    private static readonly string TopicsA = $"edge/v1/{ProductionBroker.SiteA}/{ProductionBroker.GatewayA}";
    private static readonly string TopicsB = $"edge/v1/{ProductionBroker.SiteB}/{ProductionBroker.GatewayB}";

    private Task<TlsMqttClient> ConnectAsync(string user, string? clientId = null, bool persistent = false) =>
        TlsMqttClient.ConnectAsync("localhost", broker.Port, broker.CaFile, clientId ?? user + "-" + Guid.NewGuid().ToString("N")[..6], user, broker.Password(user), persistentSession: persistent);

    /// <summary>
    /// One publish on a connection of its own: Mosquitto 2.0.11 answers a refused QoS 1 publish with PUBACK 0x87
    /// (Not authorized) and then closes the connection, so every refused publish gets a fresh one.
    /// </summary>
    private async Task<MqttClientPublishReasonCode> PublishOnceAsync(string user, string topic, string payload)
    {
        await using TlsMqttClient client = await ConnectAsync(user);
        return await client.PublishAsync(topic, payload);
    }

    [Fact]
    public async Task The_credential_script_makes_a_CA_a_server_certificate_for_loopback_and_each_account_and_keeps_them_when_run_again()
    {
        using X509Certificate2 ca = X509CertificateLoader.LoadCertificateFromFile(broker.CaFile);
        using X509Certificate2 server = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(broker.Credentials, "server.crt"));
        Assert.True(ca.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        string san = server.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().Format(false);
        Assert.Contains("localhost", san, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", san, StringComparison.Ordinal);
        Assert.Equal(ca.Subject, server.Issuer);

        string acl = await File.ReadAllTextAsync(Path.Combine(broker.Credentials, "acl"));
        Assert.Contains($"user {UserA}\n", acl, StringComparison.Ordinal);
        Assert.Contains($"topic write {TopicsA}/ports/#\n", acl, StringComparison.Ordinal);
        Assert.Contains($"topic read {TopicsB}/cmd/+\n", acl, StringComparison.Ordinal);
        Assert.DoesNotContain(acl.Split('\n'), line => line.StartsWith("pattern", StringComparison.Ordinal));
        // A hub instance's four connections are four accounts (the broker takes the account as the client id).
        Assert.Contains($"user {ProductionBroker.Hub}-alarms\ntopic read edge/v1/#\n", acl, StringComparison.Ordinal);
        Assert.Contains($"user {ProductionBroker.Hub}-peers\ntopic read edge/v1/#\n", acl, StringComparison.Ordinal);
        Assert.Contains($"user {ProductionBroker.Hub}-console\ntopic read edge/v1/#\n", acl, StringComparison.Ordinal);
        string passwd = await File.ReadAllTextAsync(Path.Combine(broker.Credentials, "passwd"));
        foreach (string user in new[] { UserA, UserB, ProductionBroker.Hub, ProductionBroker.Reader })
        {
            Assert.Contains("\n" + user + ":$7$", "\n" + passwd, StringComparison.Ordinal);
            Assert.DoesNotContain(broker.Password(user), passwd, StringComparison.Ordinal);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(broker.Account(user, "mqtt-password")));
        }

        Assert.Contains($"\n{ProductionBroker.Hub}-alarms:$7$", passwd, StringComparison.Ordinal);
        Assert.Contains($"\n{ProductionBroker.Hub}-peers:$7$", passwd, StringComparison.Ordinal);
        Assert.Contains($"\n{ProductionBroker.Hub}-console:$7$", passwd, StringComparison.Ordinal);

        // The gateway's handover: its settings file and the files it names.
        string settings = await File.ReadAllTextAsync(broker.Account(UserA, "gateway.json"));
        Assert.Contains($"\"Username\": \"{UserA}\"", settings, StringComparison.Ordinal);
        Assert.Contains("\"Broker\": \"mqtts://mqtt.example.cn:8883\"", settings, StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllTextAsync(broker.CaFile), await File.ReadAllTextAsync(broker.Account(UserA, "mqtt-ca.pem")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(broker.Credentials, "ca.key")));

        // Run again: nothing new is made, nothing is replaced.
        string caBefore = await File.ReadAllTextAsync(broker.CaFile);
        string serverBefore = await File.ReadAllTextAsync(Path.Combine(broker.Credentials, "server.crt"));
        string passwordBefore = broker.Password(UserA);
        ScriptResult again = (await broker.MakeCredentialsAsync()).AssertSucceeded("make-credentials.sh, second run");
        Assert.DoesNotContain("made", again.All, StringComparison.Ordinal);
        Assert.Equal(caBefore, await File.ReadAllTextAsync(broker.CaFile));
        Assert.Equal(serverBefore, await File.ReadAllTextAsync(Path.Combine(broker.Credentials, "server.crt")));
        Assert.Equal(passwordBefore, broker.Password(UserA));
    }

    [Fact]
    public async Task A_client_trusting_only_the_generated_CA_connects_over_TLS_and_one_trusting_another_CA_refuses_the_broker()
    {
        await using (TlsMqttClient hub = await ConnectAsync(ProductionBroker.Hub))
        {
            Assert.Null(TlsMqttClient.LastRefusal);
        }

        string other = Path.Combine(broker.Directory, "other-ca");
        (await DeployScripts.RunAsync("deploy/mosquitto/make-credentials.sh", ["--dir", other], TimeSpan.FromSeconds(60))).AssertSucceeded("make-credentials.sh (another CA)");
        await Assert.ThrowsAnyAsync<Exception>(() => TlsMqttClient.ConnectAsync("localhost", broker.Port, Path.Combine(other, "ca.crt"), "wrong-ca", ProductionBroker.Hub, broker.Password(ProductionBroker.Hub)));
        Assert.NotNull(TlsMqttClient.LastRefusal); // the chain does not lead to the CA it was given
    }

    [Theory]
    [InlineData("ECDHE-ECDSA-AES128-SHA")]
    [InlineData("ECDHE-ECDSA-AES256-SHA")]
    public async Task On_TLS_1_2_the_broker_refuses_a_CBC_SHA1_suite_and_agrees_on_an_AEAD_one(string cbcSha1)
    {
        (int refusedExit, string refused) = await SClientAsync("-tls1_2", "-cipher", cbcSha1);
        Assert.True(refusedExit != 0 && !refused.Contains("Cipher is " + cbcSha1, StringComparison.Ordinal), $"{cbcSha1} was accepted:\n{refused}");

        (int agreedExit, string agreed) = await SClientAsync("-tls1_2", "-cipher", cbcSha1 + ":ECDHE-ECDSA-AES128-GCM-SHA256");
        Assert.True(agreedExit == 0, agreed);
        Assert.Contains("Cipher is ECDHE-ECDSA-AES128-GCM-SHA256", agreed, StringComparison.Ordinal);

        // Both listeners are configured alike.
        string conf = string.Join('\n', Directory.GetFiles(Path.Combine(broker.Directory, "conf.d")).Select(File.ReadAllText));
        Assert.Equal(2, conf.Split('\n').Count(l => l.StartsWith("ciphers ", StringComparison.Ordinal)));
    }

    /// <summary>A TLS handshake with <c>openssl s_client</c> against the broker's password listener: exit code and output.</summary>
    private async Task<(int Exit, string Output)> SClientAsync(params string[] options)
    {
        var start = new System.Diagnostics.ProcessStartInfo("openssl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])["s_client", "-connect", $"127.0.0.1:{broker.Port}", "-CAfile", broker.CaFile, "-servername", "localhost", .. options])
        {
            start.ArgumentList.Add(arg);
        }

        using System.Diagnostics.Process process = System.Diagnostics.Process.Start(start)!;
        process.StandardInput.Close(); // s_client ends once the handshake is done and its input is at its end
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60)); // a hang bound
        await process.WaitForExitAsync(bound.Token);
        return (process.ExitCode, await output + await error);
    }

    [Fact]
    public async Task Anonymous_clients_wrong_passwords_and_plain_TCP_are_refused()
    {
        MqttRefusedException anonymous = await Assert.ThrowsAsync<MqttRefusedException>(
            () => TlsMqttClient.ConnectAsync("localhost", broker.Port, broker.CaFile, "anonymous", null, null));
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, anonymous.Code);

        MqttRefusedException wrong = await Assert.ThrowsAsync<MqttRefusedException>(
            () => TlsMqttClient.ConnectAsync("localhost", broker.Port, broker.CaFile, "wrong-password", UserA, "not-the-password"));
        Assert.NotEqual(MqttClientConnectResultCode.Success, wrong.Code);

        // The password of one account does not open another.
        await Assert.ThrowsAsync<MqttRefusedException>(
            () => TlsMqttClient.ConnectAsync("localhost", broker.Port, broker.CaFile, "borrowed", UserB, broker.Password(UserA)));

        // Plain MQTT on the TLS port, with the right password: the broker takes it for a broken TLS handshake.
        await Assert.ThrowsAnyAsync<Exception>(() => TlsMqttClient.ConnectAsync(
            "127.0.0.1", broker.Port, broker.CaFile, "plain", ProductionBroker.Hub, broker.Password(ProductionBroker.Hub), tls: false));

        // The mutual-TLS listener wants a certificate; a password is not enough.
        await Assert.ThrowsAnyAsync<Exception>(() => TlsMqttClient.ConnectAsync(
            "localhost", broker.MtlsPort, broker.CaFile, "no-certificate", ProductionBroker.Hub, broker.Password(ProductionBroker.Hub)));

        // The rendered configuration has no listener but the two TLS ones.
        string conf = string.Join('\n', Directory.GetFiles(Path.Combine(broker.Directory, "conf.d")).Select(File.ReadAllText));
        Assert.Equal(2, conf.Split('\n').Count(l => l.StartsWith("listener ", StringComparison.Ordinal)));
        Assert.Contains("allow_anonymous false", conf, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gateway_publishes_on_its_own_topics_and_is_refused_on_another_gateways_and_cannot_read_them()
    {
        await using TlsMqttClient hub = await ConnectAsync(ProductionBroker.Hub);
        await hub.SubscribeAsync("edge/v1/#");
        // An account is one session (use_username_as_clientid): the refused publishes, each closing its connection,
        // come before A's own connection.
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await PublishOnceAsync(UserA, $"{TopicsB}/alarms", "forged by A"));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await PublishOnceAsync(UserA, $"{TopicsB}/ports/P01/telemetry", "forged by A"));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await PublishOnceAsync(UserA, $"{TopicsA}/cmd/port_reset", "a command to itself"));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await PublishOnceAsync(UserA, "edge/v1/_deadletter/bad_topic", "forged"));
        await using TlsMqttClient a = await ConnectAsync(UserA);
        await a.SubscribeAsync("edge/v1/#"); // granted, but only what A may read is delivered
        await using TlsMqttClient b = await ConnectAsync(UserB);

        foreach (string topic in new[] { "status", "ports/P01/telemetry", "ports/P01/state", "bins/B1/state", "alarms", "sessions", "sessions/resumed" })
        {
            Assert.Equal(MqttClientPublishReasonCode.Success, await a.PublishAsync($"{TopicsA}/{topic}", "from A"));
        }

        Assert.Equal(MqttClientPublishReasonCode.Success, await b.PublishAsync($"{TopicsB}/alarms", "from B"));

        List<(string Topic, string Payload)> atHub = await hub.ReceiveAsync(8, Quiet);
        Assert.Equal(7, atHub.Count(m => m.Payload == "from A"));
        Assert.Contains(atHub, m => m.Topic == $"{TopicsB}/alarms" && m.Payload == "from B");
        Assert.DoesNotContain(atHub, m => m.Payload.StartsWith("forged", StringComparison.Ordinal) || m.Payload == "a command to itself");

        // A read nothing: not B's alarm, not even its own messages (a gateway only reads its commands).
        Assert.Empty(await a.DrainAsync(Quiet));
    }

    [Fact]
    public async Task The_hub_reads_every_gateway_through_a_shared_subscription_and_sends_commands_that_only_the_addressed_gateway_receives()
    {
        // The hub cannot speak for a gateway, nor a reader for anyone (before their own connections: an account is
        // one session).
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await PublishOnceAsync(ProductionBroker.Hub, $"{TopicsA}/status", "forged by the hub"));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await PublishOnceAsync(ProductionBroker.Reader, $"{TopicsA}/cmd/port_disable", "command from a reader"));
        await using TlsMqttClient hub = await ConnectAsync(ProductionBroker.Hub);
        await hub.SubscribeAsync("$share/hub/edge/v1/#");
        await using TlsMqttClient reader = await ConnectAsync(ProductionBroker.Reader);
        await reader.SubscribeAsync("edge/v1/#");
        await using TlsMqttClient a = await ConnectAsync(UserA);
        await a.SubscribeAsync($"{TopicsA}/cmd/+");
        await a.SubscribeAsync($"{TopicsB}/cmd/+"); // granted, never delivered
        await using TlsMqttClient b = await ConnectAsync(UserB);
        await b.SubscribeAsync($"{TopicsB}/cmd/+");

        Assert.Equal(MqttClientPublishReasonCode.Success, await a.PublishAsync($"{TopicsA}/ports/P02/telemetry", "telemetry A"));
        Assert.Equal(MqttClientPublishReasonCode.Success, await b.PublishAsync($"{TopicsB}/bins/B1/telemetry", "telemetry B"));
        Assert.Equal(MqttClientPublishReasonCode.Success, await hub.PublishAsync($"{TopicsB}/cmd/snapshot", "command for B"));
        Assert.Equal(MqttClientPublishReasonCode.Success, await hub.PublishAsync("edge/v1/_hub/seen/edge-hub", "seen"));
        Assert.Equal(MqttClientPublishReasonCode.Success, await hub.PublishAsync("edge/v1/_deadletter/malformed_json", "dead letter"));
        // A gateway answers on the hub's response topic.
        Assert.Equal(MqttClientPublishReasonCode.Success, await b.PublishAsync("edge/v1/_hub/replies/edge-hub", "reply from B"));

        List<(string Topic, string Payload)> atB = await b.ReceiveAsync(1, Quiet);
        Assert.Equal([($"{TopicsB}/cmd/snapshot", "command for B")], atB);
        Assert.Empty(await a.DrainAsync(TimeSpan.FromMilliseconds(200)));

        List<(string Topic, string Payload)> atHub = await hub.ReceiveAsync(6, Quiet);
        string[] expected = ["telemetry A", "telemetry B", "command for B", "seen", "dead letter", "reply from B"];
        Assert.Equal(expected.Order(), atHub.Select(m => m.Payload).Order());
        List<(string Topic, string Payload)> atReader = await reader.ReceiveAsync(6, TimeSpan.FromMilliseconds(200));
        Assert.Equal(expected.Order(), atReader.Select(m => m.Payload).Order());
    }

    [Fact]
    public async Task With_mutual_TLS_the_client_certificate_names_the_account_and_its_ACL_applies()
    {
        await using TlsMqttClient hub = await ConnectAsync(ProductionBroker.Hub);
        await hub.SubscribeAsync("edge/v1/#");
        await using (TlsMqttClient forger = await TlsMqttClient.ConnectAsync("localhost", broker.MtlsPort, broker.CaFile, "mtls-a-forger", null, null,
            broker.Account(UserA, "mqtt-client.pem"), broker.Account(UserA, "mqtt-client.key")))
        {
            Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await forger.PublishAsync($"{TopicsB}/sessions", "forged over mTLS"));
        }

        await using TlsMqttClient a = await TlsMqttClient.ConnectAsync("localhost", broker.MtlsPort, broker.CaFile, "mtls-a", null, null,
            broker.Account(UserA, "mqtt-client.pem"), broker.Account(UserA, "mqtt-client.key"));
        Assert.Equal(MqttClientPublishReasonCode.Success, await a.PublishAsync($"{TopicsA}/sessions", "session over mTLS"));
        Assert.Equal([($"{TopicsA}/sessions", "session over mTLS")], await hub.ReceiveAsync(1, Quiet));
    }

    [Fact]
    public async Task A_gateway_account_connecting_with_the_hubs_client_id_neither_disconnects_the_hub_nor_deletes_its_queued_alarms()
    {
        TlsMqttClient hub = await ConnectAsync(ProductionBroker.Hub, ProductionBroker.Hub, persistent: true);
        await hub.SubscribeAsync($"{TopicsA}/alarms");
        await using TlsMqttClient a = await ConnectAsync(UserA);

        // While the hub is connected: B's account with the hub's client id and clean start. The hub stays connected.
        await (await ConnectAsync(UserB, ProductionBroker.Hub)).DisposeAsync();
        Assert.Equal(MqttClientPublishReasonCode.Success, await a.PublishAsync($"{TopicsA}/alarms", "alarm while the hub is connected"));
        Assert.Equal([($"{TopicsA}/alarms", "alarm while the hub is connected")], await hub.ReceiveAsync(1, Quiet));
        await hub.DisposeAsync();

        // While the hub is away: three alarms queue for its session; B tries again, as `edge-hub` and as its account's
        // other connections' ids; the hub comes back and every alarm arrives.
        string[] alarms = ["alarm 1 while the hub is away", "alarm 2 while the hub is away", "alarm 3 while the hub is away"];
        foreach (string alarm in alarms)
        {
            Assert.Equal(MqttClientPublishReasonCode.Success, await a.PublishAsync($"{TopicsA}/alarms", alarm));
        }

        foreach (string clientId in new[] { ProductionBroker.Hub, ProductionBroker.Hub + "-alarms", ProductionBroker.Hub + "-peers", ProductionBroker.Hub + "-console" })
        {
            await TakeOverAttemptAsync(UserB, clientId);
        }

        await using TlsMqttClient back = await ConnectAsync(ProductionBroker.Hub, ProductionBroker.Hub, persistent: true);
        Assert.Equal(alarms, (await back.ReceiveAsync(alarms.Length, Quiet)).Select(m => m.Payload));
    }

    [Fact]
    public async Task A_gateway_account_connecting_with_another_gateways_client_id_leaves_that_gateways_session_and_queued_commands_alone()
    {
        await using TlsMqttClient hub = await ConnectAsync(ProductionBroker.Hub);
        await using (TlsMqttClient a = await ConnectAsync(UserA, UserA, persistent: true))
        {
            await a.SubscribeAsync($"{TopicsA}/cmd/+");
        }

        Assert.Equal(MqttClientPublishReasonCode.Success, await hub.PublishAsync($"{TopicsA}/cmd/snapshot", "command 1 while A is away"));
        Assert.Equal(MqttClientPublishReasonCode.Success, await hub.PublishAsync($"{TopicsA}/cmd/port_reset", "command 2 while A is away"));
        // B with A's account name and with A's former client id (SITE-GW), clean start.
        await TakeOverAttemptAsync(UserB, UserA);
        await TakeOverAttemptAsync(UserB, $"{ProductionBroker.SiteA}-{ProductionBroker.GatewayA}");

        await using TlsMqttClient back = await ConnectAsync(UserA, UserA, persistent: true);
        Assert.Equal(["command 1 while A is away", "command 2 while A is away"], (await back.ReceiveAsync(2, Quiet)).Select(m => m.Payload));
    }

    /// <summary><paramref name="user"/> connects as <paramref name="clientId"/> with clean start (the broker may refuse it;
    /// either way it must not reach the session of that id's owner) and leaves.</summary>
    private async Task TakeOverAttemptAsync(string user, string clientId)
    {
        try
        {
            await (await ConnectAsync(user, clientId)).DisposeAsync();
        }
        catch (MqttRefusedException)
        {
            // Refused outright is as good.
        }
    }

    [Fact]
    public async Task Messages_queued_for_an_absent_hub_survive_a_broker_restart()
    {
        const string HubClientId = ProductionBroker.Hub; // the broker names the session by the account anyway
        await using (TlsMqttClient hub = await ConnectAsync(ProductionBroker.Hub, HubClientId, persistent: true))
        {
            await hub.SubscribeAsync($"{TopicsA}/alarms");
        }

        await using (TlsMqttClient a = await ConnectAsync(UserA))
        {
            Assert.Equal(MqttClientPublishReasonCode.Success, await a.PublishAsync($"{TopicsA}/alarms", "queued while the hub was away"));
        }

        await broker.StopAsync();
        await broker.StartAsync();

        await using TlsMqttClient back = await ConnectAsync(ProductionBroker.Hub, HubClientId, persistent: true);
        Assert.Equal([($"{TopicsA}/alarms", "queued while the hub was away")], await back.ReceiveAsync(1, TimeSpan.FromSeconds(2)));
    }
}
