using EdgeGateway.Hub.Platform;

namespace EdgeGateway.Hub.Tests.Platform;

/// <summary>Platform API keys: made, parsed, stored as a hash only, verified in constant time.</summary>
public sealed class ApiKeyTokenTests
{
    [Fact]
    public void A_new_key_verifies_against_its_stored_hash_and_the_hash_is_not_the_secret()
    {
        (string id, string token, string hash) = ApiKeyToken.Create();

        Assert.StartsWith("egk_" + id + "_", token, StringComparison.Ordinal);
        Assert.True(ApiKeyToken.TryParse(token, out string? parsedId, out string? secret));
        Assert.Equal(id, parsedId);
        Assert.True(ApiKeyToken.Verify(secret, hash));
        Assert.DoesNotContain(secret, hash, StringComparison.Ordinal);
        Assert.Equal(64, hash.Length); // SHA-256, hex
        Assert.True(secret.Length >= 43, "a 256-bit secret in base64url is 43 characters");
    }

    [Fact]
    public void Another_secret_or_another_key_does_not_verify()
    {
        (_, string token, string hash) = ApiKeyToken.Create();
        (_, string other, _) = ApiKeyToken.Create();
        Assert.True(ApiKeyToken.TryParse(token, out _, out string? secret));
        Assert.True(ApiKeyToken.TryParse(other, out _, out string? otherSecret));

        Assert.False(ApiKeyToken.Verify(otherSecret, hash));
        Assert.False(ApiKeyToken.Verify(secret[..^1] + (secret[^1] == 'A' ? 'B' : 'A'), hash));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("egk_")]
    [InlineData("egk_0123456789ab")]
    [InlineData("egk_0123456789ab_")]
    [InlineData("egk_0123456789AB_secret")] // the id is lower-case hex
    [InlineData("egk_0123_secret")]
    [InlineData("xyz_0123456789ab_secret")]
    public void A_token_not_shaped_like_a_key_is_refused(string? token) =>
        Assert.False(ApiKeyToken.TryParse(token, out _, out _));

    [Fact]
    public void Two_keys_differ_in_id_and_secret()
    {
        (string id1, string token1, string hash1) = ApiKeyToken.Create();
        (string id2, string token2, string hash2) = ApiKeyToken.Create();
        Assert.NotEqual(id1, id2);
        Assert.NotEqual(token1, token2);
        Assert.NotEqual(hash1, hash2);
    }
}
