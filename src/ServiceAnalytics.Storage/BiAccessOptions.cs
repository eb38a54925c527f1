namespace ServiceAnalytics.Storage;

/// <summary>
/// Read-only, shop-scoped access for BI tools on a ClickHouse server (configuration section
/// <c>ClickHouse:BiAccess</c>, docs/bi-access.md). When <see cref="Enabled"/>, the migrator creates, after the
/// numbered migrations and again on every start, a role that may <c>SELECT</c> the <c>bi_*</c> views and nothing
/// else, a settings profile that makes it read-only and bounds it, a role for the platform's analysts, and the row
/// policies on every BI view (no shop for a reader, every shop for an analyst). Users and their per-shop row
/// policies are the operator's. The embedded engine has no access management: enabling this there stops the start.
/// </summary>
public sealed class BiAccessOptions
{
    /// <summary>Whether the migrator creates the BI role, profile and row policies. Default: <c>false</c>.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// The role a BI user is given: <c>SELECT</c> on the BI views only, under <see cref="Profile"/>. A user with
    /// this role sees no row of a view until a row policy names it (its shops). Default: <c>bi_reader</c>; a plain
    /// identifier.
    /// </summary>
    public string ReaderRole { get; set; } = "bi_reader";

    /// <summary>
    /// The platform analysts' role: <see cref="ReaderRole"/> plus the row policy <c>USING 1</c>, every shop.
    /// Default: <c>bi_platform_analyst</c>; a plain identifier, not the reader role's.
    /// </summary>
    public string AnalystRole { get; set; } = "bi_platform_analyst";

    /// <summary>
    /// The settings profile of both roles: <c>readonly = 1</c> and the limits below, each a constraint the user
    /// cannot change. Default: <c>bi_reader_profile</c>; a plain identifier.
    /// </summary>
    public string Profile { get; set; } = "bi_reader_profile";

    /// <summary>
    /// The short name of the row policy <c>USING 0</c> created on every BI view for <see cref="ReaderRole"/>: every
    /// reader has a policy, so one without a policy for its shops sees no row, whatever the server's
    /// <c>users_without_row_policies_can_read_rows</c>. Default: <c>bi_no_shops</c>; a plain identifier.
    /// </summary>
    public string NoShopsPolicy { get; set; } = "bi_no_shops";

    /// <summary>
    /// The short name of the all-shops row policy created on every BI view for <see cref="AnalystRole"/>.
    /// Default: <c>bi_all_shops</c>; a plain identifier.
    /// </summary>
    public string AllShopsPolicy { get; set; } = "bi_all_shops";

    // The limits' defaults and ranges are the SQL endpoint's (BiSqlOptions), so a BI user meets the same bounds on
    // a server as through the endpoint on the embedded engine.

    /// <summary>A BI query's longest run (<c>max_execution_time</c>, whole seconds). Default: 30 s; 1 s to 1 hour.</summary>
    public TimeSpan MaxExecutionTime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Rows in one answer at most (<c>max_result_rows</c>). Default: 1,000,000; 1 to 1,000,000,000.</summary>
    public long MaxResultRows { get; set; } = 1_000_000;

    /// <summary>Bytes in one answer at most (<c>max_result_bytes</c>). Default: 256 MiB; 1 MiB to 16 GiB.</summary>
    public long MaxResultBytes { get; set; } = 256L << 20;

    /// <summary>Memory of one query at most (<c>max_memory_usage</c>). Default: 1 GiB; 64 MiB to 64 GiB.</summary>
    public long MaxMemoryUsage { get; set; } = 1L << 30;
}
