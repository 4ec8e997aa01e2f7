using System.Globalization;
using EdgeGateway.Contracts.Mqtt;

namespace EdgeGateway.Terminal;

/// <summary>A card session running on a port now: the card that pays and the amount its limit reserves.</summary>
public sealed record RunningCardSession(string PortId, string Card, long ReservedFen);

/// <summary>What the terminal asks the commands area to do: <c>port_start</c> with the card's limit, or <c>port_stop</c>.</summary>
public sealed record TerminalCommand(string Name, string Port, string Card, ChargeLimit? Limit, ChargeTariff? Tariff);

/// <summary>The terminal's rules from the site file's <c>terminal:</c> section.</summary>
/// <param name="MaxAmountFen">The most one card session may reserve (fen); null: the card's whole available balance.</param>
/// <param name="AllowConcurrentSessions">Whether one card may pay for two running sessions at once.</param>
/// <param name="Columns">The display's width.</param>
public sealed record TerminalRules(long? MaxAmountFen = null, bool AllowConcurrentSessions = false, int Columns = 16)
{
    /// <summary>How long a keyed entry waits for the next key before the terminal goes back to idle.</summary>
    public TimeSpan EntryTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an answer (balance refused, started, refused) stays on the display.</summary>
    public TimeSpan MessageTime { get; init; } = TimeSpan.FromSeconds(6);

