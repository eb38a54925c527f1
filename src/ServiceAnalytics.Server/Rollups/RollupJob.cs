using Microsoft.Extensions.Options;
using Quartz;
using ServiceAnalytics.Storage;
using ServiceAnalytics.Storage.Rollups;

namespace ServiceAnalytics.Server.Rollups;

/// <summary>
/// The scheduled rollup run (docs/rollups.md). Quartz never runs two at once in a process
/// (<see cref="DisallowConcurrentExecutionAttribute"/>); across instances runs are safe because each day is
/// swapped in whole. A failed run is logged with its cause by the runner and retried once after
/// <see cref="RollupOptions.RetryDelay"/>; the schedule goes on regardless.
/// </summary>
[DisallowConcurrentExecution]
internal sealed class RollupJob(
    RollupRunner runner, SchemaReadiness readiness, TimeProvider time, IOptions<RollupOptions> options, ILogger<RollupJob> logger) : IJob
{
    public static readonly JobKey Key = new("rollup", "service-analytics");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!readiness.IsReady)
        {
            // Start-up: the catch-up run waits for the migrations.
            await RetryAsync(context, TimeSpan.FromSeconds(2), cancellationToken);
            return;
        }

        try
        {
            await runner.RunScheduledAsync(time.GetUtcNow().UtcDateTime, cancellationToken);
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested)
        {
            ServerLog.RollupRetryScheduled(logger, options.Value.RetryDelay, error.GetType().Name);
            await RetryAsync(context, options.Value.RetryDelay, cancellationToken);
        }
    }

    private ValueTask<DateTimeOffset> RetryAsync(IJobExecutionContext context, TimeSpan delay, CancellationToken cancellationToken) =>
        context.Scheduler.ScheduleJob(
            TriggerBuilder.Create().ForJob(Key).StartAt(time.GetUtcNow() + delay).Build(), cancellationToken: cancellationToken);
}
