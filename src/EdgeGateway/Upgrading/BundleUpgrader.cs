using System.Diagnostics;
using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography;
using EdgeGateway.Contracts.Bundles;
using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Reasons;
using EdgeGateway.Mqtt;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Upgrading;

/// <summary>
/// Takes an <c>upgrade</c> command: decides at once whether it may (<see cref="Offer"/>: the reply), then, off the
/// command path, downloads the archive, checks its SHA-256 against the command's and its signature against the
/// publisher's public key on this gateway — before anything of it runs — and hands it to the runner
/// (<see cref="UpgradeOptions.Runner"/>), which outlives this process: apply-signed-bundle.sh verifies again, switches
/// and rolls back by itself. What fails after the reply is reported through <see cref="Failed"/> (the MQTT link puts it
/// in the retained status's <c>last_error</c>). Never throws into the command path.
/// </summary>
public sealed partial class BundleUpgrader : IDisposable
{
    private readonly UpgradeOptions _options;
    private readonly string _directory;
    private readonly string _undoneMarker;
    private readonly string _running;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task? _current;
    private string? _currentVersion;

    /// <param name="options">The key, directories and runner.</param>
    /// <param name="dataDirectory">The gateway's data directory: downloads go to its <c>upgrade/</c> unless configured.</param>
    /// <param name="runningVersion">This gateway's version, as its status reports it.</param>
    /// <param name="time">Bounds the download's duration.</param>
    /// <param name="logger">The log.</param>
    public BundleUpgrader(UpgradeOptions options, string dataDirectory, string runningVersion, TimeProvider time, ILogger<BundleUpgrader> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _directory = string.IsNullOrWhiteSpace(options.DownloadDirectory) ? Path.Combine(dataDirectory, "upgrade") : options.DownloadDirectory;
        _undoneMarker = Path.Combine(dataDirectory, UndoneMarkerName);
        _running = runningVersion;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// The file deploy/gateway/lib.sh writes into the data directory when it undid a switch (the new version did not come
    /// up and the old one was started again): the version that failed, on its first line.
    /// </summary>
    public const string UndoneMarkerName = "upgrade-undone";

    /// <summary>What went wrong after an accepted upgrade, as <c>upgrade VERSION failed: CODE: text</c>.</summary>
    public Action<string>? Failed { get; set; }

    /// <summary>
    /// At start: when the installation undid an upgrade (<see cref="UndoneMarkerName"/> names a version other than this
    /// one), removes the mark and returns the failure as <c>upgrade VERSION failed: upgrade_rolled_back: …</c> for the
    /// status's <c>last_error</c>, so the hub's rollout learns of the rollback as soon as this (old) version is up instead
    /// of at its apply deadline. Null when nothing was undone.
    /// </summary>
    public string? TakeUndoneUpgrade()
    {
        string? undone;
        try
        {
            if (!File.Exists(_undoneMarker))
            {
                return null;
            }

            undone = File.ReadLines(_undoneMarker).FirstOrDefault()?.Trim();
            File.Delete(_undoneMarker);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            LogUndoneMarkerUnreadable(_undoneMarker, exception.Message);
            return null;
        }

        if (string.IsNullOrEmpty(undone) || string.Equals(undone, _running, StringComparison.Ordinal))
        {
            return null; // a mark of the version that runs now is stale: it came up after all
        }

        string text = FailureText(undone, ReasonCatalogue.UpgradeRolledBack(_running));
        LogFailed(text);
        return text;
    }

    /// <summary>The download, checks and hand-over under way (for tests and the stop); null when none ran.</summary>
    public Task? Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>
    /// Accepts a well-formed upgrade request (<see cref="UpgradeRules.Check"/> passed) and starts it, or refuses it with
    /// the reason: no public key to check it with, a version not newer than this one, the site file not applied yet
    /// (<paramref name="configurationApplied"/> false), another upgrade running, not enough disk space.
    /// </summary>
    /// <param name="request">The command.</param>
    /// <param name="configurationApplied">Whether protection has applied the site file. Until then every relay is
    /// held open and the journal's sessions are not taken over yet: a gateway still starting, or one that cannot apply
    /// its configuration (a technician's case), is not one to stop for an install.</param>
    public (bool Accepted, ContractReason Reason) Offer(CommandRequest request, bool configurationApplied)
    {
        ArgumentNullException.ThrowIfNull(request);
        string version = request.Version!;
        if (!File.Exists(_options.PublicKeyPath))
        {
            return (false, ReasonCatalogue.UpgradeNotConfigured(_options.PublicKeyPath));
        }

        if (!IsNewer(version, _running))
        {
            return (false, ReasonCatalogue.UpgradeNotNewer(version, _running));
        }

        if (!configurationApplied)
        {
            return (false, ReasonCatalogue.UpgradeConfigurationNotApplied());
        }

        lock (_gate)
        {
            if (_current is { IsCompleted: false })
            {
                return (false, ReasonCatalogue.UpgradeInProgress(_currentVersion!));
            }

            try
            {
                Directory.CreateDirectory(_directory);
                long free = new DriveInfo(Path.GetFullPath(_directory)).AvailableFreeSpace;
                if (free < _options.MinFreeBytes)
                {
                    return (false, ReasonCatalogue.UpgradeNoSpace(free / (1024 * 1024), _options.MinFreeBytes / (1024 * 1024)));
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                return (false, ReasonCatalogue.UpgradeDownloadFailed($"{_directory}: {exception.Message}"));
            }

            _currentVersion = version;
            _current = Task.Run(() => RunAsync(request, _stopping.Token));
        }

        string server = new Uri(request.Url!).GetLeftPart(UriPartial.Authority); // the path carries the download token: not logged
        LogAccepted(version, server);
        return (true, ReasonCatalogue.UpgradeAccepted(version));
    }

    /// <summary>Whether <paramref name="version"/> is newer than <paramref name="running"/>: numerically when both start
    /// with a dotted number (a suffix after <c>-</c> or <c>+</c> ranks below the plain version), else any other version.</summary>
    public static bool IsNewer(string version, string running)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(running);
        static (Version? Number, bool Suffixed) Parse(string v)
        {
            int cut = v.IndexOfAny(['-', '+']);
            return (Version.TryParse(cut < 0 ? v : v[..cut], out Version? number) ? number : null, cut >= 0);
        }

        (Version? a, bool aSuffixed) = Parse(version);
        (Version? b, bool bSuffixed) = Parse(running);
        if (a is null || b is null)
        {
            return !string.Equals(version, running, StringComparison.Ordinal);
        }

        int order = a.CompareTo(b);
        return order > 0 || (order == 0 && bSuffixed && !aSuffixed);
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private async Task RunAsync(CommandRequest request, CancellationToken stopping)
    {
        string version = request.Version!;
        string archive = Path.Combine(_directory, BundleSignature.ArchiveName(version));
        string partial = archive + ".partial";
        try
        {
            if (await DownloadAsync(new Uri(request.Url!), partial, stopping) is { } downloadError)
            {
                Fail(version, ReasonCatalogue.UpgradeDownloadFailed(downloadError), partial);
                return;
            }

            // Both checks before anything of the bundle runs: the digest says it is the archive the hub offered, the
            // signature (with this gateway's own key, not the hub's word) that it is the publisher's.
            byte[] digest;
            await using (FileStream read = File.OpenRead(partial))
            {
                digest = await SHA256.HashDataAsync(read, stopping);
            }

            if (!string.Equals(Convert.ToHexStringLower(digest), request.Sha256, StringComparison.Ordinal))
            {
                Fail(version, ReasonCatalogue.UpgradeDigestMismatch(), partial);
                return;
            }

            byte[] signature = Convert.FromBase64String(request.Signature!);
            using (ECDsa? key = BundleSignature.TryImportPublicKey(await File.ReadAllTextAsync(_options.PublicKeyPath, stopping), out string? keyProblem))
            {
                bool verified;
                await using (FileStream read = File.OpenRead(partial))
                {
                    verified = key is not null && BundleSignature.Verify(key, read, signature);
                }

                if (!verified)
                {
                    if (keyProblem is not null)
                    {
                        LogKeyProblem(_options.PublicKeyPath, keyProblem);
                    }

                    Fail(version, ReasonCatalogue.UpgradeSignatureInvalid(), partial);
                    return;
                }
            }

            File.Move(partial, archive, overwrite: true);
            await File.WriteAllBytesAsync(archive + ".sig", signature, stopping);
            LogVerified(version, archive);
            if (await HandOverAsync(archive, stopping) is { } runnerError)
            {
                Fail(version, ReasonCatalogue.UpgradeRunnerFailed(runnerError), null);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            LogStopped(version);
        }
#pragma warning disable CA1031 // whatever fails here is reported as the upgrade's failure; it must not take the gateway down
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Fail(version, ReasonCatalogue.UpgradeDownloadFailed(exception.Message), partial);
        }
    }

    /// <summary>Null when the archive is at <paramref name="path"/>; otherwise why not.</summary>
    private async Task<string?> DownloadAsync(Uri url, string path, CancellationToken stopping)
    {
        using var timeout = new CancellationTokenSource(_options.DownloadTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
        using HttpClient http = Client();
        try
        {
            using HttpResponseMessage response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            if (!response.IsSuccessStatusCode)
            {
                return string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)response.StatusCode} from {url.GetLeftPart(UriPartial.Authority)}");
            }

            if (response.Content.Headers.ContentLength > _options.MaxBundleBytes)
            {
                return string.Create(CultureInfo.InvariantCulture, $"the archive is larger than {_options.MaxBundleBytes} bytes");
            }

            await using Stream body = await response.Content.ReadAsStreamAsync(linked.Token);
            await using FileStream file = File.Create(path);
            byte[] buffer = new byte[81920];
            long total = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, linked.Token)) > 0)
            {
                total += read;
                if (total > _options.MaxBundleBytes)
                {
                    return string.Create(CultureInfo.InvariantCulture, $"the archive is larger than {_options.MaxBundleBytes} bytes");
                }

                await file.WriteAsync(buffer.AsMemory(0, read), linked.Token);
            }

