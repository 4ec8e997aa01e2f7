using System.Text.Json.Serialization;
using EdgeGateway.Contracts.Mqtt;

namespace EdgeGateway.Terminal;

/// <summary>
/// The card wallet in the data directory, so that the terminal works after a restart while the shed is offline:
/// <c>cards.json</c> (the newest card list accepted, as the hub sent it) and <c>card-sessions.json</c> (the ended card
/// sessions the hub has not yet applied). Each is replaced atomically (a temporary file written through and fsynced,
/// then renamed over the old one); a file that cannot be read is moved aside and reported, and the gateway starts
/// without it.
/// </summary>
public static class CardWalletFiles
{
    public const string ListFile = "cards.json";
    public const string PendingFile = "card-sessions.json";

    public static CardWallet Load(string directory, string site, string gateway, out string? problem)
    {
        problem = null;
        CardListMessage? list = null;
        string listPath = Path.Combine(directory, ListFile);
        if (File.Exists(listPath))
        {
            byte[] payload = File.ReadAllBytes(listPath);
            if (ContractJson.TryDeserialize(payload, out CardListMessage? read, out string? error) && read!.Problem(site, gateway) is not { } invalid)
            {
                list = read;
            }
            else
            {
                problem = MoveAside(listPath, error ?? read?.Problem(site, gateway));
            }
        }

        PendingCardSession[] pending = Protection.JournalFile.Load(
            Path.Combine(directory, PendingFile), CardWalletJson.Default.PendingCardSessionArray,
            items => items is null || items.All(i => i is not null && ContractIds.IsValid(i.SessionId) && ContractIds.IsValid(i.Card) && i.CostFen >= 0) ? null : "an entry is not a card session",
            out string? pendingProblem);
        problem = problem is null ? pendingProblem : pendingProblem is null ? problem : problem + "; " + pendingProblem;
        return new CardWallet(list, pending);
    }

    public static void SaveList(string directory, CardListMessage list)
    {
        string path = Path.Combine(directory, ListFile);
        string temp = path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
        {
            file.Write(ContractJson.Serialize(list));
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    public static Task SavePendingAsync(string directory, IReadOnlyList<PendingCardSession> pending, CancellationToken cancellationToken) =>
        Protection.JournalFile.SaveAsync(Path.Combine(directory, PendingFile), [.. pending], CardWalletJson.Default.PendingCardSessionArray, cancellationToken);

    private static string MoveAside(string path, string? why)
    {
        string aside = $"{path}.corrupt-{DateTime.UtcNow:yyyyMMddHHmmss}";
        File.Move(path, aside, overwrite: true);
        return $"{path} could not be used ({why}); moved to {aside}";
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(PendingCardSession[]))]
internal sealed partial class CardWalletJson : JsonSerializerContext;
