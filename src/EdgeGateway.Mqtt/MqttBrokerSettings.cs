namespace EdgeGateway.Mqtt;

/// <summary>
/// How a client trusts the broker and proves who it is: the CA its certificate must chain to, a client certificate,
/// a username and where its password is, and how long the broker keeps the session. Declared once for every place that
/// configures a broker connection — the gateway's <c>Mqtt</c> section, the site file's <c>mqtt:</c> section, the hub's
/// <c>Hub</c> section — and for <see cref="MqttLinkOptions"/> itself, so a new TLS or authentication setting is one
/// property here and one line in <see cref="CopyBrokerSettingsTo"/>.
/// </summary>
/// <remarks>
/// The broker's address is not here: the gateway's may be <c>embedded</c> or <c>none</c>, the hub's is always a URI.
/// The password is never held: only where to read it, at every connect, so a rotated secret takes effect on the next
/// reconnect and no setting ever carries it into a log.
/// </remarks>
public abstract class MqttBrokerSettings
{
    /// <summary>CA certificate(s) (PEM) the broker's certificate must chain to (mqtts). Only these roots are trusted, not the system store.</summary>
    public string? CaFile { get; set; }

    /// <summary>Client certificate (PEM) for brokers that authenticate clients by certificate; with <see cref="ClientKeyFile"/>.</summary>
    public string? ClientCertificateFile { get; set; }

    /// <summary>The client certificate's private key (PEM, unencrypted; mode 0600).</summary>
    public string? ClientKeyFile { get; set; }

    public string? Username { get; set; }

    /// <summary>A file holding the password (first line; trailing line break ignored; mode 0600, owned by the service user).</summary>
    public string? PasswordFile { get; set; }

    /// <summary>Or the name of an environment variable holding it (systemd <c>LoadCredential=</c>/<c>Environment=</c>); used when <see cref="PasswordFile"/> is not set.</summary>
    public string? PasswordEnvironmentVariable { get; set; }

    /// <summary>How long the broker keeps the session (subscriptions, queued QoS 1 messages) while the client is away.</summary>
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Copies every setting declared here onto <paramref name="target"/>.</summary>
    public void CopyBrokerSettingsTo(MqttBrokerSettings target)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.CaFile = CaFile;
        target.ClientCertificateFile = ClientCertificateFile;
        target.ClientKeyFile = ClientKeyFile;
        target.Username = Username;
        target.PasswordFile = PasswordFile;
        target.PasswordEnvironmentVariable = PasswordEnvironmentVariable;
        target.SessionExpiry = SessionExpiry;
    }

    /// <summary>
    /// The files these settings name that cannot be read now (each as <c>{section}:Key: path …</c>): a CA, certificate,
    /// key or password file missing or unreadable by the service user is said at start, not at the first connect.
    /// </summary>
    public IEnumerable<string> FileProblems(string section)
    {
        foreach ((string key, string? path) in new (string, string?)[]
        {
            (nameof(CaFile), CaFile), (nameof(ClientCertificateFile), ClientCertificateFile), (nameof(ClientKeyFile), ClientKeyFile), (nameof(PasswordFile), PasswordFile),
        })
        {
            if (ReadableFileProblem($"{section}:{key}", path) is { } problem)
            {
                yield return problem;
            }
        }
    }

    /// <summary>Why the file a setting names cannot be read (it is opened, as the service's user, and closed); null when it can or none is named.</summary>
    public static string? ReadableFileProblem(string key, string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return null;
        }

        try
        {
            using FileStream file = File.OpenRead(path);
            return null;
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            return $"{key}: {path} does not exist";
        }
        catch (Exception exception) when (exception is UnauthorizedAccessException or IOException)
        {
            return $"{key}: {path} cannot be read: {exception.Message}";
        }
    }
}
