using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EdgeGateway.Hub.Platform;

/// <summary>
/// <c>X-EdgeGateway-Signature: t={unix seconds},v1={hex HMAC-SHA256(secret, t + "." + body)}</c>: the timestamp is signed
/// with the body, so a receiver that refuses a <c>t</c> more than <see cref="ReplayWindow"/> from its clock cannot be fed
/// an old request again (README.md beside this file, "Verifying a webhook").
/// </summary>
internal static class WebhookSignature
{
    public const string Header = "X-EdgeGateway-Signature";

    /// <summary>How far from the receiver's clock a signature's <c>t</c> may be.</summary>
    public static readonly TimeSpan ReplayWindow = TimeSpan.FromMinutes(5);

    public static string Sign(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        string t = unixSeconds.ToString(CultureInfo.InvariantCulture);
        byte[] message = [.. Encoding.ASCII.GetBytes(t + "."), .. body];
        return $"t={t},v1={Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message))}";
    }

    /// <summary>What a receiver does: the header's <c>t</c> within <see cref="ReplayWindow"/> of <paramref name="now"/> and its
    /// <c>v1</c> the HMAC of this body, compared in constant time.</summary>
    public static bool Verify(string secret, string? header, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (header is null)
        {
            return false;
        }

        long? t = null;
        string? v1 = null;
        foreach (string part in header.Split(','))
        {
            if (part.StartsWith("t=", StringComparison.Ordinal) && long.TryParse(part.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out long parsed))
            {
                t = parsed;
            }
            else if (part.StartsWith("v1=", StringComparison.Ordinal))
            {
                v1 = part[3..];
            }
        }

        if (t is not { } at || at > DateTimeOffset.MaxValue.ToUnixTimeSeconds() || v1 is null || (now - DateTimeOffset.FromUnixTimeSeconds(at)).Duration() > ReplayWindow)
        {
            return false;
        }

        string expected = Sign(secret, at, body);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected[(expected.IndexOf(",v1=", StringComparison.Ordinal) + 4)..]), Encoding.ASCII.GetBytes(v1));
    }
}
