namespace EdgeGateway.Tests.Deploy;

/// <summary>
/// install.sh, upgrade.sh, rollback.sh and uninstall.sh against a scratch root, without systemd: a stand-in systemctl
/// records what they ask for and when (DeployRig). The shed must never run an unchecked version, the switch must
/// happen only while the service is stopped (relays open), and a version that does not come up is undone.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Trait("Category", "Servers")]
public sealed class DeployScriptTests
{
    [Fact]
    public async Task First_install_sets_up_the_board_and_waits_for_the_reboot_that_config_txt_needs()
    {
        using var rig = new DeployRig();
        string bundle = await rig.StubBundleAsync("1.0.0");

        Tool.Result install = await rig.RunAsync(bundle, "install.sh", "--site", rig.Site);

        Assert.True(install.ExitCode == 0, install.ToString());
        Assert.Equal("1.0.0", rig.Link("current"));
        Assert.Null(rig.Link("previous"));
        Assert.Equal(["1.0.0"], rig.Releases());
        Assert.Equal(File.ReadAllText(rig.Site), File.ReadAllText(rig.InstalledSite));
        Assert.Equal(File.ReadAllText(Path.Combine(bundle, "deploy", "edgegateway.service")), File.ReadAllText(rig.Unit));
        Assert.Equal(File.ReadAllText(Tool.InRepository("firmware-config", "raspberry-pi", "99-edgegateway.rules")), File.ReadAllText(Path.Combine(rig.Root, "etc", "udev", "rules.d", "99-edgegateway.rules")));
        Assert.True(File.Exists(Path.Combine(rig.Root, "etc", "modules-load.d", "edgegateway.conf")));
        Assert.True(File.Exists(Path.Combine(rig.Root, "etc", "systemd", "system.conf.d", "edgegateway-watchdog.conf")));
        string config = File.ReadAllText(rig.ConfigTxt);
        Assert.StartsWith(DeployRig.OriginalConfigTxt, config, StringComparison.Ordinal);
        Assert.EndsWith("\n[all]\ndtoverlay=\ndtparam=i2c_arm=on\ndtparam=watchdog=on\ngpio=5,6=op,dl\n# <<< edgegateway\n", config, StringComparison.Ordinal);
        Assert.Equal(DeployRig.OriginalConfigTxt, File.ReadAllText(rig.ConfigTxt + ".edgegateway-orig"));
        Assert.True(File.Exists(rig.RebootMark));
        Assert.Contains("reboot to finish", install.Output, StringComparison.Ordinal);
        Assert.Equal(["daemon-reload @1.0.0", "enable edgegateway @1.0.0"], rig.TakeSystemctlCalls());

        // Run again before the reboot: nothing changes and nothing starts.
        Tool.Result again = await rig.RunAsync(bundle, "install.sh", "--site", rig.Site);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(config, File.ReadAllText(rig.ConfigTxt));
        Assert.Equal(["enable edgegateway @1.0.0"], rig.TakeSystemctlCalls());

        // No upgrade on buses that are not there yet.
        string next = await rig.StubBundleAsync("1.1.0");
        Tool.Result early = await rig.RunAsync(next, "upgrade.sh");
        Assert.True(early.ExitCode == 75, early.ToString());
        Assert.Contains("reboot first", early.Error, StringComparison.Ordinal);
        Assert.Equal("1.0.0", rig.Link("current"));
        Assert.Empty(rig.TakeSystemctlCalls());

        // After the reboot the service starts at boot; running the script again (no --site: the installed one) proves it is up.
        rig.Reboot();
        Tool.Result after = await rig.RunAsync(bundle, "install.sh");
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.Equal(config, File.ReadAllText(rig.ConfigTxt));
        string[] calls = rig.TakeSystemctlCalls();
        Assert.Equal(["enable edgegateway @1.0.0", "start edgegateway @1.0.0"], calls[..2]);
        Assert.Contains("is-active --quiet edgegateway @1.0.0", calls);
    }

    [Fact]
    public async Task Install_refuses_an_invalid_site_file_and_changes_nothing()
    {
        using var rig = new DeployRig();
        string bundle = await rig.StubBundleAsync("1.0.0");
        string invalid = rig.NewFile("bad.yaml", "invalid: yes\n");

        Tool.Result install = await rig.RunAsync(bundle, "install.sh", "--site", invalid);

        Assert.True(install.ExitCode == 2, install.ToString());
        Assert.Contains("bad.yaml:1: refused by the stand-in", install.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(rig.Opt));
        Assert.False(File.Exists(rig.Unit));
        Assert.Equal(DeployRig.OriginalConfigTxt, File.ReadAllText(rig.ConfigTxt));
        Assert.Empty(rig.TakeSystemctlCalls());
    }

