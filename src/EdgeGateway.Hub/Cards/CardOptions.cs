namespace EdgeGateway.Hub.Cards;

/// <summary>Prepaid cards (刷卡充电), section <c>Hub:Cards</c>: where they are kept and how often lists go out.</summary>
internal sealed class CardOptions
{
    public const string Section = "Hub:Cards";

    /// <summary>The card database. Relative paths are resolved against <c>Hub:DataDirectory</c>. Every hub instance on
    /// one host must name the same file (one deduction per session, one revision sequence per gateway).</summary>
    public string Path { get; set; } = "cards.db";

    /// <summary>Changes are gathered this long before lists go out: at most one list per gateway per interval.</summary>
    public TimeSpan PublishInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Every gateway's list is compared with the store this often, whatever this instance changed: it picks up
    /// the other instance's changes it missed and a list whose publication failed.</summary>
    public TimeSpan RecheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Problems with these settings, each naming its key; empty when they are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Path))
        {
            problems.Add($"{Section}:Path: empty; name the card database (every instance on the host the same file)");
        }

        if (PublishInterval < TimeSpan.FromMilliseconds(10) || PublishInterval > TimeSpan.FromMinutes(1))
        {
            problems.Add($"{Section}:PublishInterval: between 00:00:00.010 and 00:01:00, not {PublishInterval}");
        }

        if (RecheckInterval < PublishInterval || RecheckInterval > TimeSpan.FromHours(1))
        {
            problems.Add($"{Section}:RecheckInterval: between PublishInterval and 01:00:00, not {RecheckInterval}");
        }

        return problems;
    }
}
