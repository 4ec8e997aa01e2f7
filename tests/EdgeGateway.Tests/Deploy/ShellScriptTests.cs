namespace EdgeGateway.Tests.Deploy;

/// <summary>
/// Every shell script under deploy/ and firmware-config/ (the gateway's and the servers') passes shellcheck, following
/// the files it sources; the gateway's deploy scripts also run under `set -euo pipefail`.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Trait("Category", "Servers")]
public sealed class ShellScriptTests
{
    public static TheoryData<string> Scripts()
    {
        var data = new TheoryData<string>();
        foreach (string folder in new[] { "deploy", "firmware-config" })
        {
            string root = Tool.InRepository(folder);
            if (!Directory.Exists(root))
            {
                continue;
            }

            foreach (string file in Directory.GetFiles(root, "*.sh", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetRelativePath(Tool.RepositoryRoot, file).Replace('\\', '/'));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task Script_passes_shellcheck(string script)
    {
        string shellcheck = Tool.Find("shellcheck") ?? throw new InvalidOperationException("shellcheck is not installed: apt-get install shellcheck (./test.sh does)");

        Tool.Result result = await Tool.RunAsync(shellcheck, ["--external-sources", "--format=gcc", script], TimeSpan.FromMinutes(2));

        Assert.True(result.ExitCode == 0, $"shellcheck {script}:\n{result.Output}{result.Error}");
    }

    [Theory]
    [InlineData("build-bundle.sh")]
    [InlineData("install.sh")]
    [InlineData("upgrade.sh")]
    [InlineData("rollback.sh")]
    [InlineData("uninstall.sh")]
    [InlineData("sign-bundle.sh")]
    [InlineData("apply-signed-bundle.sh")]
    public void Gateway_deploy_script_is_strict_bash(string script)
    {
        string[] lines = File.ReadAllLines(Tool.InRepository("deploy", "gateway", script));

        Assert.Equal("#!/usr/bin/env bash", lines[0]);
        Assert.Contains("set -euo pipefail", lines);
        Assert.True((File.GetUnixFileMode(Tool.InRepository("deploy", "gateway", script)) & UnixFileMode.UserExecute) != 0, $"{script} is executable");
    }
}
