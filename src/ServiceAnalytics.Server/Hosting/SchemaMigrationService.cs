using ServiceAnalytics.Storage;
using ServiceAnalytics.Storage.Migrations;

namespace ServiceAnalytics.Server.Hosting;

/// <summary>
/// Applies schema migrations when the service starts, retrying with backoff while ClickHouse is unreachable,
/// then marks the schema ready (until then the health service reports NOT_SERVING). A changed migration file
/// stops the service: no retry can fix it.
/// </summary>
internal sealed class SchemaMigrationService(
    SchemaMigrator migrator, SchemaReadiness readiness, IHostApplicationLifetime lifetime, ILogger<SchemaMigrationService> logger)
    : BackgroundService
{
    private static readonly TimeSpan s_maxDelay = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(500);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var report = await migrator.MigrateAsync(stoppingToken);
                readiness.MarkReady(report.SchemaVersion);
                return;
            }
            catch (SchemaChangedException error)
            {
                ServerLog.MigrationRefused(logger, error.Message);
                lifetime.StopApplication();
                return;
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                ServerLog.MigrationRetry(logger, delay, error);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, s_maxDelay.Ticks));
            }
        }
    }
}
