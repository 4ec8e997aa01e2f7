using System.Collections.Concurrent;
using System.Diagnostics;
using EdgeGateway.Hub.Ingest;
using EdgeGateway.Hub.Notifications;
using EdgeGateway.Testing.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Hub.Tests.Notifications;

/// <summary>AddNotificationServices in a real host: binding, validation at start, delivery, and no credential in any log.</summary>
public sealed class NotificationServicesTests : IDisposable
{
    private readonly string _contentRoot = Path.Combine(Path.GetTempPath(), "eg-notification-host-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task A_bad_Notifications_section_stops_the_host_at_start_naming_the_key()
    {
        using IHost host = Build(new()
        {
            ["Notifications:Channels:ops:Type"] = "WeCom",
            ["Notifications:Channels:ops:Url"] = "https://qyapi.example.org/cgi-bin/webhook/send?key=K",
            ["Notifications:Routes:0:Channels:0"] = "ops",
            ["Notifications:Routes:0:Channels:1"] = "wecom-ops",
            ["Notifications:ReminderAfter"] = "00:00:00",
        });

        OptionsValidationException exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Notifications:Routes:0:Channels:1: no channel named 'wecom-ops'", exception.Failures);
        Assert.Contains("Notifications:ReminderAfter: must be positive, not 00:00:00", exception.Failures);
    }

    [Fact]
    public async Task The_registered_services_bind_the_section_deliver_and_log_no_URL_of_any_request()
    {
        await using LoopbackReceiver receiver = await LoopbackReceiver.StartAsync();
        var logs = new CapturingLoggerProvider();
        using IHost host = Build(
            new()
            {
                ["Notifications:Language"] = "en",
                ["Notifications:Kinds:0"] = "port_short_circuit",
                ["Notifications:Channels:ops:Type"] = "WeCom",
                ["Notifications:Channels:ops:Url"] = receiver.Url("/cgi-bin/webhook/send?key=HOST-KEY-0001"),
                ["Notifications:Routes:0:Sites:0"] = "*",
                ["Notifications:Routes:0:MinSeverity"] = "critical",
                ["Notifications:Routes:0:Channels:0"] = "ops",
                ["Notifications:LedgerPath"] = "state/notifications.db",
                ["Notifications:ReminderAfter"] = "00:30:00",
            },
            logs);

        await host.StartAsync();
        NotificationOptions options = host.Services.GetRequiredService<IOptions<NotificationOptions>>().Value;
        Assert.Equal(new[] { "port_short_circuit" }, options.NotifiedKinds);
        Assert.Equal(TimeSpan.FromMinutes(30), options.ReminderAfter);

        // Through ingest's interface, as the pipeline calls it. Raised now (the host runs on the system clock), so its
        // reminder is 30 minutes away.
        IAlarmRecorder recorder = host.Services.GetRequiredService<IAlarmRecorder>();
        Assert.Same(host.Services.GetRequiredService<AlarmNotifier>(), recorder);
        await recorder.RecordAsync(Alarms.Raised(at: DateTimeOffset.UtcNow), CancellationToken.None);
        await Until(() => logs.Text.Contains("sent via channel ops", StringComparison.Ordinal));
        await host.StopAsync();

        Assert.Single(receiver.Requests);
        Assert.Contains("Port short circuit", receiver.Requests[0].Text, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_contentRoot, "state", "notifications.db")));
        Assert.DoesNotContain("HOST-KEY-0001", logs.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(receiver.BaseAddress.Authority, logs.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(logs.Categories, category => category.StartsWith("System.Net.Http.HttpClient", StringComparison.Ordinal));
        Assert.Same(TimeProvider.System, host.Services.GetRequiredService<TimeProvider>());
    }

    [Fact]
    public void A_TimeProvider_registered_before_is_kept()
    {
        var time = new FakeTimeProvider();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);

        services.AddNotificationServices();

        using ServiceProvider provider = services.BuildServiceProvider();
        Assert.Same(time, provider.GetRequiredService<TimeProvider>());
    }

    public void Dispose()
    {
        if (Directory.Exists(_contentRoot))
        {
            Directory.Delete(_contentRoot, recursive: true);
        }
    }

    private IHost Build(Dictionary<string, string?> configuration, ILoggerProvider? logs = null)
    {
        Directory.CreateDirectory(_contentRoot);
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = _contentRoot,
            EnvironmentName = "Test",
        });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        builder.Services.AddNotificationServices();
        return builder.Build();
    }

    private static async Task Until(Func<bool> condition)
    {
        var elapsed = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(90), "timed out"); // a hang bound, generous for a loaded machine
            await Task.Delay(10);
        }
    }

    /// <summary>Every log line of every category, at every level, with its category.</summary>
    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<(string Category, string Line)> _lines = new();

        public string Text => string.Join('\n', _lines.Select(entry => $"{entry.Category}: {entry.Line}"));

        public IReadOnlyList<string> Categories => [.. _lines.Select(entry => entry.Category).Distinct()];

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<(string, string)> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue((category, $"{logLevel}: {formatter(state, exception)} {exception}"));
        }
    }
}
