using System.Diagnostics;

namespace ServiceAnalytics.Storage.Telemetry;

/// <summary>
/// The spans of rollup work: <c>rollup run {reason}</c> around one run of <see cref="Rollups.RollupRunner"/> (its
/// statements are its children) and <c>rollup job {trigger}</c> around a scheduled run or a refresh turn of the job,
/// which may find nothing to refresh and still reads the store. Attributes: <c>rollup.run_id</c> (as in
/// <c>rollup_runs</c>), <c>rollup.reason</c>, <c>rollup.first_day</c>, <c>rollup.last_day</c>, <c>rollup.days</c>,
/// and at the end <c>rollup.shops</c> and <c>rollup.rows</c>.
/// </summary>
public static class RollupTracing
{
    /// <summary>The span of one run, or null when no tracer listens.</summary>
    public static Activity? StartRun(string runId, string reason, DateOnly first, DateOnly last)
    {
        var span = ServiceTracing.Source.StartActivity($"rollup run {reason}");
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag("rollup.run_id", runId);
            span.SetTag("rollup.reason", reason);
            span.SetTag("rollup.first_day", first.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            span.SetTag("rollup.last_day", last.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            span.SetTag("rollup.days", last.DayNumber - first.DayNumber + 1);
        }

        return span;
    }

    public static void Finished(Activity? span, long shops, long rows)
    {
        span?.SetTag("rollup.shops", shops);
        span?.SetTag("rollup.rows", rows);
    }

    public static void Failed(Activity? span, long shops, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        span?.SetTag("rollup.shops", shops);
        span?.SetTag("error.type", error.GetType().FullName);
        span?.SetStatus(ActivityStatusCode.Error);
    }

    /// <summary>The span of one turn of the rollup job (<paramref name="trigger"/>: <c>scheduled</c> or <c>refresh</c>).</summary>
    public static Activity? StartJob(string trigger)
    {
        var span = ServiceTracing.Source.StartActivity($"rollup job {trigger}");
        span?.SetTag("rollup.trigger", trigger);
        return span;
    }
}
