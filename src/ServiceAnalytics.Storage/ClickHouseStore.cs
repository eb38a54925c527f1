using System.Diagnostics.Metrics;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO;
using ClickHouse.Driver.Compression;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServiceAnalytics.EmbeddedClickHouse;
using ServiceAnalytics.Storage.Telemetry;

namespace ServiceAnalytics.Storage;

/// <summary>
/// The one way into ClickHouse: a ClickHouse.Driver client bound to the service's database. Against a server it
/// speaks HTTP; against the embedded engine the same client is given an <see cref="HttpClient"/> whose handler runs
/// the requests in process. Nothing above this class knows which one it is talking to. Either way every statement
/// gets a span when traces are recorded (<see cref="ClickHouseStatementTelemetry"/>).
/// </summary>
public sealed class ClickHouseStore : IDisposable
{
    private readonly HttpClient _httpClient;
    private readonly HttpClient? _ingestionHttpClient;
    private readonly HttpClient? _rollupHttpClient;

    /// <summary>The statements' duration metric, shared with the SQL endpoint's client; null without a meter factory.</summary>
    public ClickHouseStatementMetrics? StatementMetrics { get; }

    /// <param name="options">Where ClickHouse is and how to reach it.</param>
    /// <param name="loggerFactory">The driver's and the store's logs.</param>
    /// <param name="meters">Where <c>db.client.operation.duration</c> is recorded (the host's; none in tools that run without one).</param>
    public ClickHouseStore(IOptions<ClickHouseOptions> options, ILoggerFactory loggerFactory, IMeterFactory? meters = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Value;
        StatementMetrics = meters is null ? null : new ClickHouseStatementMetrics(meters);
        SchemaNames.CheckIdentifier(Options.Database, "ClickHouse:Database");
        var logger = loggerFactory.CreateLogger<ClickHouseStore>();
        // Every transport is timed by the same statement telemetry; the driver's own timeout applies, not HttpClient's.
        HttpClient HttpOver(HttpMessageHandler transport) =>
            new(new ClickHouseStatementTelemetry(transport, StatementMetrics)) { Timeout = Timeout.InfiniteTimeSpan };
        Uri endpoint;
        if (Options.UsesEmbeddedEngine)
        {
            Engine = EmbeddedEngine.Open(Options.Embedded);
            _httpClient = HttpOver(new EmbeddedClickHouseHandler(Engine));
            _ingestionHttpClient = HttpOver(new EmbeddedClickHouseHandler(Engine.IngestionPool));
            _rollupHttpClient = HttpOver(new EmbeddedClickHouseHandler(Engine.Pool, mayUseReserve: true));
            endpoint = new Uri("http://embedded:8123");
            InsertCompressor = null;
            Log.UsingEmbeddedEngine(logger, Engine.DataPath, Engine.EngineVersion);
        }
        else
        {
            endpoint = new Uri(Options.ServerUrl!, UriKind.Absolute);
            _httpClient = HttpOver(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(5) });
            InsertCompressor = ZstdCompressor.Default;
            Log.UsingServer(logger, $"{endpoint.Scheme}://{endpoint.Host}:{endpoint.Port}");
        }

        ClickHouseClient ClientOver(HttpClient http) => new(new ClickHouseClientSettings
        {
            Host = endpoint.Host,
            Port = (ushort)endpoint.Port,
            Protocol = endpoint.Scheme,
            Username = Options.Username,
            Password = Options.Password,
            Database = Options.Database,
            UseCompression = Engine is null,
            Timeout = Options.CommandTimeout,
            HttpClient = http,
            LoggerFactory = loggerFactory,
            CustomSettings = StatementSettings.For(Options),
        });
        Client = ClientOver(_httpClient);
        IngestionClient = _ingestionHttpClient is null ? Client : ClientOver(_ingestionHttpClient);
        RollupClient = _rollupHttpClient is null ? Client : ClientOver(_rollupHttpClient);
    }

    public ClickHouseOptions Options { get; }

    /// <summary>The driver client, bound to <see cref="ClickHouseOptions.Database"/>.</summary>
    public ClickHouseClient Client { get; }

    /// <summary>
    /// The client fact writes go through: over the embedded engine, on connections of their own
    /// (<see cref="EmbeddedEngine.IngestionPool"/>), so statements queued for <see cref="Client"/>'s never hold up
    /// ingestion; against a server, <see cref="Client"/> itself (the server runs statements side by side).
    /// </summary>
    public ClickHouseClient IngestionClient { get; }

    /// <summary>
    /// The client rollup runs and refreshes go through: over the embedded engine, on the service's connections, one
    /// of which only this client may take (<see cref="EmbeddedEngine.Pool"/>), so queries queued for
    /// <see cref="Client"/>'s never hold up the snapshot; against a server, <see cref="Client"/> itself.
    /// </summary>
    public ClickHouseClient RollupClient { get; }

    /// <summary>The embedded engine, or null when a server is configured.</summary>
    public EmbeddedEngine? Engine { get; }

    /// <summary>
    /// How INSERT bodies are compressed: zstd over the network, none in process (compressing a buffer only to
    /// decompress it in the same process costs time and saves nothing).
    /// </summary>
    public IClickHouseCompressor? InsertCompressor { get; }

    /// <summary>
    /// Options for <c>InsertBinaryAsync</c> suited to the transport. Column types are looked up once per table and
    /// cached (the schema changes only through migrations, before the service writes).
    /// </summary>
    /// <param name="batchSize">Rows per INSERT statement.</param>
    /// <param name="maxDegreeOfParallelism">Batches in flight at once: the driver serializes one while the engine stores another.</param>
    public InsertOptions CreateInsertOptions(int batchSize = 100_000, int maxDegreeOfParallelism = 2) =>
        new() { BatchSize = batchSize, Compressor = InsertCompressor, MaxDegreeOfParallelism = maxDegreeOfParallelism, UseSchemaCache = true };

    /// <summary>Query options that run outside the service's database (to create it, for example).</summary>
    public static QueryOptions InDatabase(string database) => new() { Database = database };

    public void Dispose()
    {
        foreach (var other in new[] { IngestionClient, RollupClient }.Where(c => !ReferenceEquals(c, Client)))
        {
            other.Dispose();
        }

        Client.Dispose();
        _httpClient.Dispose();
        _ingestionHttpClient?.Dispose();
        _rollupHttpClient?.Dispose();
    }
}