            await file.FlushAsync(linked.Token);
            file.Flush(flushToDisk: true);
            return null;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            return $"no complete download within {_options.DownloadTimeout}";
        }
        catch (HttpRequestException exception)
        {
            return exception.Message;
        }
    }

    /// <summary>An HTTP client that trusts the configured CA only (as the MQTT link does for the broker), or the system's roots.</summary>
    private HttpClient Client()
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(30) };
        if (!string.IsNullOrWhiteSpace(_options.CaFile))
        {
            System.Security.Cryptography.X509Certificates.X509Certificate2Collection roots = CaChainValidator.LoadRoots(_options.CaFile);
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) => CaChainValidator.Validate(certificate, chain, errors, roots) is null,
            };
        }

        return new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Starts the runner with apply-signed-bundle.sh and waits for the runner itself (systemd-run returns once
    /// the unit started); null when it exited 0, otherwise why not.</summary>
    private async Task<string?> HandOverAsync(string archive, CancellationToken stopping)
    {
        string[] runner = _options.Runner.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var start = new ProcessStartInfo(runner[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in runner.Skip(1).Concat([_options.ApplyScript, archive, "--signature", archive + ".sig", "--public-key", _options.PublicKeyPath]))
        {
            start.ArgumentList.Add(argument);
        }

        string commandLine = string.Join(' ', start.ArgumentList.Prepend(start.FileName));
        LogHandOver(commandLine);

        using var process = Process.Start(start);
        if (process is null)
        {
            return $"{runner[0]} did not start";
        }

        Task<string> error = process.StandardError.ReadToEndAsync(stopping);
        _ = process.StandardOutput.ReadToEndAsync(stopping);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1), _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
        await process.WaitForExitAsync(linked.Token);
        if (process.ExitCode == 0)
        {
            return null;
        }

        string text = (await error).Trim();
        return string.Create(CultureInfo.InvariantCulture, $"{runner[0]} exited {process.ExitCode}: {(text.Length > 200 ? text[..200] : text)}");
    }

    private void Fail(string version, ContractReason reason, string? partial)
    {
        if (partial is not null)
        {
            try
            {
                File.Delete(partial);
            }
            catch (IOException)
            {
                // Left behind: the next download of this version overwrites it.
            }
        }

        string text = FailureText(version, reason);
        LogFailed(text);
        Failed?.Invoke(text);
    }

    private static string FailureText(string version, ContractReason reason) => $"upgrade {version} failed: {reason.Code}: {ReasonText.Detail(reason)}";

    [LoggerMessage(Level = LogLevel.Warning, Message = "The upgrade mark {Path} could not be read: {Problem}")]
    private partial void LogUndoneMarkerUnreadable(string path, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upgrade to {Version} accepted: downloading from {Server}")]
    private partial void LogAccepted(string version, string server);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upgrade to {Version}: SHA-256 and signature verified ({Archive})")]
    private partial void LogVerified(string version, string archive);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upgrade: handed over to {CommandLine}")]
    private partial void LogHandOver(string commandLine);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Failure}")]
    private partial void LogFailed(string failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bundle-signing public key {Path}: {Problem}")]
    private partial void LogKeyProblem(string path, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upgrade to {Version} stopped with the gateway")]
    private partial void LogStopped(string version);
}
