using EdgeGateway.Configuration;

namespace EdgeGateway.Tests.Configuration;

public sealed class CheckConfigTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("check-config-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Valid_file_prints_a_summary_and_returns_0()
    {
        string file = Write("good.yaml", SiteYaml.Valid);
        using var output = new StringWriter();
        using var error = new StringWriter();

        int exitCode = CheckConfig.Run([file], output, error);

        Assert.Equal(0, exitCode);
        Assert.Equal("", error.ToString());
        Assert.Equal($"{file}: ok — site test-site (gateway gw-test): 3 ports (2 AC, 1 DC)" + Environment.NewLine, output.ToString());
    }

    [Fact]
    public void Invalid_file_prints_FILE_LINE_message_for_every_problem_and_returns_2()
    {
        string yaml = SiteYaml.Valid
            .Replace("nominalVoltageV: 220", "nominalVoltageV: 300", StringComparison.Ordinal)
            .Replace("relay: { gpio: 5 }", "relay: { gpio: 3 }", StringComparison.Ordinal);
        string file = Write("bad.yaml", yaml);
        using var output = new StringWriter();
        using var error = new StringWriter();

        int exitCode = CheckConfig.Run([file], output, error);

        Assert.Equal(2, exitCode);
        Assert.Equal("", output.ToString());
        string[] lines = error.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith($"{file}:{SiteYaml.LineOf(yaml, "nominalVoltageV")}: mains.nominalVoltageV: 300 is out of range", lines[0], StringComparison.Ordinal);
        Assert.StartsWith($"{file}:{SiteYaml.LineOf(yaml, "gpio: 3")}: GPIO 3 is used twice: relay of port P01 and I2C bus 1 SCL", lines[1], StringComparison.Ordinal);
        Assert.Equal($"{file}: invalid — 2 problems", lines[2]);
    }

    [Fact]
    public void One_invalid_file_among_valid_ones_returns_2()
    {
        string good = Write("good.yaml", SiteYaml.Valid);
        string missing = Path.Combine(_directory, "missing.yaml");
        using var output = new StringWriter();
        using var error = new StringWriter();

        int exitCode = CheckConfig.Run([good, missing], output, error);

        Assert.Equal(2, exitCode);
        Assert.StartsWith($"{good}: ok", output.ToString(), StringComparison.Ordinal);
        Assert.StartsWith($"{missing}:0: file not found", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void No_files_returns_2_with_a_hint()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        Assert.Equal(2, CheckConfig.Run([], output, error));
        Assert.Contains("site file", error.ToString(), StringComparison.Ordinal);
    }

    private string Write(string name, string content)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }
}
