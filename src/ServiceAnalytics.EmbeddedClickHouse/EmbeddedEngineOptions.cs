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
}
