namespace ServiceAnalytics.EmbeddedClickHouse;

/// <summary>
/// The ClickHouse engine running inside this process (chDB). A process holds one engine over one data folder for
/// its whole life: the first <see cref="Open"/> boots it, later calls for the same folder share it. An anchor
/// connection keeps it booted (closing the last connection would shut it down, and rebooting is unsafe); a pool of
/// further connections serves statements, one statement per connection at a time, several in parallel.
/// At process exit the engine is stopped in order (connections closed, engine threads joined) so its threads do
/// not race the runtime's own teardown. Statements run on pools of connections: <see cref="Pool"/> serves the
/// service, <see cref="IngestionPool"/> its fact writes, and <see cref="OpenPool"/> opens further bounded pools with
/// settings of their own (the BI endpoint's read-only one).
/// </summary>
public sealed class EmbeddedEngine
{
    private static readonly Lock s_gate = new();
    private static EmbeddedEngine? s_instance;

    private readonly EmbeddedConnection _anchor;
    private readonly List<EmbeddedConnectionPool> _pools = [];

    private EmbeddedEngine(string dataPath, EmbeddedEngineOptions options)
    {
        DataPath = dataPath;
        // Server-wide settings take effect when the engine boots, with its first connection. The embedded engine runs
        // merges and mutations on 2 threads with 4 task slots; a mutation (a rollup's lightweight delete) is one task
        // per part, and a part that finds the slots full waits out a 0.1 s back-off, growing with each retry: a delete
        // over a month of 16 parts took 2.4 s against 40 ms with 32 slots (a server's default), on the same 2 threads.
        _anchor = EmbeddedConnection.Open(dataPath,
        [
            new("max_server_memory_usage", Bytes(options.MaxMemoryMiB)),
            new("mark_cache_size", Bytes(options.MaxMemoryMiB / 8)),
            new("background_merges_mutations_concurrency_ratio", "16"),
        ]);
        // One of the service's connections is kept for its rollup runs (the store's RollupClient): with all of them open to
        // every caller, more queries than the engine answers held up the refreshes, the snapshot aged past its
        // maximum and every answer fell back to the costlier computation as of the request.
        Pool = Track(new EmbeddedConnectionPool(
            this, options.MaxConnections, StatementMemorySettings(options.MaxStatementMemoryMiB), reservedConnections: options.MaxConnections > 1 ? 1 : 0));
        IngestionPool = OpenPool(options.IngestionConnections, StatementMemorySettings(options.MaxStatementMemoryMiB));
        EngineVersion = _anchor.QueryText("SELECT version()");
        TimeZone = _anchor.QueryText("SELECT timezone()");
    }

    /// <summary>Absolute path of the data folder.</summary>
    public string DataPath { get; }

    /// <summary>
    /// The service's pool, of <see cref="EmbeddedEngineOptions.MaxConnections"/> connections, one of them (when there
    /// are two or more) reserved for handlers that may use it (<see cref="EmbeddedConnectionPool.ReservedConnections"/>):
    /// the service's rollup runs.
    /// </summary>
    public EmbeddedConnectionPool Pool { get; }

    /// <summary>
    /// The pool of fact writes, of <see cref="EmbeddedEngineOptions.IngestionConnections"/> connections. Apart from
    /// <see cref="Pool"/> because a pool's callers queue for its connections: under more queries than the engine
    /// answers, inserts queued behind them, and acknowledgements behind the inserts (the soak at 30k facts/s and 20
    /// queries/s: ingest fell to 1.9k facts/s with acknowledgement p99 17 s).
    /// </summary>
    public EmbeddedConnectionPool IngestionPool { get; }

    /// <summary>Connections in the service's <see cref="Pool"/>.</summary>
    public int MaxConnections => Pool.MaxConnections;

    /// <summary>The engine's <c>version()</c>.</summary>
    public string EngineVersion { get; }

    /// <summary>The engine's <c>timezone()</c>, reported to the driver as a server would.</summary>
    public string TimeZone { get; }

    /// <summary>Boots the process's engine over <paramref name="options"/>' data folder, or returns it if already booted there.</summary>
    /// <exception cref="EmbeddedEngineUnavailableException">The library is missing, or the engine cannot open the folder.</exception>
    /// <exception cref="InvalidOperationException">The process's engine already runs over another folder.</exception>
    public static EmbeddedEngine Open(EmbeddedEngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConnections, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.IngestionConnections, 1);
        var dataPath = Path.GetFullPath(options.DataPath);
        lock (s_gate)
        {
            if (s_instance is { } running)
            {
                return running.DataPath == dataPath
                    ? running
                    : throw new InvalidOperationException(
                        $"The embedded engine of this process already runs over '{running.DataPath}'; one process holds one engine, so it cannot also open '{dataPath}'.");
            }

            ChdbLibraryResolver.Load(options.LibraryPath);
            ChdbNative.SetSignalHandlersEnabled(0);
            Directory.CreateDirectory(dataPath);
            s_instance = new EmbeddedEngine(dataPath, options);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => s_instance.Stop();
            return s_instance;
        }
    }

    /// <summary>
    /// The settings that bound a statement's memory to <paramref name="mebibytes"/>: past half of it, aggregations
    /// and sorts spill to disk (the engine's ratios relative to the limit).
    /// </summary>
    public static IReadOnlyDictionary<string, string> StatementMemorySettings(int mebibytes) => new Dictionary<string, string>
    {
        ["max_memory_usage"] = Bytes(mebibytes),
        ["max_bytes_ratio_before_external_group_by"] = "0.5",
        ["max_bytes_ratio_before_external_sort"] = "0.5",
    };

    private static string Bytes(int mebibytes) => (mebibytes * 1024L * 1024L).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The version string the library reports (<c>chdb_version()</c>).</summary>
    public static string LibraryVersion => ChdbNative.ReadString(ChdbNative.Version()) ?? "";

    /// <summary>
    /// Opens a further pool of at most <paramref name="maxConnections"/> connections, each opened with
    /// <paramref name="connectionSettings"/> as <c>--name=value</c> arguments: they hold for the connection's life,
    /// and <c>readonly</c> among them cannot be lifted by a statement. Names must be plain identifiers and values
    /// plain words or numbers. A pool lives as long as the engine unless closed (<see cref="EmbeddedConnectionPool.Close"/>).
    /// </summary>
    public EmbeddedConnectionPool OpenPool(int maxConnections, IReadOnlyDictionary<string, string> connectionSettings)
    {
        ArgumentNullException.ThrowIfNull(connectionSettings);
        return Track(new EmbeddedConnectionPool(this, maxConnections, connectionSettings));
    }

    /// <summary>A pool <see cref="Stop"/> closes.</summary>
    private EmbeddedConnectionPool Track(EmbeddedConnectionPool pool)
    {
        lock (_pools)
        {
            _pools.Add(pool);
        }

        return pool;
    }

    /// <summary>Drops a closed pool (<see cref="EmbeddedConnectionPool.Close"/>) from those <see cref="Stop"/> closes.</summary>
    internal void Forget(EmbeddedConnectionPool pool)
    {
        lock (_pools)
        {
            _pools.Remove(pool);
        }
    }

    /// <summary>
    /// Closes every pool's idle connections and the anchor, then joins the engine's threads. A statement still running
    /// keeps its connection; the engine then stays up and process exit reaps it, as chDB allows.
    /// </summary>
    private void Stop()
    {
        lock (_pools)
        {
            foreach (var pool in _pools)
            {
                pool.Stop();
            }
        }

        _anchor.Close();
        _ = ChdbNative.Shutdown();
    }
}
