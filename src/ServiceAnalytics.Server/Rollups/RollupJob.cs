using Microsoft.Extensions.Options;
using Quartz;
using ServiceAnalytics.Server.Ingestion;
using ServiceAnalytics.Storage;
using ServiceAnalytics.Storage.Rollups;
using ServiceAnalytics.Storage.Telemetry;

namespace ServiceAnalytics.Server.Rollups;

/// <summary>
/// The scheduled rollup run, and the refreshes between (<see cref="RefreshTrigger"/>; docs/rollups.md). Both are
/// this one job, so Quartz never runs two at once in a process (<see cref="DisallowConcurrentExecutionAttribute"/>):
/// a refresh keeps the rows of the shops it does not compute as it read them, which must not undo a scheduled run
/// finishing meanwhile. A failed scheduled run is logged with its cause by the runner and retried once after
/// <see cref="RollupOptions.RetryDelay"/>; a failed refresh waits for the next. The schedule goes on regardless.
/// </summary>
[DisallowConcurrentExecution]
internal sealed class RollupJob(
    RollupRunner runner, SchemaReadiness readiness, FactVisibility visibility, TimeProvider time, IOptions<RollupOptions> options, ILogger<RollupJob> logger)
    : IJob
{
    public static readonly JobKey Key = new("rollup", "service-analytics");

    /// <summary>The trigger of the refreshes (<see cref="RollupOptions.RefreshInterval"/>).</summary>
    public static readonly TriggerKey RefreshTrigger = new("rollup-refresh", "service-analytics");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var refresh = context.Trigger.Key.Equals(RefreshTrigger);
        if (!readiness.IsReady)
        {
            // Start-up: the catch-up run waits for the migrations; a refresh, for its next turn.
            if (!refresh)
            {
                await RetryAsync(context, TimeSpan.FromSeconds(2), cancellationToken);
            }

            return;
        }

        using var span = RollupTracing.StartJob(refresh ? "refresh" : "scheduled");
        if (refresh)
        {
            try
            {
                await runner.RefreshAsync(await NowAsync(cancellationToken), cancellationToken);
            }
            catch (Exception error) when (!cancellationToken.IsCancellationRequested)
            {
                ServerLog.RollupRefreshFailed(logger, error);
            }

            return;
        }

        try
        {
            await runner.RunScheduledAsync(await NowAsync(cancellationToken), cancellationToken);
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested)
        {
            ServerLog.RollupRetryScheduled(logger, options.Value.RetryDelay, error.GetType().Name);
            await RetryAsync(context, options.Value.RetryDelay, cancellationToken);
        }
    }

    /// <summary>A run's <c>now</c>, once the batches acknowledged before it are committed (its snapshot counts them).</summary>
    private async Task<DateTime> NowAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await visibility.WaitForAcknowledgedAsync(FactScope.All, cancellationToken);
        return now;
    }

    private ValueTask<DateTimeOffset> RetryAsync(IJobExecutionContext context, TimeSpan delay, CancellationToken cancellationToken) =>
        context.Scheduler.ScheduleJob(
            TriggerBuilder.Create().ForJob(Key).StartAt(time.GetUtcNow() + delay).Build(), cancellationToken: cancellationToken);
}
