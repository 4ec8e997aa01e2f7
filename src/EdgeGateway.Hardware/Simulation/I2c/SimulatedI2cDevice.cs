using System.Device.I2c;

namespace EdgeGateway.Hardware.Simulation.I2c;

/// <summary>
/// An address opened on a <see cref="SimulatedI2cBus"/>: what a binding holds. Each call is one bus transaction,
/// routed when it happens to whichever chip then acknowledges the address.
/// </summary>
public sealed class SimulatedI2cDevice : I2cDevice
{
    private readonly I2cConnectionSettings _settings;
    private SimulatedI2cBus? _bus;

    internal SimulatedI2cDevice(SimulatedI2cBus bus, int address)
    {
        _bus = bus;
        Address = address;
        _settings = new I2cConnectionSettings(bus.BusId, address);
    }

    internal int Address { get; }

    public override I2cConnectionSettings ConnectionSettings => _settings;

    public override void Read(Span<byte> buffer)
    {
        // UnixI2cBus rejects an empty read the same way.
        if (buffer.IsEmpty)
        {
            throw new ArgumentException("buffer cannot be empty.", nameof(buffer));
        }

        Bus.Transfer(Address, ReadOnlySpan<byte>.Empty, buffer, write: false, read: true);
    }

    public override void Write(ReadOnlySpan<byte> buffer) =>
        Bus.Transfer(Address, buffer, Span<byte>.Empty, write: true, read: false);

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        if (readBuffer.IsEmpty)
        {
            throw new ArgumentException("readBuffer cannot be empty.", nameof(readBuffer));
        }

        // An empty write buffer sends no write message (UnixI2cBus passes a null pointer): a plain read.
        Bus.Transfer(Address, writeBuffer, readBuffer, write: !writeBuffer.IsEmpty, read: true);
    }

    private SimulatedI2cBus Bus
    {
        get
        {
            ObjectDisposedException.ThrowIf(_bus is null, this);
            return _bus;
        }
    }

    protected override void Dispose(bool disposing)
    {
        _bus?.Release(this);
        _bus = null;
        base.Dispose(disposing);
    }
}
