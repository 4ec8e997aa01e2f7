using System.Collections.Concurrent;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Events;
using EdgeGateway.Messaging.Outbox;

namespace EdgeGateway.FleetSim.Fleet;

/// <summary>
/// What the fleet's gateways produced, for the exact accounting at the end of a scenario: per gateway, the alarms
/// raised and cleared and the sessions closed (from the gateway's own event stream) and, once it stopped, its
/// outbox's last seq and what its bound thinned (from the outbox itself).
/// </summary>
internal sealed class FleetLedger
{
    private readonly ConcurrentDictionary<string, Gateway> _gateways = new(StringComparer.Ordinal);

    public IReadOnlyCollection<Gateway> Gateways => [.. _gateways.Values.OrderBy(g => g.Key, StringComparer.Ordinal)];

    public Gateway Add(string site, string gateway) => _gateways.GetOrAdd($"{site}/{gateway}", _ => new Gateway(site, gateway));

    internal sealed class Gateway(string site, string gateway)
    {
        private readonly Lock _gate = new();
        private readonly HashSet<string> _raised = new(StringComparer.Ordinal);
        private readonly HashSet<string> _cleared = new(StringComparer.Ordinal);
        private readonly HashSet<string> _sessions = new(StringComparer.Ordinal);
        private readonly Dictionary<string, DateTimeOffset> _raisedAt = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _kinds = new(StringComparer.Ordinal);

        public string Site { get; } = site;

        public string Name { get; } = gateway;

        public string Key => $"{Site}/{Name}";

        /// <summary>The outbox at the gateway's last stop (its seq survives restarts, so the last stop has the total).</summary>
        public OutboxStats? Outbox { get; private set; }

        public IReadOnlyCollection<string> AlarmsRaised => Snapshot(_raised);

        public IReadOnlyCollection<string> AlarmsCleared => Snapshot(_cleared);

        public IReadOnlyCollection<string> Sessions => Snapshot(_sessions);

        public IReadOnlyDictionary<string, DateTimeOffset> RaisedAt
        {
            get
            {
                lock (_gate)
                {
                    return new Dictionary<string, DateTimeOffset>(_raisedAt, StringComparer.Ordinal);
                }
            }
        }

        /// <summary>Each raised alarm's kind (contract wire name).</summary>
        public IReadOnlyDictionary<string, string> Kinds
        {
            get
            {
                lock (_gate)
                {
                    return new Dictionary<string, string>(_kinds, StringComparer.Ordinal);
                }
            }
        }

        public void Record(GatewayEvent gatewayEvent)
        {
            lock (_gate)
            {
                switch (gatewayEvent)
                {
                    case AlarmRaised raised:
                        // A flapping update raises the same alarm again: it keeps the time of its first raise.
                        _raised.Add(raised.Alarm.Id);
                        _raisedAt.TryAdd(raised.Alarm.Id, raised.At);
                        _kinds[raised.Alarm.Id] = raised.Alarm.Kind.WireName();
                        break;
                    case AlarmCleared cleared:
                        _cleared.Add(cleared.Alarm.Id);
                        break;
                    case SessionClosed closed:
                        _sessions.Add(closed.Session.Id);
                        break;
                }
            }
        }

        public void Close(OutboxStats stats)
        {
            lock (_gate)
            {
                Outbox = stats;
            }
        }

        private string[] Snapshot(HashSet<string> set)
        {
            lock (_gate)
            {
                return [.. set];
            }
        }
    }
}
