using ClickHouse.Driver.Utility;

namespace ServiceAnalytics.Storage.Outcomes;

/// <summary>
/// What the latest successful runs left, from <c>rollup_runs</c>: the settled watermark and the latest snapshot.
/// </summary>
/// <param name="SettledThrough">
/// The last local day whose settled rows no scheduled run will change again: the query RPCs read the days up to it
/// from the rollup tables whatever happened since.
/// </param>
/// <param name="Snapshot">The latest run that left every day after the watermark current, or null.</param>
public sealed record RollupProgress(DateOnly? SettledThrough, RollupSnapshot? Snapshot);

/// <summary>
/// The rows and daily summaries a scheduled run or a refresh left: for every shop, every day up to
/// <paramref name="LastDay"/> as the facts that arrived before <paramref name="ArrivalsThrough"/> (ClickHouse's
/// clock) make it at <paramref name="AsOf"/> (the run's <c>now</c>: when an unanswered inquiry's 24 hours count as passed).
/// </summary>
public sealed record RollupSnapshot(DateTime AsOf, DateTime ArrivalsThrough, DateOnly LastDay);

/// <summary>
/// Reads the rollup job's progress, the settled watermark and the latest snapshot (<see cref="RollupProgress"/>),
/// from <c>rollup_runs</c>. The progress the query RPCs go by is kept for <see cref="CacheLifetime"/>: progress
/// older than the true one only means an older snapshot or more days computed live, which stays correct, so another
/// instance's run may take that long to speed this one up.
/// </summary>
public sealed class RollupProgressReader(ClickHouseStore store, TimeProvider time)
{
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private RollupProgress _progress = new(null, null);
    private long _readAt = long.MinValue;

    /// <summary>The progress the query RPCs go by: the kept one, read again once older than <see cref="CacheLifetime"/>.</summary>
    public async ValueTask<RollupProgress> GetProgressAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_readAt != long.MinValue && time.GetElapsedTime(_readAt) < CacheLifetime)
            {
                return _progress;
            }
        }

        var stored = await ReadProgressAsync(cancellationToken);
        lock (_lock)
        {
            _progress = Later(_progress, stored);
            _readAt = time.GetTimestamp();
            return _progress;
        }
    }

    /// <summary>The progress kept now, without reading the store: this process's runs and its latest read.</summary>
    public RollupProgress Kept
    {
        get
        {
            lock (_lock)
            {
                return _progress;
            }
        }
    }

    /// <summary>Called by a run of this process that settled days up to <paramref name="day"/> and left <paramref name="snapshot"/>.</summary>
    public void Advance(DateOnly? day, RollupSnapshot? snapshot)
    {
        lock (_lock)
        {
            _progress = Later(_progress, new RollupProgress(day, snapshot));
        }
    }

    /// <summary>The watermark as stored now: the latest <c>settled_through</c> of a successful run.</summary>
    public async Task<DateOnly?> ReadAsync(CancellationToken cancellationToken) => (await ReadProgressAsync(cancellationToken)).SettledThrough;

    /// <summary>
    /// The progress as stored now: the latest watermark, and the successful run with the latest
    /// <c>arrivals_through</c>. Read as the rollup runs read, which start from it (<see cref="ClickHouseStore.RollupClient"/>).
    /// </summary>
    public async Task<RollupProgress> ReadProgressAsync(CancellationToken cancellationToken)
    {
        using var reader = await store.RollupClient.ExecuteReaderAsync("""
            SELECT
                toString(max(settled_through)) AS settled_through_day, countIf(settled_through IS NOT NULL) AS settled_runs,
                argMaxIf(started_at, arrivals_through, arrivals_through IS NOT NULL) AS snapshot_as_of,
                max(arrivals_through) AS snapshot_arrivals_through,
                toString(argMaxIf(last_day, arrivals_through, arrivals_through IS NOT NULL)) AS snapshot_last_day
            FROM rollup_runs WHERE error = ''
            """, cancellationToken: cancellationToken);
        reader.Read();
        var settled = reader.Long("settled_runs") > 0 ? reader.Day("settled_through_day") : (DateOnly?)null;
        var snapshot = reader.IsDBNull(reader.GetOrdinal("snapshot_arrivals_through"))
            ? null
            : new RollupSnapshot(reader.DateTime("snapshot_as_of"), reader.DateTime("snapshot_arrivals_through"), reader.Day("snapshot_last_day"));
        return new RollupProgress(settled, snapshot);
    }

    private static RollupProgress Later(RollupProgress a, RollupProgress b) => new(
        a.SettledThrough is not { } x ? b.SettledThrough : b.SettledThrough is not { } y ? x : x > y ? x : y,
        a.Snapshot is null ? b.Snapshot : b.Snapshot is null ? a.Snapshot : a.Snapshot.ArrivalsThrough >= b.Snapshot.ArrivalsThrough ? a.Snapshot : b.Snapshot);
}
