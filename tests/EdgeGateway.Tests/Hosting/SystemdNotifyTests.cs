using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace EdgeGateway.Tests.Hosting;

/// <summary>
/// The sd_notify protocol for real: the gateway is started with NOTIFY_SOCKET pointing at a datagram
/// socket this test reads, WATCHDOG_USEC set, and a parent process named "systemd" (how
/// Microsoft.Extensions.Hosting.Systemd recognises a systemd service). What arrives on the socket is
/// what systemd would see.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SystemdNotifyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-notify-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Gateway_under_systemd_reports_ready_pings_the_watchdog_while_sampling_and_reports_stopping()
    {
        string socketPath = Path.Combine(_dir, "notify");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));

        // A shell named "systemd" as the gateway's parent.
        string launcher = Path.Combine(_dir, "systemd");
        File.Copy("/bin/sh", launcher);
        File.SetUnixFileMode(launcher, UnixFileMode.UserRead | UnixFileMode.UserExecute);

        string gateway = Path.Combine(EdgeGateway.Testing.Processes.ProductProcess.BuildOutputOf("EdgeGateway"), "EdgeGateway.dll");
        var start = new ProcessStartInfo(launcher)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = EdgeGateway.Testing.Processes.ProductProcess.BuildOutputOf("EdgeGateway"),
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"dotnet '{gateway}' run --simulate --scenario firmware-config/scenarios/overload.yaml --speed 1 --duration 00:00:05 --data-dir '{_dir}' --broker none; echo exit=$?");
        start.Environment["NOTIFY_SOCKET"] = socketPath;
        start.Environment["WATCHDOG_USEC"] = "1000000";
        start.Environment.Remove("INVOCATION_ID");

        var messages = new List<string>();
        var ran = Stopwatch.StartNew();
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        using var reading = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        byte[] buffer = new byte[1024];
        var receive = Task.Run(async () =>
        {
            while (!reading.IsCancellationRequested)
            {
                int n = await socket.ReceiveAsync(buffer, SocketFlags.None, reading.Token);
                lock (messages)
                {
                    messages.Add(Encoding.UTF8.GetString(buffer, 0, n));
                }
            }
        });

        await process.WaitForExitAsync(reading.Token);

        // The datagrams are in the socket by now; on a loaded machine the receiving task may not have read them all.
        // Wait for it to have read STOPPING=1 (a bound against a hang), then for any datagram still queued.
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            lock (messages)
            {
                if (messages.Contains("STOPPING=1") && socket.Available == 0)
                {
                    break;
                }
            }

            await Task.Delay(50);
        }

        await Task.Delay(200);
        await reading.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receive);

        string stdout = await output;
        Assert.True(stdout.Contains("exit=0", StringComparison.Ordinal), stdout + await errors);
        string[] seen;
        lock (messages)
        {
            seen = [.. messages];
        }

        Assert.Equal("READY=1", seen[0]);
        // Twice per WATCHDOG_USEC (1 s) while rounds complete: about 10 in 5 s on a quiet machine. On a loaded one the
        // rounds, and so the pings, come slower; never faster than twice a second of the run.
        int pings = seen.Count(m => m == "WATCHDOG=1");
        Assert.InRange(pings, 2, (int)(2 * ran.Elapsed.TotalSeconds) + 2);
        Assert.Equal("STOPPING=1", seen[^1]);
    }
}
