namespace ServiceAnalytics.Storage;

/// <summary>
/// ClickHouse's <c>priority</c> setting for the service's two kinds of statements, so BI load cannot starve the query
/// RPCs on a machine whose cores both share. The engine pauses a running statement of a larger number, at each block it
/// reads, while a statement of a smaller number runs (0 takes no part). The service's own statements (RPCs, ingestion,
/// rollups) run at <see cref="Service"/>, those of the SQL endpoint at <see cref="Bi"/>: a dashboard's aggregate gives
/// way to a page's overview and carries on when it is done, bounded by its own <c>max_execution_time</c>.
/// </summary>
public static class StatementPriorities
{
    /// <summary>The service's statements: before every BI statement.</summary>
    public const int Service = 1;

    /// <summary>The SQL endpoint's statements: after the service's.</summary>
    public const int Bi = 10;
}
