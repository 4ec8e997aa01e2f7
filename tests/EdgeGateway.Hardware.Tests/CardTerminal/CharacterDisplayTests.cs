using EdgeGateway.Hardware.CardTerminal;
using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Hardware.Simulation.Hd44780;
using EdgeGateway.Hardware.Simulation.I2c;
using EdgeGateway.Hardware.Simulation.Pcf8574;
using Iot.Device.CharacterLcd;

namespace EdgeGateway.Hardware.Tests.CardTerminal;

/// <summary>An HD44780 behind a simulated PCF8574 backpack, driven by the real dotnet/iot LCD binding.</summary>
public sealed class CharacterDisplayTests : IDisposable
{
    private const int Address = 0x27;
    private readonly SimulatedClock _clock = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly SimulatedI2cBus _bus;
    private readonly SimulatedPcf8574 _backpack = new(Address);

    public CharacterDisplayTests()
    {
        _bus = new SimulatedI2cBus(1, _clock);
        _bus.Attach(_backpack);
    }

    public void Dispose() => _bus.Dispose();

    [Fact]
    public void Lcd1602_text_lands_in_ddram_in_four_bit_mode()
    {
        var lcd = new SimulatedHd44780(16, 2);
        bool backlight = false;
        LcdBackpack.Connect(_backpack, lcd, on => backlight = on);
        using var binding = new Lcd1602(LcdInterface.CreateI2c(_bus.CreateDevice(Address), uses8Bit: false));

        binding.Write("Balance 12.34");
        binding.SetCursorPosition(2, 1);
        binding.Write("Port? #=OK");

        Assert.Equal("Balance 12.34   ", lcd.Line(0));
        Assert.Equal("  Port? #=OK    ", lcd.Line(1));
        Assert.True(lcd.DisplayOn);
        Assert.True(backlight);
    }

    [Fact]
    public void Clear_blanks_the_display_and_rom_a00_has_a_yen_sign_for_backslash()
    {
        var lcd = new SimulatedHd44780(16, 2);
        LcdBackpack.Connect(_backpack, lcd);
        using var binding = new Lcd1602(LcdInterface.CreateI2c(_bus.CreateDevice(Address), uses8Bit: false));
        binding.Write("x\\y");
        Assert.Equal("x¥y", lcd.Line(0).TrimEnd());

        binding.Clear();

        Assert.Equal(new string(' ', 16), lcd.Line(0));
    }

    [Fact]
    public void Display_writes_changed_rows_of_a_20x4_and_recovers_after_a_bus_fault()
    {
        var lcd = new SimulatedHd44780(20, 4);
        LcdBackpack.Connect(_backpack, lcd);
        var display = new CharacterDisplay(_bus.CreateDevice(Address), 20, 4);

        Assert.True(display.TryShow(["Card 04A1B2C3", "Balance 5.00 yuan", "Port + #", "* cancel"]));
        Assert.Equal(["Card 04A1B2C3       ", "Balance 5.00 yuan   ", "Port + #            ", "* cancel            "], lcd.Lines);

        _backpack.Answering = false;
        Assert.False(display.TryShow(["Starting P03"]));
        Assert.NotNull(display.Fault);

        _backpack.Answering = true;
        Assert.True(display.TryShow(["Starting P03", "充电"]));
        Assert.Equal("Starting P03        ", lcd.Line(0));
        Assert.Equal("??                  ", lcd.Line(1));
        Assert.Equal(new string(' ', 20), lcd.Line(3));
    }
}
