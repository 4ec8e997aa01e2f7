using EdgeGateway.Hardware.Metering.Hlw8032;

namespace EdgeGateway.Hardware.Tests.Metering;

/// <summary>
/// HLW8032 frames as real ICs send them (captured from HLW8032 boards with a 4 × 470 kΩ / 1 kΩ divider, Kv 1.88, and a
/// 1 mΩ shunt, Ki 1, published by ElectroDragon), and the receiver's resynchronisation on the Check REG.
/// </summary>
public sealed class Hlw8032FrameTests
{
    // Under load: State REG 0x55, every register refreshed (Data Update REG 0x71).
    private static readonly byte[] Loaded = Convert.FromHexString("555A02DCD00005FF003CD70020514DE56800624371023C24");

    // The datasheet's voltage example: 0x02E180 / 0x000652 × 1.88 = 219.37 V; State REG 0xF2, the Power REG overflowed.
    private static readonly byte[] NoPower = Convert.FromHexString("F25A02E180000652003EA803A6C84F9AE85E790B61000127");

    [Fact]
    public void A_real_frame_checks_out_and_scales_as_the_datasheet_says()
    {
        Assert.Equal(Loaded[23], Hlw8032Frame.Checksum(Loaded));
        var packet = Hlw8032Packet.Decode(Loaded);

        Assert.Equal(0x02DCD0u, packet.VoltageParameter);
        Assert.Equal(0x0005FFu, packet.Voltage);
        Assert.Equal(0x002051u, packet.Current);
        Assert.Equal(0x006243u, packet.Power);
        const Hlw8032DataUpdate All = Hlw8032DataUpdate.VoltageRegUpdated | Hlw8032DataUpdate.CurrentRegUpdated | Hlw8032DataUpdate.PowerRegUpdated;
        Assert.Equal(All, packet.DataUpdate & All);
        Assert.Equal(0x023C, packet.Pf);
        Assert.Equal(Hlw8032State.None, packet.Overflows);
        Assert.False(packet.CalibrationUnusable);
    }

    [Fact]
    public void State_f2_is_a_power_overflow_and_aa_an_unusable_calibration()
    {
        var packet = Hlw8032Packet.Decode(NoPower);

        Assert.Equal(Hlw8032State.PowerRegOverflow, packet.Overflows);
        Assert.False(packet.CalibrationUnusable);
        Assert.Equal(219.37, packet.VoltageParameter / (double)packet.Voltage * 1.88, 2);

        byte[] broken = (byte[])NoPower.Clone();
        broken[0] = 0xAA;
        Assert.True(Hlw8032Packet.Decode(broken).CalibrationUnusable);
        broken[0] = 0xF1;
        Assert.True(Hlw8032Packet.Decode(broken).CalibrationUnusable);
    }

    [Fact]
    public void Frames_split_anywhere_and_after_line_noise_are_found_whole()
    {
        var receiver = new Hlw8032Receiver();
        byte[] stream = [0x00, 0x5A, 0x13, .. Loaded, .. NoPower];

        receiver.Receive(stream.AsSpan(0, 10));
        receiver.Receive(stream.AsSpan(10, 20));
        Assert.Equal(1, receiver.Frames);
        Assert.Equal(Loaded, receiver.Latest.ToArray());

        receiver.Receive(stream.AsSpan(30));
        Assert.Equal(2, receiver.Frames);
        Assert.Equal(NoPower, receiver.Latest.ToArray());
        Assert.Equal(0, receiver.ChecksumErrors);
    }

    [Fact]
    public void After_a_lost_byte_the_next_frame_is_read_whole()
    {
        var receiver = new Hlw8032Receiver();
        byte[] damaged = [.. Loaded[..9], .. Loaded[10..]];

        receiver.Receive([.. damaged, .. NoPower, .. Loaded]);

        Assert.Equal(1, receiver.ChecksumErrors);
        Assert.Equal(2, receiver.Frames);
        Assert.Equal(Loaded, receiver.Latest.ToArray());
    }

    [Fact]
    public void A_bad_checksum_is_counted_and_its_frame_never_taken()
    {
        var receiver = new Hlw8032Receiver();
        byte[] bad = (byte[])Loaded.Clone();
        bad[23] ^= 0x01;

        receiver.Receive(bad);

        Assert.Equal(0, receiver.Frames);
        Assert.Equal(1, receiver.ChecksumErrors);
        Assert.Contains("CheckSum REG 0x25", receiver.LastError, StringComparison.Ordinal);
    }
}
