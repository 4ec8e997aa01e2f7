using EdgeGateway.Commands;
using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Tests.Simulation;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeGateway.Tests.Terminal;

/// <summary>
/// <c>reload_config</c> on a shed with a card terminal. The terminal's reader, keypad and LCD are opened once, when the
/// gateway starts (<c>CardTerminalService</c>), so a reload that moves any of them, or adds or takes out the terminal,
/// is refused with the key that changed and applies nothing, not even the thresholds changed in the same file: the
/// terminal runs on as it was wired until the service restarts. A reload that leaves the terminal's section as it was
/// applies its thresholds.
/// </summary>
public sealed class TerminalReloadTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-terminal-reload-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_reload_that_rewires_adds_or_removes_the_terminal_is_refused_naming_the_key_and_a_threshold_only_reload_applies()
    {
        string shipped = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "firmware-config", "sites", "demo-card-terminal.yaml"));
        string file = Path.Combine(_dir, "site.yaml");
        await File.WriteAllTextAsync(file, shipped);
        using var h = new ShedHarness(siteFile: file);
        var commands = new ShedCommands(h.Site, h.Protection, null, _ => { }, NullLogger.Instance);
        SiteConfiguration started = commands.Site;
        string withoutTerminal = shipped[..shipped.IndexOf("terminal:", StringComparison.Ordinal)] + shipped[shipped.IndexOf("protection:", StringComparison.Ordinal)..];
        int reloads = 0;

        async Task<CommandReply> ReloadAsync(string yaml)
        {
            // Every change comes with a threshold change, which must not be applied when the reload is refused.
            await File.WriteAllTextAsync(file, Replace(yaml, "maxPowerW: 1000", "maxPowerW: 800"));
            Task<CommandReply> reply = commands.ExecuteAsync(ContractCommands.ReloadConfig, new CommandRequest { Id = $"reload-{++reloads}" }, h.Runtime.Time.GetUtcNow());
            h.Round(); // new thresholds are taken on the sampling thread, at the end of a round
            return await reply.WaitAsync(TimeSpan.FromSeconds(30));
        }

        foreach ((string yaml, string key) in new[]
        {
            (Replace(shipped, "rowGpios: [17, 27, 22, 23]", "rowGpios: [17, 27, 22, 19]"), "site.Terminal.Keypad.RowGpios[3]"),
            (Replace(shipped, "resetGpio: 25", "resetGpio: 19"), "site.Terminal.Reader.ResetGpio"),
            (Replace(shipped, "address: 0x27", "address: 0x3F"), "site.Terminal.Lcd.Address"),
            (withoutTerminal, "site.Terminal"),
        })
        {
            CommandReply refused = await ReloadAsync(yaml);

            Assert.False(refused.Ok, key);
            Assert.Equal(("wiring_changed", key), (refused.Reason!.Code, refused.Reason.Params["difference"].GetString()));
            Assert.Contains(key, refused.Message, StringComparison.Ordinal);
            Assert.Same(started, commands.Site);
        }

        // A shed without a terminal whose reload adds one: refused the same way (nothing opens the new devices).
        await File.WriteAllTextAsync(file, withoutTerminal);
        using var bare = new ShedHarness(siteFile: file);
        var bareCommands = new ShedCommands(bare.Site, bare.Protection, null, _ => { }, NullLogger.Instance);
        await File.WriteAllTextAsync(file, shipped);
        CommandReply added = await bareCommands.ExecuteAsync(ContractCommands.ReloadConfig, new CommandRequest { Id = "reload-added" }, bare.Runtime.Time.GetUtcNow());
        Assert.Equal((false, "site.Terminal"), (added.Ok, added.Reason!.Params["difference"].GetString()));
        Assert.Null(bareCommands.Site.Terminal);

        CommandReply applied = await ReloadAsync(shipped);
        Assert.True(applied.Ok, applied.Message);
        Assert.Equal(800, commands.Site.Ports[0].Protection.MaxPowerW);
        Assert.Equal([17, 27, 22, 23], commands.Site.Terminal!.Keypad.RowGpios);
    }

    private static string Replace(string yaml, string from, string to)
    {
        Assert.Contains(from, yaml, StringComparison.Ordinal);
        return yaml.Replace(from, to, StringComparison.Ordinal);
    }
}
