using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace EdgeGateway.Mqtt;

/// <summary>
/// Validates the broker's certificate against the configured CA file only: the chain is rebuilt with
/// <see cref="X509ChainTrustMode.CustomRootTrust"/> and those roots (the system store plays no part), the host
/// name must match (SslStream's own check), and any chain error refuses the connection. Revocation is not checked
/// (a private MQTT CA normally publishes no CRL/OCSP; short-lived certificates are the answer).
/// </summary>
public static class CaChainValidator
{
    public static X509Certificate2Collection LoadRoots(string caFile)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(caFile);
        if (roots.Count == 0)
        {
            throw new InvalidDataException($"no certificate in CA file {caFile}");
        }

        return roots;
    }

    /// <returns>null when the certificate is trusted, otherwise why not.</returns>
    public static string? Validate(X509Certificate? certificate, X509Chain? presentedChain, SslPolicyErrors errors, X509Certificate2Collection roots)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return "the broker presented no certificate";
        }

        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return "the broker's certificate is not for the host name in the broker URI";
        }

        using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        if (presentedChain is not null)
        {
            // Intermediates the broker sent; they are candidates for path building, never trust anchors.
            foreach (X509ChainElement element in presentedChain.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (chain.Build(leaf))
        {
            return null;
        }

        return "certificate chain not trusted by the configured CA: "
            + string.Join("; ", chain.ChainStatus.Select(s => $"{s.Status} {s.StatusInformation.Trim()}"));
    }
}
