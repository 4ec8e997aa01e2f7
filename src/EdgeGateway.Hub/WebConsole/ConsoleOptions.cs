using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeGateway.Hub.Tenants;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Hub.WebConsole;

/// <summary>The web console's roles (API.md "Roles"), by their configured names.</summary>
public static class ConsoleRoles
{
    /// <summary>District city-management staff (城管): trends only.</summary>
    public const string Viewer = "viewer";

    /// <summary>Property managers (物业): alarms and acknowledgements, the board read-only, trends.</summary>
    public const string Manager = "manager";

    /// <summary>Maintenance staff: the board, details, commands, alarms read-only.</summary>
    public const string Maintenance = "maintenance";

    /// <summary>Everything, plus the audit log.</summary>
    public const string Admin = "admin";

    public static IReadOnlyList<string> All { get; } = [Viewer, Manager, Maintenance, Admin];

    public static bool IsKnown(string? role) => role is not null && All.Contains(role, StringComparer.Ordinal);
}

/// <summary>One console user: a password hash (ASP.NET Core Identity's <c>PasswordHasher</c> format, made by
/// <c>EdgeGateway.Hub hash-password</c> or <c>add-user</c>), a role, and how the console addresses them.</summary>
public sealed class ConsoleUser
{
    public string PasswordHash { get; set; } = "";

    /// <summary>viewer, manager, maintenance or admin.</summary>
    public string Role { get; set; } = "";

    /// <summary>Shown in the console's header (李工); the user name when empty.</summary>
    public string? DisplayName { get; set; }

    /// <summary>zh-CN or en: the language until the user picks one (cookie <c>lang</c>); zh-CN when empty.</summary>
    public string? Language { get; set; }

    /// <summary>The id of the user's company in the registry (Tenants), or <c>district</c> for district staff (every
    /// company, read-only). Required for every role but admin.</summary>
    public string? Company { get; set; }
}

/// <summary>
/// The web console's settings (section <c>Console</c>): its users, inline (<see cref="Users"/>) or in a file of their
/// own (<see cref="UsersFile"/>, written by <c>add-user</c>, mode 0600), and how long a command waits for its gateway.
/// </summary>
public sealed class ConsoleOptions
{
    public const string Section = "Console";

    /// <summary>Where <c>add-user</c> writes when no <c>--users-file</c> is given.</summary>
    public const string InstalledUsersFile = "/etc/edgegateway/hub-users.json";

