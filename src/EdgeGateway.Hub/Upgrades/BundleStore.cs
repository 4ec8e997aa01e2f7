using System.Security.Cryptography;
using EdgeGateway.Contracts.Bundles;

namespace EdgeGateway.Hub.Upgrades;

/// <summary>A bundle the hub offers: its archive verified against the configured public key.</summary>
internal sealed record OfferedBundle(string Version, string FileName, long Bytes, string Sha256, string Signature);

/// <summary>A file of the bundle directory that is not offered, and why.</summary>
internal sealed record RefusedBundle(string FileName, string Reason);

/// <summary>
/// The bundle directory (<see cref="UpgradeOptions.BundleDirectory"/>): <c>edgegateway-VERSION-linux-arm64.tar.gz</c>
/// beside its <c>.sig</c>, uploaded through the console or dropped there by an admin. A bundle is offered only when its
/// signature verifies with the configured public key (checked at every scan, remembered per file size and time); the
/// gateway checks it again with its own copy of the key, so the hub's word is never what a gateway trusts. Uploads are
/// limited in size and by the free space they would leave.
/// </summary>
internal sealed class BundleStore
{
    private readonly UpgradeOptions _options;
    private readonly ECDsa? _key;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (long Bytes, DateTime Written, OfferedBundle? Offered, string? Refused)> _checked = new(StringComparer.Ordinal);

    public BundleStore(UpgradeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        Directory = options.BundleDirectory;
        if (!string.IsNullOrWhiteSpace(options.PublicKeyPath) && File.Exists(options.PublicKeyPath))
        {
            _key = BundleSignature.TryImportPublicKey(File.ReadAllText(options.PublicKeyPath), out string? problem);
            KeyProblem = problem;
        }
        else
        {
            KeyProblem = "no public key configured (Hub:Upgrades:PublicKeyPath)";
        }
    }

    public string Directory { get; }

    /// <summary>Why no bundle can be offered; null once a usable public key is configured.</summary>
    public string? KeyProblem { get; }

    /// <summary>The bundles offered and the files refused, by version / name.</summary>
    public (IReadOnlyList<OfferedBundle> Offered, IReadOnlyList<RefusedBundle> Refused) Scan()
    {
        var offered = new List<OfferedBundle>();
        var refused = new List<RefusedBundle>();
        if (_key is null || !System.IO.Directory.Exists(Directory))
        {
            return (offered, refused);
        }

        foreach (string path in System.IO.Directory.EnumerateFiles(Directory, "edgegateway-*-linux-arm64.tar.gz").Order(StringComparer.Ordinal))
        {
            (OfferedBundle? bundle, string? why) = Check(path);
            if (bundle is not null)
            {
                offered.Add(bundle);
            }
            else
            {
                refused.Add(new RefusedBundle(Path.GetFileName(path), why!));
            }
        }

        return (offered, refused);
    }

    /// <summary>The offered bundle of <paramref name="version"/>, checked now; null when there is none.</summary>
    public OfferedBundle? Find(string version)
    {
        if (_key is null || BundleSignature.VersionOf(BundleSignature.ArchiveName(version)) != version)
        {
            return null;
        }

        string path = Path.Combine(Directory, BundleSignature.ArchiveName(version));
        return File.Exists(path) ? Check(path).Offered : null;
    }

    /// <summary>The archive of an offered bundle, to stream; null when it is no longer offered (changed since).</summary>
    public FileStream? OpenOffered(OfferedBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        return Find(bundle.Version) is { } now && now.Sha256 == bundle.Sha256
            ? new FileStream(Path.Combine(Directory, bundle.FileName), FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true)
            : null;
    }

    /// <summary>
    /// Stores an uploaded archive or signature as <paramref name="fileName"/> (<c>edgegateway-VERSION-linux-arm64.tar.gz</c>
    /// or the same with <c>.sig</c>); null when stored, otherwise why not. Read no further than the limit; written beside
    /// and renamed, so a half upload is never offered.
    /// </summary>
    public async Task<string?> SaveAsync(string fileName, Stream body, long? declaredBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        bool signature = fileName.EndsWith(".sig", StringComparison.Ordinal);
        string archiveName = signature ? fileName[..^4] : fileName;
        if (BundleSignature.VersionOf(archiveName) is null)
        {
            return "the name must be edgegateway-VERSION-linux-arm64.tar.gz or the same with .sig";
        }

        if (_key is null)
        {
            return KeyProblem;
        }

        long limit = signature ? BundleSignature.MaxSignatureBytes : _options.MaxBundleBytes;
        if (declaredBytes > limit)
        {
            return $"larger than {limit} bytes";
        }

        System.IO.Directory.CreateDirectory(Directory);
        long free = new DriveInfo(Path.GetFullPath(Directory)).AvailableFreeSpace;
        if (free - (declaredBytes ?? limit) < _options.MinFreeBytes)
        {
            return $"the bundle directory would keep less than {_options.MinFreeBytes / (1024 * 1024)} MB free";
        }

        string target = Path.Combine(Directory, fileName);
        string partial = target + ".upload-" + Guid.NewGuid().ToString("N");
        try
        {
            await using (FileStream file = File.Create(partial))
            {
                byte[] buffer = new byte[81920];
                long total = 0;
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    total += read;
                    if (total > limit)
                    {
                        return $"larger than {limit} bytes";
                    }

                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }

                file.Flush(flushToDisk: true);
            }

            File.Move(partial, target, overwrite: true);
            return null;
        }
        finally
        {
            File.Delete(partial);
        }
    }

    private (OfferedBundle? Offered, string? Refused) Check(string path)
    {
        var info = new FileInfo(path);
        string name = info.Name;
        string signaturePath = path + ".sig";
        DateTime written = new[] { info.LastWriteTimeUtc, File.Exists(signaturePath) ? File.GetLastWriteTimeUtc(signaturePath) : DateTime.MinValue }.Max();
        lock (_gate)
        {
            if (_checked.TryGetValue(name, out (long Bytes, DateTime Written, OfferedBundle? Offered, string? Refused) known) && known.Bytes == info.Length && known.Written == written)
            {
                return (known.Offered, known.Refused);
            }
        }

        (OfferedBundle? offered, string? refused) = Verify(path, name, signaturePath);
        lock (_gate)
        {
            _checked[name] = (info.Length, written, offered, refused);
        }

        return (offered, refused);
    }

    private (OfferedBundle? Offered, string? Refused) Verify(string path, string name, string signaturePath)
    {
        if (!File.Exists(signaturePath))
        {
            return (null, "no signature (.sig) beside it");
        }

        byte[] signature = File.ReadAllBytes(signaturePath);
        using FileStream archive = File.OpenRead(path);
        if (!BundleSignature.Verify(_key!, archive, signature))
        {
            return (null, "its signature does not verify with the configured public key (changed, or another publisher's)");
        }

        archive.Position = 0;
        string sha256 = Convert.ToHexStringLower(SHA256.HashData(archive));
        return (new OfferedBundle(BundleSignature.VersionOf(name)!, name, archive.Length, sha256, Convert.ToBase64String(signature)), null);
    }
}
