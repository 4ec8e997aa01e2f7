using System.Text.RegularExpressions;

namespace EdgeGateway.Upgrading;

/// <summary>
/// This gateway's version, as its retained status reports it and as an <c>upgrade</c> is compared with: the
/// <c>VERSION</c> file that deploy/gateway/build-bundle.sh writes beside the executable, else the assembly's version
/// (a development build). The bundle's file is the one name the whole chain uses — the archive
/// (<c>edgegateway-VERSION-linux-arm64.tar.gz</c>), the hub's rollout target, <c>releases/VERSION</c> on the board —
/// while the assembly keeps Directory.Build.props' number: a bundle built as <c>0.2.0</c> or with the default
/// <c>0.1.0-gCOMMIT</c> would otherwise report <c>0.1.0</c> after it switched, and the hub would take the applied
/// upgrade for a rollback.
/// </summary>
public static partial class GatewayVersion
{
    /// <summary>The file build-bundle.sh writes into the bundle (one line).</summary>
    public const string FileName = "VERSION";

    /// <summary>The version of the program running now (read once).</summary>
    public static string Running { get; } = Of(AppContext.BaseDirectory, typeof(GatewayVersion).Assembly.GetName().Version);

    /// <summary>The first line of <paramref name="directory"/>/VERSION when it holds a version (build-bundle.sh's
    /// characters), else <paramref name="assembly"/> as <c>major.minor.patch</c>.</summary>
    public static string Of(string directory, Version? assembly)
    {
        string fallback = assembly?.ToString(3) ?? "0.0.0";
        try
        {
            string path = Path.Combine(directory, FileName);
            if (File.Exists(path))
            {
                string line = File.ReadLines(path).FirstOrDefault()?.Trim() ?? "";
                return BundleVersion().IsMatch(line) ? line : fallback;
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Unreadable: the assembly's number is the best this program can say.
        }

        return fallback;
    }

    /// <summary>What build-bundle.sh accepts as a version (and lib.sh's init_bundle checks).</summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")]
    private static partial Regex BundleVersion();
}
