using System.Globalization;
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
        Start(broker.Uri, $"firmware-config/sites/{site}.yaml", $"firmware-config/scenarios/{scenario}.yaml", dataDirectory, speed, duration, environment);

    /// <summary>
    /// A site file and a scenario given by path (the shipped ones relative to the gateway's build output, or a test's
    /// own), publishing to <paramref name="broker"/>: the test broker, or a <c>TcpCutter</c> in front of it.
    /// </summary>
    public static ProductProcess Start(Uri broker, string siteFile, string scenarioFile, string dataDirectory, string speed, string duration, IReadOnlyDictionary<string, string>? environment = null) =>
        ProductProcess.Start("EdgeGateway",
        [
            "run", "--simulate", "--config", siteFile, "--scenario", scenarioFile, "--speed", speed, "--duration", duration,
            "--data-dir", dataDirectory, "--broker", broker.ToString(),
        ], environment);

    /// <summary>A scenario's <c>start:</c> for a shed whose clock starts now (China Standard Time, as the sheds keep it):
    /// what it sends falls in InfluxDB's "last hours" and the hub's default windows.</summary>
    public static string StartingNow() =>
        DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd'T'HH:mm:ss'+08:00'", CultureInfo.InvariantCulture);
}
