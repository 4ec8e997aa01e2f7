using System.Globalization;
using EdgeGateway.Bins;
using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;
using EdgeGateway.Protection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace EdgeGateway.LiveView;

/// <summary>
/// The technician's view of the shed: a table of ports (state, W, Wh, session time) and the latest
/// alarms, redrawn in place when stdout is a terminal; a summary log line every ten seconds otherwise
/// (under systemd the journal gets the events themselves from <see cref="EventJournal"/>).
/// </summary>
public sealed partial class LiveConsoleView(ShedProtection protection, SiteConfiguration siteFile, RecyclingStation? recyclingStation, LiveViewSettings settings, ILogger<LiveConsoleView> logger) : BackgroundService, IGatewayEventSubscriber
{
    private const int AlarmLines = 8;
    private readonly Queue<string> _recent = new();
    private readonly Lock _recentLock = new();
    private readonly DisplayText _text = settings.Text;

    public ValueTask HandleAsync(GatewayEvent gatewayEvent, CancellationToken cancellationToken)
    {
        string? line = gatewayEvent switch
        {
            AlarmRaised { Alarm: { Flapping: true } a } => $"{Time(gatewayEvent.At)} [yellow]{Markup.Escape(_text.Flapping)}[/] {Markup.Escape(_text.Alarm(a.Kind))} {Markup.Escape(a.Source)}",
            AlarmRaised { Alarm: var a } => $"{Time(a.RaisedAt)} [{Colour(a.Severity)}]{Markup.Escape(_text.Severity(a.Severity))} {Markup.Escape(_text.Alarm(a.Kind))}[/] {Markup.Escape(a.Source)} {Markup.Escape(Measured(a))}",
            AlarmCleared c => $"{Time(c.At)} [green]{Markup.Escape(_text.Cleared)}[/] {Markup.Escape(_text.Alarm(c.Alarm.Kind))} {Markup.Escape(c.Alarm.Source)}",
            BinCollected b => string.Create(CultureInfo.InvariantCulture, $"{Time(b.At)} [blue]{Markup.Escape(_text.LastCollection)}[/] bin:{Markup.Escape(b.BinId)} {b.FillPctBefore:0} %"),
            _ => null,
        };

        if (line is not null)
        {
            lock (_recentLock)
            {
                _recent.Enqueue(line);
                while (_recent.Count > AlarmLines)
                {
                    _recent.Dequeue();
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.Interactive)
        {
            await AnsiConsole.Live(Render()).AutoClear(false).StartAsync(async context =>
            {
                while (!stoppingToken.IsCancellationRequested)
                {
                    context.UpdateTarget(Render());
                    await Delay(TimeSpan.FromMilliseconds(500), stoppingToken);
                }

                context.UpdateTarget(Render());
            });
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            await Delay(TimeSpan.FromSeconds(10), stoppingToken);
            ShedSnapshot s = protection.Snapshot;
            int charging = s.Ports.Count(p => p.State == PortState.Charging);
            int available = s.Ports.Count(p => p.State is PortState.Idle or PortState.Complete);
            int outOfService = s.Ports.Count - charging - available;
            LogSummary(s.At, charging, available, outOfService, s.TotalPowerW, s.ActiveAlarms.Count);
        }
    }

    private static async Task Delay(TimeSpan delay, CancellationToken token)
    {
        try
        {
            await Task.Delay(delay, token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private Rows Render()
    {
        ShedSnapshot s = protection.Snapshot;
        Table table = new Table().Border(TableBorder.Rounded).Expand();
        table.AddColumn(_text.Port);
        table.AddColumn(_text.StateHeading);
        table.AddColumn(new TableColumn(_text.Power).RightAligned());
        table.AddColumn(new TableColumn(_text.PowerFactor).RightAligned());
        table.AddColumn(new TableColumn(_text.Energy).RightAligned());
        table.AddColumn(new TableColumn(_text.SessionTime).RightAligned());
        table.AddColumn(_text.Note);
        foreach (PortSnapshot p in s.Ports)
        {
            TimeSpan? session = p.SessionStartedAt is { } started ? s.At - started : null;
            table.AddRow(
                Markup.Escape(p.Id),
                $"[{StateColour(p.State)}]{Markup.Escape(_text.State(p.State))}[/]",
                p.PowerW is { } w ? w.ToString("0", CultureInfo.InvariantCulture) : "–",
                p.PowerFactor is { } pf && p.RelayClosed ? pf.ToString("0.00", CultureInfo.InvariantCulture) : "",
                p.SessionEnergyWh > 0 ? p.SessionEnergyWh.ToString("0.0", CultureInfo.InvariantCulture) : "",
                session is { } d ? $"{(int)d.TotalHours}:{d.Minutes:00}:{d.Seconds:00}" : "",
                Markup.Escape(Note(p, _text)));
        }

        string site = siteFile.Site.Name ?? siteFile.Site.Id;
        string heading = string.Create(CultureInfo.InvariantCulture,
            $"[bold]{Markup.Escape(site)}[/] ({Markup.Escape(siteFile.Site.Gateway)})  {s.At.ToOffset(TimeSpan.FromHours(8)):yyyy-MM-dd HH:mm:ss}  {Markup.Escape(_text.ShedTotal)} {s.TotalPowerW:0} W  {Markup.Escape(_text.CabinetTemperature)} {(s.CabinetTemperatureC is { } c ? c.ToString("0.0", CultureInfo.InvariantCulture) + " °C" : "–")}");
        string[] recent;
        lock (_recentLock)
        {
            recent = [.. _recent];
        }

        Panel alarms = new Panel(new Markup(recent.Length == 0 ? "–" : string.Join('\n', recent.Reverse())))
            .Header(_text.RecentAlarms)
            .Expand();
        var rows = new List<Spectre.Console.Rendering.IRenderable> { new Markup(heading) };
        if (s.Ports.Count > 0)
        {
            rows.Add(table);
        }

        if (recyclingStation is { } station)
        {
            rows.Add(BinTable(station.Snapshot, s.At));
        }

        rows.Add(alarms);
        IReadOnlyList<string> log = LiveViewLogProvider.Recent;
        if (log.Count > 0)
        {
            rows.Add(new Text(string.Join('\n', log), new Style(Color.Yellow)));
        }

        return new Rows(rows);
    }

    private Table BinTable(IReadOnlyList<BinSnapshot> bins, DateTimeOffset now)
    {
        Table table = new Table().Border(TableBorder.Rounded).Expand();
        table.AddColumn(_text.Bin);
        table.AddColumn(_text.Class);
        table.AddColumn(new TableColumn(_text.Fill).RightAligned());
        table.AddColumn(new TableColumn(_text.FillSpeed).RightAligned());
        table.AddColumn(new TableColumn(_text.ForecastFull).RightAligned());
        table.AddColumn(new TableColumn(_text.Weight).RightAligned());
        table.AddColumn(new TableColumn(_text.Temperature).RightAligned());
        table.AddColumn(_text.Note);
        CultureInfo c = CultureInfo.InvariantCulture;
        foreach (BinSnapshot b in bins)
        {
            string colour = b.ContainerFull ? "red" : b.NearlyFull ? "yellow" : "green";
            string note = b.Fault ?? (b.Tilted ? "tilt" : b.LidOpen ? "lid open" : "");
            table.AddRow(
                Markup.Escape(b.Id),
                Markup.Escape(_text.BinClass(b.Class)),
                b.FillPct is { } f ? $"[{colour}]{f.ToString("0", c)}[/]" : "–",
                b.AverageFillSpeedPctPerDay is { } v ? v.ToString("0", c) : "",
                b.ForecastFullAt is { } full ? Until(full - now) : "",
                b.WeightKg is { } kg ? kg.ToString("0.0", c) : "",
                b.TemperatureC is { } t ? t.ToString("0.0", c) : "",
                Markup.Escape(note));
        }

        return table;
    }

    private static string Until(TimeSpan span) => span <= TimeSpan.Zero
        ? "0:00"
        : string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}:{span.Minutes:00}");

    /// <summary>A port's lockout in words (the alarm that locked it), else its fault.</summary>
    /// <summary>The port's note: its lockout or fault, else who pays for its charge (a card swiped at the terminal, a
    /// platform order) and the cost so far.</summary>
    internal static string Note(PortSnapshot port, DisplayText text) =>
        port.Lockout is { } lockout && AlarmKinds.TryParse(lockout, out AlarmKind kind) ? text.Alarm(kind)
        : port.Lockout ?? port.Fault ?? text.PaidBy(port.SessionOrder?.Card, port.SessionOrder?.OrderId, port.SessionCostFen);

    /// <summary>Measured value against its limit, in numbers and units; the detail in the view's language (English only when it has no reason code).</summary>
    private string Measured(Alarm alarm)
    {
        string measured = alarm.Value is { } value
            ? string.Create(CultureInfo.InvariantCulture, $"{value:0.##} {alarm.Unit} / {alarm.Threshold:0.##} {alarm.Unit}").Trim()
            : "";
        string? detail = ReasonText.For(_text).TryRender(alarm.Reason, out string? said) ? said : _text == DisplayText.English ? alarm.Detail : null;
        return $"{measured} {detail}".Trim();
    }

    private static string Time(DateTimeOffset at) => at.ToOffset(TimeSpan.FromHours(8)).ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Colour(AlarmSeverity severity) => severity switch
    {
        AlarmSeverity.Critical => "bold red",
        AlarmSeverity.Major => "red",
        AlarmSeverity.Warning => "yellow",
        _ => "grey",
    };

    private static string StateColour(PortState state) => state switch
    {
        PortState.Charging => "green",
        PortState.Complete => "blue",
        PortState.Fault => "red",
        PortState.Disabled => "yellow",
        _ => "default",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Shed at {At:O}: {Charging} charging, {Available} available, {OutOfService} fault/disabled, {TotalW:0} W, {ActiveAlarms} active alarms")]
    private partial void LogSummary(DateTimeOffset at, int charging, int available, int outOfService, double totalW, int activeAlarms);
}

/// <summary>How the live view shows itself: in place on a terminal, or as log lines.</summary>
public sealed record LiveViewSettings(bool Interactive, DisplayText Text);
