using EdgeGateway.Testing;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Network;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeGateway.Mqtt.Tests;

/// <summary>TLS against the test CA, password authentication and the broker's ACL; each test has its own broker.</summary>
[Trait("Category", "Servers")]
public sealed class MqttConnectionSecurityTests : IDisposable
{
    private static readonly TimeSpan Wait = RunningLink.Wait;

    private readonly string _scratch = Directory.CreateTempSubdirectory("edgegateway-mqtt-test-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public async Task TLS_with_the_test_CA_connects_and_publishes()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(new MosquittoBrokerOptions { Tls = true });
        MqttLinkOptions options = LinkOptions.For(broker.Uri, "gw-a");
        options.CaFile = broker.CaFile;
        await using var link = new RunningLink(options);

        await link.ConnectedAsync();
        Assert.True(await link.Connection.PublishAsync("edge/v1/site/gw-a/status", "x"u8.ToArray(), false, MqttQualityOfServiceLevel.AtLeastOnce));
    }

    [Fact]
    public async Task TLS_with_another_CA_is_refused_and_retried()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(new MosquittoBrokerOptions { Tls = true });
        TestCertificateAuthority stranger = await TestCertificateAuthority.CreateAsync(_scratch, "stranger");
        MqttLinkOptions options = LinkOptions.For(broker.Uri, "gw-a");
        options.CaFile = stranger.CertificateFile;
        await using var link = new RunningLink(options);

        MqttLinkConnectFailedEventArgs first = await link.ConnectFailedAsync();
        MqttLinkConnectFailedEventArgs second = await link.ConnectFailedAsync();

