using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ServiceAnalytics.Storage;

/// <summary>Whether the schema is in place; set once start-up migrations succeed.</summary>
public sealed class SchemaReadiness
{
    private volatile int _version = -1;

    public bool IsReady => _version >= 0;

    public int Version => _version;

    public void MarkReady(int schemaVersion) => _version = schemaVersion;
}

/// <summary>
/// Healthy when the schema has been migrated and ClickHouse answers a query now. Backs the gRPC health service,
/// which therefore reports NOT_SERVING until the store is reachable.
/// </summary>
public sealed class StoreHealthCheck(ClickHouseStore store, SchemaReadiness readiness) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!readiness.IsReady)
        {
            return HealthCheckResult.Unhealthy("Schema migrations have not completed yet.");
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await store.Client.ExecuteScalarAsync("SELECT 1", cancellationToken: timeout.Token);
            return HealthCheckResult.Healthy($"ClickHouse reachable; schema version {readiness.Version}.");
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("ClickHouse is not reachable.", error);
        }
    }
}
