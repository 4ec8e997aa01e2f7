using System.CommandLine;
using System.Diagnostics;
using EdgeGateway.Hub.Hosting;
using EdgeGateway.Hub.Tenants;
using Microsoft.AspNetCore.Identity;

namespace EdgeGateway.Hub.CommandLine;

/// <summary>
/// <c>demo [--http URL] [--influx-url URL --influx-api v1|v2 --influx-db NAME]</c>: the whole product on one machine with
/// nothing installed — the demo shed and its bin station on simulated hardware (the gateway, started from this
/// repository with its embedded MQTT broker on 127.0.0.1:1883), and this hub with the web console, signed in with demo
/// users whose passwords are printed (they exist only in this process). Without <c>--influx-url</c> nothing is stored:
/// the board is live and the trends page says it needs InfluxDB.
/// </summary>
internal static class DemoCommand
{
    public const string DemoPassword = "demo";

    private static readonly (string Name, string Role, string DisplayName, string? Company)[] DemoUsers =
    [
        ("admin", "admin", "管理员", null),
        ("maint", "maintenance", "维修 王师傅", "linzi-demo"),
        ("manager", "manager", "物业 李经理", "linzi-demo"),
        ("viewer", "viewer", "城管 张科长", TenantDirectory.District),
    ];

    /// <summary>The demo's registry: one company running the demo shed (written to the hub's data directory).</summary>
    private static readonly TenantDirectory DemoRegistry = new(
        [new Company("linzi-demo", "临淄演示物业", "Linzi Demo Property", [])],
        [new TenantSite("linzi-demo-001", "临淄区演示充电棚", "Linzi demo shed", null, "linzi-demo")]);

    public static Command Create()
    {
        var http = new Option<string>("--http") { Description = "Where the console listens", DefaultValueFactory = _ => "http://127.0.0.1:8480" };
        var influxUrl = new Option<string?>("--influx-url") { Description = "Store into this InfluxDB (default: none — live board only)" };
        var influxApi = new Option<string>("--influx-api") { Description = "v1 or v2", DefaultValueFactory = _ => "v1" };
        var influxDb = new Option<string>("--influx-db") { Description = "database or bucket", DefaultValueFactory = _ => "edge" };
        var command = new Command("demo", "The demo shed (simulated), its embedded broker, and this hub with the web console, all on this machine");
        command.Options.Add(http);
        command.Options.Add(influxUrl);
        command.Options.Add(influxApi);
        command.Options.Add(influxDb);
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(http)!, parse.GetValue(influxUrl), parse.GetValue(influxApi)!, parse.GetValue(influxDb)!, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string http, string? influxUrl, string influxApi, string influxDb, CancellationToken cancellationToken)
    {
        string? repository = FindRepository();
        if (repository is null)
        {
            await Console.Error.WriteLineAsync("demo: run it from the EdgeGateway repository (it starts src/EdgeGateway on simulated hardware)");
            return 2;
        }

        string data = Directory.CreateTempSubdirectory("edgegateway-demo-").FullName;
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Hub:Broker"] = "mqtt://127.0.0.1:1883",
            ["Hub:ClientId"] = "demo-hub",
            ["Hub:DataDirectory"] = Path.Combine(data, "hub"),
            ["Hub:SessionExpiry"] = "00:00:00",
            ["Urls"] = http,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
            // The gateway's broker comes up only once `dotnet run` has built it: the first connects are refused, as expected.
            ["Logging:LogLevel:EdgeGateway.Mqtt.MqttConnection"] = "Error",
        };
        if (influxUrl is null)
        {
            overrides["Hub:Influx:Enabled"] = "false";
        }
        else
        {
            overrides["Hub:Influx:Url"] = influxUrl;
            overrides["Hub:Influx:Api"] = influxApi.ToUpperInvariant();
            overrides["Hub:Influx:Database"] = influxDb;
        }

        var hasher = new PasswordHasher<string>();
        foreach ((string name, string role, string displayName, string? company) in DemoUsers)
        {
            overrides[$"Console:Users:{name}:PasswordHash"] = hasher.HashPassword(name, DemoPassword);
            overrides[$"Console:Users:{name}:Role"] = role;
            overrides[$"Console:Users:{name}:DisplayName"] = displayName;
            overrides[$"Console:Users:{name}:Company"] = company;
        }

        TenantFile.Write(Path.Combine(data, "hub", "tenants.yaml"), DemoRegistry);

        string gatewayLog = Path.Combine(data, "gateway.log");
        var progress = new DemoGatewayProgress(Console.Out, TimeProvider.System, gatewayLog);
        using Process gateway = StartGateway(repository, Path.Combine(data, "gateway"), gatewayLog, progress);
        Console.WriteLine($"""

            EdgeGateway demo — 演示
              web console 控制台:  {http}
              users 用户:          {string.Join(", ", DemoUsers.Select(u => $"{u.Name} ({u.Role})"))}; password 密码: {DemoPassword}
              shed 车棚:           linzi-demo-001 / gw-01, simulated (the gateway's log: {gatewayLog})
              storage 存储:        {(influxUrl is null ? "none — the board is live; trends need InfluxDB (--influx-url)" : $"{influxUrl} ({influxApi}, {influxDb})")}
            Ctrl+C stops everything.

            """);
        progress.Starting();
        try
        {
            return await HubHost.RunAsync(null, overrides, cancellationToken);
        }
        finally
        {
            if (!gateway.HasExited)
            {
                // SIGKILL would leave the simulated relays' "crash" path to a real board; here a clean stop is wanted.
                gateway.Kill(entireProcessTree: true);
            }
        }
    }

    private static Process StartGateway(string repository, string dataDirectory, string log, DemoGatewayProgress progress)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = repository,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in new[] { "run", "--project", "src/EdgeGateway", "--", "run", "--simulate", "--data-dir", dataDirectory })
        {
            start.ArgumentList.Add(arg);
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start the simulated gateway");
        var writer = new StreamWriter(log) { AutoFlush = true };
        process.OutputDataReceived += (_, e) =>
        {
            Write(writer, e.Data);
            progress.OnGatewayOutput(e.Data);
        };
        process.ErrorDataReceived += (_, e) => Write(writer, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.Exited += (_, _) =>
        {
            writer.Dispose();
            progress.OnGatewayExited(process.ExitCode);
        };
        process.EnableRaisingEvents = true;
        return process;
    }

    private static void Write(StreamWriter writer, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (writer)
        {
            try
            {
                writer.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>The repository this hub was built from (or the one the current directory is in).</summary>
    private static string? FindRepository()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "EdgeGateway.sln")) && Directory.Exists(Path.Combine(dir.FullName, "src", "EdgeGateway")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }
}