        Assert.StartsWith("TLS: certificate chain not trusted by the configured CA", first.Reason, StringComparison.Ordinal);
        Assert.Equal(2, second.Attempt);
        Assert.False(link.Connection.IsConnected);
        Assert.False(link.Connects.Reader.TryRead(out _));
    }

    [Fact]
    public async Task TLS_to_a_host_name_the_certificate_does_not_name_is_refused()
    {
        // The server certificate names localhost and 127.0.0.1. 127.0.0.2 is this machine too (a forwarder listening
        // on it leads to the same broker) but not a name in the certificate.
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(new MosquittoBrokerOptions { Tls = true });
        await using var forwarder = new TcpCutter(broker.Port, System.Net.IPAddress.Parse("127.0.0.2"));
        MqttLinkOptions options = LinkOptions.For(new Uri($"mqtts://localhost:{broker.Port}"), "gw-a");
        options.CaFile = broker.CaFile;
        await using (var byName = new RunningLink(options))
        {
            await byName.ConnectedAsync();
        }

        options.Broker = new Uri($"mqtts://127.0.0.2:{forwarder.Port}");
        await using var wrongName = new RunningLink(options);
        MqttLinkConnectFailedEventArgs failed = await wrongName.ConnectFailedAsync();

        Assert.Equal("TLS: the broker's certificate is not for the host name in the broker URI", failed.Reason);
        Assert.True(forwarder.Accepted > 0, "the attempt reached the broker through the forwarder");
        Assert.False(wrongName.Connects.Reader.TryRead(out _));
    }

    [Fact]
    public async Task A_broker_that_requires_client_certificates_accepts_the_gateway_with_one_and_refuses_it_without()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(new MosquittoBrokerOptions { Tls = true, RequireClientCertificate = true });
        (string certificate, string key) = await broker.CertificateAuthority!.IssueClientAsync("gw-a");
        MqttLinkOptions options = LinkOptions.For(broker.Uri, "gw-a");
        options.CaFile = broker.CaFile;
        options.ClientCertificateFile = certificate;
        options.ClientKeyFile = key;
        await using (var withCertificate = new RunningLink(options))
        {
            await withCertificate.ConnectedAsync();
            Assert.True(await withCertificate.Connection.PublishAsync("edge/v1/site/gw-a/status", "x"u8.ToArray(), false, MqttQualityOfServiceLevel.AtLeastOnce));
        }

        options.ClientCertificateFile = null;
        options.ClientKeyFile = null;
        await using var without = new RunningLink(options);
        await without.ConnectFailedAsync();
        Assert.False(without.Connects.Reader.TryRead(out _));
    }

    [Fact]
    public async Task The_right_password_from_a_file_or_variable_connects_and_is_never_logged()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(new MosquittoBrokerOptions
        {
            Users = new Dictionary<string, string> { ["gw-a"] = "s3cret-A-pass" },
        });
        string passwordFile = Path.Combine(_scratch, "password");
        await File.WriteAllTextAsync(passwordFile, "s3cret-A-pass\n");
        MqttLinkOptions options = LinkOptions.For(broker.Uri, "gw-a");
        options.Username = "gw-a";
        options.PasswordFile = passwordFile;
        await using (var fromFile = new RunningLink(options))
        {
            await fromFile.ConnectedAsync();
            Assert.DoesNotContain("s3cret", fromFile.Logger.Text, StringComparison.Ordinal);
            Assert.Contains("user gw-a", fromFile.Logger.Text, StringComparison.Ordinal);
        }

        string variable = "EDGEGATEWAY_TEST_MQTT_PASSWORD_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, "s3cret-A-pass");
        try
        {
            options.PasswordFile = null;
            options.PasswordEnvironmentVariable = variable;
            await using var fromVariable = new RunningLink(options);
            await fromVariable.ConnectedAsync();
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task A_wrong_password_is_refused_and_retried_with_growing_jittered_backoff_not_in_a_tight_loop()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(new MosquittoBrokerOptions
        {
            Users = new Dictionary<string, string> { ["gw-a"] = "s3cret-A-pass" },
        });
        string passwordFile = Path.Combine(_scratch, "password");
        await File.WriteAllTextAsync(passwordFile, "wrong-guess");
        MqttLinkOptions options = LinkOptions.For(broker.Uri, "gw-a");
        options.Username = "gw-a";
        options.PasswordFile = passwordFile;
        options.InitialBackoff = TimeSpan.FromMilliseconds(200);
        options.MaxBackoff = TimeSpan.FromMilliseconds(800);
        await using var link = new RunningLink(options);

        var failures = new List<MqttLinkConnectFailedEventArgs>();
        for (int i = 0; i < 5; i++)
        {
            failures.Add(await link.ConnectFailedAsync());
        }

        // Observed: Mosquitto 2.0.11 answers a wrong password with CONNACK reason code 0x87 NotAuthorized (MQTT 5),
        // not 0x86 BadUserNameOrPassword.
        Assert.All(failures, f => Assert.Equal("NotAuthorized", f.Reason));
        Assert.Equal([1, 2, 3, 4, 5], failures.Select(f => f.Attempt));
        for (int i = 0; i < failures.Count; i++)
        {
            // Step n waits in [d/2, d], d = min(max, initial × 2ⁿ): 200-400, 400-800, then 400-800 ms.
            double ceiling = Math.Min(800, 200 * Math.Pow(2, i + 1));
            Assert.InRange(failures[i].RetryIn.TotalMilliseconds, (ceiling / 2) - 1, ceiling + 1);
        }

        Assert.False(link.Connects.Reader.TryRead(out _));
        Assert.False(link.Connection.IsConnected);
        Assert.DoesNotContain("wrong-guess", link.Logger.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", link.Logger.Text, StringComparison.Ordinal);

        // And the fix takes effect on the next attempt: the password is read at connect time.
        await File.WriteAllTextAsync(passwordFile, "s3cret-A-pass");
        await link.ConnectedAsync();
    }

    [Fact]
    public async Task The_ACL_keeps_gw_a_to_its_own_topics_publishes_elsewhere_are_refused_with_NotAuthorized_and_not_delivered()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(new MosquittoBrokerOptions
        {
            Users = new Dictionary<string, string> { ["gw-a"] = "a-pass", ["ops"] = "ops-pass" },
            Acl = "user gw-a\ntopic readwrite edge/v1/site/gw-a/#\n\nuser ops\ntopic readwrite edge/#\n",
        });
        await using ProbeClient ops = await ProbeClient.ConnectAsync(broker, "ops", "ops-pass");
        await ops.SubscribeAsync("edge/#");
        string passwordFile = Path.Combine(_scratch, "password");
        await File.WriteAllTextAsync(passwordFile, "a-pass");
        MqttLinkOptions options = LinkOptions.For(broker.Uri, "gw-a");
        options.Username = "gw-a";
        options.PasswordFile = passwordFile;
        await using var link = new RunningLink(options);
        await link.ConnectedAsync();

        bool foreignQos1 = await link.Connection.PublishAsync("edge/v1/site/gw-b/status", "spoof"u8.ToArray(), false, MqttQualityOfServiceLevel.AtLeastOnce);
        bool foreignQos0 = await link.Connection.PublishAsync("edge/v1/site/gw-b/status", "spoof0"u8.ToArray(), false, MqttQualityOfServiceLevel.AtMostOnce);
        bool own = await link.Connection.PublishAsync("edge/v1/site/gw-a/status", "mine"u8.ToArray(), false, MqttQualityOfServiceLevel.AtLeastOnce);

        // What Mosquitto 2.0 does: QoS 1 → PUBACK with reason code 0x87 NotAuthorized (false); QoS 0 has no
        // acknowledgement, so the publish "succeeds" and the broker drops it silently. Neither is delivered.
        Assert.False(foreignQos1);
        Assert.True(foreignQos0);
        Assert.True(own);
        Assert.Contains(link.Logger.Lines, l => l.Contains("edge/v1/site/gw-b/status refused by the broker: NotAuthorized", StringComparison.Ordinal));
        MqttApplicationMessage delivered = await ops.NextAsync(Wait);
        Assert.Equal("edge/v1/site/gw-a/status", delivered.Topic);
        Assert.Null(await ops.TryNextAsync(TimeSpan.FromMilliseconds(300)));
        Assert.Contains("Denied PUBLISH from " + options.ClientId, broker.Log, StringComparison.Ordinal);
        Assert.True(link.Connection.IsConnected, "an ACL refusal does not drop the link");
    }

    [Fact]
    public async Task The_ACL_keeps_one_gateway_from_reading_another_gateways_commands()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(new MosquittoBrokerOptions
        {
            Users = new Dictionary<string, string> { ["gw-a"] = "a-pass", ["gw-b"] = "b-pass", ["ops"] = "ops-pass" },
            Acl = "user gw-a\ntopic readwrite edge/v1/site/gw-a/#\n\nuser gw-b\ntopic readwrite edge/v1/site/gw-b/#\n\nuser ops\ntopic readwrite edge/#\n",
        });
        string passwordA = Path.Combine(_scratch, "password-a");
        string passwordB = Path.Combine(_scratch, "password-b");
        await File.WriteAllTextAsync(passwordA, "a-pass");
        await File.WriteAllTextAsync(passwordB, "b-pass");
        MqttLinkOptions a = LinkOptions.For(broker.Uri, "gw-a");
        a.Username = "gw-a";
        a.PasswordFile = passwordA;
        MqttLinkOptions b = LinkOptions.For(broker.Uri, "gw-b");
        b.Username = "gw-b";
        b.PasswordFile = passwordB;

        // gw-b tries to listen in on gw-a's command topic as well as its own.
        await using var linkA = new RunningLink(a, ("edge/v1/site/gw-a/cmd/+", MqttQualityOfServiceLevel.AtLeastOnce));
        await using var linkB = new RunningLink(b, ("edge/v1/site/gw-a/cmd/+", MqttQualityOfServiceLevel.AtLeastOnce), ("edge/v1/site/gw-b/cmd/+", MqttQualityOfServiceLevel.AtLeastOnce));
        await linkA.ConnectedAsync();
        await linkB.ConnectedAsync();
        await Task.Delay(500);
        await using ProbeClient ops = await ProbeClient.ConnectAsync(broker, "ops", "ops-pass");

        await ops.PublishAsync("edge/v1/site/gw-a/cmd/port_disable", "{\"port\":\"P01\",\"operator\":\"ops\"}");
        await ops.PublishAsync("edge/v1/site/gw-b/cmd/snapshot", "{}");

        MqttIncomingMessage forA = await linkA.MessageAsync();
        MqttIncomingMessage forB = await linkB.MessageAsync();
        Assert.Equal("edge/v1/site/gw-a/cmd/port_disable", forA.Topic);
        Assert.Equal("edge/v1/site/gw-b/cmd/snapshot", forB.Topic);
        Assert.False(linkB.Messages.Reader.TryRead(out MqttIncomingMessage? leaked), $"gw-b read {leaked?.Topic}");
    }
}
