using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Processes;

namespace EdgeGateway.Hub.Tests.EndToEnd;

/// <summary>The built gateway (EdgeGateway.dll) on simulated hardware, publishing to a test broker.</summary>
internal static class SimulatedGateway
{
    public const string Site = "linzi-demo-001";
    public const string Gateway = "gw-01";

    /// <summary>The demo shed with one port overloaded (a port_overload alarm, a locked-out port, sessions).</summary>
    public static ProductProcess Start(MosquittoBroker broker, string dataDirectory, string speed, string duration, string scenario = "overload", IReadOnlyDictionary<string, string>? environment = null, string site = "demo") =>
        ProductProcess.Start("EdgeGateway",
        [
            "run", "--simulate", "--config", $"firmware-config/sites/{site}.yaml",
            "--scenario", $"firmware-config/scenarios/{scenario}.yaml", "--speed", speed, "--duration", duration,
            "--data-dir", dataDirectory, "--broker", broker.Uri.ToString(),
        ], environment);
}
