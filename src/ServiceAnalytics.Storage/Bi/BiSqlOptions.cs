namespace ServiceAnalytics.Storage.Bi;

/// <summary>
/// How BI statements run (configuration section <c>BiSql</c>): on connections of their own, read-only, within
/// limits the service sets on every statement and a caller cannot change. The defaults suit an embedded engine
/// sharing a small machine with the service: BI must not starve the query RPCs.
/// </summary>
public sealed class BiSqlOptions
{
    public const string SectionName = "BiSql";

    /// <summary>
    /// Engine connections for BI statements: at most this many run at once, further ones wait. Default: half the
    /// machine's cores, at least 1 (1 on a 2-core machine). With <see cref="MaxThreads"/> 1 BI statements then hold
    /// at most half the cores, and the query RPCs keep the rest: on 2 cores, two BI connections put the list's p99 over
    /// its 100 ms under 16 BI clients, one kept it at 62 ms (the <c>bi</c> benchmark). Range 1 to 64. On a server the
    /// same bound applies to the HTTP connections opened for BI statements.
    /// </summary>
    public int MaxConnections { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>
    /// Longest a BI statement may run (<c>max_execution_time</c>); longer ones fail with TIMEOUT_EXCEEDED.
    /// Default: 30 s, long enough for a 200k-chat shop's year aggregated by day, short enough that a runaway
    /// dashboard query frees its connection soon. Range 1 s to 1 h.
    /// </summary>
    public TimeSpan MaxExecutionTime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Most rows a BI result may have (<c>max_result_rows</c>, <c>result_overflow_mode = 'throw'</c>); more fail
    /// with TOO_MANY_ROWS_OR_BYTES. Default: 1,000,000, more than every chat of the largest shop in a month and
    /// within what a BI tool can display or a notebook hold. Range 1 to 1,000,000,000.
    /// </summary>
    public long MaxResultRows { get; set; } = 1_000_000;

    /// <summary>
    /// Most bytes a BI result may have (<c>max_result_bytes</c>, uncompressed, in memory). Default: 256 MiB, room
    /// for a million wide rows while bounding what one response holds. Range 1 MiB to 16 GiB.
    /// </summary>
    public long MaxResultBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// Threads one BI statement may use (<c>max_threads</c>). Default: 1. BI statements share the machine's cores with
    /// the query RPCs: bounding connections bounds statements, this bounds their CPU, so BI load slows BI tools before
    /// it slows the page. Range 1 to 64.
    /// </summary>
    public int MaxThreads { get; set; } = 1;

    /// <summary>
    /// Most memory one BI statement may use (<c>max_memory_usage</c>). Default: 1 GiB, so two BI statements at once
    /// stay well inside a small machine's memory next to the service. Range 64 MiB to 64 GiB.
    /// </summary>
    public long MaxMemoryUsage { get; set; } = 1024L * 1024 * 1024;

    /// <summary>
    /// On a ClickHouse server: a separate user for BI statements (for example one with only the BI role).
    /// Default: <c>null</c>, the service's own <c>ClickHouse:Username</c>; <c>readonly = 2</c> is sent with every
    /// BI statement either way, so the user must be allowed to set it (not a <c>readonly = 1</c> profile).
    /// </summary>
    public string? ServerUsername { get; set; }

    /// <summary>Password of <see cref="ServerUsername"/>. Default: empty.</summary>
    public string ServerPassword { get; set; } = "";
}
