using System.Collections.Frozen;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Mqtt;

namespace EdgeGateway.Hub.Notifications;

/// <summary>
/// Validated <see cref="NotificationOptions"/> made ready to use: the channels, and which of them an alarm goes to.
/// </summary>
internal sealed class NotificationPlan
{
    private readonly FrozenSet<string> _kinds;
    private readonly Route[] _routes;

    private NotificationPlan(FrozenSet<string> kinds, Route[] routes, IReadOnlyList<NotificationChannel> channels)
    {
        _kinds = kinds;
        _routes = routes;
        Channels = channels;
    }

    /// <summary>Every configured channel, in configuration order.</summary>
    public IReadOnlyList<NotificationChannel> Channels { get; }

    /// <summary>Builds the plan; <paramref name="options"/> must have passed <see cref="NotificationOptionsValidator"/>.</summary>
    public static NotificationPlan From(NotificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        DisplayText.TryFor(options.Language, out DisplayText language);
        var channels = new List<NotificationChannel>();
        var canonical = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach ((string name, NotificationChannelOptions channel) in options.Channels)
        {
            if (!NotificationOptionsValidator.TryParseType(channel.Type, out NotificationChannelType type))
            {
                throw new InvalidOperationException($"Channel '{name}' has no valid type; validate the options first.");
            }

            DisplayText text = channel.Language is not null && DisplayText.TryFor(channel.Language, out DisplayText own) ? own : language;
            channels.Add(NotificationChannel.Create(name, type, new Uri(channel.Url!, UriKind.Absolute), channel.Secret, text));
            canonical[name] = name;
        }

        Route[] routes = [.. options.Routes.Select(route =>
        {
            if (!NotificationOptionsValidator.TryParseSeverity(route.MinSeverity, out AlarmSeverity minimum))
            {
                throw new InvalidOperationException($"Route severity '{route.MinSeverity}' is unknown; validate the options first.");
            }

            FrozenSet<string>? sites = route.Sites.Count == 0 || route.Sites.Contains("*") ? null : route.Sites.ToFrozenSet(StringComparer.Ordinal);
            FrozenSet<string>? kinds = route.Kinds.Count == 0 ? null : route.Kinds.ToFrozenSet(StringComparer.Ordinal);
            return new Route(sites, minimum, kinds, [.. route.Channels.Select(name => canonical[name])]);
        })];

        return new NotificationPlan(options.NotifiedKinds.ToFrozenSet(StringComparer.Ordinal), routes, channels);
    }

    /// <summary>
    /// The channels <paramref name="alarm"/> goes to: those of every route whose sites, minimum severity and kinds it
    /// matches, each once, in the order of the routes. Empty when its kind is not notified at all.
    /// </summary>
    public IReadOnlyList<string> ChannelsFor(AlarmMessage alarm) => ChannelsFor(alarm, []);

    /// <summary>
    /// <see cref="ChannelsFor(AlarmMessage)"/>, then <paramref name="companyChannels"/>: the robots of the company that
    /// runs the alarm's site (Tenants), which get its notified kinds from <c>major</c> up; names no channel has are skipped.
    /// </summary>
    public IReadOnlyList<string> ChannelsFor(AlarmMessage alarm, IReadOnlyList<string> companyChannels)
    {
        ArgumentNullException.ThrowIfNull(alarm);
        ArgumentNullException.ThrowIfNull(companyChannels);
        if (!_kinds.Contains(alarm.Kind))
        {
            return [];
        }

        var names = new List<string>();
        if (IsNotifiable(alarm))
        {
            foreach (string channel in companyChannels)
            {
                if (Channels.FirstOrDefault(c => string.Equals(c.Name, channel, StringComparison.OrdinalIgnoreCase)) is { } known && !names.Contains(known.Name, StringComparer.Ordinal))
                {
                    names.Add(known.Name);
                }
            }
        }

        foreach (Route route in _routes)
        {
            if ((route.Sites is null || route.Sites.Contains(alarm.Site))
                && alarm.Severity >= route.MinSeverity
                && (route.Kinds is null || route.Kinds.Contains(alarm.Kind)))
            {
                foreach (string name in route.Channels)
                {
                    if (!names.Contains(name, StringComparer.Ordinal))
                    {
                        names.Add(name);
                    }
                }
            }
        }

        return names;
    }

    /// <summary>
    /// Whether <paramref name="alarm"/> calls for people at all, whatever robots are configured: its kind is notified
    /// (<see cref="NotificationOptions.NotifiedKinds"/>) and its severity is at least <c>major</c>, the rule by which a
    /// company's robots get it. Such an alarm opens an incident (Incidents).
    /// </summary>
    public bool IsNotifiable(AlarmMessage alarm)
    {
        ArgumentNullException.ThrowIfNull(alarm);
        return _kinds.Contains(alarm.Kind) && alarm.Severity >= AlarmSeverity.Major;
    }

    /// <summary>Whether a channel of this name is configured (names compare without case, as configuration keys do).</summary>
    public bool HasChannel(string name) => Channels.Any(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    private sealed record Route(FrozenSet<string>? Sites, AlarmSeverity MinSeverity, FrozenSet<string>? Kinds, string[] Channels);
}
