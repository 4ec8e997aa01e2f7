using EdgeGateway.Hardware.Simulation.I2c;

namespace EdgeGateway.Hardware.Simulation.Tca9548A;

/// <summary>
/// A TI TCA9548A 8-channel I2C switch (datasheet SCPS207F). It has one register, the control register
/// (section 8.5.4, Table 2): bit n set connects downstream channel n (SCn/SDn) to the upstream bus. Several
/// channels may be connected at once. Power-on value 0: no channel connected.
/// </summary>
/// <remarks>
/// Chips attached to a channel with <see cref="Attach"/> are reachable from the upstream bus exactly while that
/// channel's bit is set; the <see cref="SimulatedI2cBus"/> asks the switch which of them acknowledge an address.
/// </remarks>
public sealed class SimulatedTca9548A : SimulatedI2cChip
{
    public const int ChannelCount = 8;

    /// <summary>A0..A2 tied low (datasheet Table 1).</summary>
    public const int DefaultAddress = 0x70;

    private readonly Lock _attachGate = new();
    private readonly SimulatedI2cChip[][] _channels = new SimulatedI2cChip[ChannelCount][];
    private int _control;

    public SimulatedTca9548A(int address = DefaultAddress)
        : base(address)
    {
        for (int i = 0; i < ChannelCount; i++)
        {
            _channels[i] = [];
        }
    }

    /// <summary>The control register: bit n = channel n connected.</summary>
    public byte EnabledChannels => (byte)Volatile.Read(ref _control);

    /// <summary>Solders <paramref name="chip"/> onto downstream channel <paramref name="channel"/> (0-7).</summary>
    public void Attach(int channel, SimulatedI2cChip chip)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, ChannelCount);
        ArgumentNullException.ThrowIfNull(chip);
        if (ReferenceEquals(chip, this))
        {
            throw new ArgumentException("A switch cannot sit behind its own channel.", nameof(chip));
        }

        lock (_attachGate)
        {
            chip.MarkAttached();
            Volatile.Write(ref _channels[channel], [.. _channels[channel], chip]);
        }
    }

    /// <summary>
    /// Section 8.5.4: the byte after the address is stored in the control register; "if multiple bytes are
    /// received by the TCA9548A, it saves the last byte received". The new selection takes effect at the STOP
    /// that ends this transaction, that is, from the next transaction on.
    /// </summary>
    protected internal override void Write(ReadOnlySpan<byte> data)
    {
        if (!data.IsEmpty)
        {
            Volatile.Write(ref _control, data[^1]);
        }
    }

    /// <summary>A read returns the control register (channel status); every byte read is that register.</summary>
    protected internal override void Read(Span<byte> buffer) => buffer.Fill(EnabledChannels);

    /// <summary>
    /// The switch itself at its own address, plus every chip on a connected channel. A switch that does not
    /// answer (unpowered, or held in RESET) connects no channel either.
    /// </summary>
    internal override void CollectResponders(int address, ref I2cResponders responders)
    {
        if (!Answering)
        {
            return;
        }

        base.CollectResponders(address, ref responders);
        int control = Volatile.Read(ref _control);
        for (int channel = 0; channel < ChannelCount; channel++)
        {
            if ((control & (1 << channel)) == 0)
            {
                continue;
            }

            foreach (SimulatedI2cChip chip in Volatile.Read(ref _channels[channel]))
            {
                chip.CollectResponders(address, ref responders);
            }
        }
    }
}
