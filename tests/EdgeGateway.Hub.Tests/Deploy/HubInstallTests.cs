using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Processes;
using Microsoft.AspNetCore.Identity;

namespace EdgeGateway.Hub.Tests.Deploy;

/// <summary>
/// deploy/hub: install.sh stages the hub, its settings and its unit into a file-system root; the unit passes
/// systemd-analyze verify (pointing at the staged hub); a second install keeps the settings and switches releases;
/// hash-password.sh makes hashes the console's PasswordHasher accepts as current.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Trait("Category", "Servers")]
public sealed class HubInstallTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("edgegateway-deploy-hub-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Install_stages_the_hub_its_settings_and_a_unit_that_systemd_analyze_verifies()
    {
        string build = ProductProcess.BuildOutputOf("EdgeGateway.Hub");
        string mqtt = Directory.CreateDirectory(Path.Combine(_root, "..", Path.GetFileName(_root) + "-mqtt")).FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(mqtt, "mqtt-password"), "secret\n");
            await File.WriteAllTextAsync(Path.Combine(mqtt, "mqtt-ca.pem"), "ca\n");
            string[] args = ["--root", _root, "--from", build, "--mqtt-dir", mqtt];
            ScriptResult installed = (await DeployScripts.RunAsync("deploy/hub/install.sh", args, TimeSpan.FromMinutes(2))).AssertSucceeded("install.sh");

            string current = Path.Combine(_root, "opt/edgegateway-hub/current");
            Assert.True(File.Exists(Path.Combine(current, "EdgeGateway.Hub.dll")));
            string settings = Path.Combine(_root, "etc/edgegateway/hub.json");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(settings));
            Assert.Equal("secret\n", await File.ReadAllTextAsync(Path.Combine(_root, "etc/edgegateway/mqtt-password")));
            // The first console user, with the password printed once; the hub reads the file hub.json names.
            string password = System.Text.RegularExpressions.Regex.Match(installed.Output, "made web-console user admin \\(role admin\\), password: (\\S+)").Groups[1].Value;
            Assert.NotEmpty(password);
            using (var users = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_root, "etc/edgegateway/hub-users.json"))))
            {
                System.Text.Json.JsonElement admin = users.RootElement.GetProperty("admin");
                Assert.Equal("admin", admin.GetProperty("Role").GetString());
                Assert.Equal(PasswordVerificationResult.Success, new PasswordHasher<string>().VerifyHashedPassword("admin", admin.GetProperty("PasswordHash").GetString()!, password));
            }

            Assert.Contains("\"UsersFile\": \"/etc/edgegateway/hub-users.json\"", await File.ReadAllTextAsync(settings), StringComparison.Ordinal);
            string unit = await File.ReadAllTextAsync(Path.Combine(_root, "etc/systemd/system/edgegateway-hub.service"));
            Assert.Contains("ExecStart=/opt/edgegateway-hub/current/EdgeGateway.Hub run", unit, StringComparison.Ordinal);

            // systemd-analyze verify checks the syntax and that ExecStart is an executable: point it at the staged one.
            string staged = Path.Combine(_root, "edgegateway-hub.service");
            await File.WriteAllTextAsync(staged, unit.Replace("/opt/edgegateway-hub/", _root + "/opt/edgegateway-hub/", StringComparison.Ordinal));
            ScriptResult verify = await RunAsync("systemd-analyze", ["verify", staged]);
            Assert.True(verify.ExitCode == 0 && verify.All.Trim().Length == 0, $"systemd-analyze verify: {verify.ExitCode}\n{verify.All}");

            // Again: another release becomes current; the settings an administrator edited stay.
            await File.AppendAllTextAsync(settings, " ");
            string edited = await File.ReadAllTextAsync(settings);
            string first = new DirectoryInfo(current).ResolveLinkTarget(returnFinalTarget: false)!.Name;
            await Task.Delay(1100); // releases are named by the second
            (await DeployScripts.RunAsync("deploy/hub/install.sh", args, TimeSpan.FromMinutes(2))).AssertSucceeded("install.sh, again");
            Assert.Equal(edited, await File.ReadAllTextAsync(settings));
            Assert.NotEqual(first, new DirectoryInfo(current).ResolveLinkTarget(returnFinalTarget: false)!.Name);
            Assert.Equal(2, Directory.GetDirectories(Path.Combine(_root, "opt/edgegateway-hub/releases")).Length);
        }
        finally
        {
            Directory.Delete(mqtt, recursive: true);
        }
    }

    [Theory]
    [InlineData("demo")]
    [InlineData("长城-Pass:word with spaces ' \" \\ $x")]
    public async Task Hash_password_makes_a_hash_the_console_accepts_as_current_for_that_password_only(string password)
    {
        ScriptResult result = (await DeployScripts.RunAsync("deploy/hub/hash-password.sh", [], TimeSpan.FromSeconds(120), password + "\n"))
            .AssertSucceeded("hash-password.sh");
        string hash = result.Output.Trim();

        var hasher = new PasswordHasher<string>();
        Assert.Equal(PasswordVerificationResult.Success, hasher.VerifyHashedPassword("user", hash, password));
        Assert.Equal(PasswordVerificationResult.Failed, hasher.VerifyHashedPassword("user", hash, password + "x"));
        // A new salt every time.
        string again = (await DeployScripts.RunAsync("deploy/hub/hash-password.sh", [], TimeSpan.FromSeconds(120), password + "\n")).Output.Trim();
        Assert.NotEqual(hash, again);
    }

    [Fact]
    public async Task Hash_password_never_puts_the_password_on_a_command_line()
    {
        // Every tool the script may run is wrapped: the wrapper writes its arguments to a log, then runs the real tool.
        string wrappers = Directory.CreateTempSubdirectory("edgegateway-argv-").FullName;
        try
        {
            string log = Path.Combine(wrappers, "argv.log");
            foreach (string tool in (string[])["openssl", "python3", "perl", "base64", "sed", "tr", "head", "od", "xxd"])
            {
                string wrapper = Path.Combine(wrappers, tool);
                await File.WriteAllTextAsync(wrapper, "#!/bin/sh\nprintf '%s %s\\n' \"$(basename \"$0\")\" \"$*\" >> \"$ARGV_LOG\"\nPATH=\"$REAL_PATH\" exec \"$(basename \"$0\")\" \"$@\"\n");
                File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            const string Password = "Secret-On-Argv-7Q";
            string path = Environment.GetEnvironmentVariable("PATH")!;
            ScriptResult result = (await DeployScripts.RunAsync("deploy/hub/hash-password.sh", [], TimeSpan.FromSeconds(120), Password + "\n",
                new Dictionary<string, string> { ["PATH"] = wrappers + ":" + path, ["REAL_PATH"] = path, ["ARGV_LOG"] = log }))
                .AssertSucceeded("hash-password.sh");
            Assert.Equal(PasswordVerificationResult.Success, new PasswordHasher<string>().VerifyHashedPassword("user", result.Output.Trim(), Password));

            string argv = await File.ReadAllTextAsync(log);
            Assert.False(string.IsNullOrWhiteSpace(argv), "no wrapped tool ran: the test saw nothing");
            Assert.DoesNotContain(Password, argv, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(wrappers, recursive: true);
        }
    }

    [Fact]
    public void The_nginx_example_sends_HSTS_and_keeps_healthz_and_metrics_off_the_internet()
    {
        string[] lines = [.. File.ReadAllLines(DeployScripts.PathOf("deploy/hub/nginx-site.conf")).Select(l => l.Trim()).Where(l => !l.StartsWith('#'))];
        Assert.Contains(lines, l => l.StartsWith("add_header Strict-Transport-Security \"max-age=", StringComparison.Ordinal) && l.EndsWith("always;", StringComparison.Ordinal));
        foreach (string path in (string[])["healthz", "health/", "metrics"])
        {
            int at = Array.FindIndex(lines, l => l.StartsWith("location ", StringComparison.Ordinal) && l.Contains(path, StringComparison.Ordinal));
            Assert.True(at >= 0, $"no location for {path}");
            Assert.Contains(lines.Skip(at + 1).TakeWhile(l => l != "}"), l => l is "deny all;" or "return 404;");
        }
    }

    private static async Task<ScriptResult> RunAsync(string file, string[] args)
    {
        try
        {
            string output = await Tool.RunAsync(file, args);
            return new ScriptResult(0, output, "");
        }
        catch (InvalidOperationException failed)
        {
            return new ScriptResult(1, "", failed.Message);
        }
    }
}
