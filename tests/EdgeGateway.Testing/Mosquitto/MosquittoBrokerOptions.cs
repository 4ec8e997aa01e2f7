namespace EdgeGateway.Testing.Mosquitto;

/// <summary>How a test's <see cref="MosquittoBroker"/> is configured.</summary>
public sealed class MosquittoBrokerOptions
{
    /// <summary>Listen with TLS (a test CA and a server certificate for localhost/127.0.0.1 are made with openssl).</summary>
    public bool Tls { get; init; }

    /// <summary>With <see cref="Tls"/>: the broker asks for a client certificate signed by the test CA (<c>require_certificate true</c>).</summary>
    public bool RequireClientCertificate { get; init; }

    /// <summary>Users and their passwords; when any are given, <c>allow_anonymous false</c> and a <c>password_file</c> made with mosquitto_passwd.</summary>
    public IReadOnlyDictionary<string, string> Users { get; init; } = new Dictionary<string, string>();

    /// <summary>The text of an <c>acl_file</c>, or null for none (everything allowed).</summary>
    public string? Acl { get; init; }

    /// <summary><c>persistence true</c> with the broker's own data directory (sessions survive <see cref="MosquittoBroker.StopAsync"/>).</summary>
    public bool Persistence { get; init; } = true;

    /// <summary>Further mosquitto.conf lines (e.g. <c>max_queued_messages 0</c>, <c>max_inflight_messages 1000</c>).</summary>
    public IReadOnlyList<string> ExtraConfiguration { get; init; } = [];

    /// <summary>
    /// <c>log_type all</c>: every PUBLISH and PUBACK in <see cref="MosquittoBroker.Log"/>, useful when a small test
    /// fails. Off for load: at district rates (≈2,000 messages/s in and out) the lines outran the test process's reading
    /// of the broker's stdout, and Mosquitto, blocked writing its log, delivered ≈80 messages/s (fleet simulator).
    /// </summary>
    public bool LogEveryPacket { get; init; } = true;

    /// <summary>
    /// A plain broker set up as deployment documents it for the hub: Mosquitto's defaults would drop the messages
    /// queued for an absent persistent session beyond 1,000 (<c>max_queued_messages</c>), which is a loss while a hub
    /// restarts; the queue is bounded by memory instead (<c>max_queued_messages 0</c>).
    /// </summary>
    public static MosquittoBrokerOptions ForHub { get; } = new() { ExtraConfiguration = ["max_queued_messages 0"] };

    public static MosquittoBrokerOptions Plain { get; } = new();
}