    [Fact]
    public async Task Serial_console_leaves_cmdline_txt_when_the_site_uses_GPIO14_and_15()
    {
        using var rig = new DeployRig();
        string bundle = await rig.StubBundleAsync("1.0.0");
        string site = rig.NewFile("uart.yaml", "# uses the uart pins\n");

        Tool.Result install = await rig.RunAsync(bundle, "install.sh", "--site", site);

        Assert.True(install.ExitCode == 0, install.ToString());
        Assert.Contains("\nenable_uart=0\n", File.ReadAllText(rig.ConfigTxt), StringComparison.Ordinal);
        Assert.Equal("console=tty1 root=PARTUUID=0c8a0d5e-02 rootfstype=ext4 fsck.repair=yes rootwait\n", File.ReadAllText(rig.Cmdline));
        Assert.Equal(DeployRig.OriginalCmdline, File.ReadAllText(rig.Cmdline + ".edgegateway-orig"));
    }

    [Fact]
    public async Task Upgrade_switches_only_while_the_service_is_stopped_and_keeps_the_old_version_for_rollback()
    {
        using var rig = new DeployRig();
        await InstalledAndRunningAsync(rig, "1.0.0");
        string v11 = await rig.StubBundleAsync("1.1.0");

        Tool.Result upgrade = await rig.RunAsync(v11, "upgrade.sh");

        Assert.True(upgrade.ExitCode == 0, upgrade.ToString());
        Assert.Equal("1.1.0", rig.Link("current"));
        Assert.Equal("1.0.0", rig.Link("previous"));
        string[] calls = rig.TakeSystemctlCalls();
        // Stopped while current was still 1.0.0 (its ExecStopPost relays-off ran), started once current was 1.1.0.
        Assert.Equal(["stop edgegateway @1.0.0", "start edgegateway @1.1.0"], calls[..2]);
        Assert.DoesNotContain(calls, c => c.StartsWith("start", StringComparison.Ordinal) && c.EndsWith("@1.0.0", StringComparison.Ordinal));

        // Again: nothing to do.
        Tool.Result again = await rig.RunAsync(v11, "upgrade.sh");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("already the current version", again.Output, StringComparison.Ordinal);
        Assert.Empty(rig.TakeSystemctlCalls());

        // A third version: the oldest release goes, current and previous stay.
        string v12 = await rig.StubBundleAsync("1.2.0");
        Tool.Result third = await rig.RunAsync(v12, "upgrade.sh");
        Assert.True(third.ExitCode == 0, third.ToString());
        Assert.Equal(["1.1.0", "1.2.0"], rig.Releases());
        Assert.Equal("1.1.0", rig.Link("previous"));
    }

    [Fact]
    public async Task Upgrade_refused_by_the_new_versions_check_config_leaves_the_old_version_running()
    {
        using var rig = new DeployRig();
        await InstalledAndRunningAsync(rig, "1.0.0");
        string refusing = await rig.StubBundleAsync("2.0.0", "FAIL_CHECK");

        Tool.Result upgrade = await rig.RunAsync(refusing, "upgrade.sh");

        Assert.True(upgrade.ExitCode == 2, upgrade.ToString());
        Assert.Contains("not switching, 1.0.0 keeps running", upgrade.Error, StringComparison.Ordinal);
        Assert.Equal("1.0.0", rig.Link("current"));
        Assert.Equal(["1.0.0"], rig.Releases());
        Assert.Empty(rig.TakeSystemctlCalls()); // never stopped
    }

    [Theory]
    [InlineData("FAIL_START")]   // never sends READY
    [InlineData("FAIL_SETTLE")]  // READY, then gone within the settle time
    public async Task Upgrade_to_a_version_that_does_not_come_up_goes_back_by_itself(string failure)
    {
        using var rig = new DeployRig();
        await InstalledAndRunningAsync(rig, "1.0.0");
        string broken = await rig.StubBundleAsync("2.0.0", failure);

        Tool.Result upgrade = await rig.RunAsync(broken, "upgrade.sh");

        Assert.True(upgrade.ExitCode == 1, upgrade.ToString());
        Assert.Contains("2.0.0 did not come up: going back to 1.0.0", upgrade.Error, StringComparison.Ordinal);
        Assert.Equal("1.0.0", rig.Link("current"));
        Assert.Null(rig.Link("previous"));
        string[] starts = [.. rig.TakeSystemctlCalls().Where(c => c.StartsWith("start ", StringComparison.Ordinal) || c.StartsWith("stop ", StringComparison.Ordinal))];
        Assert.Equal(["stop edgegateway @1.0.0", "start edgegateway @2.0.0", "stop edgegateway @2.0.0", "start edgegateway @1.0.0"], starts);
    }

