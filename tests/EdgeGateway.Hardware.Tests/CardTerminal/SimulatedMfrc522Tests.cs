using System.Device.Spi;
using EdgeGateway.Hardware.CardTerminal;
using EdgeGateway.Hardware.Simulation.Mfrc522;
using Iot.Device.Mfrc522;
using Iot.Device.Rfid;

namespace EdgeGateway.Hardware.Tests.CardTerminal;

/// <summary>The simulated MFRC522 and its cards under the real dotnet/iot binding and the terminal's reader.</summary>
public sealed class SimulatedMfrc522Tests : IDisposable
{
    private static readonly byte[] FourByteUid = [0xDE, 0xAD, 0xBE, 0xEF];
    private static readonly byte[] SevenByteUid = [0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6];

    private readonly SimulatedMfrc522 _chip = new(new SpiConnectionSettings(0, 0) { ClockFrequency = 1_000_000, Mode = SpiMode.Mode0 });

    public void Dispose() => _chip.Dispose();

    [Fact]
    public void Binding_reads_the_version_register_as_an_MFRC522_2_0()
    {
        using var binding = new MfRc522(_chip);

        Assert.Equal(new Version(2, 0), binding.Version);
        Assert.True(binding.Enabled); // TxControlReg Tx1RFEn|Tx2RFEn, read back
    }

    [Theory]
    [InlineData(4)]
    [InlineData(7)]
    public void Binding_reads_a_cards_uid_through_its_cascade_levels(int length)
    {
        byte[] uid = length == 4 ? FourByteUid : SevenByteUid;
        var card = new Iso14443TypeACard(uid, sak: 0x08);
        _chip.Place(card);
        using var binding = new MfRc522(_chip);

        Assert.True(binding.ListenToCardIso14443TypeA(out Data106kbpsTypeA read, TimeSpan.FromMilliseconds(200)));

        Assert.Equal(uid, read.NfcId);
        Assert.Equal(0x08, read.Sak);
        Assert.Equal(card.Atqa, read.Atqa);
        Assert.Equal(length == 4 ? 0x0004 : 0x0044, read.Atqa);
    }

    [Fact]
    public void Binding_finds_nothing_without_a_card()
    {
        using var binding = new MfRc522(_chip);

        Assert.False(binding.ListenToCardIso14443TypeA(out _, TimeSpan.FromMilliseconds(50)));
        Assert.True(_chip.FramesSent > 0);
    }

    [Fact]
    public void A_halted_card_answers_wupa_but_not_reqa()
    {
        _chip.Place(new Iso14443TypeACard(FourByteUid));
        using var binding = new MfRc522(_chip);
        Assert.True(binding.ListenToCardIso14443TypeA(out _, TimeSpan.FromMilliseconds(200)));
        Assert.True(binding.Halt());

        Assert.False(binding.IsCardPresent(new byte[2]));
        Assert.True(binding.IsCardPresent(new byte[2], reselect: true));
    }

    [Fact]
    public void Two_cards_collide_for_the_binding_and_the_reader_resolves_one()
    {
        var first = new Iso14443TypeACard([0x11, 0x22, 0x33, 0x44]);
        var second = new Iso14443TypeACard([0x11, 0x2A, 0x33, 0x45]);
        _chip.Place(first);
        _chip.Place(second);
        using (var binding = new MfRc522(_chip))
        {
            // The binding's SELECT stops at the collision its first ANTICOLLISION reports.
            Assert.False(binding.ListenToCardIso14443TypeA(out _, TimeSpan.Zero));
        }

        _chip.RemoveAll();
        _chip.Place(first);
        _chip.Place(second);
        using var reader = new Mfrc522CardReader(_chip);

        Assert.Equal(CardPoll.NewCard, reader.Poll());

        // At the first colliding bit (bit 3 of byte 1: 0x22 against 0x2A) the reader takes the card with a 1 there.
        Assert.Equal(second.Uid, reader.Uid);
    }

    [Fact]
    public void Two_seven_byte_cards_sharing_their_first_level_resolve_on_the_second()
    {
        var first = new Iso14443TypeACard([0x04, 0x01, 0x02, 0x10, 0x20, 0x30, 0x40]);
        var second = new Iso14443TypeACard([0x04, 0x01, 0x02, 0x10, 0x20, 0x30, 0x41]);
        _chip.Place(first);
        _chip.Place(second);
        using var reader = new Mfrc522CardReader(_chip);

        Assert.Equal(CardPoll.NewCard, reader.Poll());

        Assert.Equal(second.Uid, reader.Uid);
    }

    [Fact]
    public void Reader_reports_a_card_once_while_it_lies_there_and_then_its_removal()
    {
        var card = new Iso14443TypeACard(SevenByteUid);
        using var reader = new Mfrc522CardReader(_chip);
        Assert.Equal(CardPoll.Nothing, reader.Poll());

        _chip.Place(card);
        Assert.Equal(CardPoll.NewCard, reader.Poll());
        Assert.Equal(SevenByteUid, reader.Uid);
        Assert.Equal(CardPoll.Nothing, reader.Poll());
        Assert.Equal(CardPoll.Nothing, reader.Poll());

        _chip.Remove(card);
        Assert.Equal(CardPoll.Removed, reader.Poll());
        Assert.Equal(CardPoll.Nothing, reader.Poll());

        _chip.Place(card);
        Assert.Equal(CardPoll.NewCard, reader.Poll());
    }

    [Fact]
    public void Crc_a_matches_the_standards_example()
    {
        // ISO/IEC 14443-3 Annex B.1: CRC_A of 00h 00h is 1EA0h (sent A0h 1Eh).
        Assert.Equal(0x1EA0, Iso14443Crc.CrcA([0x00, 0x00]));
    }
}
