using System.Security.Cryptography;
using EdgeGateway.Hub.Upgrades;

namespace EdgeGateway.Hub.Tests.Upgrades;

/// <summary>
/// The hub's bundle directory: a bundle whose signature verifies with the configured key is offered (with its SHA-256
/// and signature for the command); one changed by a byte, one signed by another key and one without a signature are
/// refused with the reason; uploads are limited to the bundle names, the size limit and the free space kept.
/// </summary>
public sealed class BundleStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-bundles-").FullName;
    private readonly ECDsa _publisher = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _someoneElse = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public void Dispose()
    {
        _publisher.Dispose();
        _someoneElse.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Only_a_bundle_signed_by_the_configured_key_and_unchanged_is_offered()
    {
        BundleStore store = Store();
        byte[] good = Bundle("0.2.0", _publisher);
        byte[] tampered = Bundle("0.3.0", _publisher);
        File.WriteAllBytes(ArchivePath("0.3.0"), [.. tampered.Take(10), (byte)(tampered[10] ^ 1), .. tampered.Skip(11)]);
        Bundle("0.4.0", _someoneElse);
        Bundle("0.5.0", _publisher);
        File.Delete(ArchivePath("0.5.0") + ".sig");

        (IReadOnlyList<OfferedBundle> offered, IReadOnlyList<RefusedBundle> refused) = store.Scan();

        OfferedBundle bundle = Assert.Single(offered);
        Assert.Equal("0.2.0", bundle.Version);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(good)), bundle.Sha256);
        Assert.Equal(File.ReadAllBytes(ArchivePath("0.2.0") + ".sig"), Convert.FromBase64String(bundle.Signature));
        Assert.Equal(["0.3.0", "0.4.0", "0.5.0"], refused.Select(r => r.FileName.Split('-')[1]));
        Assert.Contains("does not verify", refused[0].Reason, StringComparison.Ordinal);
        Assert.Contains("does not verify", refused[1].Reason, StringComparison.Ordinal);
        Assert.Contains("no signature", refused[2].Reason, StringComparison.Ordinal);
        Assert.Null(store.Find("0.3.0"));
        Assert.NotNull(store.Find("0.2.0"));
    }

    [Fact]
    public void A_bundle_changed_after_it_was_offered_is_no_longer_served()
    {
        BundleStore store = Store();
        Bundle("0.2.0", _publisher);
        OfferedBundle offered = store.Find("0.2.0")!;
        using (FileStream first = store.OpenOffered(offered)!)
        {
            Assert.True(first.Length > 0);
        }

        File.AppendAllText(ArchivePath("0.2.0"), "x");

        Assert.Null(store.OpenOffered(offered));
    }

    [Fact]
    public async Task Uploads_take_bundle_names_only_within_the_size_limit_and_nothing_without_a_key()
    {
        BundleStore store = Store(maxBytes: 4096);
        byte[] archive = RandomNumberGenerator.GetBytes(2048);

        Assert.Null(await store.SaveAsync("edgegateway-0.2.0-linux-arm64.tar.gz", new MemoryStream(archive), null, default));
        Assert.Null(await store.SaveAsync("edgegateway-0.2.0-linux-arm64.tar.gz.sig", new MemoryStream(Sign(archive, _publisher)), null, default));
        Assert.Equal("0.2.0", Assert.Single(store.Scan().Offered).Version);

        Assert.Contains("the name must be", await store.SaveAsync("../../etc/passwd", new MemoryStream(archive), null, default), StringComparison.Ordinal);
        Assert.Contains("larger than 4096", await store.SaveAsync("edgegateway-0.3.0-linux-arm64.tar.gz", new MemoryStream(new byte[5000]), null, default), StringComparison.Ordinal);
        Assert.Contains("larger than 4096", await store.SaveAsync("edgegateway-0.3.0-linux-arm64.tar.gz", new MemoryStream(archive), 5000, default), StringComparison.Ordinal);
        Assert.False(File.Exists(ArchivePath("0.3.0")));
        Assert.Equal(["edgegateway-0.2.0-linux-arm64.tar.gz", "edgegateway-0.2.0-linux-arm64.tar.gz.sig"], Directory.GetFiles(_dir).Select(Path.GetFileName).Order());

        var unkeyed = new BundleStore(new UpgradeOptions { BundleDirectory = _dir });
        Assert.Contains("no public key", await unkeyed.SaveAsync("edgegateway-0.3.0-linux-arm64.tar.gz", new MemoryStream(archive), null, default), StringComparison.Ordinal);
        Assert.Empty(unkeyed.Scan().Offered);
    }

    private BundleStore Store(long maxBytes = 1024 * 1024)
    {
        string key = Path.Combine(Path.GetTempPath(), $"edgegateway-bundle-key-{Guid.NewGuid():N}.pem");
        File.WriteAllText(key, _publisher.ExportSubjectPublicKeyInfoPem());
        try
        {
            return new BundleStore(new UpgradeOptions { BundleDirectory = _dir, PublicKeyPath = key, MaxBundleBytes = maxBytes, MinFreeBytes = 0 });
        }
        finally
        {
            File.Delete(key);
        }
    }

    private string ArchivePath(string version) => Path.Combine(_dir, $"edgegateway-{version}-linux-arm64.tar.gz");

    /// <summary>A stand-in archive (random bytes: the store checks signatures, not contents) and its openssl-style signature.</summary>
    private byte[] Bundle(string version, ECDsa key)
    {
        byte[] archive = RandomNumberGenerator.GetBytes(3000);
        File.WriteAllBytes(ArchivePath(version), archive);
        File.WriteAllBytes(ArchivePath(version) + ".sig", Sign(archive, key));
        return archive;
    }

    private static byte[] Sign(byte[] data, ECDsa key) => key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
}
