namespace EdgeGateway.Protection;

/// <summary>
/// A moment as protection sees it. <see cref="Elapsed"/> is monotonic time since protection started
/// (<see cref="TimeProvider.GetTimestamp"/>): every duration is measured on it — debounces, windows, holds, the session
/// limit, alarm clearing and the energy integral. <see cref="Wall"/> is the wall clock, used only to stamp what is
/// reported.
/// </summary>
/// <remarks>
/// A Raspberry Pi has no real-time clock: it boots with the time saved at shutdown (or 1970) and jumps, hours or days,
/// when NTP first synchronises; a bad saved time or a manual set steps it back. Measured on the wall clock, a backward
/// step would suspend an overload debounce for its length and a forward step would end every session at its maximum
/// duration and credit it the step's energy.
/// </remarks>
internal readonly record struct ProtectionInstant(DateTimeOffset Wall, TimeSpan Elapsed);
