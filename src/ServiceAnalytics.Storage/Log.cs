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
}
