using System.Text;
using System.Text.Json;

namespace EdgeGateway.Contracts.Mqtt;

/// <summary>
/// Moves the wall-clock stamps of a serialized contract message: <c>ts</c> and every top-level <c>*_ts</c> field. A
/// gateway whose wall clock stepped (NTP's first synchronisation) corrects with it the messages it made before the step
/// and had not yet sent: every stamp in such a message was read from the same wrong clock.
/// </summary>
public static class ContractStamps
{
    /// <summary>
    /// A copy of <paramref name="payload"/> with each top-level timestamp field moved by <paramref name="shift"/>, every
    /// other byte unchanged (a contract timestamp always has the same length, so the bytes are overwritten in place).
    /// </summary>
    /// <returns>False, and <paramref name="shifted"/> null, when the payload is not a JSON object or has no timestamp to move.</returns>
    public static bool TryShift(ReadOnlySpan<byte> payload, TimeSpan shift, out byte[]? shifted)
    {
        shifted = null;
        byte[] copy = payload.ToArray();
        var reader = new Utf8JsonReader(copy, new JsonReaderOptions { MaxDepth = 64 });
        bool moved = false;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool stamp = reader.ValueTextEquals("ts"u8) || (reader.ValueSpan.EndsWith("_ts"u8) && !reader.ValueIsEscaped);
                reader.Read();
                if (stamp && reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped
                    && ContractTime.TryParse(Encoding.UTF8.GetString(reader.ValueSpan), out DateTimeOffset value))
                {
                    // A stamp moved out of the years 1..9999 cannot be written: that one stays as it was.
                    byte[]? text = Shifted(value, shift);
                    if (text is not null && text.Length == reader.ValueSpan.Length)
                    {
                        text.CopyTo(copy.AsSpan((int)reader.TokenStartIndex + 1));
                        moved = true;
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        shifted = moved ? copy : null;
        return moved;
    }

    private static byte[]? Shifted(DateTimeOffset value, TimeSpan shift)
    {
        try
        {
            return Encoding.UTF8.GetBytes(ContractTime.Format(value + shift));
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
