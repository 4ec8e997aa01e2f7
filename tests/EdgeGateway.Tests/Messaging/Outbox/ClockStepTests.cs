using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Messaging.Outbox;
using EdgeGateway.Tests.Protection;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Tests.Messaging.Outbox;

/// <summary>
/// The outbox keeps each message's boot and its wall and monotonic readings; when the wall clock steps (NTP's first
/// synchronisation on a Pi that booted with fake-hwclock's time), the unsent messages of this boot made before the step
/// go out with their stamps moved by the step, and what had already gone out is reported.
/// </summary>
public sealed class ClockStepTests : IDisposable
{
    /// <summary>What the board believed at boot: the time fake-hwclock saved at the last shutdown.</summary>
    private static readonly DateTimeOffset BootedWith = new(2026, 12, 6, 22, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _monotonic = new(BootedWith);
    private readonly SteppableWallClock _clock;

    public ClockStepTests() => _clock = new SteppableWallClock(_monotonic);

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(5 * 3600)]
    [InlineData(-2 * 3600)]
    public void Unsent_messages_made_before_a_step_go_out_with_their_stamps_moved_by_the_step(int stepSeconds)
    {
        var step = TimeSpan.FromSeconds(stepSeconds);
        using DurableOutbox outbox = Open("boot-a");
        DateTimeOffset made = _clock.GetUtcNow();
        outbox.Append([Stamped("a"), Stamped("b"), Stamped("c")]);
        _monotonic.Advance(TimeSpan.FromSeconds(30));

        // The first goes out on the old clock and is acknowledged.
        OutboxRecord first = outbox.PeekBatch(1)[0];
        outbox.Publishing(first);
        outbox.Acknowledge([first.Id]);

        _clock.WallOffset = step;
        _monotonic.Advance(TimeSpan.FromSeconds(1));
        outbox.Append([Stamped("after")]);

        IReadOnlyList<OutboxRecord> pending = outbox.All();
        Assert.Equal(["b", "c", "after"], pending.Select(r => Field(r, "note")));
        Assert.Equal(made + step, Stamp(pending[0], "ts"));
        Assert.Equal(made + step, Stamp(pending[1], "ts"));
        Assert.Equal(made + step - TimeSpan.FromMinutes(5), Stamp(pending[1], "measured_ts"));
        Assert.Equal(made + TimeSpan.FromSeconds(31) + step, Stamp(pending[2], "ts")); // made after the step: as stamped

        ClockStep reported = Assert.Single(outbox.CorrectClock());
        Assert.Equal(step, reported.Step);
        Assert.Equal(2, reported.Corrected);
        Assert.Equal(1, reported.SentCount);
        Assert.Equal(first.Seq, reported.SentFirstSeq);
        Assert.Equal(first.Seq, reported.SentLastSeq);
        Assert.Equal(_clock.GetUtcNow(), reported.DetectedAt);

        // Corrected once: another look finds no step, and the stamps stay where they are.
        Assert.Empty(outbox.CorrectClock());
        Assert.Equal(made + step, Stamp(outbox.All()[0], "ts"));
    }

    [Fact]
    public void A_message_on_the_wire_keeps_its_stamp_and_is_reported_as_sent()
    {
        using DurableOutbox outbox = Open("boot-a");
        outbox.Append([Stamped("a"), Stamped("b")]);
        OutboxRecord onWire = outbox.PeekBatch(1)[0];
        outbox.Publishing(onWire);

        _clock.WallOffset = TimeSpan.FromHours(3);
        IReadOnlyList<OutboxRecord> again = outbox.All();

        // Published again after a lost acknowledgement, it must be the same message the broker may already have.
        Assert.Equal(onWire.Payload.ToArray(), again[0].Payload.ToArray());
        Assert.Equal(BootedWith + TimeSpan.FromHours(3), Stamp(again[1], "ts"));
        ClockStep reported = Assert.Single(outbox.CorrectClock());
        Assert.Equal((1L, 1L, (long?)onWire.Seq), (reported.Corrected, reported.SentCount, reported.SentFirstSeq));
    }

    [Fact]
    public void Messages_of_a_previous_boot_are_not_moved_by_a_step_in_this_one()
    {
        using (DurableOutbox before = Open("boot-a"))
        {
            before.Append([Stamped("old")]);
        }

        // A reboot: a new boot id, the monotonic clock from zero again, and this boot's clock synchronises.
        var monotonic = new FakeTimeProvider(BootedWith);
        var clock = new SteppableWallClock(monotonic);
        using DurableOutbox outbox = Open("boot-b", clock);
        Assert.Empty(outbox.CorrectClock());
        outbox.Append([Stamped("new", clock)]);
        clock.WallOffset = TimeSpan.FromHours(7);

        IReadOnlyList<OutboxRecord> pending = outbox.All();
        Assert.Equal(BootedWith, Stamp(pending[0], "ts"));
        Assert.Equal(BootedWith + TimeSpan.FromHours(7), Stamp(pending[1], "ts"));
        Assert.Equal(1, Assert.Single(outbox.CorrectClock()).Corrected);
    }

    [Fact]
    public void A_step_while_the_gateway_was_stopped_in_the_same_boot_is_corrected_at_open()
    {
        using (DurableOutbox before = Open("boot-a"))
        {
            before.Append([Stamped("made before the restart")]);
        }

        _monotonic.Advance(TimeSpan.FromMinutes(2));
        _clock.WallOffset = TimeSpan.FromDays(-1);
        using DurableOutbox outbox = Open("boot-a");

        Assert.Equal(BootedWith - TimeSpan.FromDays(1), Stamp(outbox.All()[0], "ts"));
        ClockStep reported = Assert.Single(outbox.CorrectClock());
        Assert.Equal((TimeSpan.FromDays(-1), 1L, 0L), (reported.Step, reported.Corrected, reported.SentCount));
    }

