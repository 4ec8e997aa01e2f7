using EdgeGateway.Hub.Notifications;

namespace EdgeGateway.Hub.Tests.Notifications;

/// <summary>A bad Notifications section is refused with the exact key of each problem, and never shows a credential.</summary>
public sealed class NotificationOptionsValidatorTests
{
    [Fact]
    public void A_complete_section_is_valid_and_the_defaults_notify_the_dangerous_kinds()
    {
        NotificationOptions options = Valid();

        Assert.Empty(NotificationOptionsValidator.Problems(options));
        Assert.Equal(
            new[] { "port_overload", "shed_overload", "port_short_circuit", "port_malicious_load", "smoke", "over_temperature", "bin_fire", "bin_overflow" },
            options.NotifiedKinds);
        Assert.Equal(TimeSpan.FromMinutes(15), options.ReminderAfter);
        Assert.Equal("zh-CN", options.Language);
    }

    [Fact]
    public void A_route_naming_a_missing_channel_names_the_route_and_the_position()
    {
        NotificationOptions options = Valid();
        options.Routes[0].Channels.Add("wecom-ops");

        Assert.Equal(new[] { "Notifications:Routes:0:Channels:1: no channel named 'wecom-ops'" }, NotificationOptionsValidator.Problems(options));
    }

    [Theory]
    [InlineData("cgi-bin/webhook/send?key=SECRET-1", "Notifications:Channels:ops:Url: not an absolute http(s) URL")]
    [InlineData("ftp://example.org/send?key=SECRET-1", "Notifications:Channels:ops:Url: not an absolute http(s) URL")]
    [InlineData("http://qyapi.example.org/cgi-bin/webhook/send?key=SECRET-1", "Notifications:Channels:ops:Url: plain http is only allowed to a loopback address; use https")]
    [InlineData("https://qyapi.example.org/cgi-bin/webhook/send", "Notifications:Channels:ops:Url: a WeCom group robot URL carries its key (…/cgi-bin/webhook/send?key=…)")]
    [InlineData("", "Notifications:Channels:ops:Url: required")]
    public void A_bad_channel_URL_is_refused_without_showing_it(string url, string problem)
    {
        NotificationOptions options = Valid();
        options.Channels["ops"].Url = url;

        List<string> problems = NotificationOptionsValidator.Problems(options);

        Assert.Equal(new[] { problem }, problems);
        Assert.DoesNotContain(problems, p => p.Contains("SECRET-1", StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_type_kind_severity_and_language_name_their_keys()
    {
        NotificationOptions options = Valid();
        options.Channels["ops"].Type = "Slack";
        options.Channels["ops"].Language = "fr";
        options.Kinds.AddRange(["smoke", "fire"]);
        options.Routes[0].MinSeverity = "urgent";
        options.Routes[0].Kinds.AddRange(["smoke", "bin_lid_open", "kettle"]);

        List<string> problems = NotificationOptionsValidator.Problems(options);

        Assert.Contains("Notifications:Channels:ops:Type: unknown type 'Slack'; use WeCom, DingTalk, Feishu or Webhook", problems);
        Assert.Contains("Notifications:Channels:ops:Language: unknown language 'fr'; use zh-CN or en", problems);
        Assert.Contains(problems, p => p.StartsWith("Notifications:Kinds:1: unknown alarm kind 'fire'; known kinds: port_overload, ", StringComparison.Ordinal));
        Assert.Contains("Notifications:Routes:0:MinSeverity: unknown severity 'urgent'; use info, warning, major or critical", problems);
        Assert.Contains("Notifications:Routes:0:Kinds:1: 'bin_lid_open' is not in Notifications:Kinds, so it is never notified", problems);
        Assert.Contains(problems, p => p.StartsWith("Notifications:Routes:0:Kinds:2: unknown alarm kind 'kettle'", StringComparison.Ordinal));
        Assert.Equal(6, problems.Count);
    }

    [Fact]
    public void Non_positive_durations_a_backoff_ceiling_below_its_start_and_a_channel_concurrency_out_of_range_are_refused()
    {
        NotificationOptions options = Valid();
        options.ReminderAfter = TimeSpan.Zero;
        options.RequestTimeout = TimeSpan.FromSeconds(-1);
        options.InitialBackoff = TimeSpan.FromMinutes(20);
        options.ChannelConcurrency = 0;

        Assert.Equal(
            new[]
            {
                "Notifications:ReminderAfter: must be positive, not 00:00:00",
                "Notifications:RequestTimeout: must be positive, not -00:00:01",
                "Notifications:ChannelConcurrency: 0 is not between 1 and 32",
                "Notifications:MaxBackoff: 00:10:00 is shorter than InitialBackoff 00:20:00",
            },
            NotificationOptionsValidator.Problems(options));
    }

    [Fact]
    public void A_route_without_channels_and_a_WeCom_channel_with_a_secret_are_refused()
    {
        NotificationOptions options = Valid();
        options.Routes.Add(new NotificationRouteOptions { Sites = { "dongguan" } });
        options.Channels["ops"].Secret = "SECRET-2";

        List<string> problems = NotificationOptionsValidator.Problems(options);

        Assert.Equal(
            new[]
            {
                "Notifications:Channels:ops:Secret: WeCom group robots have no signing secret; remove it",
                "Notifications:Routes:1:Channels: a route needs at least one channel",
            },
            problems);
    }

    [Fact]
    public void DingTalk_needs_its_access_token_and_http_is_fine_to_loopback()
    {
        NotificationOptions options = Valid();
        options.Channels["dt"] = new NotificationChannelOptions { Type = "dingtalk", Url = "https://oapi.example.org/robot/send", Secret = "SEC1" };
        options.Channels["local"] = new NotificationChannelOptions { Type = "webhook", Url = "http://127.0.0.1:8080/alarms" };
        options.Channels["local6"] = new NotificationChannelOptions { Type = "Webhook", Url = "http://[::1]:8080/alarms" };
        options.Channels["localhost"] = new NotificationChannelOptions { Type = "Lark", Url = "http://localhost:8080/open-apis/bot/v2/hook/x" };

        Assert.Equal(
            new[] { "Notifications:Channels:dt:Url: a DingTalk robot URL carries its token (…/robot/send?access_token=…)" },
            NotificationOptionsValidator.Problems(options));
    }

    private static NotificationOptions Valid()
    {
        var options = new NotificationOptions();
        options.Channels["ops"] = new NotificationChannelOptions { Type = "WeCom", Url = "https://qyapi.example.org/cgi-bin/webhook/send?key=SECRET-1" };
        options.Routes.Add(new NotificationRouteOptions { Sites = { "*" }, MinSeverity = "major", Channels = { "ops" } });
        return options;
    }
}
