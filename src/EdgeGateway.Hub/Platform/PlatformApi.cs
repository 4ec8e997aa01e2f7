using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Tenants;
using EdgeGateway.Hub.WebConsole;
using EdgeGateway.Hub.WebConsole.Api;
using EdgeGateway.Hub.WebConsole.Dashboard;
using EdgeGateway.Hub.WebConsole.Store;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Hub.Platform;

/// <summary>
/// What the platform API's endpoints do (<see cref="PlatformEndpoints"/> maps them): each call is the caller's key's
/// (its company's sites only: another company's site is not found, as one that does not exist), audited in the
/// console's audit log as <c>api-key:{id}</c>. Commands go out through the console's MQTT link
/// (<see cref="ConsoleLink.RequestAsync"/>: MQTT 5 request/response, an id and an issue time), and the answer is the
/// gateway's own reply.
/// </summary>
internal sealed partial class PlatformApi(
    PlatformStore store,
    PlatformEvents events,
    TenantRegistry tenants,
    LiveDashboard board,
    ConsoleLink link,
    ConsoleStore audit,
    IOptions<PlatformOptions> options,
    TimeProvider time,
    ILogger<PlatformApi> logger)
{
    /// <summary>The largest energy limit: 100 kWh (an e-bike battery holds about 1 kWh; more is a mistake).</summary>
    public const double MaxEnergyWh = 100_000;

    /// <summary>The longest duration limit: a day.</summary>
    public const double MaxDurationMin = 24 * 60;

    /// <summary>The widest session listing: 31 days, at most <see cref="MaxSessions"/> sessions.</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(31);

    public const int MaxSessions = 1000;

    private const string ProblemBase = "https://edgegateway.example/problems/";

    // One start of a given order at a time (a second request of the same order waits for the first's answer and repeats
    // it); orders are spread over the stripes by hash.
    private readonly SemaphoreSlim[] _orderStripes = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    public async Task<IResult> StartAsync(ApiKeyRecord key, string site, string gateway, string port, HttpRequest http, CancellationToken cancellationToken)
    {
        DateTimeOffset now = time.GetUtcNow();
        string target = Target(site, gateway, port);
        if (Reach(key, site, gateway, port, "start", target) is { } unreachable)
        {
            return unreachable;
        }

        byte[]? bytes = await CommandEndpoints.ReadBodyAsync(http, ContractJson.MaxCommandBytes, cancellationToken);
        StartRequest? request = null;
        string? malformed = bytes is null ? $"the body is larger than {ContractJson.MaxCommandBytes} bytes" : null;
        if (bytes is not null)
        {
            try
            {
                request = JsonSerializer.Deserialize(bytes, PlatformJson.Api.StartRequest);
                malformed = request is null ? "the body is JSON null" : null;
            }
            catch (JsonException exception)
            {
                malformed = "malformed JSON: " + exception.Message;
            }
        }

        if (malformed is not null)
        {
            Audit(key, now, "start", target, null, "invalid: " + malformed);
            return TypedResults.Problem(malformed, statusCode: StatusCodes.Status400BadRequest, title: "The body is not a start request", type: ProblemBase + "invalid-body");
        }

        TenantSite tenantSite = tenants.Current.Site(site)!;
        Dictionary<string, string[]> errors = Validate(request!, tenantSite, out ChargeLimit? limit);
        if (errors.Count > 0)
        {
            Audit(key, now, "start", target, request!.OrderId, "invalid: " + string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value[0]}")));
            return TypedResults.ValidationProblem(errors, title: "The start request is not valid", type: ProblemBase + "validation");
        }

        string orderId = request!.OrderId!;
        ChargeTariff? tariff = tenantSite.Tariff;
        string fingerprint = $"{site}/{gateway}/{port}|{request.Card}|{JsonSerializer.Serialize(limit!, PlatformJson.Api.ChargeLimit)}";
        SemaphoreSlim stripe = _orderStripes[(int)((uint)HashCode.Combine(key.Company, orderId) % (uint)_orderStripes.Length)];
        await stripe.WaitAsync(cancellationToken);
        try
        {
            OrderRecord order = store.ClaimOrder(new OrderRecord(
                key.Company, orderId, site, gateway, port, fingerprint, Guid.CreateVersion7(now).ToString(),
                tariff is null ? null : JsonSerializer.Serialize(tariff, PlatformJson.Api.ChargeTariff), null, null, null, now));
            if (order.Fingerprint != fingerprint)
            {
                Audit(key, now, "start", target, orderId, "conflict: the order was used for another start");
                return TypedResults.Problem(
                    $"order {orderId} started {order.Site}/{order.Gateway}/{order.Port} with another limit or card; an order starts one charge: use a new order id",
                    statusCode: StatusCodes.Status409Conflict, title: "The order id is taken", type: ProblemBase + "order-conflict");
            }

            if (order.AnswerStatus is { } status)
            {
                // The same order again: it started (or was refused) once, and answers the same.
                Audit(key, now, "start", target, orderId, string.Create(CultureInfo.InvariantCulture, $"repeated: {status}"));
                return Stored(status, order.AnswerBody!);
            }

            if (board.Snapshot().Gateways.FirstOrDefault(g => g.Site == site && g.Gateway == gateway) is { Online: false })
            {
                Audit(key, now, "start", target, orderId, "offline");
                return Offline(gateway);
            }

            // The order's command id is the same on every attempt: a gateway that got an earlier attempt whose reply was
            // lost answers this one with its first reply, and starts nothing twice.
            var command = new CommandRequest
            {
                Port = port, Operator = "platform:" + key.Name, Id = order.CommandId, OrderId = orderId, Card = request.Card, Limit = limit, Tariff = tariff,
            };
            TimeSpan timeout = options.Value.CommandTimeout;
            CommandOutcome outcome = await link.RequestAsync(site, gateway, ContractCommands.PortStart, command, timeout, cancellationToken);
            switch (outcome.Kind)
            {
                case CommandOutcomeKind.Replied when outcome.Reply!.Ok:
                    CommandReply accepted = outcome.Reply;
                    string body = JsonSerializer.Serialize(
                        new StartAnswer(orderId, site, gateway, port, true, accepted.SessionId, accepted.Message, limit!, tariff), PlatformJson.Api.StartAnswer);
                    store.AnswerOrder(key.Company, orderId, StatusCodes.Status200OK, body, accepted.SessionId);
                    events.Started(order, accepted.SessionId, limit!, tariff);
                    Audit(key, now, "start", target, orderId, "ok: " + accepted.Message);
                    LogStart(key.Id, target, orderId, true, accepted.Message);
                    return Stored(StatusCodes.Status200OK, body);
                case CommandOutcomeKind.Replied:
                    CommandReply refused = outcome.Reply!;
                    string problem = JsonSerializer.Serialize(
                        new StoredProblem(ProblemBase + "start-refused", "The gateway refused the start", StatusCodes.Status409Conflict, refused.Message, orderId, "refused"),
                        PlatformJson.Api.StoredProblem);
                    store.AnswerOrder(key.Company, orderId, StatusCodes.Status409Conflict, problem, null);
                    events.Refused(order, refused.Message);
                    Audit(key, now, "start", target, orderId, "refused: " + refused.Message);
                    LogStart(key.Id, target, orderId, false, refused.Message);
                    return Stored(StatusCodes.Status409Conflict, problem);
                default:
                    // No answer is no answer: nothing is stored, and the same order asked again tries again (same command id).
                    return Unanswered(key, now, "start", target, orderId, outcome.Kind, gateway, timeout);
            }
        }
        finally
        {
            stripe.Release();
        }
    }

    public async Task<IResult> StopAsync(ApiKeyRecord key, string site, string gateway, string port, CancellationToken cancellationToken)
    {
        DateTimeOffset now = time.GetUtcNow();
        string target = Target(site, gateway, port);
        if (Reach(key, site, gateway, port, "stop", target) is { } unreachable)
        {
            return unreachable;
        }

        if (board.Snapshot().Gateways.FirstOrDefault(g => g.Site == site && g.Gateway == gateway) is { Online: false })
        {
            Audit(key, now, "stop", target, null, "offline");
            return Offline(gateway);
        }

        TimeSpan timeout = options.Value.CommandTimeout;
        var command = new CommandRequest { Port = port, Operator = "platform:" + key.Name };
        CommandOutcome outcome = await link.RequestAsync(site, gateway, ContractCommands.PortStop, command, timeout, cancellationToken);
        if (outcome.Kind != CommandOutcomeKind.Replied)
        {
            return Unanswered(key, now, "stop", target, null, outcome.Kind, gateway, timeout);
        }

        CommandReply reply = outcome.Reply!;
        Audit(key, now, "stop", target, null, (reply.Ok ? "ok: " : "refused: ") + reply.Message);
        return reply.Ok
            ? TypedResults.Json(new StopAnswer(site, gateway, port, true, reply.Message), PlatformJson.Api.StopAnswer)
            : TypedResults.Problem(reply.Message, statusCode: StatusCodes.Status409Conflict, title: "The gateway refused the stop", type: ProblemBase + "stop-refused");
    }

    public IResult Port(ApiKeyRecord key, string site, string gateway, string port)
    {
        DateTimeOffset now = time.GetUtcNow();
        string target = Target(site, gateway, port);
        if (Reach(key, site, gateway, port, "port", target) is { } unreachable)
        {
            return unreachable;
        }

        PortView view = board.FindPort(site, gateway, port)!;
        bool online = board.Snapshot().Gateways.FirstOrDefault(g => g.Site == site && g.Gateway == gateway)?.Online ?? false;
        RunningSession? session = null;
        if (view.State == "charging")
        {
            OrderRecord? order = store.RunningOrder(site, gateway, port);
            ChargeTariff? tariff = order?.TariffJson is { } json ? JsonSerializer.Deserialize(json, PlatformJson.Api.ChargeTariff) : null;
            double energy = view.SessionEnergyWh ?? 0;
            session = new RunningSession(
                order?.SessionId, order?.OrderId, energy, view.SessionS, Tariffs.CostFen(tariff, energy, TimeSpan.FromSeconds(view.SessionS ?? 0)));
        }

        Audit(key, now, "port", target, null, "ok");
        return TypedResults.Json(
            new PortAnswer(site, gateway, port, view.State, online, view.Fault, view.Lockout, view.LastSeenTs, session), PlatformJson.Api.PortAnswer);
    }

    public IResult Sessions(ApiKeyRecord key, string? from, string? to, string? orderId)
    {
        DateTimeOffset now = time.GetUtcNow();
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        DateTimeOffset? end = Timestamp(to, "to", errors);
        DateTimeOffset? start = Timestamp(from, "from", errors);
        (DateTimeOffset since, DateTimeOffset until) = SessionWindow(start, end, orderId, now);
        if (errors.Count == 0 && since >= until)
        {
            errors["from"] = ["from must be before to"];
        }
        else if (errors.Count == 0 && orderId is null && until - since > MaxRange)
        {
            errors["from"] = [$"at most {MaxRange.TotalDays} days from from to to; ask in several steps"];
        }

        if (orderId is not null && !ContractIds.IsValid(orderId))
        {
            errors["order_id"] = ["an order id is 1 to 64 of A-Z a-z 0-9 _ -, starting with a letter or digit"];
        }

        string detail = $"from: {from}; to: {to}; order_id: {orderId}";
        if (errors.Count > 0)
        {
            Audit(key, now, "sessions", key.Company, detail, "invalid");
            return TypedResults.ValidationProblem(errors, title: "The session query is not valid", type: ProblemBase + "validation");
        }

        string[] sites = [.. tenants.Current.SitesOf(key.Company).Select(s => s.Id)];
        List<SessionRecord> found = store.Sessions(sites, since, until, orderId, MaxSessions + 1);
        Audit(key, now, "sessions", key.Company, detail, string.Create(CultureInfo.InvariantCulture, $"ok: {Math.Min(found.Count, MaxSessions)}"));
        return TypedResults.Json(
            new SessionList(
                [.. found.Take(MaxSessions).Select(s => new SessionItem(
                    s.Site, s.Gateway, s.Port, s.SessionId, s.OrderId, s.Card, s.StartedTs, s.EndedTs, s.DurationS, s.EnergyWh, s.CostFen, s.EndReason,
                    s.LimitJson is null ? null : JsonSerializer.Deserialize(s.LimitJson, PlatformJson.Api.ChargeLimit)))],
                found.Count > MaxSessions),
            PlatformJson.Api.SessionList);
    }

    /// <summary>
    /// The end times a session listing covers: <paramref name="from"/> to <paramref name="to"/>, by default the last 24 h.
    /// Asked by order (a platform that missed a webhook, possibly days later), the defaults are unbounded: an order names at
    /// most a few sessions and the <c>order_id</c> index finds them whenever they ended, so neither the 24 h default nor
    /// <see cref="MaxRange"/> applies; a <paramref name="from"/> or <paramref name="to"/> given still bounds it.
    /// </summary>
    internal static (DateTimeOffset Since, DateTimeOffset Until) SessionWindow(DateTimeOffset? from, DateTimeOffset? to, string? orderId, DateTimeOffset now)
    {
        if (orderId is not null)
        {
            return (from ?? DateTimeOffset.UnixEpoch, to ?? DateTimeOffset.MaxValue);
        }

        DateTimeOffset until = to ?? now;
        return (from ?? until - TimeSpan.FromDays(1), until);
    }

    /// <summary>Records a call in the console's audit log, as the key (<c>api-key:{id}</c>, role <c>platform:{company}</c>).</summary>
    public void Audit(ApiKeyRecord? key, DateTimeOffset at, string action, string? target, string? detail, string result, string? keyId = null) =>
        audit.Audit(new AuditEntry(at, "api-key:" + (key?.Id ?? keyId ?? "(none)"), key is null ? null : "platform:" + key.Company, "platform_" + action, target, detail, result));

    /// <summary>
    /// The validation of a start: an order id; a limit with at least one of energy, duration, amount, each positive and
    /// sane; an amount only where the site has a tariff (converted to fen).
    /// </summary>
    internal static Dictionary<string, string[]> Validate(StartRequest request, TenantSite site, out ChargeLimit? limit)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        limit = null;
        if (string.IsNullOrEmpty(request.OrderId))
        {
            errors["order_id"] = ["order_id is required: the platform's order, which makes the start idempotent"];
        }
        else if (!ContractIds.IsValid(request.OrderId))
        {
            errors["order_id"] = ["an order id is 1 to 64 of A-Z a-z 0-9 _ -, starting with a letter or digit"];
        }

        if (request.Card is not null && !ContractIds.IsValid(request.Card))
        {
            errors["card"] = ["a card reference is 1 to 64 of A-Z a-z 0-9 _ -, starting with a letter or digit"];
        }

        StartLimit? asked = request.Limit;
        if (asked is null || (asked.EnergyWh is null && asked.DurationMin is null && asked.AmountYuan is null))
        {
            errors["limit"] = ["a limit is required: energy_wh, duration_min or amount_yuan (any combination; the first reached ends the charge)"];
            return errors;
        }

        if (asked.EnergyWh is { } energy && !(energy > 0 && energy <= MaxEnergyWh))
        {
            errors["limit.energy_wh"] = [$"energy_wh must be more than 0 and at most {MaxEnergyWh} (100 kWh)"];
        }

        if (asked.DurationMin is { } minutes && !(minutes > 0 && minutes <= MaxDurationMin))
        {
            errors["limit.duration_min"] = [$"duration_min must be more than 0 and at most {MaxDurationMin} (a day)"];
        }

        long? amountFen = null;
        if (asked.AmountYuan is { } yuan)
        {
            if (!Tariffs.TryFen(yuan, out long fen))
            {
                errors["limit.amount_yuan"] = [$"amount_yuan must be more than 0 and at most {Tariffs.Yuan(Tariffs.MaxAmountFen)} 元, with at most two decimals (a fen)"];
            }
            else if (site.Tariff is null)
            {
                errors["limit.amount_yuan"] = [$"site {site.Id} has no tariff in the registry: give energy_wh or duration_min, or ask the hub's admin to set the site's tariff"];
            }
            else
            {
                amountFen = fen;
            }
        }

        if (errors.Count == 0)
        {
            limit = new ChargeLimit { EnergyWh = asked.EnergyWh, DurationMin = asked.DurationMin, AmountFen = amountFen };
        }

        return errors;
    }

    /// <summary>Null when the key may reach this port and the hub knows it; otherwise the problem (404 for another
    /// company's site, as for one that does not exist), audited.</summary>
    private IResult? Reach(ApiKeyRecord key, string site, string gateway, string port, string action, string target)
    {
        DateTimeOffset now = time.GetUtcNow();
        if (!ContractTopics.IsValidSegment(site) || !ContractTopics.IsValidSegment(gateway) || !ContractTopics.IsValidSegment(port))
        {
            Audit(key, now, action, target, null, "invalid: ids");
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["path"] = ["site, gateway and port are 1 to 64 of A-Z a-z 0-9 _ -, starting with a letter or digit"] },
                title: "The path is not valid", type: ProblemBase + "validation");
        }

        string? missing = tenants.Current.CompanyOf(site) != key.Company ? $"no site '{site}'"
            : !board.HasGateway(site, gateway) ? $"no gateway '{gateway}' at site '{site}'"
            : board.FindPort(site, gateway, port) is null ? $"no port '{port}' on gateway '{gateway}'"
            : null;
        if (missing is null)
        {
            return null;
        }

        Audit(key, now, action, target, null, "not_found: " + missing);
        return TypedResults.Problem(missing, statusCode: StatusCodes.Status404NotFound, title: "Not found", type: ProblemBase + "not-found");
    }

    private ProblemHttpResult Unanswered(ApiKeyRecord key, DateTimeOffset now, string action, string target, string? detail, CommandOutcomeKind kind, string gateway, TimeSpan timeout)
    {
        if (kind == CommandOutcomeKind.NoReply)
        {
            Audit(key, now, action, target, detail, string.Create(CultureInfo.InvariantCulture, $"no_reply: no answer within {timeout.TotalSeconds:0.#} s"));
            return TypedResults.Problem(
                string.Create(CultureInfo.InvariantCulture, $"gateway {gateway} did not answer within {timeout.TotalSeconds:0.#} s (offline?); nothing was started or stopped by this request, and the command expires unanswered"),
                statusCode: StatusCodes.Status504GatewayTimeout, title: "The gateway did not answer", type: ProblemBase + "gateway-offline");
        }

        Audit(key, now, action, target, detail, "failed: the MQTT broker is not reachable");
        return TypedResults.Problem(
            "the hub cannot reach its MQTT broker; nothing was sent", statusCode: StatusCodes.Status503ServiceUnavailable, title: "The broker is not reachable", type: ProblemBase + "broker-unreachable");
    }

    private static ProblemHttpResult Offline(string gateway) => TypedResults.Problem(
        $"gateway {gateway} is offline (its status says so); nothing was sent", statusCode: StatusCodes.Status504GatewayTimeout,
        title: "The gateway is offline", type: ProblemBase + "gateway-offline");

    /// <summary>An order's answer as stored: the same bytes whoever asks.</summary>
    private static ContentHttpResult Stored(int status, string body) =>
        TypedResults.Text(body, status == StatusCodes.Status200OK ? "application/json" : "application/problem+json", Encoding.UTF8, status);

    private static DateTimeOffset? Timestamp(string? value, string name, Dictionary<string, string[]> errors)
    {
        if (value is null)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset parsed))
        {
            return parsed;
        }

        errors[name] = [$"{name} must be an ISO 8601 time like 2026-12-07T08:00:00Z"];
        return null;
    }

    private static string Target(string site, string gateway, string port)
    {
        string target = $"{site}/{gateway}/{port}";
        return target.Length > 200 ? target[..200] : target;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Platform: start {Target} order {OrderId} by key {KeyId}: accepted={Accepted} ({Message})")]
    private partial void LogStart(string keyId, string target, string orderId, bool accepted, string message);
}
