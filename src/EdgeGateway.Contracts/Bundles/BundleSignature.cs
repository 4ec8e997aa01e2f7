using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace EdgeGateway.Contracts.Bundles;

/// <summary>
/// A gateway bundle archive's signature as deploy/gateway/sign-bundle.sh makes it and apply-signed-bundle.sh checks it:
/// ECDSA P-256 over the SHA-256 of the archive (<c>openssl dgst -sha256 -sign</c>), the signature DER-encoded
/// (RFC 3279 <c>Ecdsa-Sig-Value</c>), the public key a PEM SubjectPublicKeyInfo. The hub checks it before it offers a
/// bundle, the gateway before anything of the bundle runs.
/// </summary>
public static partial class BundleSignature
{
    /// <summary>A DER ECDSA P-256 signature is at most 72 bytes; anything much longer is not one.</summary>
    public const int MaxSignatureBytes = 80;

    /// <summary>The archive name build-bundle.sh gives version <c>VERSION</c>.</summary>
    public static string ArchiveName(string version) => $"edgegateway-{version}-linux-arm64.tar.gz";

    /// <summary>The version in an archive name (<see cref="ArchiveName"/>), or null when the name is not one.</summary>
    public static string? VersionOf(string fileName)
    {
        Match match = ArchivePattern().Match(fileName);
        return match.Success ? match.Groups[1].Value : null;
    }

    /// <summary>The public key in <paramref name="pem"/> (a PEM SubjectPublicKeyInfo), or null with why when it is not a P-256 key.</summary>
    public static ECDsa? TryImportPublicKey(string pem, out string? problem)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            if (key.KeySize != 256)
            {
                problem = $"the key is {key.KeySize}-bit; sign-bundle.sh makes P-256 keys";
                key.Dispose();
                return null;
            }

            problem = null;
            return key;
        }
        catch (ArgumentException exception)
        {
            problem = $"not a PEM public key: {exception.Message}";
            key.Dispose();
            return null;
        }
        catch (CryptographicException exception)
        {
            problem = $"not an EC public key: {exception.Message}";
            key.Dispose();
            return null;
        }
    }

    /// <summary>True when <paramref name="signature"/> is <paramref name="key"/>'s signature of everything <paramref name="archive"/> holds from its position.</summary>
    public static bool Verify(ECDsa key, Stream archive, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(archive);
        if (signature.IsEmpty || signature.Length > MaxSignatureBytes)
        {
            return false;
        }

        try
        {
            return key.VerifyData(archive, signature.ToArray(), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    [GeneratedRegex("^edgegateway-([A-Za-z0-9][A-Za-z0-9._+-]{0,63})-linux-arm64\\.tar\\.gz$", RegexOptions.CultureInvariant)]
    private static partial Regex ArchivePattern();
}
