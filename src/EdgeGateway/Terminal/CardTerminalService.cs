using System.Collections.Concurrent;
using System.Device.I2c;
using System.Device.Spi;
using EdgeGateway.Board;
using EdgeGateway.Commands;
using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Events;
using EdgeGateway.Hardware.CardTerminal;
using EdgeGateway.Protection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Terminal;

/// <summary>
/// Runs the shed's card terminal: polls the reader and the keypad on a thread of its own, feeds the
/// <see cref="CardTerminal"/> flow, runs the commands it keys through the commands area (<see cref="ShedCommands"/>:
/// protection refuses what it must), shows its lines on the LCD, applies the card lists the hub sends and notes the card
/// sessions that end, persisting both (<see cref="CardWalletFiles"/>). A device that fails is logged and opened again
/// later; nothing here reaches protection but the commands.
/// </summary>
public sealed partial class CardTerminalService : BackgroundService, IGatewayEventSubscriber
{
    private static readonly TimeSpan LoopPeriod = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan ReaderPeriod = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ReopenPeriod = TimeSpan.FromSeconds(5);

    private readonly SiteConfiguration _site;
    private readonly TerminalSettings _settings;
    private readonly ShedProtection _protection;
    private readonly IBoardBuses _buses;
    private readonly TimeProvider _time;
    private readonly ShedCommands _commands;
    private readonly CardListInbox _inbox;
    private readonly string _dataDirectory;
    private readonly ILogger<CardTerminalService> _logger;
    private readonly ConcurrentQueue<ChargingSession> _ended = new();
    private readonly CardWallet _wallet;
    private readonly CardTerminal _terminal;
    private Devices? _devices;
    private long _nextOpen;
    private long _nextRead;
    private IReadOnlyList<string>? _shown;

    public CardTerminalService(SiteConfiguration site, ShedProtection protection, IBoardBuses buses, TimeProvider time, CardListInbox inbox, string dataDirectory, ILogger<CardTerminalService> logger)
    {
        _site = site;
        _settings = site.Terminal ?? throw new ArgumentException("the site file has no terminal: section", nameof(site));
        _protection = protection;
        _buses = buses;
        _time = time;
        _inbox = inbox;
        _dataDirectory = dataDirectory;
        _logger = logger;
        _commands = new ShedCommands(site, protection, null, _ => { }, logger);
        _wallet = CardWalletFiles.Load(dataDirectory, site.Site.Id, site.Site.Gateway, out string? problem);
        if (problem is not null)
        {
            LogWalletFileProblem(problem);
        }

        _terminal = new CardTerminal(
            _wallet,
            new TerminalRules(_settings.MaxAmountFen, _settings.AllowConcurrentSessions, _settings.Lcd.Columns),
            [.. site.Ports.Select(p => p.Id)],
            RunningCardSessions,
            time);
    }

    /// <summary>The flow, for the live view and tests.</summary>
    public CardTerminal Terminal => _terminal;

