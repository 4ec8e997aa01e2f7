using System.Text.Json;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Hub.Ingest;
using EdgeGateway.Hub.Notifications;
using EdgeGateway.Hub.Tenants;

namespace EdgeGateway.Hub.Platform;

/// <summary>
/// What the platform is told, recorded durably before anyone is told: ingest hands every stored message here before its
/// MQTT acknowledgement (<see cref="IStoredMessageObserver"/>), so a closed session is in the <c>session</c> table and its
/// <c>session_ended</c> event in the webhook outbox once its message is acknowledged, whatever happens next; the first
/// port state showing a new session records <c>session_started</c> (any start: API, console, card), and the API records
/// it and <c>start_refused</c> with the gateway's answer. One event per id and key, to every
/// live key with a webhook of the company that runs the site; <see cref="WebhookDelivery"/> sends them.
/// </summary>
internal sealed class PlatformEvents(PlatformStore store, TenantRegistry tenants, TimeProvider time) : IStoredMessageObserver
{
    public const string SessionStarted = "session_started";
    public const string SessionEnded = "session_ended";
    public const string StartRefused = "start_refused";
    public const string Fault = "fault";

    /// <summary>How many session starts <see cref="OnSessionRunning"/> remembers before it forgets them all (the outbox
    /// still drops a repeat: forgetting costs one database write per running session).</summary>
    private const int MaxStartsRemembered = 10_000;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _startsSeen = new(StringComparer.Ordinal);

    /// <summary>Pulsed when an event is recorded: the delivery loop looks at once.</summary>
    public WakeSignal Wake { get; } = new();

