using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace EdgeGateway.Hub.Platform;

/// <summary>
/// A platform API key: <c>egk_{id}_{secret}</c>, the id 12 lower-case hex digits (names the key in the store, the
/// audit log and the console), the secret 32 random bytes in base64url. Only SHA-256 of the secret is stored.
/// </summary>
/// <remarks>
/// A fast hash is right here and a password hash (PBKDF2, Argon2) is not: a password hash is slow to make guessing a
/// person's low-entropy password expensive, but this secret is 256 random bits, which no number of SHA-256 guesses
/// finds; and a key is checked on every request, where a deliberately slow hash would be a denial-of-service lever.
/// The comparison is in constant time.
/// </remarks>
internal static class ApiKeyToken
{
    public const string Prefix = "egk_";

    private const int IdBytes = 6;
    private const int SecretBytes = 32;

    /// <summary>A new key: its id, the whole token (shown once) and the stored hash of its secret.</summary>
    public static (string Id, string Token, string SecretHash) Create()
    {
        string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdBytes));
        string secret = Base64Url(RandomNumberGenerator.GetBytes(SecretBytes));
        return (id, $"{Prefix}{id}_{secret}", Hash(secret));
    }

    /// <summary>A webhook signing secret: <c>whsec_</c> and 32 random bytes in base64url (shown once).</summary>
    public static string NewWebhookSecret() => "whsec_" + Base64Url(RandomNumberGenerator.GetBytes(SecretBytes));

    /// <summary>Splits a token into its id and secret; false when it is not shaped like one.</summary>
    public static bool TryParse(string? token, [NotNullWhen(true)] out string? id, [NotNullWhen(true)] out string? secret)
    {
        id = null;
        secret = null;
        if (token is null || token.Length > 200 || !token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        string rest = token[Prefix.Length..];
        int separator = rest.IndexOf('_', StringComparison.Ordinal);
        if (separator != IdBytes * 2 || rest.Length == separator + 1 || !rest[..separator].All(char.IsAsciiHexDigitLower))
        {
            return false;
        }

        id = rest[..separator];
        secret = rest[(separator + 1)..];
        return true;
    }

    /// <summary>Lower-case hex SHA-256 of the secret's UTF-8 bytes.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Whether <paramref name="secret"/> hashes to <paramref name="storedHash"/>, in constant time.</summary>
    public static bool Verify(string secret, string storedHash) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(secret)), Encoding.ASCII.GetBytes(storedHash));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
