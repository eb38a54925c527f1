using Microsoft.Extensions.Logging;

namespace ServiceAnalytics.Storage;

/// <summary>Every log line the storage layer writes.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "ClickHouse: embedded engine {Version} over {DataPath}")]
    public static partial void UsingEmbeddedEngine(ILogger logger, string dataPath, string version);

    [LoggerMessage(2, LogLevel.Information, "ClickHouse: server at {Endpoint}")]
    public static partial void UsingServer(ILogger logger, string endpoint);

    [LoggerMessage(3, LogLevel.Information, "Schema migration {Version} ({Name}) applied in {ElapsedMs} ms")]
    public static partial void MigrationApplied(ILogger logger, int version, string name, long elapsedMs);

    [LoggerMessage(4, LogLevel.Information, "Schema of database {Database} is at version {Version}; {Applied} migration(s) applied now")]
    public static partial void SchemaReady(ILogger logger, string database, int version, int applied);

    [LoggerMessage(5, LogLevel.Information, "Rollup {RunId} ({Reason}) of {FirstDay}..{LastDay}: {Shops} shops, {Rows} rows in {ElapsedMs} ms")]
    public static partial void RollupFinished(ILogger logger, string runId, string reason, string firstDay, string lastDay, long shops, long rows, long elapsedMs);

    [LoggerMessage(6, LogLevel.Error, "Rollup {RunId} ({Reason}) of {FirstDay}..{LastDay} failed; days already swapped in stay, the rest keep their previous rows")]
    public static partial void RollupFailed(ILogger logger, string runId, string reason, string firstDay, string lastDay, Exception error);

    [LoggerMessage(7, LogLevel.Error, "Rollup {RunId} failed and its failure could not be recorded in rollup_runs")]
    public static partial void RollupNotRecorded(ILogger logger, string runId, Exception error);

    [LoggerMessage(8, LogLevel.Warning, "Rollup {RunId} could not drop its staging table {Stage}; drop it by hand")]
    public static partial void RollupStageNotDropped(ILogger logger, string runId, string stage, Exception error);

    [LoggerMessage(9, LogLevel.Information, "BI SQL: {Connections} read-only connection(s), statements limited to {MaxSeconds} s, {MaxRows} rows, {MaxMemory} bytes of memory")]
    public static partial void BiSqlReady(ILogger logger, int connections, long maxSeconds, long maxRows, long maxMemory);

    [LoggerMessage(10, LogLevel.Information, "BI SQL: statement of {Caller} refused with {CodeName}")]
    public static partial void BiStatementRefused(ILogger logger, string caller, string codeName);

    [LoggerMessage(11, LogLevel.Information, "BI access applied: roles {ReaderRole} and {AnalystRole}, settings profile {Profile} ({Statements} statements)")]
    public static partial void BiAccessApplied(ILogger logger, string readerRole, string analystRole, string profile, int statements);

    [LoggerMessage(220, LogLevel.Warning, "Rollup {RunId}: the lag of its facts' visibility was not measured (the run stands)")]
    public static partial void VisibilityLagNotMeasured(ILogger logger, string runId, Exception error);
}
