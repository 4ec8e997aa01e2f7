using System.Collections.Concurrent;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Tenants;
using EdgeGateway.Mqtt;
using Microsoft.Extensions.Options;
using MQTTnet.Protocol;

namespace EdgeGateway.Hub.Cards;

/// <summary>
/// Publishes each gateway's retained <see cref="CardListMessage"/> (<c>edge/v1/{site}/{gw}/cards</c>, QoS 1) on the
/// console's MQTT connection: after any change that affects it (a card of the site's company issued, topped up, blocked
/// or unblocked, a spend applied), gathered for <see cref="CardOptions.PublishInterval"/> (at most one list per gateway
/// per interval); for a gateway seen for the first time (its status on the board); and at every
/// <see cref="CardOptions.RecheckInterval"/> for every gateway when the card file was written by another connection (the
/// other instance's changes) or the tenant registry changed since the last such round. A list that failed to go out is
/// tried again every round, and a restart or a broker reconnection sends every list. The store numbers each content
/// once (<see cref="CardStore.NumberList"/>); after publishing, a newer revision the other instance made meanwhile is
/// published too, so the broker ends with the newest.
/// </summary>
/// <remarks>
/// The recheck used to compose every gateway's list every minute (reading its company's cards and serialising the
/// list to compare its hash) whether or not anything had changed; this instance's own changes already reach
/// <see cref="Changed"/>, so only others' writes need the recheck, and SQLite's <c>data_version</c> says whether there
/// were any (<see cref="Composed"/> counts the lists composed; MosquittoDeployTests.Cards compares the rounds).
/// </remarks>
internal sealed partial class CardListPublisher : BackgroundService
{
    private readonly CardStore _store;
    private readonly TenantRegistry _tenants;
    private readonly MqttConnection _link;
    private readonly Func<IReadOnlyList<(string Site, string Gateway)>> _boardGateways;
    private readonly CardOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<CardListPublisher> _logger;
    private readonly ConcurrentDictionary<string, byte> _changedCompanies = new(StringComparer.Ordinal);
    // The revision this instance last published per gateway; only the publishing loop touches it.
    private readonly Dictionary<(string Site, string Gateway), long> _published = [];
    private readonly HashSet<(string Site, string Gateway)> _failed = [];
    private volatile bool _republishAll = true;
    private DateTimeOffset _nextRecheck;
    // What the last round that composed every list saw: the store's data_version and the tenant directory.
    private long _storeVersionSeen = -1;
    private TenantDirectory? _directorySeen;

    public CardListPublisher(
        CardStore store, TenantRegistry tenants, MqttConnection link, Func<IReadOnlyList<(string Site, string Gateway)>> boardGateways,
        IOptions<CardOptions> options, TimeProvider time, ILogger<CardListPublisher> logger)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _tenants = tenants;
        _link = link;
        _boardGateways = boardGateways;
        _options = options.Value;
        _time = time;
        _logger = logger;
        // A broker restored without its retained messages: every list goes out again (a gateway ignores a revision it has).
        _link.Connected += (_, _) => _republishAll = true;
    }

    /// <summary>Something in <paramref name="company"/>'s cards changed (and, for a spend, in that gateway's applied
    /// sessions): its gateways' lists go out at the next round.</summary>
    public void Changed(string company) => _changedCompanies[company] = 0;

    /// <summary>Lists composed (numbered against the store) since start: the publisher's cost, counted for tests.</summary>
    internal long Composed { get; private set; }

    /// <summary>One round: numbers and publishes every list that is due. Returns how many lists were published.</summary>
    public async Task<int> PublishDueAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset now = _time.GetUtcNow();
        TenantDirectory directory = _tenants.Current;
        bool recheck = now >= _nextRecheck;
        if (recheck)
        {
            _nextRecheck = now + _options.RecheckInterval;
        }

        // Read before composing: a write by the other instance during this round is seen at the next recheck.
        long storeVersion = recheck || _republishAll ? _store.WrittenByOthers() : _storeVersionSeen;
        bool all = _republishAll || (recheck && (storeVersion != _storeVersionSeen || !ReferenceEquals(directory, _directorySeen)));
        if (_republishAll)
        {
            _republishAll = false;
            _published.Clear();
        }

        if (all)
        {
            (_storeVersionSeen, _directorySeen) = (storeVersion, directory);
        }

        var changed = new HashSet<string>(StringComparer.Ordinal);
        foreach (string company in _changedCompanies.Keys)
        {
            if (_changedCompanies.TryRemove(company, out _))
            {
                changed.Add(company);
            }
        }

        var gateways = new SortedSet<(string Site, string Gateway)>(_store.ListedGateways());
        gateways.UnionWith(_boardGateways());
        int published = 0;
        foreach ((string site, string gateway) key in gateways)
        {
            // A site the registry does not list has no company, hence no cards: no list (the terminal then refuses cards).
            if (directory.Site(key.site) is not { } site)
            {
                continue;
            }

            bool due = all || changed.Contains(site.Company) || _failed.Contains(key) || !_published.ContainsKey(key);
            if (!due)
            {
                continue;
            }

            Composed++;
            (NumberedCardList list, _) = _store.NumberList(
                key.site, key.gateway, site.Company, (cards, applied, revision) => CardList.Payload(key.site, key.gateway, site.Tariff, cards, applied, revision, now), now);
            if (_published.TryGetValue(key, out long sent) && sent >= list.Revision)
            {
                continue;
            }

            if (!await PublishAsync(list, cancellationToken))
            {
                _failed.Add(key);
                continue;
            }

            published++;
            // The other instance may have numbered a newer list while this one was on its way: the broker keeps the
            // last one it got, so the newest goes last.
            if (_store.LatestList(key.site, key.gateway) is { } latest && latest.Revision > list.Revision && await PublishAsync(latest, cancellationToken))
            {
                list = latest;
                published++;
            }

            _failed.Remove(key);
            _published[key] = list.Revision;
        }

        return published;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PublishDueAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is Microsoft.Data.Sqlite.SqliteException or InvalidOperationException or IOException)
            {
                // The card database busy beyond its timeout or unreadable: everything is compared again next round.
                _republishAll = true;
                LogRoundFailed(_logger, exception.Message);
            }

            try
            {
                await Task.Delay(_options.PublishInterval, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<bool> PublishAsync(NumberedCardList list, CancellationToken cancellationToken)
    {
        bool sent = await _link.PublishAsync(ContractTopics.Cards(list.Site, list.Gateway), list.Payload, retain: true, MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: cancellationToken);
        if (sent)
        {
            LogPublished(_logger, list.Site, list.Gateway, list.Revision);
        }

        return sent;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cards: list {Revision} published for {Site}/{Gateway}")]
    private static partial void LogPublished(ILogger logger, string site, string gateway, long revision);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cards: a round of lists failed ({Reason}); everything is compared again at the next")]
    private static partial void LogRoundFailed(ILogger logger, string reason);
}
