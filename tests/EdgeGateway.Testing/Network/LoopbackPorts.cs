using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace EdgeGateway.Testing.Network;

/// <summary>
/// Loopback ports for the servers and processes the tests start, which must be told a port before they bind it.
/// </summary>
/// <remarks>
/// A port probed free with bind(0) comes from the kernel's ephemeral range (net.ipv4.ip_local_port_range), the range
/// every outgoing connection's local port is taken from too: with the test projects running at once, an MQTT or HTTP
/// client's connect took such a port before the hub bound it ("address already in use"). So ports come from below that
/// range, where the kernel hands out nothing by itself, and each is claimed with a lock file held for the life of the
/// test process, so two test processes never pick the same one; the probe bind only skips a port something else holds.
/// </remarks>
public static class LoopbackPorts
{
    private const int Lowest = 10_000;
    private static readonly string LockDirectory = Path.Combine(Path.GetTempPath(), "edgegateway-test-ports");
    private static readonly List<FileStream> Claimed = [];
    private static readonly Lock Gate = new();

    /// <summary>A loopback TCP port no other test process has claimed and nothing listens on now.</summary>
    public static int Claim()
    {
        int highest = EphemeralLow() - 1;
        Directory.CreateDirectory(LockDirectory);
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            int port = Random.Shared.Next(Lowest, highest + 1);
            FileStream? claim = TryLock(port);
            if (claim is null)
            {
                continue;
            }

            if (!IsFree(port))
            {
                claim.Dispose();
                continue;
            }

            lock (Gate)
            {
                Claimed.Add(claim);
            }

            return port;
        }

        throw new InvalidOperationException($"no free loopback port in {Lowest}..{highest} after 1000 tries");
    }

    private static FileStream? TryLock(int port)
    {
        // On Linux .NET takes FileShare.None as an exclusive flock(2) on the open file, released when the process ends
        // (however it ends); a second open, from this process or another, is refused.
        try
        {
            return new FileStream(Path.Combine(LockDirectory, port.ToString(CultureInfo.InvariantCulture)), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int EphemeralLow()
    {
        try
        {
            string[] range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            int low = int.Parse(range[0], CultureInfo.InvariantCulture);
            return low > Lowest + 1000 ? low : 32768;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32768;
        }
    }
}