    [Fact]
    public void A_drift_below_the_threshold_is_no_step()
    {
        using DurableOutbox outbox = Open("boot-a");
        outbox.Append([Stamped("a")]);
        _clock.WallOffset = TimeSpan.FromMilliseconds(900);

        Assert.Equal(BootedWith, Stamp(outbox.All()[0], "ts"));
        Assert.Empty(outbox.CorrectClock());
    }

    [Fact]
    public void An_outbox_of_schema_version_1_is_migrated_and_its_messages_are_never_moved()
    {
        string path = _dir.File("outbox.db");
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            connection.Open();
            using SqliteCommand create = connection.CreateCommand();
            create.CommandText = string.Create(CultureInfo.InvariantCulture, $"""
                PRAGMA journal_mode = WAL;
                CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
                CREATE TABLE outbox (seq INTEGER PRIMARY KEY, topic TEXT NOT NULL, class INTEGER NOT NULL, priority INTEGER NOT NULL,
                    retain INTEGER NOT NULL, size INTEGER NOT NULL, payload BLOB NOT NULL);
                CREATE INDEX outbox_drain ON outbox (priority);
                CREATE INDEX outbox_class ON outbox (class);
                INSERT INTO meta VALUES ('last_seq', 1);
                INSERT INTO outbox VALUES (1, 't/a', {(int)MessageClass.Telemetry}, 1, 0, 10, $payload);
                PRAGMA application_id = {0x45474F42}; PRAGMA user_version = 1;
                """);
            create.Parameters.AddWithValue("$payload", Render(Stamped("v1"), 1));
            create.ExecuteNonQuery();
        }

        using DurableOutbox outbox = Open("boot-a");
        Assert.Equal([2L], outbox.Append([Stamped("v2")]));
        _clock.WallOffset = TimeSpan.FromHours(1);

        IReadOnlyList<OutboxRecord> pending = outbox.All();
        Assert.Equal(BootedWith, Stamp(pending[0], "ts"));
        Assert.Equal(BootedWith + TimeSpan.FromHours(1), Stamp(pending[1], "ts"));
    }

    [Fact]
    public void Only_top_level_stamps_are_moved_and_every_other_byte_is_kept()
    {
        string json = """{"v":1,"seq":3,"ts":"2026-12-06T22:00:00.000Z","detail":"温度 \"高\"","raised_ts":"2026-12-06T21:59:00.500Z","cleared_ts":null,"nested":{"ts":"2026-12-06T22:00:00.000Z"},"x":[1,2]}""";

        Assert.True(ContractStamps.TryShift(Encoding.UTF8.GetBytes(json), TimeSpan.FromHours(2), out byte[]? shifted));

        Assert.Equal(
            json.Replace("\"ts\":\"2026-12-06T22:00:00.000Z\",\"detail", "\"ts\":\"2026-12-07T00:00:00.000Z\",\"detail", StringComparison.Ordinal)
                .Replace("21:59:00.500Z", "23:59:00.500Z", StringComparison.Ordinal),
            Encoding.UTF8.GetString(shifted!));
        Assert.False(ContractStamps.TryShift("not json"u8, TimeSpan.FromHours(2), out _));
        Assert.False(ContractStamps.TryShift("""{"v":1}"""u8, TimeSpan.FromHours(2), out _));
    }

    [Fact]
    public void A_scenarios_step_of_the_simulated_clock_is_a_step_to_the_outbox_as_on_a_board()
    {
        var shed = new EdgeGateway.Hardware.Simulation.SimulatedClock(BootedWith);
        using DurableOutbox outbox = Open("simulation-a", shed);
        outbox.Append([Stamped("before", shed)]);
        shed.Advance(TimeSpan.FromSeconds(30));

        // What the scenario's `clock: { step: "-01:00:00" }` does: the wall clock only; monotonic and true time run on.
        shed.StepWall(TimeSpan.FromHours(-1));

        Assert.Equal(BootedWith - TimeSpan.FromHours(1), Stamp(outbox.All()[0], "ts"));
        Assert.Equal(TimeSpan.FromHours(-1), Assert.Single(outbox.CorrectClock()).Step);
        Assert.Equal(BootedWith + TimeSpan.FromSeconds(30), shed.TrueNow);
    }

    private DurableOutbox Open(string bootId, TimeProvider? clock = null) =>
        Items.Open(Items.Options(_dir.File("outbox.db")) with { StampClock = clock ?? _clock, TimeProvider = clock ?? _clock, BootId = bootId });

    /// <summary>A contract-like message stamped now on <paramref name="clock"/>, with a second stamp five minutes earlier.</summary>
    private OutboxItem Stamped(string note, TimeProvider? clock = null)
    {
        DateTimeOffset now = (clock ?? _clock).GetUtcNow();
        return new OutboxItem("t/a", MessageClass.Telemetry, false, seq => Encoding.UTF8.GetBytes(
            $$"""{"v":1,"seq":{{seq}},"ts":"{{ContractTime.Format(now)}}","note":"{{note}}","measured_ts":"{{ContractTime.Format(now.AddMinutes(-5))}}"}"""));
    }

    private static byte[] Render(OutboxItem item, long seq) => item.Render(seq).ToArray();

    private static JsonNode Json(OutboxRecord record) => JsonNode.Parse(record.Payload.Span)!;

    private static string? Field(OutboxRecord record, string name) => (string?)Json(record)[name];

    private static DateTimeOffset Stamp(OutboxRecord record, string name) =>
        ContractTime.TryParse(Field(record, name), out DateTimeOffset value) ? value : throw new InvalidOperationException($"no {name} in {Encoding.UTF8.GetString(record.Payload.Span)}");
}
