using ServiceAnalytics.EmbeddedClickHouse;

namespace ServiceAnalytics.Storage;

/// <summary>
/// Where Service Analytics keeps its data (configuration section <c>ClickHouse</c>). With no
/// <see cref="ServerUrl"/> the embedded engine is used; either way every query goes through ClickHouse.Driver.
/// </summary>
public sealed class ClickHouseOptions
{
    public const string SectionName = "ClickHouse";

    /// <summary>
    /// HTTP(S) URL of a ClickHouse server or cluster node, e.g. <c>http://localhost:8123</c>.
    /// Default: <c>null</c>, which selects the embedded engine.
    /// </summary>
    public string? ServerUrl { get; set; }

    /// <summary>User for <see cref="ServerUrl"/>. Default: <c>default</c>.</summary>
    public string Username { get; set; } = "default";

    /// <summary>Password for <see cref="ServerUrl"/>. Default: empty.</summary>
    public string Password { get; set; } = "";

    /// <summary>Database holding the service's tables; created by the migrations. Default: <c>service_analytics</c>.</summary>
    public string Database { get; set; } = "service_analytics";

    /// <summary>
    /// Cluster name for <c>ON CLUSTER</c> DDL, <c>Replicated*</c> engines and <c>Distributed</c> tables
    /// (see docs/migrations.md). Default: <c>null</c>, a single node.
    /// </summary>
    public string? Cluster { get; set; }

    /// <summary>Per-request timeout toward ClickHouse. Default: 5 minutes.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The embedded engine, used when <see cref="ServerUrl"/> is not set.</summary>
    public EmbeddedEngineOptions Embedded { get; set; } = new();

    /// <summary>Read-only, shop-scoped BI access on a server (<c>ClickHouse:BiAccess</c>). Default: disabled.</summary>
    public BiAccessOptions BiAccess { get; set; } = new();

    /// <summary>True when no server is configured and the embedded engine serves the data.</summary>
    public bool UsesEmbeddedEngine => string.IsNullOrWhiteSpace(ServerUrl);
}
