using System.Globalization;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using static ServiceAnalytics.Storage.Rollups.IsoDays;

namespace ServiceAnalytics.Storage.Rollups;

/// <summary>
/// The run log, <c>rollup_runs</c> (migrations 0003, 0007): records each run, finished or failed, and reads back the
/// latest runs, the count of successful ones and the arrivals mark of the latest scheduled one. (The watermark and
/// snapshot the query RPCs go by are read from it by <c>RollupProgressReader</c>.)
/// </summary>
internal sealed class RollupRunLog(ClickHouseStore store)
{
    private const string Columns = """
        run_id, instance, reason, started_at, finished_at, first_day, last_day, shops, rows_written, settled_through, error, arrivals_through
        """;

    /// <summary>The name <paramref name="reason"/> is recorded and logged under.</summary>
    public static string Name(RollupReason reason) => reason switch
    {
        RollupReason.Scheduled => "scheduled",
        RollupReason.Backfill => "backfill",
        RollupReason.Refresh => "refresh",
        _ => "recompute",
    };

    /// <summary>ClickHouse's clock now, the clock of <c>fact_arrivals.arrived_at</c> and so of a run's arrivals mark.</summary>
    public async Task<DateTime> ClickHouseNowAsync(CancellationToken cancellationToken)
    {
        using var reader = await store.RollupClient.ExecuteReaderAsync("SELECT now64(6, 'UTC') AS now", cancellationToken: cancellationToken);
        reader.Read();
        return reader.DateTime("now");
    }

    /// <summary>
    /// The <c>arrivals_through</c> of the latest successful scheduled run: a backfill looks for arrivals since then.
    /// Null before the first.
    /// </summary>
    public async Task<DateTime?> LatestScheduledArrivalsMarkAsync(CancellationToken cancellationToken) =>
        await store.RollupClient.ExecuteScalarAsync(
            "SELECT max(arrivals_through) FROM rollup_runs WHERE error = '' AND reason = 'scheduled'", cancellationToken: cancellationToken)
            as DateTime?;

    /// <summary>How many runs succeeded, on any instance: a count that grows while a run runs tells it another finished.</summary>
    public async Task<long> CountSucceededAsync(CancellationToken cancellationToken) => Convert.ToInt64(
        await store.RollupClient.ExecuteScalarAsync("SELECT count() FROM rollup_runs WHERE error = ''", cancellationToken: cancellationToken),
        CultureInfo.InvariantCulture);

    public async Task RecordAsync(RollupRun run, CancellationToken cancellationToken)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("run", run.RunId);
        parameters.AddParameter("instance", run.Instance);
        parameters.AddParameter("reason", run.Reason);
        parameters.AddParameter("started", run.StartedAt);
        parameters.AddParameter("finished", run.FinishedAt);
        parameters.AddParameter("first_day", Iso(run.FirstDay));
        parameters.AddParameter("last_day", Iso(run.LastDay));
        parameters.AddParameter("shops", run.Shops);
        parameters.AddParameter("rows", run.RowsWritten);
        parameters.AddParameter("settled", run.SettledThrough is { } settled ? Iso(settled) : "");
        parameters.AddParameter("error", run.Error);
        parameters.AddParameter("arrivals", run.ArrivalsThrough is { } mark ? mark.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) : "");
        await store.RollupClient.ExecuteNonQueryAsync($$"""
            INSERT INTO rollup_runs ({{Columns}})
            SELECT {run:String} AS run_id, {instance:String} AS instance, {reason:String} AS reason,
                   {started:DateTime64(3, 'UTC')} AS started_at, {finished:DateTime64(3, 'UTC')} AS finished_at,
                   toDate({first_day:String}) AS first_day, toDate({last_day:String}) AS last_day, {shops:UInt64} AS shops,
                   {rows:UInt64} AS rows_written, if({settled:String} = '', NULL, toDate({settled:String})) AS settled_through,
                   {error:String} AS error, if({arrivals:String} = '', NULL, toDateTime64({arrivals:String}, 6, 'UTC')) AS arrivals_through
            """, parameters, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// How long ago, now (ClickHouse's clock, that of <c>fact_arrivals.arrived_at</c>), the oldest fact arrived that the
    /// snapshot marked <paramref name="mark"/> takes in and the previous one did not: arrivals from the previous
    /// successful snapshot's mark up to this one. Null before a previous snapshot, or with no such arrival.
    /// </summary>
    public async Task<TimeSpan?> OldestNewArrivalAgeAsync(DateTime mark, CancellationToken cancellationToken)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("mark", mark.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture));
        using var reader = await store.RollupClient.ExecuteReaderAsync("""
            SELECT count() AS arrivals, dateDiff('microsecond', min(arrived_at), now64(6, 'UTC')) AS age_us
            FROM fact_arrivals
            WHERE arrived_at < toDateTime64({mark:String}, 6, 'UTC')
                AND arrived_at >= (SELECT max(arrivals_through) FROM rollup_runs
                                   WHERE error = '' AND arrivals_through < toDateTime64({mark:String}, 6, 'UTC'))
            """, parameters, cancellationToken: cancellationToken);
        reader.Read();
        return reader.Long("arrivals") == 0 ? null : TimeSpan.FromMicroseconds(reader.Long("age_us"));
    }

    /// <summary>The latest runs, newest first.</summary>
    public async Task<IReadOnlyList<RollupRun>> ReadRecentAsync(int limit, CancellationToken cancellationToken)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("limit", limit);
        using var reader = await store.RollupClient.ExecuteReaderAsync("""
            SELECT run_id, instance, reason, started_at, finished_at, toString(first_day) AS first_day_text, toString(last_day) AS last_day_text,
                   shops, rows_written, toString(settled_through) AS settled_through_text, error, arrivals_through
            FROM rollup_runs ORDER BY started_at DESC, run_id LIMIT {limit:UInt32}
            """, parameters, cancellationToken: cancellationToken);
        var runs = new List<RollupRun>();
        while (reader.Read())
        {
            runs.Add(new RollupRun(
                reader.String("run_id"), reader.String("instance"), reader.String("reason"), reader.DateTime("started_at"), reader.DateTime("finished_at"),
                reader.Day("first_day_text"), reader.Day("last_day_text"), reader.Long("shops"), reader.Long("rows_written"),
                reader.IsDBNull(reader.GetOrdinal("settled_through_text")) ? null : reader.Day("settled_through_text"),
                reader.String("error"), reader.IsDBNull(reader.GetOrdinal("arrivals_through")) ? null : reader.DateTime("arrivals_through")));
        }

        return runs;
    }
}
