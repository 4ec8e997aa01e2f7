using EdgeGateway.Hardware.Simulation.I2c;

namespace EdgeGateway.Hardware.Simulation.TimeOfFlight;

/// <summary>
/// What the simulated VL53L0X and VL53L1X share: one lock over the chip's state, an I2C address the
/// driver can move (register I2C_SLAVE_DEVICE_ADDRESS; back to 0x29 after a soft reset) and the
/// <see cref="Stuck"/> fault. The register maps and ranging differ and stay in each chip.
/// </summary>
public abstract class SimulatedTimeOfFlightChip : SimulatedI2cChip
{
    private int _address;
    private bool _stuck;

    protected SimulatedTimeOfFlightChip(int address)
        : base(address) => _address = address;

    /// <summary>The 7-bit address the chip acknowledges now.</summary>
    public int CurrentAddress
    {
        get
        {
            lock (Gate)
            {
                return _address;
            }
        }
    }

    /// <summary>
    /// Fault: the ranging core keeps reporting its last result. Measurements still complete and raise the interrupt
    /// (so a driver does not time out), but range status and range no longer follow the target.
    /// </summary>
    public bool Stuck
    {
        get
        {
            lock (Gate)
            {
                return _stuck;
            }
        }

        set
        {
            lock (Gate)
            {
                _stuck = value;
            }
        }
    }

    /// <summary>Guards every register and ranging field of the chip.</summary>
    protected Lock Gate { get; } = new();

    /// <summary>The current address, for code already holding <see cref="Gate"/>.</summary>
    protected int AddressUnderGate
    {
        get => _address;
        set => _address = value;
    }

    /// <summary>The stuck fault, for code already holding <see cref="Gate"/>.</summary>
    protected bool StuckUnderGate => _stuck;

    internal override void CollectResponders(int address, ref I2cResponders responders)
    {
        if (Answering && address == CurrentAddress)
        {
            responders.Add(this);
        }
    }
}
