using System.Collections.Frozen;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Hub.WebConsole;

/// <summary>A configured user as the console uses it: the canonical name (the configured key), the role, the texts.</summary>
/// <remarks>Company: the company id, <c>district</c>, or null (an admin without one).</remarks>
internal sealed record ConsoleAccount(string Name, string Role, string DisplayName, string Language, string PasswordHash, string? Company = null);

/// <summary>
/// The console's users, from <c>Console:Users</c> and <c>Console:UsersFile</c> as they were at start. Passwords are
/// checked with ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/> (PBKDF2, salted, the format in the hash).
/// </summary>
internal sealed partial class ConsoleUserDirectory
{
    private readonly FrozenDictionary<string, ConsoleAccount> _accounts;
    private readonly PasswordHasher<ConsoleAccount> _hasher = new();
    private readonly Lazy<string> _decoyHash;
    private readonly ILogger<ConsoleUserDirectory> _logger;

    public ConsoleUserDirectory(IOptions<ConsoleOptions> options, ILogger<ConsoleUserDirectory> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _accounts = options.Value.AllUsers.ToFrozenDictionary(
            u => u.Key,
            u => new ConsoleAccount(
                u.Key,
                u.Value.Role,
                string.IsNullOrWhiteSpace(u.Value.DisplayName) ? u.Key : u.Value.DisplayName,
                ConsoleLanguage.Normalize(u.Value.Language) ?? ConsoleLanguage.Chinese,
                u.Value.PasswordHash,
                string.IsNullOrWhiteSpace(u.Value.Company) ? null : u.Value.Company.Trim()),
            StringComparer.OrdinalIgnoreCase);

        // Checked against when the name is unknown, so that an unknown name takes as long as a wrong password; made on
        // first use, not at start (hashing takes a noticeable moment, on purpose).
        _decoyHash = new Lazy<string>(() => _hasher.HashPassword(null!, Guid.NewGuid().ToString()));
        _logger = logger;
    }

    public int Count => _accounts.Count;

    /// <summary>Every configured user.</summary>
    public IEnumerable<ConsoleAccount> Accounts => _accounts.Values;

    /// <summary>Says at start who can sign in, or how to add someone when nobody can.</summary>
    public void Announce()
    {
        if (_accounts.Count == 0)
        {
            LogNoUsers(ConsoleOptions.InstalledUsersFile);
        }
        else
        {
            string roles = string.Join(", ", _accounts.Values.GroupBy(a => a.Role).Select(g => $"{g.Count()} {g.Key}"));
            LogUsers(_accounts.Count, roles);
        }
    }

    /// <summary>Whether any user belongs to <paramref name="company"/> (a company with users is not deleted).</summary>
    public bool HasUsersOf(string company) => _accounts.Values.Any(a => string.Equals(a.Company, company, StringComparison.Ordinal));

    public ConsoleAccount? Find(string? name) => name is not null && _accounts.TryGetValue(name, out ConsoleAccount? account) ? account : null;

    /// <summary>The account when <paramref name="password"/> is its password; null otherwise (no hint which part was wrong).</summary>
    public ConsoleAccount? Verify(string name, string password)
    {
        ConsoleAccount? account = Find(name);
        PasswordVerificationResult result = _hasher.VerifyHashedPassword(account!, account?.PasswordHash ?? _decoyHash.Value, password);
        if (account is null || result == PasswordVerificationResult.Failed)
        {
            return null;
        }

        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            LogRehashNeeded(account.Name);
        }

        return account;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The web console has no users: its pages show the sign-in page and nobody can sign in. Add one with `EdgeGateway.Hub add-user NAME --role admin --users-file {UsersFile}`, set Console:UsersFile to that file and restart the hub")]
    private partial void LogNoUsers(string usersFile);

    [LoggerMessage(Level = LogLevel.Information, Message = "Web console: {Count} users ({Roles})")]
    private partial void LogUsers(int count, string roles);

    [LoggerMessage(Level = LogLevel.Information, Message = "Console user {User} signed in with an old hash format; make a new one with `EdgeGateway.Hub hash-password`")]
    private partial void LogRehashNeeded(string user);
}

/// <summary>
/// Sign-in lockout: <see cref="MaxFailures"/> failures for one user name from one client address (<see cref="ClientAddress"/>)
/// within <see cref="Window"/> lock that name from that address for <see cref="Window"/>, whether or not the name exists
/// (so the lockout says nothing about which names do). Keyed by address too, so that nobody can lock a known user out by
/// failing on purpose from elsewhere (docs/security.md, "Console sign-in"); guessing from many addresses is bounded by
/// the rate limits (<see cref="SignInLimits"/>). In memory: a restart forgets it, which costs an attacker a restart they cannot cause.
/// </summary>
internal sealed class SignInThrottle(TimeProvider time)
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    // Bounded, so that guessing with ever new names cannot grow it without limit.
    private const int MaxNames = 10_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Record> _names = new(StringComparer.OrdinalIgnoreCase);

    public bool IsLocked(string name, string from)
    {
        lock (_gate)
        {
            return _names.TryGetValue(Key(name, from), out Record? record) && record.LockedUntil > time.GetUtcNow();
        }
    }

    /// <summary>Counts a failure; true when it was the one that locks the name.</summary>
    public bool Fail(string name, string from)
    {
        DateTimeOffset now = time.GetUtcNow();
        string key = Key(name, from);
        lock (_gate)
        {
            if (!_names.TryGetValue(key, out Record? record))
            {
                if (_names.Count >= MaxNames)
                {
                    Prune(now);
                }

                _names[key] = record = new Record();
            }

            while (record.Failures.Count > 0 && now - record.Failures.Peek() >= Window)
            {
                record.Failures.Dequeue();
            }

            record.Failures.Enqueue(now);
            if (record.Failures.Count < MaxFailures)
            {
                return false;
            }

            record.Failures.Clear();
            record.LockedUntil = now + Window;
            return true;
        }
    }

    public void Succeeded(string name, string from)
    {
        lock (_gate)
        {
            _names.Remove(Key(name, from));
        }
    }

    // NUL cannot be in a user name (ConsoleOptions.IsValidUserName) nor in an address.
    private static string Key(string name, string from) => from + "\0" + name;

    private void Prune(DateTimeOffset now)
    {
        foreach ((string name, Record record) in _names.ToArray())
        {
            if (record.LockedUntil <= now && (record.Failures.Count == 0 || now - record.Failures.Last() >= Window))
            {
                _names.Remove(name);
            }
        }

        // Still full of live entries: forget the least recent rather than refuse to count.
        while (_names.Count >= MaxNames)
        {
            _names.Remove(_names.MinBy(n => n.Value.Failures.Count > 0 ? n.Value.Failures.Last() : n.Value.LockedUntil).Key);
        }
    }

    private sealed class Record
    {
        public Queue<DateTimeOffset> Failures { get; } = new();

        public DateTimeOffset LockedUntil { get; set; }
    }
}
