using System.CommandLine;
using System.Text;
using EdgeGateway.Hub.WebConsole;
using Microsoft.AspNetCore.Identity;

namespace EdgeGateway.Hub.CommandLine;

/// <summary>
/// <c>hash-password</c>: reads a password from standard input (typed without echo, twice, on a terminal; the first
/// line when piped) and prints its hash for <c>Console:Users:{name}:PasswordHash</c> — ASP.NET Core Identity's
/// <see cref="PasswordHasher{TUser}"/> format (PBKDF2 with a random salt), the one the console checks.
/// </summary>
internal static class HashPasswordCommand
{
    public static Command Create()
    {
        var command = new Command("hash-password", "Print the hash of a web console password read from standard input (for Console:Users:NAME:PasswordHash)");
        command.SetAction(_ =>
        {
            if (PasswordPrompt.Read() is not { } password)
            {
                return 1;
            }

            Console.Out.WriteLine(PasswordPrompt.Hash(password));
            return 0;
        });
        return command;
    }
}

/// <summary>Reading a password without showing it, and hashing it.</summary>
internal static class PasswordPrompt
{
    /// <summary>Shorter passwords are accepted (a demo's "demo") but warned about.</summary>
    public const int RecommendedLength = 10;

    public static string Hash(string password) => new PasswordHasher<ConsoleUser>().HashPassword(new ConsoleUser(), password);

    /// <summary>The password, or null (reason written to standard error) when none was given or the two typed differ.</summary>
    public static string? Read()
    {
        string? password;
        if (Console.IsInputRedirected)
        {
            password = Console.In.ReadLine();
        }
        else
        {
            password = ReadHidden("Password: ");
            if (password is not null && ReadHidden("Again: ") != password)
            {
                Console.Error.WriteLine("the two passwords differ; nothing done");
                return null;
            }
        }

        if (string.IsNullOrEmpty(password))
        {
            Console.Error.WriteLine("no password given (type it, or pipe it in: the first line of standard input is the password)");
            return null;
        }

        if (password.Length < RecommendedLength)
        {
            Console.Error.WriteLine($"warning: a password of fewer than {RecommendedLength} characters is easy to guess");
        }

        return password;
    }

    /// <summary>Reads a line from the terminal without echoing it (the prompt on standard error, so that standard
    /// output holds only the result).</summary>
    private static string? ReadHidden(string prompt)
    {
        Console.Error.Write(prompt);
        var typed = new StringBuilder();
        while (true)
        {
            ConsoleKeyInfo key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.Error.WriteLine();
                return typed.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (typed.Length > 0)
                {
                    typed.Length--;
                }
            }
            else if (key.Key == ConsoleKey.Escape)
            {
                Console.Error.WriteLine();
                return null;
            }
            else if (key.KeyChar != '\0' && !char.IsControl(key.KeyChar))
            {
                typed.Append(key.KeyChar);
            }
        }
    }
}
