namespace ServiceAnalytics.EmbeddedClickHouse;

/// <summary>The ClickHouse engine embedded in the process (chDB).</summary>
public sealed class EmbeddedEngineOptions
{
    /// <summary>
    /// Folder holding the engine's data; it survives restarts. Relative paths are resolved against the current
    /// directory. Default: <c>data/clickhouse</c>. One process holds one engine, so one folder.
    /// </summary>
    public string DataPath { get; set; } = Path.Combine("data", "clickhouse");

    /// <summary>
    /// An existing <c>libchdb.so</c> to load. Default: <c>null</c>, the copy the build caches per machine
    /// (see <see cref="ChdbLibraryResolver.DefaultLibraryPath"/>).
    /// </summary>
    public string? LibraryPath { get; set; }

    /// <summary>
    /// Engine connections in the pool; each runs one statement at a time, separate connections run in parallel.
    /// Default: 4. Only the first engine opened in a process sets it.
    /// </summary>
    public int MaxConnections { get; set; } = 4;

    /// <summary>
    /// Engine connections only fact writes use (<see cref="EmbeddedEngine.IngestionPool"/>), besides
    /// <see cref="MaxConnections"/>: statements waiting for one of those never hold up ingestion. Default: 4, as many
    /// as a small batch's tables inserted at once. Only the first engine opened in a process sets it.
    /// </summary>
    public int IngestionConnections { get; set; } = 4;

    /// <summary>
    /// Memory the engine may hold in all, in MiB (its server-wide <c>max_server_memory_usage</c>; its mark cache gets an
    /// eighth of it): past it a statement fails instead of the process growing. Default: 1280. Only the first engine
    /// opened in a process sets it.
    /// </summary>
    public int MaxMemoryMiB { get; set; } = 1280;

    /// <summary>
    /// Memory one statement may hold, in MiB (<c>max_memory_usage</c>); its aggregations and sorts spill to disk once
    /// they hold half of it, so a large rollup run slows down rather than fails. Default: 768.
    /// </summary>
    public int MaxStatementMemoryMiB { get; set; } = 768;
}