    public Task ObserveAsync(ContractMessage message, CancellationToken cancellationToken)
    {
        switch (message)
        {
            case SessionMessage session:
                OnSessionEnded(session);
                break;
            case PortStateMessage { Session: { } running } state:
                OnSessionRunning(state, running);
                break;
            case AlarmMessage { Event: AlarmEvent.Raised } alarm when alarm.Source.StartsWith("port:", StringComparison.Ordinal):
                Record(alarm.Site, new WebhookEvent
                {
                    EventId = EventId(Fault, alarm.Site, alarm.Gateway, alarm.AlarmId), Type = Fault, Ts = time.GetUtcNow(),
                    Site = alarm.Site, Gateway = alarm.Gateway, Port = alarm.Source["port:".Length..], AlarmId = alarm.AlarmId,
                    Kind = alarm.Kind, Severity = JsonNamingPolicy.SnakeCaseLower.ConvertName(alarm.Severity.ToString()), Detail = alarm.Detail,
                    RaisedTs = alarm.RaisedTs,
                });
                break;
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// A port's retained state shows a running session: <c>session_started</c> for every start — from the API, the
    /// console or a card at the shed — once per session id. The event id is the one the API's start records
    /// (<see cref="Started"/>), and the outbox keeps one row per key and event id, so a later state of the same session,
    /// a redelivery, a restart or the API's own record of the start adds nothing. The sessions this instance has seen
    /// are remembered so that the states of a long charge do not each cost a database write.
    /// </summary>
    private void OnSessionRunning(PortStateMessage state, PortSessionState running)
    {
        string eventId = EventId(SessionStarted, state.Site, state.Gateway, running.Id);
        if (_startsSeen.ContainsKey(eventId))
        {
            return;
        }

        OrderRecord? order = store.OrderOfSession(state.Site, state.Gateway, running.Id);
        ChargeTariff? tariff = (order?.TariffJson is { } json ? JsonSerializer.Deserialize(json, PlatformJson.Api.ChargeTariff) : null)
            ?? tenants.Current.Site(state.Site)?.Tariff;
        Record(state.Site, new WebhookEvent
        {
            EventId = eventId, Type = SessionStarted, Ts = time.GetUtcNow(), Site = state.Site, Gateway = state.Gateway, Port = state.Port,
            SessionId = running.Id, OrderId = running.OrderId ?? order?.OrderId, Card = running.Card, StartedTs = running.StartedTs,
            Limit = running.Limit, Tariff = tariff,
        });

        // Remembered once recorded: a write that failed is tried again when the broker delivers the message again.
        if (_startsSeen.Count >= MaxStartsRemembered)
        {
            _startsSeen.Clear();
        }

        _startsSeen.TryAdd(eventId, 0);
    }

    /// <summary>The gateway accepted an order's start.</summary>
    public void Started(OrderRecord order, string? sessionId, ChargeLimit limit, ChargeTariff? tariff) =>
        Record(order.Site, new WebhookEvent
        {
            EventId = EventId(SessionStarted, order.Site, order.Gateway, sessionId ?? "order-" + order.OrderId), Type = SessionStarted, Ts = time.GetUtcNow(),
            Site = order.Site, Gateway = order.Gateway, Port = order.Port, SessionId = sessionId, OrderId = order.OrderId, Limit = limit, Tariff = tariff,
        });

    /// <summary>The gateway refused an order's start.</summary>
    public void Refused(OrderRecord order, string reason) =>
        Record(order.Site, new WebhookEvent
        {
            EventId = EventId(StartRefused, order.Site, order.Gateway, order.OrderId), Type = StartRefused, Ts = time.GetUtcNow(),
            Site = order.Site, Gateway = order.Gateway, Port = order.Port, OrderId = order.OrderId, Reason = reason,
        });

    /// <summary>An event's id: its type, site, gateway and what it is about (a session, order or alarm id), so that the
    /// same happening recorded twice (a message delivered again) is one event.</summary>
    public static string EventId(string type, string site, string gateway, string about) => $"{type}.{site}.{gateway}.{about}";

    private void OnSessionEnded(SessionMessage session)
    {
        OrderRecord? order = store.OrderOfSession(session.Site, session.Gateway, session.SessionId);
        // The session's own tariff, else its order's, else the site's (a charge started at the shed or from the console).
        ChargeTariff? tariff = session.Tariff
            ?? (order?.TariffJson is { } json ? JsonSerializer.Deserialize(json, PlatformJson.Api.ChargeTariff) : null)
            ?? tenants.Current.Site(session.Site)?.Tariff;
        // The gateway's cost is the bill; a gateway that does not report one yet is billed by the same rule here.
        long? cost = session.CostFen ?? Tariffs.CostFen(tariff, session.EnergyWh, TimeSpan.FromSeconds(session.DurationS));
        string endReason = session.EndReason.WireName();
        store.AddSession(new SessionRecord(
            session.Site, session.Gateway, session.Port, session.SessionId, session.OrderId ?? order?.OrderId, session.Card, session.StartedTs, session.EndedTs,
            session.DurationS, session.EnergyWh, cost, endReason, session.Limit is null ? null : JsonSerializer.Serialize(session.Limit, PlatformJson.Api.ChargeLimit)));
        Record(session.Site, new WebhookEvent
        {
            EventId = EventId(SessionEnded, session.Site, session.Gateway, session.SessionId), Type = SessionEnded, Ts = time.GetUtcNow(),
            Site = session.Site, Gateway = session.Gateway, Port = session.Port, SessionId = session.SessionId, OrderId = session.OrderId ?? order?.OrderId,
            Card = session.Card, StartedTs = session.StartedTs, EndedTs = session.EndedTs, DurationS = session.DurationS, EnergyWh = session.EnergyWh,
            CostFen = cost, EndReason = endReason, Limit = session.Limit, Tariff = tariff,
        });
    }

    private void Record(string site, WebhookEvent webhookEvent)
    {
        if (tenants.Current.CompanyOf(site) is not { } company)
        {
            return;
        }

        List<ApiKeyRecord> keys = store.WebhookKeysOf(company);
        if (keys.Count == 0)
        {
            return;
        }

        string body = JsonSerializer.Serialize(webhookEvent, PlatformJson.Api.WebhookEvent);
        DateTimeOffset now = time.GetUtcNow();
        foreach (ApiKeyRecord key in keys)
        {
            store.Enqueue(key.Id, webhookEvent.EventId, webhookEvent.Type, body, now);
        }

        Wake.Pulse();
    }
}
