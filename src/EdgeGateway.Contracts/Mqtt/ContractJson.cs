using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;

namespace EdgeGateway.Contracts.Mqtt;

/// <summary>
/// The JSON of contract v1: UTF-8, snake_case, no indentation, nulls written (every field is always present),
/// enums as snake_case strings, timestamps as <see cref="ContractTime"/> strings.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    NumberHandling = JsonNumberHandling.Strict,
    Converters =
    [
        typeof(ContractTimeConverter),
        typeof(SnakeCaseEnumConverter<PortState>),
        typeof(SnakeCaseEnumConverter<SessionEndReason>),
        typeof(SnakeCaseEnumConverter<AlarmSeverity>),
        typeof(SnakeCaseEnumConverter<AlarmEvent>),
    ])]
[JsonSerializable(typeof(StatusMessage))]
[JsonSerializable(typeof(PortTelemetryMessage))]
[JsonSerializable(typeof(PortStateMessage))]
[JsonSerializable(typeof(BinTelemetryMessage))]
[JsonSerializable(typeof(BinStateMessage))]
[JsonSerializable(typeof(AlarmMessage))]
[JsonSerializable(typeof(SessionMessage))]
[JsonSerializable(typeof(SessionResumedMessage))]
[JsonSerializable(typeof(CommandRequest))]
[JsonSerializable(typeof(CommandReply))]
[JsonSerializable(typeof(CardListMessage))]
public sealed partial class ContractJson : JsonSerializerContext
{
    /// <summary>The largest command payload accepted, in bytes.</summary>
    public const int MaxCommandBytes = 4096;