    /// <summary>User name → user. Names are matched without regard to case, as configuration keys are.</summary>
    public Dictionary<string, ConsoleUser> Users { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A JSON file mapping user name → user (the shape of <see cref="Users"/>), read once at start.</summary>
    public string? UsersFile { get; set; }

    /// <summary>How long a command waits for the gateway's reply before the console answers 504.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The users read from <see cref="UsersFile"/> at start (filled by the options' post-configuration).</summary>
    internal Dictionary<string, ConsoleUser> FileUsers { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Why <see cref="UsersFile"/> could not be read, if it could not; reported by the validator.</summary>
    internal string? UsersFileProblem { get; set; }

    /// <summary>Every user, inline and from the file (a name in both is a validation failure).</summary>
    internal IEnumerable<KeyValuePair<string, ConsoleUser>> AllUsers => Users.Concat(FileUsers);

    /// <summary>Problems with these settings, each naming its key; empty when they are usable. With
    /// <paramref name="registry"/>, a user's company must be one of its companies (or the district).</summary>
    internal IReadOnlyList<string> Problems(TenantDirectory? registry = null)
    {
        var problems = new List<string>();
        if (UsersFileProblem is not null)
        {
            problems.Add(UsersFileProblem);
        }

        foreach ((string name, ConsoleUser user) in Users)
        {
            problems.AddRange(UserProblems(name, user, $"{Section}:Users:{name}:", registry: registry));
        }

        foreach ((string name, ConsoleUser user) in FileUsers)
        {
            problems.AddRange(UserProblems(name, user, $"{UsersFile}: {name}.", registry: registry));
            if (Users.ContainsKey(name))
            {
                problems.Add($"{Section}:Users:{name}: the user is also in {UsersFile}; keep one of the two");
            }
        }

        if (CommandTimeout <= TimeSpan.Zero || CommandTimeout > TimeSpan.FromMinutes(2))
        {
            problems.Add($"{Section}:CommandTimeout: between 0 and 2 minutes (a gateway answers in well under a second)");
        }

        return problems;
    }

    /// <summary>What is wrong with one user, each problem prefixed with where the user is configured.</summary>
    internal static IEnumerable<string> UserProblems(string name, ConsoleUser user, string where, bool withHash = true, TenantDirectory? registry = null)
    {
        if (!IsValidUserName(name))
        {
            yield return $"{where.TrimEnd(':', '.')}: a user name is 1 to 64 letters, digits, '.', '_', '-' or '@'";
        }

        if (withHash && string.IsNullOrWhiteSpace(user.PasswordHash))
        {
            yield return $"{where}PasswordHash: empty; make one with `EdgeGateway.Hub hash-password` (or use `EdgeGateway.Hub add-user`)";
        }
        else if (withHash && !LooksLikeHash(user.PasswordHash))
        {
            yield return $"{where}PasswordHash: not a password hash; make one with `EdgeGateway.Hub hash-password` (never put the password itself here)";
        }

        if (!ConsoleRoles.IsKnown(user.Role))
        {
            yield return $"{where}Role: '{user.Role}' is not a role; use {string.Join(", ", ConsoleRoles.All)}";
        }

        if (user.Language is { Length: > 0 } language && ConsoleLanguage.Normalize(language) is null)
        {
            yield return $"{where}Language: '{language}' is not a console language; use zh-CN or en";
        }

        if (CompanyProblem(user.Role, user.Company, registry) is { } company)
        {
            yield return $"{where}Company: {company}";
        }
    }

    /// <summary>What is wrong with a user's company: every role but admin belongs to a company of the registry or to the
    /// district; null when nothing is.</summary>
    internal static string? CompanyProblem(string? role, string? company, TenantDirectory? registry)
    {
        if (string.IsNullOrWhiteSpace(company))
        {
            return role == ConsoleRoles.Admin || !ConsoleRoles.IsKnown(role)
                ? null
                : $"missing: a {role} belongs to a company of the registry (its id) or to the district ('{TenantDirectory.District}', every company read-only)";
        }

        if (company == TenantDirectory.District)
        {
            return null;
        }

        if (!TenantDirectory.IsValidCompanyId(company))
        {
            return $"'{company}' is not a company id (lower-case letters, digits, '-', '_'), nor '{TenantDirectory.District}'";
        }

        return registry is not null && registry.Company(company) is null
            ? $"'{company}' is not a company of the registry; add it there (the console's registry page, or the registry file) or use '{TenantDirectory.District}'"
            : null;
    }

    internal static bool IsValidUserName(string? name) =>
        name is { Length: > 0 and <= 64 } && name.All(c => char.IsLetterOrDigit(c) || c is '.' or '_' or '-' or '@');

    /// <summary>Identity's hashes are base64 of a format marker (0x00 v2, 0x01 v3) and the salted subkey.</summary>
    private static bool LooksLikeHash(string hash)
    {
        Span<byte> bytes = stackalloc byte[256];
        return Convert.TryFromBase64String(hash, bytes, out int length) && length >= 32 && bytes[0] is 0x00 or 0x01;
    }
}

/// <summary>Reads <see cref="ConsoleOptions.UsersFile"/> at start and reports what is wrong with the settings.</summary>
internal sealed class ConsoleOptionsSetup(TenantRegistry? registry = null) : IPostConfigureOptions<ConsoleOptions>, IValidateOptions<ConsoleOptions>
{
    public void PostConfigure(string? name, ConsoleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.FileUsers.Clear();
        options.UsersFileProblem = null;
        if (string.IsNullOrWhiteSpace(options.UsersFile))
        {
            return;
        }

        try
        {
            foreach ((string user, ConsoleUser entry) in ConsoleUsersFile.Read(options.UsersFile))
            {
                options.FileUsers[user] = entry;
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or JsonException)
        {
            options.UsersFileProblem = exception is FileNotFoundException or DirectoryNotFoundException
                ? $"{ConsoleOptions.Section}:UsersFile: {options.UsersFile} does not exist; create it with `EdgeGateway.Hub add-user NAME --role admin --users-file {options.UsersFile}`"
                : $"{ConsoleOptions.Section}:UsersFile: {options.UsersFile} cannot be read: {exception.Message}";
        }
    }

    public ValidateOptionsResult Validate(string? name, ConsoleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // The registry file's problems first (FILE:LINE: message), then the users': one list, so that one start says all.
        IReadOnlyList<string> problems = [.. registry?.Problems ?? [], .. options.Problems(registry?.Current)];
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

/// <summary>The users file: a JSON object mapping user name → {PasswordHash, Role, DisplayName, Language}.</summary>
internal static class ConsoleUsersFile
{
    // Display names stay readable in the file (李工, not \u674E\u5DE5): it is a file people edit, never HTML.
    private static readonly ConsoleUsersFileJson Readable = new(new JsonSerializerOptions(ConsoleUsersFileJson.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public static Dictionary<string, ConsoleUser> Read(string path)
    {
        using FileStream stream = File.OpenRead(path);
        Dictionary<string, ConsoleUser>? users = JsonSerializer.Deserialize(stream, ConsoleUsersFileJson.Default.DictionaryStringConsoleUser);
        return new Dictionary<string, ConsoleUser>(users ?? [], StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Writes the file whole, readable by its owner only (0600: the hashes are not secrets in themselves, but an offline
    /// guess at a weak password starts from them): a temporary file created with that mode next to it, then renamed over
    /// it, so that a crash never leaves half a file and the file is never readable by others, not even for a moment.
    /// </summary>
    public static void Write(string path, IReadOnlyDictionary<string, ConsoleUser> users)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory, "." + Path.GetFileName(full) + ".tmp");
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, users.ToDictionary(u => u.Key, u => u.Value, StringComparer.OrdinalIgnoreCase), Readable.DictionaryStringConsoleUser);
            stream.Write("\n"u8);
            stream.Flush(flushToDisk: true);
        }

        if (!OperatingSystem.IsWindows())
        {
            // FileMode.Create keeps the mode of a leftover temporary file; make sure.
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, full, overwrite: true);
    }
}

// The file keeps the configuration's PascalCase keys, so that a user can be moved between hub.json and the file as is.
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNameCaseInsensitive = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Dictionary<string, ConsoleUser>))]
internal sealed partial class ConsoleUsersFileJson : JsonSerializerContext;