    [Fact]
    public async Task Rollback_goes_back_once_and_a_second_rollback_does_nothing()
    {
        using var rig = new DeployRig();
        await InstalledAndRunningAsync(rig, "1.0.0");
        string v11 = await rig.StubBundleAsync("1.1.0");
        Assert.Equal(0, (await rig.RunAsync(v11, "upgrade.sh")).ExitCode);
        rig.TakeSystemctlCalls();
        string rollback = Path.Combine(rig.Opt, "current", "deploy", "rollback.sh");

        Tool.Result first = await rig.RunScriptAsync(rollback, []);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal("1.0.0", rig.Link("current"));
        Assert.Equal("1.1.0", rig.Link("previous"));
        Assert.Equal(["stop edgegateway @1.1.0", "start edgegateway @1.0.0"], rig.TakeSystemctlCalls()[..2]);

        Tool.Result second = await rig.RunScriptAsync(Path.Combine(rig.Opt, "current", "deploy", "rollback.sh"), []);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("already rolled back from 1.1.0 to 1.0.0", second.Output, StringComparison.Ordinal);
        Assert.Equal("1.0.0", rig.Link("current"));
        Assert.Empty(rig.TakeSystemctlCalls());

        // Forward again with the newer version's upgrade.sh.
        Tool.Result forward = await rig.RunScriptAsync(Path.Combine(rig.Opt, "releases", "1.1.0", "deploy", "upgrade.sh"), []);
        Assert.True(forward.ExitCode == 0, forward.ToString());
        Assert.Equal("1.1.0", rig.Link("current"));
        Assert.Equal("1.0.0", rig.Link("previous"));
    }

    [Fact]
    public async Task Rollback_refused_when_the_previous_version_rejects_the_site_file()
    {
        using var rig = new DeployRig();
        string v10 = await rig.StubBundleAsync("1.0.0", "FAIL_CHECK");
        string v11 = await rig.StubBundleAsync("1.1.0");
        Assert.Equal(0, (await rig.RunAsync(v11, "install.sh", "--site", rig.Site)).ExitCode);
        rig.Reboot();
        // 1.0.0 as the previous version, as if the board had run it (its check-config refuses the site file now).
        Directory.CreateDirectory(Path.Combine(rig.Opt, "releases"));
        await Tool.RunAsync("cp", ["-a", v10, Path.Combine(rig.Opt, "releases", "1.0.0")], TimeSpan.FromMinutes(1));
        File.CreateSymbolicLink(Path.Combine(rig.Opt, "previous"), "releases/1.0.0");
        rig.TakeSystemctlCalls();

        Tool.Result rollback = await rig.RunScriptAsync(Path.Combine(rig.Opt, "current", "deploy", "rollback.sh"), []);

        Assert.True(rollback.ExitCode == 2, rollback.ToString());
        Assert.Equal("1.1.0", rig.Link("current"));
        Assert.Empty(rig.TakeSystemctlCalls());
    }