    /// <summary>How long the terminal waits for the commands area's answer before saying so.</summary>
    public TimeSpan AnswerTimeout { get; init; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// The card terminal's flow (刷卡充电), pure: swipe → the card's balance (or why it is refused) → key a port number and
/// # → a <see cref="TerminalCommand"/> for the commands area → its answer on the display. * cancels; an entry left alone
/// times out back to idle. The card that pays for a charging port, keyed with that port's number, stops it (user stop).
/// </summary>
/// <remarks>
/// Time is the injected <see cref="TimeProvider"/>'s monotonic clock (timeouts) and nothing else; the service around it
/// polls the devices, runs the commands and shows <see cref="Lines"/>. Texts are English: the HD44780's character ROM
/// has no Chinese, and a few English words and figures read more surely than toneless pinyin (Terminal README).
/// </remarks>
public sealed class CardTerminal
{
    private const int MaxPortDigits = 3;

    private readonly CardWallet _wallet;
    private readonly TerminalRules _rules;
    private readonly IReadOnlyList<string> _ports;
    private readonly Func<IReadOnlyList<RunningCardSession>> _running;
    private readonly TimeProvider _time;
    private TerminalState _state = TerminalState.Idle;
    private long _since;
    private CardEntry? _card;
    private long _available;
    private string _digits = "";
    private TerminalCommand? _toRun;
    private TerminalCommand? _awaiting;
    private string[] _message = [];

    public CardTerminal(CardWallet wallet, TerminalRules rules, IReadOnlyList<string> portIds, Func<IReadOnlyList<RunningCardSession>> running, TimeProvider time)
    {
        _wallet = wallet;
        _rules = rules;
        _ports = portIds;
        _running = running;
        _time = time;
        _since = time.GetTimestamp();
    }

    public TerminalState State => _state;

    /// <summary>What the display shows now.</summary>
    public IReadOnlyList<string> Lines => _state switch
    {
        TerminalState.Idle => ["Swipe card", "to charge"],
        TerminalState.Entry => [$"Bal {Yuan(_available)} yuan", $"Port {_digits,-3} #OK *X"],
        TerminalState.Waiting => [$"Port {_awaiting?.Port}", "Please wait"],
        _ => _message,
    };

    /// <summary>The command keyed, once: the service runs it and answers with <see cref="Answered"/>.</summary>
    public TerminalCommand? TakeCommand()
    {
        TerminalCommand? command = _toRun;
        _toRun = null;
        return command;
    }

    /// <summary>A card came into the reader's field (its UID in upper-case hex).</summary>
    public void CardSwiped(string uid)
    {
        if (_state == TerminalState.Waiting)
        {
            return; // the answer to the last command comes first
        }

        _digits = "";
        _card = null;
        if (_wallet.Find(uid) is not { } card)
        {
            Show("Unknown card", "See the manager");
            return;
        }

        if (card.Blocked)
        {
            Show("Card blocked", "See the manager");
            return;
        }

        if (_wallet.List?.Tariff is null)
        {
            Show("No tariff set", "Cannot charge");
            return;
        }

        IReadOnlyList<RunningCardSession> running = _running();
        _available = _wallet.Available(card, Reserved(running, card.Card));
        if (_available < MinimumFen() && !running.Any(r => r.Card == card.Card))
        {
            Show("Balance too low", $"Bal {Yuan(_available)} yuan");
            return;
        }

        _card = card;
        Enter(TerminalState.Entry);
    }

    public void KeyPressed(char key)
    {
        if (_state == TerminalState.Waiting)
        {
            return;
        }

        if (_state != TerminalState.Entry)
        {
            if (_state == TerminalState.Message && key == '*')
            {
                Enter(TerminalState.Idle);
            }

            return;
        }

        _since = _time.GetTimestamp();
        switch (key)
        {
            case '*':
                _card = null;
                Enter(TerminalState.Idle);
                return;
            case '#':
                Submit();
                return;
            case >= '0' and <= '9' when _digits.Length < MaxPortDigits:
                _digits += key;
                return;
            default:
                return; // A-D, and digits past the longest port number
        }
    }

    /// <summary>The commands area's answer to the command taken.</summary>
    public void Answered(TerminalCommand command, CommandReply reply)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(reply);
        if (!ReferenceEquals(command, _awaiting))
        {
            return;
        }

        _awaiting = null;
        if (command.Name == ContractCommands.PortStop)
        {
            Show(reply.Ok ? $"Stopped {command.Port}" : $"Not stopped {command.Port}", reply.Ok ? "Thank you" : Why(reply));
        }
        else if (reply.Ok)
        {
            Show($"Charging {command.Port}", $"Max {Yuan(command.Limit?.AmountFen ?? 0)} yuan");
        }
        else
        {
            Show($"Refused {command.Port}", Why(reply));
        }
    }

    /// <summary>Time passes: an entry or a message that has been up long enough goes back to idle.</summary>
    public void Tick()
    {
        TimeSpan elapsed = _time.GetElapsedTime(_since);
        switch (_state)
        {
            case TerminalState.Entry when elapsed >= _rules.EntryTimeout:
            case TerminalState.Message when elapsed >= _rules.MessageTime:
                _card = null;
                Enter(TerminalState.Idle);
                break;
            case TerminalState.Waiting when elapsed >= _rules.AnswerTimeout:
                _awaiting = null;
                Show("No answer", "Try again");
                break;
        }
    }

    private void Submit()
    {
        CardEntry card = _card!;
        if (!int.TryParse(_digits, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || PortNumbered(number) is not { } port)
        {
            Show(_digits.Length == 0 ? "Key a port" : $"No port {_digits}", "Swipe again");
            return;
        }

        IReadOnlyList<RunningCardSession> running = _running();
        if (running.Any(r => r.PortId == port && r.Card == card.Card))
        {
            Run(new TerminalCommand(ContractCommands.PortStop, port, card.Card, null, null));
            return;
        }

        if (!_rules.AllowConcurrentSessions && running.FirstOrDefault(r => r.Card == card.Card) is { } other)
        {
            Show("Card in use", $"at {other.PortId}");
            return;
        }

        long available = _wallet.Available(card, Reserved(running, card.Card));
        if (available < MinimumFen())
        {
            Show("Balance too low", $"Bal {Yuan(available)} yuan");
            return;
        }

        long amount = Math.Min(available, Math.Min(_rules.MaxAmountFen ?? ChargeLimit.MaxAmountFen, ChargeLimit.MaxAmountFen));
        ChargeTariff tariff = _wallet.List!.Tariff!;
        Run(new TerminalCommand(ContractCommands.PortStart, port, card.Card, new ChargeLimit { AmountFen = amount }, tariff));
    }

    /// <summary>The port a keyed number means: the one whose id ends in that number (P03, port-3 and 3 are all 3).</summary>
    private string? PortNumbered(int number)
    {
        string? found = null;
        foreach (string id in _ports)
        {
            int end = id.Length;
            int start = end;
            while (start > 0 && char.IsAsciiDigit(id[start - 1]))
            {
                start--;
            }

            if (start < end && int.Parse(id.AsSpan(start), NumberStyles.None, CultureInfo.InvariantCulture) == number)
            {
                if (found is not null)
                {
                    return null; // two ports share the number: the site's numbering does not say which
                }

                found = id;
            }
        }

        return found;
    }

    /// <summary>The least a start needs: one fen per kWh, one hour block per hour (what <c>limit.amount_fen</c> must buy).</summary>
    private long MinimumFen() => Math.Max(1, _wallet.List?.Tariff?.FenPerHour ?? 1);

    private static long Reserved(IReadOnlyList<RunningCardSession> running, string card) =>
        running.Where(r => r.Card == card).Sum(r => r.ReservedFen);

    private void Run(TerminalCommand command)
    {
        _toRun = command;
        _awaiting = command;
        _card = null;
        Enter(TerminalState.Waiting);
    }

    private void Show(string first, string second)
    {
        _message = [first, second];
        Enter(TerminalState.Message);
    }

    private void Enter(TerminalState state)
    {
        _state = state;
        _since = _time.GetTimestamp();
        if (state != TerminalState.Entry)
        {
            _digits = "";
        }
    }

    /// <summary>The refusal's reason in a few words (the reply's reason code; its English message otherwise).</summary>
    private static string Why(CommandReply reply) => reply.Reason?.Code switch
    {
        "already_charging" => "Port busy",
        "locked_out_needs_reset" or "locked_out_only_reset" => "Port locked out",
        "disabled_by_operator" => "Port disabled",
        "port_in_fault" => "Port fault",
        "shed_smoke_off" => "Smoke: no charge",
        "shed_over_temperature_off" => "Shed too hot",
        "shed_at_power_limit" => "Shed at limit",
        "no_session_to_stop" => "Not charging",
        "configuration_not_applied" or "gateway_stopping" => "Not ready",
        _ => reply.Message,
    };

    private static string Yuan(long fen) =>
        string.Create(CultureInfo.InvariantCulture, $"{(fen < 0 ? "-" : "")}{Math.Abs(fen) / 100}.{Math.Abs(fen) % 100:00}");
}

public enum TerminalState
{
    /// <summary>Waiting for a card.</summary>
    Idle,

    /// <summary>A card's balance shown; keying a port number.</summary>
    Entry,

    /// <summary>A command sent; waiting for the answer.</summary>
    Waiting,

    /// <summary>An answer shown for a while.</summary>
    Message,
}
