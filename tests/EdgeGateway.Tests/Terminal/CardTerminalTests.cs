using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Terminal;
using Microsoft.Extensions.Time.Testing;
using static EdgeGateway.Tests.Terminal.TerminalCards;

namespace EdgeGateway.Tests.Terminal;

/// <summary>The terminal's flow on a fake clock: what the LCD shows and what it asks the commands area to do.</summary>
public sealed class CardTerminalTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly List<RunningCardSession> _running = [];
    private readonly CardWallet _wallet = new(List(1));

    private CardTerminal Terminal(TerminalRules? rules = null) =>
        new(_wallet, rules ?? new TerminalRules(), ["P01", "P02", "P03", "P10"], () => _running, _time);

    [Fact]
    public void Swipe_shows_the_balance_and_port_and_hash_start_with_the_card_and_its_balance_as_the_limit()
    {
        CardTerminal terminal = Terminal();
        Assert.Equal(["Swipe card", "to charge"], terminal.Lines);

        terminal.CardSwiped(AliceUid);
        Assert.Equal("Bal 15.00 yuan", terminal.Lines[0]);
        Type(terminal, "3#");

        TerminalCommand command = terminal.TakeCommand()!;
        Assert.Equal(new TerminalCommand(ContractCommands.PortStart, "P03", "card-0001", new ChargeLimit { AmountFen = 1500 }, new ChargeTariff { FenPerKwh = 150 }), command);
        Assert.Null(terminal.TakeCommand());
        Assert.Equal(["Port P03", "Please wait"], terminal.Lines);

        terminal.Answered(command, CommandReply.Applied(ContractCommands.PortStart, _time.GetUtcNow(), "charging"));
        Assert.Equal(["Charging P03", "Max 15.00 yuan"], terminal.Lines);
        _time.Advance(TimeSpan.FromSeconds(6));
        terminal.Tick();
        Assert.Equal(TerminalState.Idle, terminal.State);
    }

    [Fact]
    public void The_site_maximum_caps_the_limit_and_pending_sessions_lower_it()
    {
        _wallet.SessionEnded("s-1", "card-0001", 700);
        CardTerminal terminal = Terminal(new TerminalRules(MaxAmountFen: 500));

        terminal.CardSwiped(AliceUid);
        Assert.Equal("Bal 8.00 yuan", terminal.Lines[0]);
        Type(terminal, "10#");

        Assert.Equal(new ChargeLimit { AmountFen = 500 }, terminal.TakeCommand()!.Limit);
    }

    [Theory]
    [InlineData("CAFEBABE", "Unknown card")]
    [InlineData(BlockedUid, "Card blocked")]
    public void Unknown_and_blocked_cards_are_refused_on_the_display_and_start_nothing(string uid, string text)
    {
        CardTerminal terminal = Terminal();

        terminal.CardSwiped(uid);
        Type(terminal, "1#");

        Assert.Equal(text, terminal.Lines[0]);
        Assert.Null(terminal.TakeCommand());
    }

    [Fact]
    public void A_list_without_a_tariff_refuses_every_card()
    {
        var wallet = new CardWallet(List(1, noTariff: true));
        var terminal = new CardTerminal(wallet, new TerminalRules(), ["P01"], () => _running, _time);

        terminal.CardSwiped(AliceUid);

        Assert.Equal("No tariff set", terminal.Lines[0]);
    }

    [Fact]
    public void A_balance_below_one_hour_block_is_too_low()
    {
        var wallet = new CardWallet(List(1, aliceFen: 150, tariff: new ChargeTariff { FenPerHour = 200 }));
        var terminal = new CardTerminal(wallet, new TerminalRules(), ["P01"], () => _running, _time);

        terminal.CardSwiped(AliceUid);

        Assert.Equal(["Balance too low", "Bal 1.50 yuan"], terminal.Lines);
        Assert.Null(terminal.TakeCommand());
    }

    [Fact]
    public void Star_cancels_and_an_abandoned_entry_times_out_to_idle()
    {
        CardTerminal terminal = Terminal();
        terminal.CardSwiped(AliceUid);
        Type(terminal, "2*");
        Assert.Equal(TerminalState.Idle, terminal.State);

        terminal.CardSwiped(AliceUid);
        Type(terminal, "2");
        _time.Advance(TimeSpan.FromSeconds(29));
        terminal.Tick();
        Assert.Equal(TerminalState.Entry, terminal.State);
        _time.Advance(TimeSpan.FromSeconds(1));
        terminal.Tick();
        Assert.Equal(TerminalState.Idle, terminal.State);

        Type(terminal, "#");
        Assert.Null(terminal.TakeCommand());
    }

    [Fact]
    public void A_port_that_does_not_exist_is_refused()
    {
        CardTerminal terminal = Terminal();
        terminal.CardSwiped(AliceUid);

        Type(terminal, "7#");

        Assert.Equal("No port 7", terminal.Lines[0]);
        Assert.Null(terminal.TakeCommand());
    }

    [Fact]
    public void The_paying_card_keyed_with_its_charging_port_stops_it_and_starts_no_second_charge()
    {
        _running.Add(new RunningCardSession("P02", "card-0001", 1500));
        CardTerminal terminal = Terminal();

        terminal.CardSwiped(AliceUid);
        Type(terminal, "1#");
        Assert.Equal(["Card in use", "at P02"], terminal.Lines);

        terminal.CardSwiped(AliceUid);
        Type(terminal, "2#");
        TerminalCommand stop = terminal.TakeCommand()!;
        Assert.Equal(new TerminalCommand(ContractCommands.PortStop, "P02", "card-0001", null, null), stop);

        terminal.Answered(stop, CommandReply.Applied(ContractCommands.PortStop, _time.GetUtcNow(), "stopped"));
        Assert.Equal("Stopped P02", terminal.Lines[0]);
    }

    [Fact]
    public void With_concurrent_sessions_allowed_the_reserved_amount_is_not_spent_twice()
    {
        _running.Add(new RunningCardSession("P02", "card-0001", 1000));
        CardTerminal terminal = Terminal(new TerminalRules(AllowConcurrentSessions: true));

        terminal.CardSwiped(AliceUid);
        Assert.Equal("Bal 5.00 yuan", terminal.Lines[0]);
        Type(terminal, "1#");

        Assert.Equal(500, terminal.TakeCommand()!.Limit!.AmountFen);
    }

    [Fact]
    public void The_gateways_refusal_is_shown_with_its_reason()
    {
        CardTerminal terminal = Terminal();
        terminal.CardSwiped(AliceUid);
        Type(terminal, "1#");
        TerminalCommand start = terminal.TakeCommand()!;

        terminal.Answered(start, CommandReply.Of(ContractCommands.PortStart, _time.GetUtcNow(), false, ContractReason.Of("shed_at_power_limit"), "the shed is at its power limit"));

        Assert.Equal(["Refused P01", "Shed at limit"], terminal.Lines);
    }

    [Fact]
    public void Keys_and_swipes_wait_while_a_command_is_answered_and_no_answer_is_said_so()
    {
        CardTerminal terminal = Terminal();
        terminal.CardSwiped(AliceUid);
        Type(terminal, "1#");
        terminal.TakeCommand();

        terminal.CardSwiped(BobUid);
        Type(terminal, "2#");
        Assert.Null(terminal.TakeCommand());
        Assert.Equal(TerminalState.Waiting, terminal.State);

        _time.Advance(TimeSpan.FromSeconds(15));
        terminal.Tick();
        Assert.Equal("No answer", terminal.Lines[0]);
    }

    private static void Type(CardTerminal terminal, string keys)
    {
        foreach (char key in keys)
        {
            terminal.KeyPressed(key);
        }
    }
}
