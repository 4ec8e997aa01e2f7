using System.Diagnostics;
using System.Net.Sockets;

using EdgeGateway.Testing.Mosquitto;

namespace EdgeGateway.Mqtt.Tests;

/// <summary>The fixture itself: the broker listens where it says, restarts on its port, and leaves no process behind.</summary>
[Trait("Category", "Servers")]
public sealed class MosquittoBrokerTests
{
    [Fact]
    public async Task Starts_on_a_loopback_port_stops_restarts_on_the_same_port_and_leaves_no_process()
    {
        int pid;
        await using (MosquittoBroker broker = await MosquittoBroker.StartNewAsync())
        {
            Assert.Equal("mqtt", broker.Uri.Scheme);
            Assert.True(await Accepts(broker.Port));
            pid = ProcessIdListeningOn(broker);

            int port = broker.Port;
            await broker.StopAsync();
            Assert.False(broker.IsRunning);
            Assert.False(await Accepts(port));
            Assert.Contains("Saving in-memory database", broker.Log, StringComparison.Ordinal);

            await broker.StartAsync();
            Assert.Equal(port, broker.Port);
            Assert.True(await Accepts(port));
            Assert.True(File.Exists(Path.Combine(broker.DataDirectory, "mosquitto.db")));
        }

        Assert.False(IsAlive(pid));
    }

    [Fact]
    public async Task A_TLS_broker_serves_a_certificate_that_mosquitto_sub_trusts_with_the_test_CA()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(new MosquittoBrokerOptions { Tls = true });
        Assert.Equal("mqtts", broker.Uri.Scheme);
        Assert.True(File.Exists(broker.CaFile));

        // -E: exit right after the subscription is acknowledged, which needs a completed TLS handshake.
        await Tool.RunAsync("mosquitto_sub", ["-h", "localhost", "-p", broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--cafile", broker.CaFile!, "-t", "probe", "-E", "-W", "5", "-V", "mqttv5"]);
    }

    private static async Task<bool> Accepts(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int ProcessIdListeningOn(MosquittoBroker broker)
    {
        // The broker's own process: the mosquitto whose command line names this broker's configuration.
        foreach (Process process in Process.GetProcessesByName("mosquitto"))
        {
            using (process)
            {
                string cmdline = File.ReadAllText($"/proc/{process.Id}/cmdline");
                if (cmdline.Contains(broker.ConfigFile, StringComparison.Ordinal))
                {
                    return process.Id;
                }
            }
        }

        throw new InvalidOperationException($"no mosquitto process runs {broker.ConfigFile}");
    }

    private static bool IsAlive(int pid)
    {
        string status = $"/proc/{pid}/status";
        return File.Exists(status) && !File.ReadAllText(status).Contains("State:\tZ", StringComparison.Ordinal);
    }
}
