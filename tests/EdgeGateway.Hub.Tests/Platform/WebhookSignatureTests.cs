using System.Security.Cryptography;
using System.Text;
using EdgeGateway.Hub.Platform;

namespace EdgeGateway.Hub.Tests.Platform;

/// <summary>The webhook signature: <c>t={unix},v1={hex HMAC-SHA256(secret, t + "." + body)}</c>, checked as README.md tells a receiver to.</summary>
public sealed class WebhookSignatureTests
{
    private const string Secret = "whsec_test";
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"event_id":"session_ended.s.g.1","type":"session_ended"}""");
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_signature_is_the_documented_hmac_of_timestamp_dot_body()
    {
        long t = Now.ToUnixTimeSeconds();
        string expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(t + "." + Encoding.UTF8.GetString(Body))));

        Assert.Equal($"t={t},v1={expected}", WebhookSignature.Sign(Secret, t, Body));
    }

    [Fact]
    public void A_receiver_accepts_the_signed_body_within_the_window()
    {
        string header = WebhookSignature.Sign(Secret, Now.ToUnixTimeSeconds(), Body);
        Assert.True(WebhookSignature.Verify(Secret, header, Body, Now + TimeSpan.FromMinutes(4)));
    }

    [Fact]
    public void Another_body_secret_or_an_old_timestamp_is_refused()
    {
        string header = WebhookSignature.Sign(Secret, Now.ToUnixTimeSeconds(), Body);
        byte[] changed = [.. Body[..^2], (byte)' ', (byte)'}'];

        Assert.False(WebhookSignature.Verify(Secret, header, changed, Now));
        Assert.False(WebhookSignature.Verify("whsec_other", header, Body, Now));
        Assert.False(WebhookSignature.Verify(Secret, header, Body, Now + TimeSpan.FromMinutes(6)), "a replay after the 5-minute window");
        Assert.False(WebhookSignature.Verify(Secret, header.Replace("t=", "t=1", StringComparison.Ordinal), Body, Now), "the timestamp is signed");
        Assert.False(WebhookSignature.Verify(Secret, null, Body, Now));
        Assert.False(WebhookSignature.Verify(Secret, "t=99999999999999999,v1=00", Body, Now));
    }
}
