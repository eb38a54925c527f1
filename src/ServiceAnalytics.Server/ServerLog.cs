namespace ServiceAnalytics.Server;

/// <summary>Every log line the server writes.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(100, LogLevel.Warning, "Schema migration failed; retrying in {Delay}")]
    public static partial void MigrationRetry(ILogger logger, TimeSpan delay, Exception error);

    [LoggerMessage(101, LogLevel.Error, "Writing {Rows} fact rows from {Batches} batches failed; those batches are not acknowledged")]
    public static partial void FactWriteFailed(ILogger logger, int rows, int batches, Exception error);

    [LoggerMessage(102, LogLevel.Error, "The store failed under {Method}")]
    public static partial void StoreCallFailed(ILogger logger, string method, Exception error);

    [LoggerMessage(103, LogLevel.Critical, "Schema migrations cannot proceed: {Reason} The service stops.")]
    public static partial void MigrationRefused(ILogger logger, string reason);

    [LoggerMessage(104, LogLevel.Warning, "Rollup run failed ({ErrorType}); retrying in {Delay}")]
    public static partial void RollupRetryScheduled(ILogger logger, TimeSpan delay, string errorType);

    [LoggerMessage(105, LogLevel.Warning, "No caller is configured: a development key with every scope is in {Path} (readable by this user only). Send it as the {Header} header, e.g. curl -H \"{Header}: $(cat {Path})\" {WebAddress}/v1/rollups/status")]
    public static partial void DevelopmentKeyInUse(ILogger logger, string path, string header, string webAddress);

    [LoggerMessage(106, LogLevel.Warning, "Rollup refresh failed; the next one comes within the refresh interval")]
    public static partial void RollupRefreshFailed(ILogger logger, Exception error);

    [LoggerMessage(107, LogLevel.Information, "Listening: gRPC (HTTP/2) on {GrpcAddresses}; HTTP/JSON, gRPC-Web and OpenAPI (/openapi/v1.json) on {WebAddresses}; settings from {ContentRoot}; relative data paths resolve against the working directory {WorkingDirectory}")]
    public static partial void Listening(ILogger logger, string grpcAddresses, string webAddresses, string contentRoot, string workingDirectory);

    [LoggerMessage(108, LogLevel.Information, "The Service Analytics page: {PageAddress} (sign in with an API key with the query scope or a JWT)")]
    public static partial void PageAt(ILogger logger, string pageAddress);

    [LoggerMessage(109, LogLevel.Information, "The SQL endpoint (ClickHouse's HTTP interface, API keys with the bi scope) listens on {SqlAddresses}")]
    public static partial void SqlEndpointListening(ILogger logger, string sqlAddresses);

    [LoggerMessage(110, LogLevel.Information, "SQL endpoint: {Caller} ran query {QueryId} in {ElapsedMs:F1} ms: {ResultBytes} result bytes sent")]
    public static partial void SqlStatementRan(ILogger logger, string caller, string queryId, double elapsedMs, long resultBytes);

    [LoggerMessage(111, LogLevel.Information, "SQL endpoint: query {QueryId} from {Caller} refused after {ElapsedMs:F1} ms: {Code} {CodeName}")]
    public static partial void SqlStatementRefused(ILogger logger, string caller, string queryId, double elapsedMs, int code, string codeName);

    [LoggerMessage(112, LogLevel.Error, "SQL endpoint: query {QueryId} from {Caller} failed inside the service")]
    public static partial void SqlStatementFailed(ILogger logger, string caller, string queryId, Exception error);

    [LoggerMessage(113, LogLevel.Warning, "Answering without waiting longer for acknowledged facts: after {Waited} {Batches} journaled batches are still not committed")]
    public static partial void AcknowledgedFactsNotVisible(ILogger logger, TimeSpan waited, int batches);

    [LoggerMessage(114, LogLevel.Error, "Writing {Rows} journaled fact rows failed; they stay in the journal and are written again in {Delay}")]
    public static partial void JournaledWriteFailed(ILogger logger, int rows, TimeSpan delay, Exception error);

    [LoggerMessage(115, LogLevel.Information, "Ingestion acknowledges batches once journaled in {Folder}; took over {Batches} batches a stopped instance left uncommitted")]
    public static partial void JournalOpened(ILogger logger, string folder, int batches);

    [LoggerMessage(116, LogLevel.Error, "Journaling {Batches} batches failed; they are not acknowledged")]
    public static partial void JournalAppendFailed(ILogger logger, int batches, Exception error);

    [LoggerMessage(200, LogLevel.Warning, "Refused a metrics scrape from {RemoteAddress}: {Reason}")]
    public static partial void MetricsScrapeRefused(ILogger logger, string remoteAddress, string reason);

    [LoggerMessage(201, LogLevel.Information, "Telemetry: Prometheus metrics at {ScrapeAddress} (open to loopback: {OpenOnLoopback}); traces recorded: {Traces}; OTLP export: {Otlp}")]
    public static partial void TelemetryExporting(ILogger logger, string scrapeAddress, bool openOnLoopback, bool traces, string otlp);

    [LoggerMessage(202, LogLevel.Information, "Telemetry is off (Telemetry:Enabled=false): no metrics endpoint, no traces, no OTLP")]
    public static partial void TelemetryOff(ILogger logger);
}
