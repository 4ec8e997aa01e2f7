using System.Device.I2c;
using System.Globalization;

namespace EdgeGateway.Hardware.Simulation.I2c;

/// <summary>
/// A simulated I2C bus master (the Raspberry Pi's BSC controller driven through Linux i2c-dev) with simulated
/// chips on it. Every transaction of a device created here is routed, at the moment it happens, to the chip that
/// acknowledges the address: chips attached to the bus itself, and chips behind the currently enabled channels of
/// any <see cref="Tca9548A.SimulatedTca9548A"/> attached to it.
/// </summary>
/// <remarks>
/// <para>
/// Failures look like the real ones: no chip acknowledging the address gives the <see cref="IOException"/> that
/// <c>UnixI2cBus</c> (System.Device.Gpio 4.2.0) throws when the I2C_RDWR ioctl fails with EREMOTEIO, which is what the
/// Raspberry Pi's i2c-bcm2835 driver returns for a NACK. Two chips acknowledging the same address is a wiring error
/// the simulator reports as an <see cref="IOException"/> too ("bus contention"), where real hardware would return
/// the wired-AND of both chips' bytes.
/// </para>
/// <para>
/// Each transaction advances the <see cref="SimulatedClock"/> by its time on the wire: 9 clocks (8 bits and the
/// acknowledge) per byte, counting the address byte of each message (a write-then-read sends the address twice,
/// around the repeated START). START/STOP setup times are not counted.
/// </para>
/// <para>Transactions are serialized, as the kernel's adapter lock serializes them on a real bus.</para>
/// </remarks>
public sealed class SimulatedI2cBus : I2cBus
{
    /// <summary>Errno 121, as <c>ExceptionHelper.GetLastErrorMessage</c> formats it, in <c>UnixI2cBus</c>'s message.</summary>
    internal const string NackMessage = "Error 121 (Remote I/O error) performing I2C data transfer.";

    private const int AddressCount = 128;
    private const int ClocksPerByte = 9;

    private readonly Lock _gate = new();
    private readonly SimulatedClock _clock;
    private readonly double _ticksPerByte;
    private readonly SimulatedI2cDevice?[] _openDevices = new SimulatedI2cDevice?[AddressCount];
    private SimulatedI2cChip[] _chips = [];
    private bool _disposed;

    public SimulatedI2cBus(int busId, SimulatedClock clock, int busClockHz = 100_000)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(busClockHz);
        BusId = busId;
        _clock = clock;
        _ticksPerByte = (double)ClocksPerByte * TimeSpan.TicksPerSecond / busClockHz;
    }

    public int BusId { get; }

    /// <summary>Solders <paramref name="chip"/> onto the main bus (a chip can be attached in one place only).</summary>
    public void Attach(SimulatedI2cChip chip)
    {
        ArgumentNullException.ThrowIfNull(chip);
        lock (_gate)
        {
            chip.MarkAttached();
            _chips = [.. _chips, chip];
        }
    }

    /// <summary>
    /// Opens the device at <paramref name="deviceAddress"/>. As on <c>UnixI2cBus</c>, an address can be open once
    /// at a time; opening it says nothing about whether a chip answers there (the first transfer does).
    /// </summary>
    public override I2cDevice CreateDevice(int deviceAddress)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(deviceAddress);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(deviceAddress, AddressCount);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_openDevices[deviceAddress] is not null)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"Device with address 0x{deviceAddress:X2} is already open."),
                    nameof(deviceAddress));
            }

            var device = new SimulatedI2cDevice(this, deviceAddress);
            _openDevices[deviceAddress] = device;
            return device;
        }
    }

    public override void RemoveDevice(int deviceAddress)
    {
        lock (_gate)
        {
            if (deviceAddress is < 0 or >= AddressCount || _openDevices[deviceAddress] is null)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"Device with address 0x{deviceAddress:X2} was not open."),
                    nameof(deviceAddress));
            }

            _openDevices[deviceAddress] = null;
        }
    }

    internal void Release(SimulatedI2cDevice device)
    {
        lock (_gate)
        {
            int address = device.Address;
            if (ReferenceEquals(_openDevices[address], device))
            {
                _openDevices[address] = null;
            }
        }
    }

    /// <summary>
    /// One bus transaction: an optional write message, then (after a repeated START) an optional read message.
    /// </summary>
    internal void Transfer(int address, ReadOnlySpan<byte> writeData, Span<byte> readBuffer, bool write, bool read)
    {
        using SimulatorCpu.Scope simulating = SimulatorCpu.Enter(); // the simulator's own CPU (SimulatorCpu)
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            var responders = default(I2cResponders);
            foreach (SimulatedI2cChip chip in _chips)
            {
                chip.CollectResponders(address, ref responders);
            }

            if (responders.Count == 0)
            {
                // The master sends the address byte, sees the NACK, and sends STOP.
                AdvanceWire(1);
                throw new IOException(NackMessage);
            }

            if (responders.Count > 1)
            {
                AdvanceWire(1);
                throw new IOException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"Error performing I2C data transfer on simulated bus {BusId}: bus contention, {responders.Count} chips acknowledge address 0x{address:X2} and drive SDA together."));
            }

            SimulatedI2cChip target = responders.First!;
            int wireBytes;
            if (write && read)
            {
                target.WriteRead(writeData, readBuffer);
                wireBytes = 2 + writeData.Length + readBuffer.Length;
            }
            else if (read)
            {
                target.Read(readBuffer);
                wireBytes = 1 + readBuffer.Length;
            }
            else
            {
                target.Write(writeData);
                wireBytes = 1 + writeData.Length;
            }

            AdvanceWire(wireBytes);
        }
    }

    private void AdvanceWire(int bytes) => _clock.Advance(TimeSpan.FromTicks((long)Math.Round(bytes * _ticksPerByte)));

    protected override void Dispose(bool disposing)
    {
        lock (_gate)
        {
            _disposed = true;
            Array.Clear(_openDevices);
        }

        base.Dispose(disposing);
    }
}
