using System.Net.Sockets;

namespace EdgeGateway.Hub.Tests.Servers;

/// <summary>What the fixture tests check from outside: does a port accept connections, is a process still alive.</summary>
internal static class Probe
{
    public static async Task<bool> Accepts(int port)
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

    public static bool IsAlive(int pid)
    {
        string status = $"/proc/{pid}/status";
        try
        {
            return File.Exists(status) && !File.ReadAllText(status).Contains("State:\tZ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
