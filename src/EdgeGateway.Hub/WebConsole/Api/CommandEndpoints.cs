using System.Globalization;
using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.WebConsole.Dashboard;
using EdgeGateway.Hub.WebConsole.Store;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Hub.WebConsole.Api;

/// <summary><c>POST /api/gateways/{site}/{gw}/commands/{command}</c>: a command to a gateway, its reply returned.</summary>
internal static partial class CommandEndpoints
{
    /// <summary>The commands people send from the console (API.md "Commands"); the others are the platform's.</summary>
    public static IReadOnlyList<string> Allowed { get; } =
        [ContractCommands.PortReset, ContractCommands.PortDisable, ContractCommands.PortEnable, ContractCommands.Snapshot];

    public static RouteGroupBuilder MapCommandEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/gateways/{site}/{gw}/commands/{command}", SendAsync);
        return api;
    }

    private static async Task<Results<JsonHttpResult<CommandResultView>, JsonHttpResult<ConsoleError>>> SendAsync(
        string site,
        string gw,
        string command,
        HttpContext http,
        LiveDashboard board,
        ConsoleLink link,
        ConsoleStore store,
        ConsoleUserDirectory users,
        IOptions<ConsoleOptions> options,
        TimeProvider time,
        ILogger<ConsoleLink> logger)
    {
        var caller = ConsoleCaller.Of(http, users);
        ConsoleText text = caller.Text;
        DateTimeOffset now = time.GetUtcNow();
        string action = command.Length > 64 ? command[..64] : command;
        string target = Clip($"{site}/{gw}");

        JsonHttpResult<ConsoleError> Invalid(string reason, string? detail = null)
        {
            store.Audit(caller.Audit(now, action, target, detail, "invalid: " + reason));
            return ConsoleResults.Error(StatusCodes.Status400BadRequest, ConsoleError.InvalidCommandCode, text.InvalidCommand(reason));
        }

        if (!ContractTopics.IsValidSegment(site) || !ContractTopics.IsValidSegment(gw) || !ContractTopics.IsValidSegment(command))
        {
            return Invalid("site, gateway and command are 1 to 64 of A-Z a-z 0-9 _ -, starting with a letter or digit");
        }

        if (!Allowed.Contains(command, StringComparer.Ordinal))
        {
            store.Audit(caller.Audit(now, action, target, null, "invalid: unknown command"));
            return ConsoleResults.Error(StatusCodes.Status400BadRequest, ConsoleError.InvalidCommandCode, text.UnknownCommand(command));
        }

        byte[]? body = await ReadBodyAsync(http.Request, ContractJson.MaxCommandBytes, http.RequestAborted);
        if (body is null)
        {
            return Invalid($"the body is larger than {ContractJson.MaxCommandBytes} bytes");
        }

        if (!ContractJson.TryDeserializeCommand(body, out CommandRequest? request, out string? error))
        {
            return Invalid(error!);
        }

        // The operator is whoever is signed in, never what the page says; an alarm id belongs to alarm_ack only.
        request = request! with { Operator = caller.Name, AlarmId = null, Reason = Trimmed(request.Reason), Comment = Trimmed(request.Comment) };
        string detail = Detail(request);
        if (!ContractCommands.TryValidate(command, request, out error))
        {
            return Invalid(error!, detail);
        }

        if (request.Reason?.Length > AlarmEndpoints.MaxCommentLength || request.Comment?.Length > AlarmEndpoints.MaxCommentLength)
        {
            return Invalid(text.CommentTooLong(AlarmEndpoints.MaxCommentLength), detail);
        }

        if (ContractJson.Serialize(request).Length > ContractJson.MaxCommandBytes)
        {
            return Invalid($"the command is larger than {ContractJson.MaxCommandBytes} bytes", detail);
        }

        if (request.Port is { } port)
        {
            target = Clip($"{site}/{gw}/{port}");
        }

        if (!board.HasGateway(site, gw))
        {
            store.Audit(caller.Audit(now, command, target, detail, "not_found"));
            return ConsoleResults.NotFound(text, text.Gateway(site, gw));
        }

        if (request.Port is { } known && board.FindPort(site, gw, known) is null)
        {
            store.Audit(caller.Audit(now, command, target, detail, "not_found"));
            return ConsoleResults.NotFound(text, text.Port(site, gw, known));
        }

        TimeSpan timeout = options.Value.CommandTimeout;
        CommandOutcome outcome = await link.RequestAsync(site, gw, command, request, timeout, http.RequestAborted);
        switch (outcome.Kind)
        {
            case CommandOutcomeKind.Replied:
                CommandReply reply = outcome.Reply!;
                store.Audit(caller.Audit(now, command, target, detail, (reply.Ok ? "ok: " : "refused: ") + reply.Message));
                LogCommand(logger, command, target, caller.Name, reply.Ok, reply.Message);
                return TypedResults.Json(new CommandResultView(reply.Ok, ReasonText.For(text.Display).Render(reply.Reason, reply.Message)), ConsoleJson.Web.CommandResultView);
            case CommandOutcomeKind.NoReply:
                store.Audit(caller.Audit(now, command, target, detail, string.Create(CultureInfo.InvariantCulture, $"no_reply: no answer within {timeout.TotalSeconds:0.#} s")));
                return ConsoleResults.Error(StatusCodes.Status504GatewayTimeout, ConsoleError.NoReplyCode, text.NoReply(gw, timeout));
            default:
                store.Audit(caller.Audit(now, command, target, detail, "failed: the MQTT broker is not reachable"));
                return ConsoleResults.Error(StatusCodes.Status503ServiceUnavailable, ConsoleError.BrokerUnreachableCode, text.BrokerUnreachable);
        }
    }

    /// <summary>The body, or null when it is larger than <paramref name="limit"/> bytes (read no further than that).</summary>
    internal static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        byte[] chunk = new byte[1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limit)
            {
                return null;
            }
        }

        return buffer.ToArray();
    }

    private static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string Detail(CommandRequest request) => string.Join("; ", new[]
    {
        request.Port is null ? null : "port: " + request.Port,
        request.Reason is null ? null : "reason: " + request.Reason,
        request.Comment is null ? null : "comment: " + request.Comment,
    }.Where(p => p is not null));

    private static string Clip(string value) => value.Length > 200 ? value[..200] : value;

    [LoggerMessage(Level = LogLevel.Information, Message = "Console: {Command} {Target} by {User}: ok={Ok} ({Message})")]
    private static partial void LogCommand(ILogger logger, string command, string target, string user, bool ok, string message);
}
