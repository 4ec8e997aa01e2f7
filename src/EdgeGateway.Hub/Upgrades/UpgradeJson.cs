using System.Text.Json.Serialization;

namespace EdgeGateway.Hub.Upgrades;

/// <summary><c>GET /api/upgrades</c>: the bundles offered, the rollouts with their gateways in the caller's scope, and
/// every gateway in scope with the version its status reports.</summary>
internal sealed record UpgradesView(
    bool Configured, string? Problem, bool MayManage, IReadOnlyList<BundleView> Bundles, IReadOnlyList<RefusedBundleView>? Refused,
    IReadOnlyList<RolloutView> Rollouts, IReadOnlyList<GatewayVersionView> Gateways);

internal sealed record BundleView(string Version, string FileName, long Bytes, string Sha256);

internal sealed record RefusedBundleView(string FileName, string Reason);

internal sealed record RolloutView(
    string Id, string Version, string State, int Stage, int Stages, DateTimeOffset CreatedTs, string CreatedBy, string? Note, IReadOnlyList<GatewayUpgradeView> Gateways);

internal sealed record GatewayUpgradeView(string Site, string Gateway, int Stage, string State, string? Reason, DateTimeOffset? UpdatedTs, string? Version);

internal sealed record GatewayVersionView(string Site, string Gateway, string? Version, string? LastError);

/// <summary><c>POST /api/upgrades/rollouts</c>: the version, which gateways (a list, a company, sites, or every gateway
/// the hub knows) and how to stage them (cumulative percentages, or explicit lists of <c>site/gw</c>).</summary>
internal sealed record RolloutRequest(
    string? Version, IReadOnlyList<string>? Gateways, string? Company, IReadOnlyList<string>? Sites, IReadOnlyList<int>? Percentages, IReadOnlyList<IReadOnlyList<string>>? Stages);

/// <summary>The upgrade API's JSON: snake_case like the rest of the console's.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(UpgradesView))]
[JsonSerializable(typeof(RolloutView))]
[JsonSerializable(typeof(RolloutRequest))]
internal sealed partial class UpgradeJson : JsonSerializerContext;
