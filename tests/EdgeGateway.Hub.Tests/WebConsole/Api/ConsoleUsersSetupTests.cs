using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Processes;
using Microsoft.AspNetCore.Identity;

namespace EdgeGateway.Hub.Tests.WebConsole.Api;

/// <summary>Setting users up: <c>hash-password</c> and <c>add-user</c> (the real program, the password on standard
/// input), the users file, and what the hub says at start about bad settings or no users at all.</summary>
[Trait("Category", "Servers")]
public sealed class ConsoleUsersSetupTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-console-users-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Hash_password_prints_only_a_hash_that_Identitys_PasswordHasher_verifies()
    {
        (int exit, string output, _) = await RunHubAsync(["hash-password"], "Shed-Keeper-2026\n");
        Assert.Equal(0, exit);
        string hash = output.Trim();
        Assert.DoesNotContain("Shed-Keeper-2026", output, StringComparison.Ordinal);
        Assert.Equal(PasswordVerificationResult.Success, new PasswordHasher<object>().VerifyHashedPassword(new object(), hash, "Shed-Keeper-2026"));
        Assert.Equal(PasswordVerificationResult.Failed, new PasswordHasher<object>().VerifyHashedPassword(new object(), hash, "shed-keeper-2026"));
    }

    [Fact]
    public async Task Add_user_writes_a_0600_users_file_and_replaces_a_user_of_the_same_name()
    {
        string file = Path.Combine(_dir, "etc", "hub-users.json");
        Assert.Equal(0, (await RunHubAsync(["add-user", "li", "--role", "maintenance", "--company", "acme", "--display-name", "李工", "--users-file", file], "first-password\n")).Exit);
        Assert.Equal(0, (await RunHubAsync(["add-user", "zhang", "--role", "viewer", "--company", "district", "--language", "en", "--users-file", file], "second-password\n")).Exit);
        (int exit, string output, _) = await RunHubAsync(["add-user", "LI", "--role", "admin", "--users-file", file], "third-password\n");
        Assert.Equal(0, exit);
        Assert.Contains("replaced LI (admin)", output, StringComparison.Ordinal);

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        using var users = JsonDocument.Parse(await File.ReadAllTextAsync(file));
        Assert.Equal(["LI", "zhang"], users.RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        JsonElement li = users.RootElement.GetProperty("LI");
        Assert.Equal("admin", li.GetProperty("Role").GetString());
        Assert.Equal(PasswordVerificationResult.Success, new PasswordHasher<object>().VerifyHashedPassword(new object(), li.GetProperty("PasswordHash").GetString()!, "third-password"));
        Assert.Equal("en", users.RootElement.GetProperty("zhang").GetProperty("Language").GetString());
        Assert.Equal("district", users.RootElement.GetProperty("zhang").GetProperty("Company").GetString());
        Assert.DoesNotContain(Directory.GetFiles(Path.GetDirectoryName(file)!), f => f.EndsWith(".tmp", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(new[] { "add-user", "li", "--role", "boss" }, "pw-123456789\n")]
    [InlineData(new[] { "add-user", "li/x", "--role", "viewer" }, "pw-123456789\n")]
    [InlineData(new[] { "add-user", "li", "--role", "viewer", "--company", "district" }, "\n")]
    [InlineData(new[] { "add-user", "li", "--role", "manager" }, "pw-123456789\n")]
    [InlineData(new[] { "add-user", "li", "--role", "manager", "--company", "Not An Id" }, "pw-123456789\n")]
    public async Task Add_user_refuses_a_bad_role_name_company_or_empty_password_and_writes_nothing(string[] args, string input)
    {
        string file = Path.Combine(_dir, "users.json");
        (int exit, _, _) = await RunHubAsync([.. args, "--users-file", file], input);
        Assert.NotEqual(0, exit);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task Add_user_says_why_a_manager_without_a_company_is_refused()
    {
        (int exit, _, string error) = await RunHubAsync(["add-user", "li", "--role", "manager", "--users-file", Path.Combine(_dir, "u.json")], "pw-123456789\n");
        Assert.Equal(2, exit);
        Assert.Contains("li: Company: missing: a manager belongs to a company of the registry (its id) or to the district ('district', every company read-only)", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_hub_signs_in_users_from_the_file_add_user_wrote()
    {
        string file = Path.Combine(_dir, "hub-users.json");
        Assert.Equal(0, (await RunHubAsync(["add-user", "wang", "--role", "maintenance", "--company", "acme", "--display-name", "王师傅", "--users-file", file], "From-The-File-1\n")).Exit);
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(MosquittoBrokerOptions.ForHub);
        await using HubProcess hub = await HubProcess.StartAsync(broker, new Uri("http://127.0.0.1:9"), "v1", "edge", ConsoleHubRig.WithRegistry(Dir("hub")),
            environment: new Dictionary<string, string> { ["Console__UsersFile"] = file });
        using var client = new ConsoleClient(new Uri($"http://127.0.0.1:{hub.HttpPort.ToString(CultureInfo.InvariantCulture)}/"));
        await ConsoleClient.WaitServingAsync(client.BaseUri);
        using HttpResponseMessage response = await client.SignInAsync("wang", "From-The-File-1");
        Assert.Equal("/", response.Headers.Location?.OriginalString);
        JsonElement me = await client.GetJsonAsync("/api/me");
        Assert.Equal("王师傅", me.GetProperty("display_name").GetString());
        Assert.Equal("maintenance", me.GetProperty("role").GetString());
        Assert.Equal("acme", me.GetProperty("company").GetString());
        Assert.Equal("临淄物业", me.GetProperty("company_name").GetString());
        Assert.Contains("Web console: 1 users (1 maintenance)", hub.Process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_users_the_hub_runs_says_how_to_add_one_and_nobody_can_sign_in()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(MosquittoBrokerOptions.ForHub);
        await using HubProcess hub = await HubProcess.StartAsync(broker, new Uri("http://127.0.0.1:9"), "v1", "edge", Dir("hub"));
        string warning = await hub.Process.WaitForLineAsync("nobody can sign in", TimeSpan.FromSeconds(120));
        Assert.Contains("EdgeGateway.Hub add-user NAME --role admin", warning, StringComparison.Ordinal);
        string[] lines = hub.Process.Output.Split('\n');
        Assert.StartsWith("warn: EdgeGateway.Hub.WebConsole", lines[Array.IndexOf(lines, warning) - 1], StringComparison.Ordinal);

        using var client = new ConsoleClient(new Uri($"http://127.0.0.1:{hub.HttpPort.ToString(CultureInfo.InvariantCulture)}/"));
        await ConsoleClient.WaitServingAsync(client.BaseUri);
        using HttpResponseMessage page = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.SeeOther, page.StatusCode);
        using HttpResponseMessage attempt = await client.SignInAsync("admin", "admin");
        Assert.Equal("/login?error=1", attempt.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task An_unknown_role_an_empty_or_plain_text_hash_and_a_missing_users_file_stop_the_hub_naming_each_key()
    {
        string settings = Path.Combine(_dir, "hub.json");
        string missing = Path.Combine(_dir, "no-such-users.json");
        await File.WriteAllTextAsync(settings, JsonSerializer.Serialize(new
        {
            Console = new
            {
                UsersFile = missing,
                Users = new Dictionary<string, object>
                {
                    ["bob"] = new { PasswordHash = "", Role = "boss" },
                    ["eve"] = new { PasswordHash = "hunter2", Role = "admin", Language = "fr" },
                    ["dan"] = new { PasswordHash = new PasswordHasher<string>().HashPassword("x", "a-password"), Role = "manager" },
                    ["fay"] = new { PasswordHash = new PasswordHasher<string>().HashPassword("x", "a-password"), Role = "viewer", Company = "nobody" },
                },
            },
        }));
        string registry = Path.Combine(Dir("hub"), "tenants.yaml");
        await File.WriteAllTextAsync(registry, "companies:\n  - id: a\n    name: A\n    sites: [{id: s1, name: S1}]\n  - id: b\n    name: B\n    sites: [{id: s1, name: S1 again}]\n");
        await using var hub = ProductProcess.Start("EdgeGateway.Hub",
            ["run", "--config", settings, "--broker", "mqtt://127.0.0.1:1", "--http", "http://127.0.0.1:0", "--data-dir", Dir("hub")]);
        Assert.Equal(2, await hub.WaitForExitAsync(TimeSpan.FromSeconds(120)));
        string output = hub.Output;
        Assert.Contains("Console:Users:bob:Role: 'boss' is not a role; use viewer, manager, maintenance, admin", output, StringComparison.Ordinal);
        Assert.Contains("Console:Users:bob:PasswordHash: empty; make one with `EdgeGateway.Hub hash-password`", output, StringComparison.Ordinal);
        Assert.Contains("Console:Users:eve:PasswordHash: not a password hash", output, StringComparison.Ordinal);
        Assert.Contains("Console:Users:eve:Language: 'fr' is not a console language", output, StringComparison.Ordinal);
        Assert.Contains($"Console:UsersFile: {missing} does not exist", output, StringComparison.Ordinal);
        Assert.Contains("Console:Users:dan:Company: missing: a manager belongs to a company of the registry", output, StringComparison.Ordinal);
        Assert.Contains("Console:Users:fay:Company: 'nobody' is not a company of the registry", output, StringComparison.Ordinal);
        Assert.Contains($"{registry}:7: companies[1].sites[0].id: site 's1' is claimed by company 'a' at line 4 too; a site belongs to one company", output, StringComparison.Ordinal);
        Assert.Contains("refusing to start: the hub's settings are invalid", output, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", output, StringComparison.Ordinal);
    }

    private string Dir(string name) => Directory.CreateDirectory(Path.Combine(_dir, name)).FullName;

    /// <summary>Runs <c>EdgeGateway.Hub.dll {args}</c> with <paramref name="input"/> on standard input (not a terminal).</summary>
    private static async Task<(int Exit, string Output, string Error)> RunHubAsync(string[] args, string input)
    {
        string directory = ProductProcess.BuildOutputOf("EdgeGateway.Hub");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        start.ArgumentList.Add(Path.Combine(directory, "EdgeGateway.Hub.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
