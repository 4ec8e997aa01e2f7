namespace EdgeGateway.Tests.Deploy;

/// <summary>
/// sign-bundle.sh and apply-signed-bundle.sh on a scratch board (<see cref="DeployRig"/>: real scripts, real openssl,
/// stand-in gateways and systemctl): a signed bundle is installed through upgrade.sh, a changed archive or one signed
/// by another key is refused with nothing changed, and a signed bundle that does not come up is rolled back by
/// upgrade.sh. Not exercised: delivering the archive to the gateway (HTTPS or the broker) and a staged rollout.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Trait("Category", "Servers")]
public sealed class SignedBundleTests
{
    [Fact]
    public async Task Signed_bundle_is_verified_and_installed_through_upgrade()
    {
        using var rig = new DeployRig();
        string installed = await DeployScriptTests.InstalledAndRunningAsync(rig, "1.0.0");
        (string key, string publicKey) = await NewKeyAsync(rig, "publisher");
        string archive = await SignedArchiveAsync(rig, "1.1.0", key);

        Tool.Result apply = await rig.RunAsync(installed, "apply-signed-bundle.sh", archive, "--public-key", publicKey);

        Assert.True(apply.ExitCode == 0, apply.ToString());
        Assert.Contains("signature verified", apply.Output, StringComparison.Ordinal);
        Assert.Equal("1.1.0", rig.Link("current"));
        Assert.Equal("1.0.0", rig.Link("previous"));
    }

    [Fact]
    public async Task Changed_archive_or_another_publishers_signature_is_refused_and_nothing_changes()
    {
        using var rig = new DeployRig();
        string installed = await DeployScriptTests.InstalledAndRunningAsync(rig, "1.0.0");
        (string key, string publicKey) = await NewKeyAsync(rig, "publisher");
        (string otherKey, _) = await NewKeyAsync(rig, "someone-else");

        // One byte of the signed archive changed.
        string tampered = await SignedArchiveAsync(rig, "1.1.0", key);
        byte[] bytes = File.ReadAllBytes(tampered);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(tampered, bytes);
        Tool.Result changed = await rig.RunAsync(installed, "apply-signed-bundle.sh", tampered, "--public-key", publicKey);

        // A well-formed bundle signed with a key the gateway does not trust.
        string foreign = await SignedArchiveAsync(rig, "1.2.0", otherKey);
        Tool.Result unknown = await rig.RunAsync(installed, "apply-signed-bundle.sh", foreign, "--public-key", publicKey);

        // No signature at all.
        File.Delete(foreign + ".sig");
        Tool.Result unsigned = await rig.RunAsync(installed, "apply-signed-bundle.sh", foreign, "--public-key", publicKey);

        Assert.True(changed.ExitCode == 3, changed.ToString());
        Assert.Contains("does not match its signature", changed.Error, StringComparison.Ordinal);
        Assert.True(unknown.ExitCode == 3, unknown.ToString());
        Assert.Contains("does not match its signature", unknown.Error, StringComparison.Ordinal);
        Assert.True(unsigned.ExitCode == 3, unsigned.ToString());
        Assert.Contains("has no signature", unsigned.Error, StringComparison.Ordinal);
        Assert.Equal("1.0.0", rig.Link("current"));
        Assert.Equal(["1.0.0"], rig.Releases());
        Assert.Empty(rig.TakeSystemctlCalls());
    }

    [Fact]
    public async Task Signed_bundle_that_does_not_come_up_is_rolled_back()
    {
        using var rig = new DeployRig();
        string installed = await DeployScriptTests.InstalledAndRunningAsync(rig, "1.0.0");
        (string key, string publicKey) = await NewKeyAsync(rig, "publisher");
        string archive = await SignedArchiveAsync(rig, "2.0.0", key, "FAIL_SETTLE");

        Tool.Result apply = await rig.RunAsync(installed, "apply-signed-bundle.sh", archive, "--public-key", publicKey);

        Assert.True(apply.ExitCode == 1, apply.ToString());
        Assert.Contains("signature verified", apply.Output, StringComparison.Ordinal);
        Assert.Contains("2.0.0 did not come up: going back to 1.0.0", apply.Error, StringComparison.Ordinal);
        Assert.Equal("1.0.0", rig.Link("current"));
    }

    private static async Task<(string Key, string PublicKey)> NewKeyAsync(DeployRig rig, string name)
    {
        string directory = Path.GetDirectoryName(rig.NewFile($"{name}.keep", ""))!;
        string keys = Path.Combine(directory, name);
        Tool.Result made = await Tool.RunAsync("bash", [Tool.InRepository("deploy", "gateway", "sign-bundle.sh"), "--new-key", keys], TimeSpan.FromMinutes(1));
        Assert.True(made.ExitCode == 0, made.ToString());
        return (Path.Combine(keys, "bundle-signing.key"), Path.Combine(keys, "bundle-signing.pem"));
    }

    /// <summary>A stand-in bundle packed as build-bundle.sh --tar packs it, signed by sign-bundle.sh with <paramref name="key"/>.</summary>
    private static async Task<string> SignedArchiveAsync(DeployRig rig, string version, string key, params string[] markers)
    {
        string bundle = await rig.StubBundleAsync(version, markers);
        string archive = bundle + ".tar.gz";
        Tool.Result pack = await Tool.RunAsync("tar", ["-C", Path.GetDirectoryName(bundle)!, "--owner=0", "--group=0", "--numeric-owner", "-czf", archive, Path.GetFileName(bundle)], TimeSpan.FromMinutes(1));
        Assert.True(pack.ExitCode == 0, pack.ToString());
        Tool.Result sign = await Tool.RunAsync("bash", [Tool.InRepository("deploy", "gateway", "sign-bundle.sh"), "--key", key, archive], TimeSpan.FromMinutes(1));
        Assert.True(sign.ExitCode == 0, sign.ToString());
        Assert.True(File.Exists(archive + ".sig"), sign.ToString());
        return archive;
    }
}
