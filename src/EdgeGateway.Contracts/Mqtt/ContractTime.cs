using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeGateway.Contracts.Mqtt;

/// <summary>Contract timestamps: UTC, ISO 8601 with exactly three fraction digits and a <c>Z</c>, e.g. <c>2026-11-25T11:30:00.123Z</c>.</summary>
public static class ContractTime
{
    /// <summary>The format string (invariant culture).</summary>
    public const string FormatString = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'";

    /// <summary>The JSON Schema pattern every timestamp field matches.</summary>
    public const string Pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$";

    /// <summary>Formats in UTC; sub-millisecond precision is truncated.</summary>
    public static string Format(DateTimeOffset value) => value.UtcDateTime.ToString(FormatString, CultureInfo.InvariantCulture);

    /// <summary>Parses exactly the contract format; anything else (offsets, missing milliseconds, local times) is refused.</summary>
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        if (text is not null
            && DateTime.TryParseExact(text, FormatString, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime utc))
        {
            value = new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc));
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>Truncates to whole milliseconds, the precision the wire carries.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
}

/// <summary>Reads and writes <see cref="DateTimeOffset"/> as a contract timestamp string.</summary>
public sealed class ContractTimeConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException("A timestamp must be a string like 2026-11-25T11:30:00.123Z.");
        }

        return ContractTime.TryParse(reader.GetString(), out DateTimeOffset value)
            ? value
            : throw new JsonException("A timestamp must be UTC with milliseconds, like 2026-11-25T11:30:00.123Z.");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(ContractTime.Format(value));
    }
}
