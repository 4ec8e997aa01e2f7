using System.CommandLine;
using System.Text.Json;
using EdgeGateway.Hub.WebConsole;

namespace EdgeGateway.Hub.CommandLine;

/// <summary>
/// <c>add-user NAME --role ROLE [--company ID|district] [--display-name X] [--language zh-CN|en] [--users-file F]</c>: adds (or replaces) a web
/// console user in the users file, the password read from standard input as <c>hash-password</c> reads it. The file is
/// written whole through a temporary file and readable by its owner only (0600). The hub reads it at start
/// (<c>Console:UsersFile</c>).
/// </summary>
internal static class AddUserCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The user name people sign in with (letters, digits, . _ - @)" };
        var role = new Option<string>("--role") { Description = "viewer, manager, maintenance or admin", Required = true };
        role.AcceptOnlyFromAmong([.. ConsoleRoles.All]);
        var displayName = new Option<string?>("--display-name") { Description = "Shown in the console (e.g. 李工); default: the user name" };
        var language = new Option<string?>("--language") { Description = "zh-CN (default) or en" };
        var company = new Option<string?>("--company") { Description = "The user's company (its id in the registry), or 'district' (every company, read-only); required for every role but admin" };
        var usersFile = new Option<string>("--users-file")
        {
            Description = $"The users file to write (Console:UsersFile); default {ConsoleOptions.InstalledUsersFile}",
            DefaultValueFactory = _ => ConsoleOptions.InstalledUsersFile,
        };

        var command = new Command("add-user", "Add or replace a web console user in the users file (password from standard input)");
        command.Arguments.Add(name);
        command.Options.Add(role);
        command.Options.Add(displayName);
        command.Options.Add(language);
        command.Options.Add(company);
        command.Options.Add(usersFile);
        command.SetAction(parse => Run(parse.GetValue(name)!, parse.GetValue(role)!, parse.GetValue(displayName), parse.GetValue(language), parse.GetValue(company), parse.GetValue(usersFile)!));
        return command;
    }

    private static int Run(string name, string role, string? displayName, string? language, string? company, string file)
    {
        var user = new ConsoleUser { Role = role, DisplayName = displayName, Language = language, Company = company };
        string[] problems = [.. ConsoleOptions.UserProblems(name, user, $"{name}: ", withHash: false)];
        if (problems.Length > 0)
        {
            foreach (string problem in problems)
            {
                Console.Error.WriteLine(problem);
            }

            return 2;
        }

        Dictionary<string, ConsoleUser> users;
        try
        {
            users = File.Exists(file) ? ConsoleUsersFile.Read(file) : new Dictionary<string, ConsoleUser>(StringComparer.OrdinalIgnoreCase);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or JsonException)
        {
            Console.Error.WriteLine($"{file} cannot be read ({exception.Message}); nothing done");
            return 1;
        }

        if (PasswordPrompt.Read() is not { } password)
        {
            return 1;
        }

        user.PasswordHash = PasswordPrompt.Hash(password);
        string? existing = users.Keys.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));
        if (existing is not null)
        {
            users.Remove(existing);
        }

        users[name] = user;
        try
        {
            ConsoleUsersFile.Write(file, users);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"{file} cannot be written ({exception.Message}); nothing done");
            return 1;
        }

        Console.Out.WriteLine($"{(existing is null ? "added" : "replaced")} {name} ({role}{(company is null ? "" : ", " + company)}) in {Path.GetFullPath(file)} (mode 0600)");
        Console.Out.WriteLine($"the hub reads this file at start: set Console:UsersFile to {Path.GetFullPath(file)} and restart it");
        return 0;
    }
}