    /// <summary>Serializes a contract message (or a command request or reply) to its UTF-8 JSON payload.</summary>
    public static byte[] Serialize<T>(T message)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(message);
        return JsonSerializer.SerializeToUtf8Bytes(message, TypeInfo<T>());
    }

    /// <summary>Serializes to a JSON string (for logs and tests).</summary>
    public static string SerializeToString<T>(T message)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(message);
        return JsonSerializer.Serialize(message, TypeInfo<T>());
    }

    /// <summary>Reads a contract message; never throws: <paramref name="error"/> says why a payload was refused.</summary>
    public static bool TryDeserialize<T>(ReadOnlySpan<byte> payload, out T? message, out string? error)
        where T : class
    {
        message = null;
        try
        {
            message = JsonSerializer.Deserialize(payload, TypeInfo<T>());
            error = message is null ? "the payload is JSON null" : null;
        }
        catch (JsonException exception)
        {
            error = $"invalid {typeof(T).Name} at {exception.Path ?? "$"}: {exception.Message}";
        }
        catch (InvalidOperationException exception)
        {
            error = $"invalid {typeof(T).Name}: {exception.Message}";
        }

        return error is null;
    }

    /// <summary>
    /// Reads a command payload strictly, never throwing: a JSON object whose fields are all known, of the right
    /// type (strings or null; <c>v</c> an integer equal to 1) and not repeated, at most <see cref="MaxCommandBytes"/>
    /// bytes. An empty payload is an empty request (for <c>snapshot</c> and <c>reload_config</c>).
    /// </summary>
    public static bool TryDeserializeCommand(ReadOnlySpan<byte> payload, out CommandRequest? request, out string? error)
    {
        request = null;
        if (payload.Length > MaxCommandBytes)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"payload too large: {payload.Length} bytes; the limit is {MaxCommandBytes}");
            return false;
        }

        if (payload.IsEmpty)
        {
            request = new CommandRequest();
            error = null;
            return true;
        }

        try
        {
            error = ReadCommand(payload, out request);
        }
        catch (JsonException exception)
        {
            error = $"malformed JSON: {exception.Message}";
        }
        catch (InvalidOperationException exception)
        {
            error = $"malformed JSON: {exception.Message}";
        }

        if (error is not null)
        {
            request = null;
        }

        return error is null;
    }

    private static string? ReadCommand(ReadOnlySpan<byte> payload, out CommandRequest? request)
    {
        request = null;
        var reader = new Utf8JsonReader(payload, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 16 });
        if (!reader.Read())
        {
            return "malformed JSON: no value";
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return $"wrong type: the payload must be a JSON object, not {Describe(reader.TokenType)}";
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new CommandRequest();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string name = reader.GetString() ?? string.Empty;
            if (!seen.Add(name))
            {
                return $"field '{name}' appears more than once";
            }

            reader.Read();
            string? value = null;
            ChargeLimit? limit = null;
            ChargeTariff? tariff = null;
            string? error = name switch
            {
                "v" => null,
                "port" or "operator" or "reason" or "alarm_id" or "comment" or "id" or "issued_ts" or "order_id" or "card" or "version" or "url" or "sha256" or "signature" => ReadString(ref reader, name, out value),
                "limit" => ReadLimit(ref reader, out limit),
                "tariff" => ReadTariff(ref reader, out tariff),
                _ => $"unknown field '{name}'",
            };
            if (error is not null)
            {
                return error;
            }

            switch (name)
            {
                case "v":
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int version))
                    {
                        return $"wrong type: field 'v' must be an integer, not {Describe(reader.TokenType)}";
                    }

                    if (version != ContractTopics.ContractVersion)
                    {
                        return string.Create(CultureInfo.InvariantCulture, $"unsupported contract version {version}; this gateway speaks v{ContractTopics.ContractVersion}");
                    }

                    result = result with { V = version };
                    break;
                case "port":
                    result = result with { Port = value };
                    break;
                case "operator":
                    result = result with { Operator = value };
                    break;
                case "reason":
                    result = result with { Reason = value };
                    break;
                case "alarm_id":
                    result = result with { AlarmId = value };
                    break;
                case "id":
                    result = result with { Id = value };
                    break;
                case "order_id":
                    result = result with { OrderId = value };
                    break;
                case "card":
                    result = result with { Card = value };
                    break;
                case "version":
                    result = result with { Version = value };
                    break;
                case "url":
                    result = result with { Url = value };
                    break;
                case "sha256":
                    result = result with { Sha256 = value };
                    break;
                case "signature":
                    result = result with { Signature = value };
                    break;
                case "limit":
                    result = result with { Limit = limit };
                    break;
                case "tariff":
                    result = result with { Tariff = tariff };
                    break;
                case "issued_ts":
                    if (value is null)
                    {
                        break;
                    }

                    if (!ContractTime.TryParse(value, out DateTimeOffset issued))
                    {
                        return $"wrong format: field 'issued_ts' must be a timestamp like 2026-11-25T11:30:00.123Z, not '{(value.Length > 40 ? value[..40] : value)}'";
                    }

                    result = result with { IssuedTs = issued };
                    break;
                default:
                    result = result with { Comment = value };
                    break;
            }
        }

        // Anything after the object (a second value, garbage) makes the reader throw: malformed JSON.
        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return "malformed JSON: content after the object";
        }

        request = result;
        return null;
    }

    /// <summary>Reads <c>limit</c>: null, or an object of <c>energy_wh</c>, <c>duration_min</c> (numbers) and <c>amount_fen</c> (an integer), each once.</summary>
    private static string? ReadLimit(ref Utf8JsonReader reader, out ChargeLimit? limit)
    {
        limit = null;
        var read = new ChargeLimit();
        string? error = ReadNumbers(ref reader, "limit", ["energy_wh", "duration_min", "amount_fen"], (field, number) =>
        {
            read = field switch
            {
                "energy_wh" => read with { EnergyWh = number.Real },
                "duration_min" => read with { DurationMin = number.Real },
                _ => read with { AmountFen = number.Whole },
            };
            return field == "amount_fen" && number.Whole is null ? "wrong type: field 'limit.amount_fen' must be an integer (fen)" : null;
        }, out bool present);
        limit = error is null && present ? read : null;
        return error;
    }

    /// <summary>Reads <c>tariff</c>: null, or an object of integer <c>fen_per_kwh</c> and <c>fen_per_hour</c>.</summary>
    private static string? ReadTariff(ref Utf8JsonReader reader, out ChargeTariff? tariff)
    {
        tariff = null;
        var read = new ChargeTariff();
        string? error = ReadNumbers(ref reader, "tariff", ["fen_per_kwh", "fen_per_hour"], (field, number) =>
        {
            read = field == "fen_per_kwh" ? read with { FenPerKwh = number.Whole } : read with { FenPerHour = number.Whole };
            return number.Whole is null ? $"wrong type: field 'tariff.{field}' must be an integer (fen)" : null;
        }, out bool present);
        tariff = error is null && present ? read : null;
        return error;
    }

    private delegate string? NumberField(string field, (double Real, long? Whole) number);

    /// <summary>An object whose fields are all among <paramref name="fields"/>, numbers, each once; or null (<paramref name="present"/> false).</summary>
    private static string? ReadNumbers(ref Utf8JsonReader reader, string name, string[] fields, NumberField apply, out bool present)
    {
        present = reader.TokenType != JsonTokenType.Null;
        if (!present)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return $"wrong type: field '{name}' must be an object, not {Describe(reader.TokenType)}";
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string field = reader.GetString() ?? string.Empty;
            if (!fields.Contains(field, StringComparer.Ordinal))
            {
                return $"unknown field '{name}.{field}'; known: {string.Join(", ", fields)}";
            }

            if (!seen.Add(field))
            {
                return $"field '{name}.{field}' appears more than once";
            }

            reader.Read();
            if (reader.TokenType == JsonTokenType.Null)
            {
                continue;
            }

            if (reader.TokenType != JsonTokenType.Number)
            {
                return $"wrong type: field '{name}.{field}' must be a number, not {Describe(reader.TokenType)}";
            }

            if (!reader.TryGetDouble(out double real) || !double.IsFinite(real))
            {
                return $"wrong value: field '{name}.{field}' is not a finite number";
            }

            if (apply(field, (real, reader.TryGetInt64(out long whole) ? whole : null)) is { } error)
            {
                return error;
            }
        }

        return reader.TokenType == JsonTokenType.EndObject ? null : $"malformed JSON: field '{name}' is not a closed object";
    }

    private static string? ReadString(ref Utf8JsonReader reader, string name, out string? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            return $"wrong type: field '{name}' must be a string, not {Describe(reader.TokenType)}";
        }

        value = reader.GetString();
        return null;
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    private static JsonTypeInfo<T> TypeInfo<T>() =>
        Default.GetTypeInfo(typeof(T)) as JsonTypeInfo<T>
        ?? throw new NotSupportedException($"{typeof(T).Name} is not a contract v1 message.");
}

/// <summary>Enums as snake_case strings; integers are refused.</summary>
internal sealed class SnakeCaseEnumConverter<TEnum> : JsonStringEnumConverter<TEnum>
    where TEnum : struct, Enum
{
    public SnakeCaseEnumConverter()
        : base(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false)
    {
    }
}
