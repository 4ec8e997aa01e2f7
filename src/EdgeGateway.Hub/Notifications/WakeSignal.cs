namespace EdgeGateway.Hub.Notifications;

/// <summary>
/// Wakes every waiter at once: the delivery loops wait on <see cref="Next"/>, recording calls <see cref="Pulse"/>.
/// A waiter takes <see cref="Next"/> before it looks for work, so a pulse between looking and waiting is not lost.
/// </summary>
internal sealed class WakeSignal
{
    private TaskCompletionSource _next = NewSource();

    /// <summary>Completes at the next <see cref="Pulse"/>.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Pulse() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();

    // Asynchronous continuations: a pulse from the ingest thread must not run delivery code on that thread.
    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
