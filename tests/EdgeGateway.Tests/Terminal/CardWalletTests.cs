using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Terminal;
using static EdgeGateway.Tests.Terminal.TerminalCards;

namespace EdgeGateway.Tests.Terminal;

/// <summary>The card wallet's arithmetic and its files: nothing charged twice, nothing forgotten, across restarts.</summary>
public sealed class CardWalletTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("card-wallet-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Available_is_the_listed_balance_less_pending_sessions_and_running_reservations()
    {
        var wallet = new CardWallet();
        Assert.Equal(CardListOutcome.Accepted, wallet.Offer(List(1), Site, Gateway, out _));
        CardEntry alice = wallet.Find(AliceUid)!;

        Assert.True(wallet.SessionEnded("s-1", "card-0001", 400));
        Assert.True(wallet.SessionEnded("s-2", "card-0002", 10));

        Assert.Equal(1500 - 400, wallet.Available(alice));
        Assert.Equal(1500 - 400 - 300, wallet.Available(alice, reservedFen: 300));
    }

    [Fact]
    public void Record_before_list_the_session_is_subtracted_until_the_list_names_it_applied()
    {
        var wallet = new CardWallet(List(1));
        wallet.SessionEnded("s-1", "card-0001", 400);
        Assert.Equal(1100, wallet.Available(wallet.Find(AliceUid)!));

        // The hub charged it: the balance is lower and the session listed; it is not subtracted again.
        wallet.Offer(List(2, aliceFen: 1100, applied: ["s-1"]), Site, Gateway, out _);

        Assert.Empty(wallet.Pending);
        Assert.Equal(1100, wallet.Available(wallet.Find(AliceUid)!));
    }

    [Fact]
    public void List_before_record_an_end_the_hub_already_applied_is_not_subtracted()
    {
        var wallet = new CardWallet(List(1));
        wallet.Offer(List(2, aliceFen: 1100, applied: ["s-1"]), Site, Gateway, out _);

        Assert.False(wallet.SessionEnded("s-1", "card-0001", 400));

        Assert.Equal(1100, wallet.Available(wallet.Find(AliceUid)!));
    }

    [Fact]
    public void A_lower_or_equal_revision_is_stale_and_a_refused_list_keeps_the_one_held()
    {
        var wallet = new CardWallet();
        wallet.Offer(List(5, aliceFen: 900), Site, Gateway, out _);

        Assert.Equal(CardListOutcome.Stale, wallet.Offer(List(5, aliceFen: 100), Site, Gateway, out _));
        Assert.Equal(CardListOutcome.Stale, wallet.Offer(List(4, aliceFen: 100), Site, Gateway, out _));
        Assert.Equal(CardListOutcome.Refused, wallet.Offer(List(6) with { Gateway = "gw-other" }, Site, Gateway, out string? problem));
        Assert.Contains("gw-other", problem, StringComparison.Ordinal);

        Assert.Equal(5, wallet.List!.Revision);
        Assert.Equal(900, wallet.Find(AliceUid)!.BalanceFen);
        Assert.Equal(1, wallet.RefusedLists);
    }

    [Fact]
    public async Task After_a_restart_the_list_and_the_pending_sessions_are_back_and_reconcile_either_way()
    {
        var wallet = new CardWallet(List(3));
        wallet.SessionEnded("s-1", "card-0001", 400);
        wallet.SessionEnded("s-2", "card-0001", 100);
        CardWalletFiles.SaveList(_directory, wallet.List!);
        await CardWalletFiles.SavePendingAsync(_directory, wallet.Pending, CancellationToken.None);

        CardWallet restarted = CardWalletFiles.Load(_directory, Site, Gateway, out string? problem);

        Assert.Null(problem);
        Assert.Equal(3, restarted.List!.Revision);
        Assert.Equal(1500 - 500, restarted.Available(restarted.Find(AliceUid)!));

        // The hub applied s-1 while the gateway was down: the retained list says so at the reconnect.
        restarted.Offer(List(4, aliceFen: 1100, applied: ["s-1"]), Site, Gateway, out _);
        Assert.Equal(1100 - 100, restarted.Available(restarted.Find(AliceUid)!));
        CardWalletFiles.SaveList(_directory, restarted.List!);
        await CardWalletFiles.SavePendingAsync(_directory, restarted.Pending, CancellationToken.None);

        CardWallet again = CardWalletFiles.Load(_directory, Site, Gateway, out _);
        Assert.Equal(["s-2"], again.Pending.Select(p => p.SessionId));
        Assert.Equal(1000, again.Available(again.Find(AliceUid)!));
    }

    [Fact]
    public async Task A_pending_file_the_saved_list_already_applied_does_not_subtract_at_start()
    {
        // Saved in the order list-then-pending, a crash between the two leaves an old pending file beside a newer list.
        CardWalletFiles.SaveList(_directory, List(4, aliceFen: 1100, applied: ["s-1"]));
        await CardWalletFiles.SavePendingAsync(_directory, [new PendingCardSession("s-1", "card-0001", 400)], CancellationToken.None);

        CardWallet wallet = CardWalletFiles.Load(_directory, Site, Gateway, out _);

        Assert.Empty(wallet.Pending);
        Assert.Equal(1100, wallet.Available(wallet.Find(AliceUid)!));
    }

    [Fact]
    public void A_corrupt_list_file_is_moved_aside_and_reported()
    {
        File.WriteAllText(Path.Combine(_directory, CardWalletFiles.ListFile), "{ not json");

        CardWallet wallet = CardWalletFiles.Load(_directory, Site, Gateway, out string? problem);

        Assert.Null(wallet.List);
        Assert.Contains("moved to", problem, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(_directory, CardWalletFiles.ListFile + ".corrupt-*"));
    }
}
