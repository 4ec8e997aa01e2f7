using EdgeGateway.Contracts.Alarms;
using static System.FormattableString;

namespace EdgeGateway.Configuration;

/// <summary>
/// The flap policy of every alarm kind (site file <c>alarmFlapping</c>): <see cref="Default"/>, and the kinds that differ.
/// </summary>
public sealed record AlarmFlapSettings
{
    public AlarmFlapPolicy Default { get; init; } = AlarmFlapPolicy.Default;

    public IReadOnlyDictionary<AlarmKind, AlarmFlapPolicy> Kinds { get; init; } = new Dictionary<AlarmKind, AlarmFlapPolicy>();

    public AlarmFlapPolicy For(AlarmKind kind) => Kinds.TryGetValue(kind, out AlarmFlapPolicy? policy) ? policy : Default;

    // By value, kinds included: two readings of the same site file are equal settings.
    public bool Equals(AlarmFlapSettings? other) =>
        other is not null && Default == other.Default && Kinds.Count == other.Kinds.Count
        && Kinds.All(entry => other.Kinds.TryGetValue(entry.Key, out AlarmFlapPolicy? policy) && policy == entry.Value);

    public override int GetHashCode() => HashCode.Combine(Default, Kinds.Count);
}

/// <summary>
/// When an alarm flaps: raised and cleared more than <see cref="MaxCycles"/> times within <see cref="Window"/>, it stays
/// raised (marked flapping) until its condition has been away for <see cref="Hold"/>.
/// </summary>
/// <remarks>
/// The defaults come from the development stack, where a bin's ultrasonic sensor on a busy CPU raised and cleared
/// <c>bin_sensor_fault</c> 31 times in 1.5 h, a cycle about every 3 min (a bin alarm lasts at least its two-minute
/// clearing time). Three cycles in 30 min lets an alarm that comes back now and then (a lid left open twice in an
/// evening, a shed at its limit at the evening peak) through as it is, and catches a cycle every 10 min or faster by the
/// fourth. A 10 min hold is longer than three of the observed cycles, so a storm stays one alarm, and short enough that a
/// repaired sensor clears within a quarter of an hour.
/// </remarks>
public sealed record AlarmFlapPolicy(int MaxCycles, TimeSpan Window, TimeSpan Hold)
{
    public static AlarmFlapPolicy Default { get; } = new(3, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(10));

    /// <summary>"raised and cleared 4 times in 30 min" for a reason text.</summary>
    public string Describe(int cycles) => Invariant($"raised and cleared {cycles} times in {Minutes(Window)}");

    public static string Minutes(TimeSpan span) =>
        span.TotalMinutes >= 1 ? Invariant($"{span.TotalMinutes:0.#} min") : Invariant($"{span.TotalSeconds:0.#} s");
}
