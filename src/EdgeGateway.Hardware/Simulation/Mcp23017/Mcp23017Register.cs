namespace EdgeGateway.Hardware.Simulation.Mcp23017;

/// <summary>
/// The MCP23017's registers, numbered by their addresses with IOCON.BANK = 0 (the power-on map; datasheet
/// DS20001952C, Table 3-1 and the IOCON.BANK = 0 control register summary, Table 3-5). With IOCON.BANK = 1 the same
/// registers sit at 00h-0Ah (port A) and 10h-1Ah (port B). IOCON is one register seen at both of its addresses.
/// </summary>
internal enum Mcp23017Register : byte
{
    IODIRA = 0x00,
    IODIRB = 0x01,
    IPOLA = 0x02,
    IPOLB = 0x03,
    GPINTENA = 0x04,
    GPINTENB = 0x05,
    DEFVALA = 0x06,
    DEFVALB = 0x07,
    INTCONA = 0x08,
    INTCONB = 0x09,
    IOCON = 0x0A,
    IOCONB = 0x0B,
    GPPUA = 0x0C,
    GPPUB = 0x0D,
    INTFA = 0x0E,
    INTFB = 0x0F,
    INTCAPA = 0x10,
    INTCAPB = 0x11,
    GPIOA = 0x12,
    GPIOB = 0x13,
    OLATA = 0x14,
    OLATB = 0x15,
}
