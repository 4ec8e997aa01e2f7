using EdgeGateway.Configuration;
using static EdgeGateway.Tests.Configuration.SiteYaml;

namespace EdgeGateway.Tests.Terminal;

/// <summary>The site file's <c>terminal:</c> section and an installer's mistakes in it.</summary>
public sealed class TerminalSiteFileTests
{
    private const string Terminal = """
        terminal:
          reader: { spiBus: 0, chipSelect: 1, resetGpio: 25 }
          keypad:
            rowGpios: [17, 22, 23, 24]
            columnGpios: [6, 13, 19, 26]
          lcd: { address: 0x27, columns: 20, rows: 4 }
          maxAmountFen: 2000
        """;

    [Fact]
    public void A_terminal_is_read_with_its_devices_and_rules()
    {
        SiteFileLoadResult result = Load(Valid + Terminal);

        Assert.Empty(result.Problems);
        TerminalSettings terminal = result.Configuration!.Terminal!;
        Assert.Equal(new CardReaderDefinition(0, 1, 25, 1_000_000), terminal.Reader);
        Assert.Equal([17, 22, 23, 24], terminal.Keypad.RowGpios);
        Assert.Equal([6, 13, 19, 26], terminal.Keypad.ColumnGpios);
        Assert.Equal(new LcdDefinition(0x27, 20, 4), terminal.Lcd);
        Assert.Equal(2000, terminal.MaxAmountFen);
        Assert.False(terminal.AllowConcurrentSessions);
    }

    [Fact]
    public void The_readers_chip_select_is_claimed_against_the_adcs()
    {
        string yaml = Valid + Terminal.Replace("chipSelect: 1", "chipSelect: 0", StringComparison.Ordinal);

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "reader:"), problem.Line);
        AssertMentions(problem, "SPI bus 0 chip select 0", "adc0", "card reader");
    }

    [Fact]
    public void A_keypad_pin_used_by_the_smoke_input_is_a_conflict_at_its_list()
    {
        string yaml = Valid + Terminal.Replace("columnGpios: [6, 13, 19, 26]", "columnGpios: [6, 13, 19, 27]", StringComparison.Ordinal);

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "columnGpios"), problem.Line);
        AssertMentions(problem, "GPIO 27", "keypad column 4", "smoke");
    }

    [Theory]
    [InlineData("rowGpios: [17, 22, 23, 24]", "rowGpios: [17, 22, 23]", "rowGpios", "4, not 3")]
    [InlineData("address: 0x27", "address: 0x30", "lcd:", "neither a PCF8574")]
    [InlineData("columns: 20, rows: 4", "columns: 20, rows: 2", "lcd:", "use 16×2 or 20×4")]
    [InlineData("maxAmountFen: 2000", "maxAmountFen: 0", "maxAmountFen", "out of range")]
    public void Mistakes_are_errors_at_their_line(string oldText, string newText, string lineText, string says)
    {
        string yaml = Valid + Terminal.Replace(oldText, newText, StringComparison.Ordinal);

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, lineText), problem.Line);
        Assert.StartsWith($"{FileName}:{problem.Line}: ", problem.ToString(), StringComparison.Ordinal);
        AssertMentions(problem, says);
    }

    [Fact]
    public void The_shipped_demo_terminal_site_is_valid()
    {
        SiteFileLoadResult result = SiteFileLoader.Load(ShippedSite("demo-card-terminal.yaml"));

        Assert.Empty(result.Problems);
        Assert.NotNull(result.Configuration!.Terminal);
    }
}