    [Fact]
    public async Task Changed_site_file_restarts_the_gateway_and_one_that_does_not_come_up_is_put_back()
    {
        using var rig = new DeployRig();
        string bundle = await InstalledAndRunningAsync(rig, "1.0.0");
        string before = File.ReadAllText(rig.InstalledSite);
        string next = rig.NewFile("next.yaml", "site: { id: test, gateway: gw-01 }  # moved a relay\n");

        Tool.Result changed = await rig.RunAsync(bundle, "install.sh", "--site", next, "--no-board-setup");

        Assert.True(changed.ExitCode == 0, changed.ToString());
        Assert.Equal(File.ReadAllText(next), File.ReadAllText(rig.InstalledSite));
        Assert.Equal(["stop edgegateway @1.0.0", "start edgegateway @1.0.0"], rig.TakeSystemctlCalls().Where(c => c.StartsWith("st", StringComparison.Ordinal)).ToArray()[..2]);

        string failing = rig.NewFile("failing.yaml", "site: { id: test, gateway: gw-01 }  # fail-start\n");
        Tool.Result refused = await rig.RunAsync(bundle, "install.sh", "--site", failing, "--no-board-setup");

        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Equal(File.ReadAllText(next), File.ReadAllText(rig.InstalledSite));
        Assert.NotEqual(before, File.ReadAllText(rig.InstalledSite));
        Assert.Contains("the old files are back in place", refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Uninstall_keeps_configuration_and_outbox_and_purge_removes_the_rest()
    {
        using var rig = new DeployRig();
        await InstalledAndRunningAsync(rig, "1.0.0");
        string state = Path.Combine(rig.Root, "var", "lib", "edgegateway");
        Directory.CreateDirectory(state);
        File.WriteAllText(Path.Combine(state, "outbox.db"), "undelivered");
        // The installed copy removes the release it is in; a copy outside it runs the later rounds.
        string tools = Path.Combine(Path.GetDirectoryName(rig.Site)!, "tools");
        Directory.CreateDirectory(tools);
        string copy = Path.Combine(tools, "uninstall.sh");
        File.Copy(Path.Combine(rig.Opt, "current", "deploy", "uninstall.sh"), copy);
        File.Copy(Path.Combine(rig.Opt, "current", "deploy", "lib.sh"), Path.Combine(tools, "lib.sh"));

        Tool.Result removed = await rig.RunScriptAsync(Path.Combine(rig.Opt, "current", "deploy", "uninstall.sh"), []);

        Assert.True(removed.ExitCode == 0, removed.ToString());
        Assert.False(Directory.Exists(rig.Opt));
        Assert.False(File.Exists(rig.Unit));
        Assert.True(File.Exists(rig.InstalledSite));
        Assert.True(File.Exists(Path.Combine(state, "outbox.db")));
        Assert.Contains("# >>> edgegateway", File.ReadAllText(rig.ConfigTxt), StringComparison.Ordinal); // relay pins stay held open at power-on
        Assert.Equal(["stop edgegateway @1.0.0", "disable edgegateway @1.0.0", "daemon-reload @1.0.0"], rig.TakeSystemctlCalls());

        Tool.Result again = await rig.RunScriptAsync(copy, []);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("nothing to remove", again.Output, StringComparison.Ordinal);

        Tool.Result purge = await rig.RunScriptAsync(copy, ["--purge"]);
        Assert.True(purge.ExitCode == 0, purge.ToString());
        Assert.False(Directory.Exists(Path.Combine(rig.Root, "etc", "edgegateway")));
        Assert.False(Directory.Exists(state));
        Assert.False(File.Exists(Path.Combine(rig.Root, "etc", "udev", "rules.d", "99-edgegateway.rules")));
        Assert.Equal(DeployRig.OriginalConfigTxt, File.ReadAllText(rig.ConfigTxt));
    }

    [Fact]
    public async Task Scripts_refuse_a_scratch_root_with_the_real_systemctl()
    {
        using var rig = new DeployRig();
        string bundle = await rig.StubBundleAsync("1.0.0");

        Tool.Result result = await Tool.RunAsync(Path.Combine(bundle, "deploy", "install.sh"), ["--root", rig.Root, "--site", rig.Site], TimeSpan.FromMinutes(1));

        Assert.True(result.ExitCode == 64, result.ToString());
        Assert.Contains("--root needs --no-systemctl", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(rig.Opt));
    }

    [Fact]
    public async Task Scripts_run_from_the_repository_say_they_need_a_bundle()
    {
        using var rig = new DeployRig();

        Tool.Result result = await rig.RunScriptAsync(Tool.InRepository("deploy", "gateway", "install.sh"), ["--site", rig.Site]);

        Assert.True(result.ExitCode == 66, result.ToString());
        Assert.Contains("is not a bundle", result.Error, StringComparison.Ordinal);
    }

    /// <summary>Installs VERSION, reboots, and has it running; returns the bundle.</summary>
    internal static async Task<string> InstalledAndRunningAsync(DeployRig rig, string version)
    {
        string bundle = await rig.StubBundleAsync(version);
        Tool.Result install = await rig.RunAsync(bundle, "install.sh", "--site", rig.Site);
        Assert.True(install.ExitCode == 0, install.ToString());
        rig.Reboot();
        Tool.Result start = await rig.RunAsync(bundle, "install.sh");
        Assert.True(start.ExitCode == 0, start.ToString());
        rig.TakeSystemctlCalls();
        return bundle;
    }
}