    public ValueTask HandleAsync(GatewayEvent gatewayEvent, CancellationToken cancellationToken)
    {
        if (gatewayEvent is SessionClosed { Session: { Order.Card: not null, CostFen: not null } session })
        {
            _ended.Enqueue(session);
        }

        return ValueTask.CompletedTask;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => RunAsync(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await ApplyCardListsAsync(stoppingToken);
                await NoteEndedSessionsAsync(stoppingToken);
                await PollDevicesAsync();
                await Task.Delay(LoopPeriod, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
        finally
        {
            _devices?.Dispose();
            _devices = null;
        }
    }

    private async Task PollDevicesAsync()
    {
        if (_devices is null && !TryOpenDevices())
        {
            return;
        }

        Devices devices = _devices!;
        if (Time() >= _nextRead)
        {
            _nextRead = Time() + (long)(ReaderPeriod.TotalSeconds * TimeProvider.System.TimestampFrequency);
            switch (devices.Reader.Poll())
            {
                case CardPoll.NewCard:
                    string uid = Convert.ToHexString(devices.Reader.Uid!);
                    LogCardSwiped(uid);
                    _terminal.CardSwiped(uid);
                    break;
                case CardPoll.Fault:
                    LogDeviceFault("card reader", devices.Reader.Fault!);
                    Close();
                    return;
            }
        }

        while (devices.Keypad.TryReadKey(out char key))
        {
            _terminal.KeyPressed(key);
        }

        if (devices.Keypad.Fault is { } keypadFault)
        {
            LogDeviceFault("keypad", keypadFault);
            Close();
            return;
        }

        _terminal.Tick();
        if (_terminal.TakeCommand() is { } command)
        {
            CommandReply reply = await _commands.ExecuteAsync(command.Name, new CommandRequest
            {
                Port = command.Port,
                Card = command.Card,
                Limit = command.Limit,
                Tariff = command.Tariff,
                Operator = "card terminal",
            }, _time.GetUtcNow());
            LogCommand(command.Name, command.Port, command.Card, command.Limit?.AmountFen, reply.Ok, reply.Message);
            _terminal.Answered(command, reply);
        }

        IReadOnlyList<string> lines = _terminal.Lines;
        if (_shown is null || !lines.SequenceEqual(_shown))
        {
            if (devices.Display.TryShow(lines))
            {
                _shown = lines;
            }
            else
            {
                LogDeviceFault("display", devices.Display.Fault!);
                Close();
            }
        }
    }

    private async Task ApplyCardListsAsync(CancellationToken cancellationToken)
    {
        while (_inbox.TryTake(out byte[] payload))
        {
            if (!ContractJson.TryDeserialize(payload, out CardListMessage? list, out string? error))
            {
                LogCardListRefused(error!);
                continue;
            }

            switch (_wallet.Offer(list!, _site.Site.Id, _site.Site.Gateway, out string? problem))
            {
                case CardListOutcome.Refused:
                    LogCardListRefused(problem!);
                    break;
                case CardListOutcome.Stale:
                    LogCardListStale(list!.Revision, _wallet.List!.Revision);
                    break;
                default:
                    LogCardListAccepted(list!.Revision, list.Cards.Count, _wallet.Pending.Count);
                    await SaveAsync(() =>
                    {
                        CardWalletFiles.SaveList(_dataDirectory, list);
                        return CardWalletFiles.SavePendingAsync(_dataDirectory, _wallet.Pending, cancellationToken);
                    });
                    break;
            }
        }
    }

    private async Task NoteEndedSessionsAsync(CancellationToken cancellationToken)
    {
        bool changed = false;
        while (_ended.TryDequeue(out ChargingSession? session))
        {
            changed |= _wallet.SessionEnded(session.Id, session.Order!.Card!, session.CostFen!.Value);
        }

        if (changed)
        {
            await SaveAsync(() => CardWalletFiles.SavePendingAsync(_dataDirectory, _wallet.Pending, cancellationToken));
        }
    }

    private async Task SaveAsync(Func<Task> save)
    {
        try
        {
            await save();
        }
        catch (IOException ex)
        {
            LogWalletFileProblem(ex.Message);
        }
        catch (UnauthorizedAccessException ex)
        {
            LogWalletFileProblem(ex.Message);
        }
    }

    private IReadOnlyList<RunningCardSession> RunningCardSessions() =>
        [.. _protection.Snapshot.Ports
            .Where(p => p.SessionOrder?.Card is not null)
            .Select(p => new RunningCardSession(p.Id, p.SessionOrder!.Card!, p.SessionOrder.Limit?.AmountFen ?? 0))];

    private bool TryOpenDevices()
    {
        if (Time() < _nextOpen)
        {
            return false;
        }

        _nextOpen = Time() + (long)(ReopenPeriod.TotalSeconds * TimeProvider.System.TimestampFrequency);
        SpiDevice? spi = null;
        I2cDevice? lcd = null;
        Mfrc522CardReader? reader = null;
        try
        {
            CardReaderDefinition r = _settings.Reader;
            spi = _buses.OpenSpi(new SpiConnectionSettings(r.SpiBus, r.ChipSelect) { ClockFrequency = r.ClockHz, Mode = SpiMode.Mode0 });
            reader = new Mfrc522CardReader(spi, r.ResetGpio ?? -1, r.ResetGpio is null ? null : _buses.Gpio);
            lcd = _buses.I2c.CreateDevice(_settings.Lcd.Address);
            var keypad = new MatrixKeypad(_buses.Gpio, _settings.Keypad.RowGpios, _settings.Keypad.ColumnGpios, TimeSpan.FromMilliseconds(5));
            _devices = new Devices(reader, keypad, new CharacterDisplay(lcd, _settings.Lcd.Columns, _settings.Lcd.Rows), lcd);
            _shown = null;
            return true;
        }
#pragma warning disable CA1031 // a terminal device that cannot be opened is logged and tried again; the shed charges on
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogDeviceFault("terminal devices", $"{ex.GetType().Name}: {ex.Message}");
            reader?.Dispose();
            spi?.Dispose();
            lcd?.Dispose();
            return false;
        }
    }

    private void Close()
    {
        _devices?.Dispose();
        _devices = null;
    }

    // The device loop's own pacing is real time (the bindings wait on real time); the flow's timeouts run on _time.
    private static long Time() => TimeProvider.System.GetTimestamp();

    [LoggerMessage(Level = LogLevel.Information, Message = "Card {Uid} swiped at the terminal")]
    private partial void LogCardSwiped(string uid);

    [LoggerMessage(Level = LogLevel.Information, Message = "Terminal {Command} on {Port} for card {Card} (limit {AmountFen} fen): {Ok} {Message}")]
    private partial void LogCommand(string command, string port, string card, long? amountFen, bool ok, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Card terminal {Device}: {Fault}")]
    private partial void LogDeviceFault(string device, string fault);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Card list refused, the list held is kept: {Problem}")]
    private partial void LogCardListRefused(string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Card list revision {Revision} ignored: revision {Held} is held")]
    private partial void LogCardListStale(long revision, long held);

    [LoggerMessage(Level = LogLevel.Information, Message = "Card list revision {Revision} applied: {Cards} cards, {Pending} card sessions not yet charged by the hub")]
    private partial void LogCardListAccepted(long revision, int cards, int pending);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Card wallet file: {Problem}")]
    private partial void LogWalletFileProblem(string problem);

    private sealed record Devices(Mfrc522CardReader Reader, MatrixKeypad Keypad, CharacterDisplay Display, I2cDevice Lcd) : IDisposable
    {
        public void Dispose()
        {
            Keypad.Dispose();
            Reader.Dispose(); // the binding disposes the SPI device
            Display.Dispose();
            Lcd.Dispose();
        }
    }
}
