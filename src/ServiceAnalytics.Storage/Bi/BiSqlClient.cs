using System.Globalization;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServiceAnalytics.EmbeddedClickHouse;
using ServiceAnalytics.Storage.Telemetry;

namespace ServiceAnalytics.Storage.Bi;

/// <summary>
/// The ClickHouse.Driver client BI statements run through, apart from the service's (<see cref="ClickHouseStore"/>):
/// on the embedded engine an <see cref="HttpClient"/> over a pool of its own of
/// <see cref="BiSqlOptions.MaxConnections"/> read-only connections (opened with <c>--readonly=2</c> and the limits),
/// on a server the configured server (optionally as <see cref="BiSqlOptions.ServerUsername"/>) over at most
/// <see cref="BiSqlOptions.MaxConnections"/> HTTP connections, with <c>readonly = 2</c> sent on every statement.
/// Either way BI statements wait for their own connections and never take the service's.
/// </summary>
public sealed class BiSqlClient : IDisposable
{
    private readonly HttpClient _httpClient;

    public BiSqlClient(ClickHouseStore store, IOptions<BiSqlOptions> options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Value;
        Database = store.Options.Database;
        Uri endpoint;
        if (store.Engine is { } engine)
        {
            Pool = engine.OpenPool(Options.MaxConnections, ConnectionSettings(Options));
            _httpClient = new HttpClient(new ClickHouseStatementTelemetry(new EmbeddedClickHouseHandler(Pool), store.StatementMetrics, tablesInMetrics: false)) { Timeout = Timeout.InfiniteTimeSpan };
            endpoint = new Uri("http://embedded:8123");
        }
        else
        {
            endpoint = new Uri(store.Options.ServerUrl!, UriKind.Absolute);
            _httpClient = new HttpClient(new ClickHouseStatementTelemetry(new SocketsHttpHandler
            {
                MaxConnectionsPerServer = Options.MaxConnections,
                PooledConnectionIdleTimeout = TimeSpan.FromSeconds(5),
            }, store.StatementMetrics, tablesInMetrics: false))
            { Timeout = Timeout.InfiniteTimeSpan };
        }

        var separateUser = Pool is null && Options.ServerUsername is not null;
        var settings = new ClickHouseClientSettings
        {
            Host = endpoint.Host,
            Port = (ushort)endpoint.Port,
            Protocol = endpoint.Scheme,
            Username = separateUser ? Options.ServerUsername! : store.Options.Username,
            Password = separateUser ? Options.ServerPassword : store.Options.Password,
            Database = Database,
            UseCompression = Pool is null,
            // The engine stops a statement at max_execution_time; the client waits a little longer for its error.
            Timeout = Options.MaxExecutionTime + TimeSpan.FromSeconds(30),
            HttpClient = _httpClient,
            LoggerFactory = loggerFactory,
            // A server is told readonly on every statement; embedded connections were opened read-only.
            CustomSettings = Pool is null ? new Dictionary<string, object> { ["readonly"] = "2" } : new Dictionary<string, object>(),
        };
        Client = new ClickHouseClient(settings);
        Logger = loggerFactory.CreateLogger<BiSqlClient>();
        Log.BiSqlReady(Logger, Options.MaxConnections, (long)Options.MaxExecutionTime.TotalSeconds, Options.MaxResultRows, Options.MaxMemoryUsage);
    }

    public BiSqlOptions Options { get; }

    /// <summary>The service's database, where the BI views live.</summary>
    public string Database { get; }

    /// <summary>The driver client for BI statements.</summary>
    public ClickHouseClient Client { get; }

    /// <summary>Where the BI runner's log lines go.</summary>
    internal ILogger Logger { get; }

    /// <summary>The read-only engine pool, or null when a server is configured.</summary>
    public EmbeddedConnectionPool? Pool { get; }

    /// <summary>
    /// The limits every BI statement runs with, as ClickHouse settings: <c>max_execution_time</c>,
    /// <c>max_result_rows</c>/<c>max_result_bytes</c> with <c>result_overflow_mode = 'throw'</c>,
    /// <c>max_memory_usage</c>, <c>max_threads</c>, and the BI <c>priority</c> (<see cref="StatementPriorities"/>). The runner sends them on every statement; embedded connections are also opened with
    /// them (and <c>readonly = 2</c>), but for the result limits.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Limits(BiSqlOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["max_execution_time"] = ((long)options.MaxExecutionTime.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            ["max_result_rows"] = options.MaxResultRows.ToString(CultureInfo.InvariantCulture),
            ["max_result_bytes"] = options.MaxResultBytes.ToString(CultureInfo.InvariantCulture),
            ["result_overflow_mode"] = "throw",
            ["max_memory_usage"] = options.MaxMemoryUsage.ToString(CultureInfo.InvariantCulture),
            ["max_threads"] = options.MaxThreads.ToString(CultureInfo.InvariantCulture),
            ["priority"] = StatementPriorities.Bi.ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>
    /// A fresh settings map for one statement's <see cref="QueryOptions.CustomSettings"/>: on a server it already holds
    /// <c>readonly = 2</c>, so the setting goes with every statement even if per-statement settings replace the
    /// client's; embedded connections are read-only by their arguments (and refuse a <c>SET readonly</c>).
    /// </summary>
    public Dictionary<string, object> StatementSettings() =>
        Pool is null ? new(StringComparer.Ordinal) { ["readonly"] = "2" } : new(StringComparer.Ordinal);

    /// <summary>Also closes the embedded pool, whose idle connections would otherwise live as long as the process.</summary>
    public void Dispose()
    {
        Client.Dispose();
        _httpClient.Dispose();
        Pool?.Close();
    }

    /// <summary>
    /// What embedded BI connections are opened with: <c>readonly = 2</c> (no statement can lift it) and the time,
    /// memory and thread limits, which also bound the guard's own statements. The result limits are the runner's per statement:
    /// the guard's catalog reads (<c>system.functions</c>) return more rows than a caller may.
    /// </summary>
    private static Dictionary<string, string> ConnectionSettings(BiSqlOptions options)
    {
        var limits = Limits(options);
        return new(StringComparer.Ordinal)
        {
            ["readonly"] = "2",
            ["max_execution_time"] = limits["max_execution_time"],
            ["max_memory_usage"] = limits["max_memory_usage"],
            ["max_threads"] = limits["max_threads"],
            ["priority"] = limits["priority"],
        };
    }
}
