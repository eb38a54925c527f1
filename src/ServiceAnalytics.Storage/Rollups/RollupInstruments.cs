using System.Diagnostics;
using System.Diagnostics.Metrics;
using ServiceAnalytics.Storage.Outcomes;
using ServiceAnalytics.Storage.Telemetry;

namespace ServiceAnalytics.Storage.Rollups;

/// <summary>
/// The rollup runs' instruments (docs/instruments.md): each run's duration, shops and chats recomputed (recorded by
/// <see cref="RollupRunner"/> as a run ends), the age of the latest snapshot this process knows
/// (<see cref="RollupProgressReader.Kept"/>), and the lag between a fact's arrival and its appearance in the snapshot
/// the query RPCs answer from.
/// </summary>
public sealed class RollupInstruments
{
    /// <summary>Attribute: why the run ran (<c>scheduled</c>, <c>backfill</c>, <c>refresh</c>, <c>recompute</c>).</summary>
    public const string ReasonAttribute = "service_analytics.rollup.reason";

    private readonly Histogram<double> _duration;
    private readonly Counter<long> _shops;
    private readonly Counter<long> _chats;
    private readonly Histogram<double> _visibilityLag;

    public RollupInstruments(IMeterFactory meters, RollupProgressReader progress, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(progress);
        ArgumentNullException.ThrowIfNull(time);
        var meter = meters.Create(TelemetryNames.Meter);
        var seconds = new InstrumentAdvice<double> { HistogramBucketBoundaries = InstrumentBuckets.JobSeconds };
        _duration = meter.CreateHistogram(
            "service_analytics.rollup.duration", "s", "Rollup runs (scheduled runs, their backfills, refreshes, recomputes) by reason; error.type is set on failed ones.",
            advice: seconds);
        _shops = meter.CreateCounter<long>("service_analytics.rollup.shops", "{shop}", "Shops recomputed by successful rollup runs, by reason.");
        _chats = meter.CreateCounter<long>("service_analytics.rollup.chats", "{chat}", "Chats settled (per-chat rows written) by successful rollup runs, by reason.");
        _visibilityLag = meter.CreateHistogram(
            "service_analytics.rollup.visibility.lag", "s",
            "At each run that leaves a snapshot: from the arrival of the oldest fact it takes in that the previous snapshot did not, to the snapshot being served.",
            advice: seconds);
        meter.CreateObservableGauge(
            "service_analytics.rollup.snapshot.age", () => SnapshotAge(progress.Kept, time.GetUtcNow().UtcDateTime), "s",
            "The age of the latest rollup snapshot this process knows (its instant to now); none before the first.");
    }

    /// <summary>The age of <paramref name="kept"/>'s snapshot at <paramref name="now"/>, as the gauge reports it (nothing without a snapshot).</summary>
    public static IEnumerable<Measurement<double>> SnapshotAge(Outcomes.RollupProgress kept, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(kept);
        return kept.Snapshot is { } snapshot ? [new Measurement<double>((now - snapshot.AsOf).TotalSeconds)] : [];
    }

    /// <summary>A run that succeeded, recomputing <paramref name="shops"/> shops and settling <paramref name="chats"/> chats.</summary>
    public void Succeeded(RollupReason reason, TimeSpan elapsed, long shops, long chats)
    {
        var tags = new TagList { { ReasonAttribute, RollupRunLog.Name(reason) } };
        _duration.Record(elapsed.TotalSeconds, tags);
        _shops.Add(shops, tags);
        _chats.Add(chats, tags);
    }

    public void Failed(RollupReason reason, TimeSpan elapsed, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        _duration.Record(elapsed.TotalSeconds, new TagList { { ReasonAttribute, RollupRunLog.Name(reason) }, { "error.type", error.GetType().FullName } });
    }

    /// <summary>A snapshot left by a run of <paramref name="reason"/> serves facts that arrived up to <paramref name="lag"/> before.</summary>
    public void Visible(RollupReason reason, TimeSpan lag) =>
        _visibilityLag.Record(lag.TotalSeconds, new TagList { { ReasonAttribute, RollupRunLog.Name(reason) } });
}
