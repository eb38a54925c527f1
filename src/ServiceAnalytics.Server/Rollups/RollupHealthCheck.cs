using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServiceAnalytics.Storage.Outcomes;
using ServiceAnalytics.Storage.Rollups;

namespace ServiceAnalytics.Server.Rollups;

/// <summary>
/// The rollup job's last run in the health report's detail (last run, duration, rows, window, last error) and the
/// latest snapshot (its instant and arrivals mark: how far behind the facts the page is). Always
/// healthy: the query RPCs answer correctly without rollups (the days are computed live), only slower, so a failed
/// run must not take the service out of rotation; it is logged and retried.
/// </summary>
internal sealed class RollupHealthCheck(RollupRunner runner, RollupProgressReader watermark) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var runs = await runner.ReadRecentRunsAsync(10, cancellationToken);
            if (runs.Count == 0)
            {
                return HealthCheckResult.Healthy("No rollup run yet.");
            }

            var last = runs[0];
            var lastError = runs.FirstOrDefault(r => !r.Succeeded);
            var data = new Dictionary<string, object>
            {
                ["last_run_at"] = last.StartedAt.ToString("O", CultureInfo.InvariantCulture),
                ["last_run_duration_ms"] = (long)last.Duration.TotalMilliseconds,
                ["last_run_rows"] = last.RowsWritten,
                ["last_run_window"] = $"{last.FirstDay:yyyy-MM-dd}..{last.LastDay:yyyy-MM-dd}",
                ["last_error"] = lastError?.Error ?? "",
            };
            if ((await watermark.ReadProgressAsync(cancellationToken)).Snapshot is { } snapshot)
            {
                data["snapshot_as_of"] = DateTime.SpecifyKind(snapshot.AsOf, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture);
                data["snapshot_arrivals_through"] = DateTime.SpecifyKind(snapshot.ArrivalsThrough, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture);
            }

            return HealthCheckResult.Healthy(
                last.Succeeded ? $"Last rollup run {last.RunId} succeeded." : $"Last rollup run {last.RunId} failed: {last.Error}", data);
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Healthy($"Rollup status unavailable ({error.GetType().Name}); the store check reports the store.");
        }
    }
}
