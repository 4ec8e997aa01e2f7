using System.Globalization;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Hub.Persistence;

/// <summary>
/// How the hub opens its own SQLite files (the console store, the notification ledger), kept in one place so every such
/// file follows one format policy: WAL with <c>synchronous = FULL</c>, so a committed row survives a crash or power cut
/// (these files hold what people did and what people must be told, which nothing else can replay); an
/// <c>application_id</c> and <c>user_version</c>, so a file of another kind or written by a newer hub is refused before
/// anything is written into it; and the schema created, or migrated step by step, in one transaction at every open.
/// An instance describes what differs between files.
/// </summary>
internal sealed class SqliteFileFormat
{
    /// <summary>What the file is, in messages: "{path} is not a {Kind} of this hub version".</summary>
    public required string Kind { get; init; }

    /// <summary>The file's SQLite <c>application_id</c>; a file with another (non-zero) one is refused.</summary>
    public required int ApplicationId { get; init; }

    /// <summary>The file's SQLite <c>user_version</c>; a file with a higher one (a newer hub's) is refused.</summary>
    public required int SchemaVersion { get; init; }

    /// <summary>The schema of <see cref="SchemaVersion"/>, idempotent (<c>IF NOT EXISTS</c>): run at every open, after the migrations.</summary>
    public required string Schema { get; init; }

    /// <summary>
    /// By the version a file was found at: the SQL that brings it to the next version. A new file (version 0) needs none,
    /// and a version without an entry needs only what <see cref="Schema"/> creates.
    /// </summary>
    public IReadOnlyDictionary<int, string> Migrations { get; init; } = new Dictionary<int, string>();

    /// <summary>
    /// <c>locking_mode = EXCLUSIVE</c>: the first transaction takes the file for as long as the connection is open, so a
    /// second process on the same file is refused instead of sharing it.
    /// </summary>
    public bool ExclusiveLocking { get; init; }

    /// <summary>How long a statement waits on another connection's lock before failing.</summary>
    public required int BusyTimeoutSeconds { get; init; }

    /// <summary>
    /// When set, the file being held by another process (SQLITE_BUSY, SQLITE_LOCKED) while opening is reported as
    /// "The {Kind} {path} is in use by another process; {InUseAdvice}."; when null, the SQLite error is left as it is.
    /// </summary>
    public string? InUseAdvice { get; init; }

    /// <summary>
    /// Opens (or creates) the file at <paramref name="path"/> (and its directory), checks and brings its schema up to
    /// date, then hands the full path and the open connection to <paramref name="create"/>, which owns the connection
    /// from then on; if anything up to and including <paramref name="create"/> throws, the connection is closed.
    /// </summary>
    /// <exception cref="InvalidOperationException">The file is not of this kind, of a newer schema, or (with <see cref="InUseAdvice"/>) in use by another process.</exception>
    public T Open<T>(string path, Func<string, SqliteConnection, T> create)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(create);
        path = Path.GetFullPath(path);
        string? directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            // No pool: closing must release the file and any lock on it (restarts, tests).
            Pooling = false,
            DefaultTimeout = BusyTimeoutSeconds,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            if (ExclusiveLocking)
            {
                Execute(connection, "PRAGMA locking_mode = EXCLUSIVE;");
            }

            Execute(connection, "PRAGMA journal_mode = WAL;");
            // FULL: the WAL is synced at every commit; NORMAL could lose the last commits on a power cut.
            Execute(connection, "PRAGMA synchronous = FULL;");
            using (SqliteTransaction tx = connection.BeginTransaction())
            {
                long application = Scalar(connection, "PRAGMA application_id;", tx);
                long version = Scalar(connection, "PRAGMA user_version;", tx);
                if ((application != 0 && application != ApplicationId) || version > SchemaVersion)
                {
                    throw new InvalidOperationException(
                        $"{path} is not a {Kind} of this hub version (application_id {application}, user_version {version}).");
                }

                for (long from = version; from > 0 && from < SchemaVersion; from++)
                {
                    if (Migrations.TryGetValue((int)from, out string? migration))
                    {
                        Execute(connection, migration, tx);
                    }
                }

                Execute(connection, Schema, tx);
                Execute(connection, string.Create(CultureInfo.InvariantCulture,
                    $"PRAGMA application_id = {ApplicationId}; PRAGMA user_version = {SchemaVersion};"), tx);
                tx.Commit();
            }

            return create(path, connection);
        }
        catch (SqliteException exception) when (InUseAdvice is not null && exception.SqliteErrorCode is 5 or 6)
        {
            connection.Dispose();
            throw new InvalidOperationException($"The {Kind} {path} is in use by another process; {InUseAdvice}.", exception);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="sql"/> on <paramref name="connection"/> (in <paramref name="tx"/>, if given).</summary>
    internal static void Execute(SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        command.ExecuteNonQuery();
    }

    /// <summary>The first column of the first row of <paramref name="sql"/>, as a long.</summary>
    internal static long Scalar(SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
