using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace EdgeGateway.Protection;

/// <summary>
/// The file under a journal in the data directory (<see cref="LockoutJournal"/>, <see cref="SessionJournal"/>): a JSON
/// array written atomically — a temporary file, written through and fsynced, then renamed over the old one — so a
/// crash or a power cut leaves either the old array or the new one, never half of one.
/// </summary>
internal static class JournalFile
{
    /// <summary>
    /// The array saved at <paramref name="path"/>; empty when there is none (or a JSON null that <paramref name="invalid"/>
    /// accepts). A file that cannot be read, or whose content <paramref name="invalid"/> refuses (it returns why), is moved aside (kept for inspection) and reported in
    /// <paramref name="problem"/>: the gateway then starts without it rather than not at all.
    /// </summary>
    public static T[] Load<T>(string path, JsonTypeInfo<T[]> type, Func<T[]?, string?> invalid, out string? problem)
    {
        problem = null;
        if (!File.Exists(path))
        {
            return [];
        }

        string? why;
        try
        {
            T[]? items = JsonSerializer.Deserialize(File.ReadAllBytes(path), type);
            why = invalid(items);
            if (why is null)
            {
                return items ?? [];
            }
        }
        catch (JsonException ex)
        {
            why = ex.Message;
        }

        string aside = $"{path}.corrupt-{DateTime.UtcNow:yyyyMMddHHmmss}";
        File.Move(path, aside, overwrite: true);
        problem = $"{path} could not be read ({why}); moved to {aside}";
        return [];
    }

    /// <summary>Replaces the array at <paramref name="path"/> with <paramref name="items"/>, atomically and durably.</summary>
    public static async Task SaveAsync<T>(string path, T[] items, JsonTypeInfo<T[]> type, CancellationToken cancellationToken)
    {
        string temp = path + ".tmp";
        await using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
        {
            await JsonSerializer.SerializeAsync(file, items, type, cancellationToken);
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
