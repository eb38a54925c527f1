using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Quartz;
using ServiceAnalytics.Contracts.Operations.V1;
using ServiceAnalytics.Server.Ingestion;
using ServiceAnalytics.Server.Rollups;
using ServiceAnalytics.Storage.Outcomes;
using ServiceAnalytics.Storage.Rollups;
using RollupRunMessage = ServiceAnalytics.Contracts.Operations.V1.RollupRun;

namespace ServiceAnalytics.Server.Services;

/// <summary>The rollup job's status and on-demand recomputation (docs/rollups.md).</summary>
internal sealed class OperationsGrpcService(
    RollupRunner runner, RollupProgressReader watermark, FactVisibility visibility, IOptions<RollupOptions> options, TimeProvider time, IServiceProvider services)
    : OperationsService.OperationsServiceBase
{
    public override async Task<GetRollupStatusResponse> GetRollupStatus(GetRollupStatusRequest request, ServerCallContext context)
    {
        var limit = RequestFields.Limit(request.RunLimit, "run_limit", fallback: 10, maximum: 100, "must be 0 (for 10) to 100");
        var response = new GetRollupStatusResponse
        {
            ScheduledHere = options.Value.Enabled,
            Schedule = options.Value.Schedule,
            LateFactWindowDays = options.Value.LateFactWindowDays,
            RefreshInterval = Duration.FromTimeSpan(options.Value.Enabled ? options.Value.RefreshInterval : TimeSpan.Zero),
            SnapshotMaxAge = Duration.FromTimeSpan(options.Value.SnapshotMaxAge),
        };
        // Runs first: a run recorded between the two reads then shows in the progress, never in the runs alone.
        response.Runs.AddRange((await runner.ReadRecentRunsAsync(limit, context.CancellationToken)).Select(Message));
        var progress = await watermark.ReadProgressAsync(context.CancellationToken);
        response.SettledThrough = Day(progress.SettledThrough);
        if (progress.Snapshot is { } snapshot)
        {
            response.SnapshotAsOf = ProtoTime.Utc(snapshot.AsOf);
            response.SnapshotArrivalsThrough = ProtoTime.Utc(snapshot.ArrivalsThrough);
        }

        if (options.Value.Enabled && services.GetService<ISchedulerFactory>() is { } schedulers)
        {
            var scheduler = await schedulers.GetScheduler(context.CancellationToken);
            var next = (await scheduler.GetTriggersOfJob(RollupJob.Key, context.CancellationToken))
                .Where(t => !t.Key.Equals(RollupJob.RefreshTrigger)).Select(t => t.NextFireTimeUtc).Where(t => t is not null).Min();
            if (next is { } at)
            {
                response.NextRunAt = Timestamp.FromDateTimeOffset(at);
            }
        }

        return response;
    }

    public override async Task<RecomputeRollupsResponse> RecomputeRollups(RecomputeRollupsRequest request, ServerCallContext context)
    {
        var period = RequestFields.Period(request.FirstDay, request.LastDay);
        // A failed run is recorded (see GetRollupStatus) and its error raised; store failures answer UNAVAILABLE.
        var now = time.GetUtcNow().UtcDateTime;
        await visibility.WaitForAcknowledgedAsync(FactScope.All, context.CancellationToken);
        var run = await runner.RecomputeAsync(period.FirstDay, period.LastDay, now, context.CancellationToken);
        return new RecomputeRollupsResponse { Run = Message(run) };
    }

    internal static RollupRunMessage Message(Storage.Rollups.RollupRun run) => new()
    {
        ArrivalsThrough = run.ArrivalsThrough is { } mark ? ProtoTime.Utc(mark) : null,
        RunId = run.RunId,
        Instance = run.Instance,
        Reason = run.Reason,
        StartedAt = ProtoTime.Utc(run.StartedAt),
        Duration = Duration.FromTimeSpan(run.Duration),
        FirstDay = Day(run.FirstDay),
        LastDay = Day(run.LastDay),
        Shops = run.Shops,
        RowsWritten = run.RowsWritten,
        SettledThrough = Day(run.SettledThrough),
        Error = run.Error,
    };

    private static string Day(DateOnly? day) => day is { } known ? ProtoTime.Day(known) : "";
}
