using ClickHouse.Driver.Utility;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Storage.Outcomes;
using ServiceAnalytics.Storage.Migrations;
using ServiceAnalytics.Storage.Telemetry;
using static ServiceAnalytics.Storage.Rollups.IsoDays;

namespace ServiceAnalytics.Storage.Rollups;

/// <summary>
/// Runs the rollup (docs/rollups.md): settles chat outcomes into <c>settled_chats</c> and rolls them up into
/// <c>shop_daily_summary</c> and <c>agent_daily_summary</c> (migration 0003). It decides which days and shops each
/// run computes (with <see cref="RollupSelection"/>), runs one run at a time, and records each run
/// (<see cref="RollupRunLog"/>). A run computes whole local days into staging tables of its own
/// (<see cref="RollupStaging"/>, <see cref="RollupSummaries"/>) and swaps each day in with <c>REPLACE PARTITION</c>:
/// days are replaced atomically and entirely, so a rerun gives the same rows, a failed run leaves every day readable
/// (old or new), and two runs racing cannot leave a day with both copies.
/// </summary>
public sealed class RollupRunner(
    ClickHouseStore store, ShopCalendars calendars, RollupProgressReader watermark, IOptions<RollupOptions> options, RollupInstruments instruments,
    ILogger<RollupRunner> logger)
    : IDisposable
{
    /// <summary>
    /// How often a scheduled run's backfill, or its run of the changed chats, is tried again when another instance's
    /// run superseded it, before the scheduled run fails.
    /// </summary>
    private const int MaxSupersededAttempts = 3;

    /// <summary>
    /// One run at a time in this process, whoever starts it (the Quartz job, the recompute RPC, the command): a run
    /// copies the rows it does not compute from the live tables, which another run swapping in meanwhile would undo.
    /// </summary>
    private readonly SemaphoreSlim _oneRun = new(1, 1);

    private readonly SchemaTarget _target = SchemaTarget.For(store.Options);
    private readonly RollupRunLog _log = new(store);
    private readonly RollupSelection _selection = new(store);
    private readonly RollupSummaries _summaries = new(store);

    /// <summary>This process, as recorded with its runs.</summary>
    public static string Instance { get; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>
    /// How far before the latest snapshot's <c>arrivals_through</c> a refresh looks for arrivals: an arrival row is
    /// stamped when its insert begins and readable when it commits, so one stamped just before the mark may not have
    /// been readable by the run that set it.
    /// </summary>
    public static readonly TimeSpan ArrivalVisibilityMargin = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How old the latest snapshot's arrivals mark may be for a scheduled run to compute only the chats changed since
    /// it: arrivals are kept 30 days (migration 0006); a day less, as for the requests' <see cref="OutcomeSources.ChatsToRecompute"/>.
    /// </summary>
    private static readonly TimeSpan ArrivalsKept = TimeSpan.FromDays(29);

    /// <summary>
    /// The scheduled run at <paramref name="now"/>: settles every day before the last
    /// <see cref="RollupOptions.LateFactWindowDays"/> local days, advancing the watermark to the day before them, and
    /// leaves a snapshot of the days after it, up to tomorrow (zones ahead of UTC are there already). Before that, it
    /// backfills the settled days that facts arrived for since the previous scheduled run
    /// (<see cref="BackfillAsync"/>), so facts for any day show without a recompute by hand.
    /// With no snapshot to start from (the first run, a watermark a migration forgot, arrivals of the snapshot no
    /// longer kept) it recomputes every day after the watermark, from the first chat when nothing was settled yet.
    /// With one, the days after the watermark are current but for the chats changed since its mark: the days passing
    /// the watermark are recomputed whole, the last time they are (so each day is recomputed from its facts at least
    /// <see cref="RollupOptions.LateFactWindowDays"/> days after it began), and the others only their changed chats,
    /// as a refresh does: a run's cost follows what changed, not the window's chats (docs/rollups.md).
    /// <paramref name="now"/> is the service's clock read before the call (as the job does): the snapshot left is as
    /// of it, and it reads the facts only after it, so it counts every batch acknowledged with a
    /// <c>visible_as_of</c> at or before it (docs/ingestion.md, "Read-your-writes").
    /// </summary>
    public async Task<RollupRun> RunScheduledAsync(DateTime now, CancellationToken cancellationToken)
    {
        var arrivalsThrough = await _log.ClickHouseNowAsync(cancellationToken);
        var today = DateOnly.FromDateTime(now);
        var windowStart = today.AddDays(-options.Value.LateFactWindowDays);
        var progress = await watermark.ReadProgressAsync(cancellationToken);
        var settled = progress.SettledThrough;
        var first = settled is { } day
            ? (day.AddDays(1) < windowStart ? day.AddDays(1) : windowStart)
            : await _selection.FirstChatDayAsync(cancellationToken) is { } earliest && earliest < windowStart ? earliest : windowStart;
        if (settled is not null)
        {
            await BackfillAsync(first, now, cancellationToken);
        }

        if (settled is null || progress.Snapshot is not { } snapshot || snapshot.ArrivalsThrough < arrivalsThrough - ArrivalsKept)
        {
            return await RunAsync(RollupReason.Scheduled, first, today.AddDays(1), now, windowStart.AddDays(-1), arrivalsThrough, RollupChats.Every, cancellationToken);
        }

        if (first < windowStart)
        {
            await RunAsync(RollupReason.Scheduled, first, windowStart.AddDays(-1), now, windowStart.AddDays(-1), null, RollupChats.Every, cancellationToken);
        }

        var changed = RollupChats.ChangedSince(snapshot.ArrivalsThrough - ArrivalVisibilityMargin);
        // It records the watermark too (the days before the window are settled, now or already): the scheduled run's
        // record, like a full run's, says how far days are settled.
        return await AgainWhenSupersededAsync(() =>
            RunAsync(RollupReason.Scheduled, windowStart, today.AddDays(1), now, windowStart.AddDays(-1), arrivalsThrough, changed, cancellationToken));
    }

    /// <summary>
    /// Runs <paramref name="run"/>, again up to <see cref="MaxSupersededAttempts"/> times in all while another
    /// instance's run supersedes it (swaps months in meanwhile): each attempt computes over that run's rows.
    /// </summary>
    private static async Task<RollupRun> AgainWhenSupersededAsync(Func<Task<RollupRun>> run)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await run();
            }
            catch (RollupSupersededException) when (attempt < MaxSupersededAttempts)
            {
            }
        }
    }

    /// <summary>
    /// Recomputes the days before <paramref name="before"/> (the scheduled window, which is recomputed anyway) of the
    /// shops that facts arrived for since the previous successful scheduled run began reading them, less
    /// <see cref="ArrivalVisibilityMargin"/>, from the earliest day such a fact can change
    /// (<see cref="RollupSelection.SettledDaysWithArrivalsAsync"/>) to the day before the window. The other shops'
    /// rows are kept. A failure fails the scheduled run, whose retry backfills again.
    /// </summary>
    private async Task BackfillAsync(DateOnly before, DateTime now, CancellationToken cancellationToken)
    {
        if (await _log.LatestScheduledArrivalsMarkAsync(cancellationToken) is not { } mark)
        {
            return;
        }

        var (shops, first) = await _selection.SettledDaysWithArrivalsAsync(mark - ArrivalVisibilityMargin, before, cancellationToken);
        if (first is { } from)
        {
            await AgainWhenSupersededAsync(() =>
                RunAsync(RollupReason.Backfill, from, before.AddDays(-1), now, null, null, RollupChats.OfShops(shops), cancellationToken));
        }
    }

    /// <summary>
    /// The refresh at <paramref name="now"/> (docs/rollups.md, "Refreshes"): recomputes, on the days after the
    /// watermark up to tomorrow, the chats whose rows went out of date since the latest snapshot's mark, less
    /// <see cref="ArrivalVisibilityMargin"/> (<see cref="RollupSelection.WriteChangedChatsAsync"/>: an arrival of the chat or of
    /// an order of its customer, a pending inquiry whose 24 hours have closed by <paramref name="now"/>, a shop's
    /// settings), for all shops together, and the daily summaries of their shops; every other row is current already
    /// and is kept. It leaves a snapshot as current as a scheduled run's for the cost of the chats that changed. Null, and nothing done, before the first
    /// snapshot (a scheduled run's, which the catch-up at start-up provides). <paramref name="now"/> is read before
    /// the call, as for <see cref="RunScheduledAsync"/>: a shop with a batch acknowledged at or before it has an arrival
    /// since the previous snapshot began reading the facts, or that snapshot counted the batch already.
    /// </summary>
    public async Task<RollupRun?> RefreshAsync(DateTime now, CancellationToken cancellationToken)
    {
        var arrivalsThrough = await _log.ClickHouseNowAsync(cancellationToken);
        if (await watermark.ReadProgressAsync(cancellationToken) is not { SettledThrough: { } settled, Snapshot: { } previous })
        {
            return null;
        }

        var changed = RollupChats.ChangedSince(previous.ArrivalsThrough - ArrivalVisibilityMargin);
        return await RunAsync(RollupReason.Refresh, settled.AddDays(1), DateOnly.FromDateTime(now).AddDays(1), now, null, arrivalsThrough, changed, cancellationToken);
    }

    /// <summary>
    /// Recomputes local days <paramref name="first"/> to <paramref name="last"/> (a backfill); the watermark is
    /// unchanged. <c>shopsDone</c> is told the shops computed so far and, once known, how many there are (the
    /// <c>rollup</c> command's progress).
    /// </summary>
    public Task<RollupRun> RecomputeAsync(
        DateOnly first, DateOnly last, DateTime now, CancellationToken cancellationToken, IProgress<RollupProgress>? shopsDone = null) =>
        first > last
            ? throw new ArgumentException($"The first day {first:yyyy-MM-dd} is after the last day {last:yyyy-MM-dd}.", nameof(first))
            : RunAsync(RollupReason.Recompute, first, last, now, null, null, RollupChats.Every, cancellationToken, shopsDone);

    /// <summary>The latest runs, newest first.</summary>
    public Task<IReadOnlyList<RollupRun>> ReadRecentRunsAsync(int limit, CancellationToken cancellationToken) =>
        _log.ReadRecentAsync(limit, cancellationToken);

    public void Dispose() => _oneRun.Dispose();

    /// <summary>
    /// Recomputes the <paramref name="chats"/> of local days first..last (every other row of those days is kept), settles days up to <paramref name="settles"/>, and records the
    /// run with <paramref name="arrivalsThrough"/> when it leaves a snapshot (<see cref="RollupSnapshot"/>).
    /// </summary>
    private async Task<RollupRun> RunAsync(
        RollupReason reason, DateOnly first, DateOnly last, DateTime now, DateOnly? settles, DateTime? arrivalsThrough,
        RollupChats chats, CancellationToken cancellationToken, IProgress<RollupProgress>? shopsDone = null)
    {
        await _oneRun.WaitAsync(cancellationToken);
        try
        {
            return await RunAloneAsync(reason, first, last, now, settles, arrivalsThrough, chats, cancellationToken, shopsDone);
        }
        finally
        {
            _oneRun.Release();
        }
    }

    /// <summary>
    /// The run of <see cref="RunAsync"/> once it is the only one: computes, records the run whether it succeeded or
    /// failed, advances the watermark and snapshot on success, and drops its staging tables either way.
    /// </summary>
    private async Task<RollupRun> RunAloneAsync(
        RollupReason reason, DateOnly first, DateOnly last, DateTime now, DateOnly? settles, DateTime? arrivalsThrough,
        RollupChats chats, CancellationToken cancellationToken, IProgress<RollupProgress>? shopsDone)
    {
        var runId = Guid.NewGuid().ToString("N")[..16];
        var name = RollupRunLog.Name(reason);
        // Milliseconds, as the run's `now` reaches SQL (a DateTime64(3) parameter) and its record: the snapshot's
        // instant is then exactly the one its rows were computed at.
        var startedAt = now = Instants.ToMilliseconds(now);
        var clock = Stopwatch.StartNew();
        var staging = new RollupStaging(store, _target, runId, logger);
        using var span = RollupTracing.StartRun(runId, name, first, last);
        var shops = new RollupShopCounter(shopsDone);
        try
        {
            var rows = await ComputeAsync(staging, first, last, now, chats, shops, cancellationToken);
            var run = new RollupRun(runId, Instance, name, startedAt, startedAt + clock.Elapsed, first, last, shops.Done, rows.Total, settles, "", arrivalsThrough);
            await _log.RecordAsync(run, cancellationToken);
            watermark.Advance(settles, arrivalsThrough is { } mark ? new RollupSnapshot(startedAt, mark, last) : null);
            RollupTracing.Finished(span, run.Shops, rows.Total);
            instruments.Succeeded(reason, clock.Elapsed, run.Shops, rows.Chats);
            Log.RollupFinished(logger, runId, name, Iso(first), Iso(last), run.Shops, rows.Total, clock.ElapsedMilliseconds);
            if (arrivalsThrough is { } snapshotMark)
            {
                await MeasureVisibilityAsync(reason, runId, snapshotMark);
            }

            return run;
        }
        catch (Exception error)
        {
            await RecordFailureAsync(
                reason,
                new RollupRun(runId, Instance, name, startedAt, startedAt + clock.Elapsed, first, last, shops.Done, 0, null, $"{error.GetType().Name}: {error.Message}"),
                span,
                error);
            throw;
        }
        finally
        {
            await staging.DropAsync();
        }
    }

    /// <summary>Counts, traces, logs and records a run that <paramref name="error"/> failed.</summary>
    private async Task RecordFailureAsync(RollupReason reason, RollupRun failed, Activity? span, Exception error)
    {
        instruments.Failed(reason, failed.Duration, error);
        RollupTracing.Failed(span, failed.Shops, error);
        Log.RollupFailed(logger, failed.RunId, failed.Reason, Iso(failed.FirstDay), Iso(failed.LastDay), error);
        try
        {
            await _log.RecordAsync(failed, CancellationToken.None);
        }
        catch (Exception recordError)
        {
            // The store that failed the run may refuse its record too; the run's own error is the one to raise.
            Log.RollupNotRecorded(logger, failed.RunId, recordError);
        }
    }

    /// <summary>
    /// Records the lag between the arrival of the oldest fact the new snapshot takes in and its being served, now
    /// that it is recorded (<see cref="RollupRunLog.OldestNewArrivalAgeAsync"/>). A measurement only: a store that
    /// fails it is logged and the run stands.
    /// </summary>
    private async Task MeasureVisibilityAsync(RollupReason reason, string runId, DateTime mark)
    {
        try
        {
            if (await _log.OldestNewArrivalAgeAsync(mark, CancellationToken.None) is { } lag)
            {
                instruments.Visible(reason, lag);
            }
        }
        catch (Exception error)
        {
            Log.VisibilityLagNotMeasured(logger, runId, error);
        }
    }

    /// <summary>
    /// The work of <see cref="RunAsync"/>: gives the staging tables the rows the run keeps, computes its chats and
    /// their shops' daily summaries into them, swaps the three tables' months in, and returns the rows written for
    /// the recomputed days. A refresh that finds no changed chat changes nothing; one that does recomputes its shops'
    /// summaries from the first day a changed chat was or is on.
    /// </summary>
    private async Task<ComputedRows> ComputeAsync(
        RollupStaging staging, DateOnly first, DateOnly last, DateTime now, RollupChats chats, RollupShopCounter counter, CancellationToken cancellationToken)
    {
        var runsBefore = await _log.CountSucceededAsync(cancellationToken);
        IReadOnlyList<ShopChats> shops;
        string candidates;
        if (chats.Since is { } since)
        {
            await staging.CreateChangedChatsAsync(cancellationToken);
            // The staging copies are created while the changed chats are found.
            await Task.WhenAll(
                staging.CreateCopiesAsync(cancellationToken),
                _selection.WriteChangedChatsAsync(staging.ChangedChats, since, first, now, cancellationToken));
            shops = await _selection.ShopsOfAsync(staging.ChangedChats, cancellationToken);
            candidates = RollupSummaries.ChangedChatsOfShops(staging.ChangedChats);
        }
        else
        {
            await staging.CreateCopiesAsync(cancellationToken);
            shops = await _selection.ShopsWithChatsAsync(first, last, chats.Shops, cancellationToken);
            candidates = RollupSummaries.EveryChatOfShops;
        }

        counter.Found(shops.Count);
        if (chats.Since is not null && shops.Count == 0)
        {
            return new ComputedRows(0, 0);
        }

        // The shops the run's rows are replaced for: every shop (null), a backfill's, or those with changed chats.
        IReadOnlyList<string>? runShops = chats.Since is null ? chats.Shops : [.. shops.Select(shop => shop.ShopId)];
        var stagedFrom = Iso(new DateOnly(first.Year, first.Month, 1));
        var chatsStage = staging.Stage(SummaryTable.SettledChats);
        var parameters = RollupSelection.DayParameters(first, last, now, runShops);
        // Masking the kept rows (a mutation) and computing the run's rows do not wait for each other: the computed rows
        // join the kept ones once both are done; the chats first, since the summaries are computed from them.
        await Task.WhenAll(
            staging.KeepAsync(SummaryTable.SettledChats, first, last, parameters, cancellationToken),
            SettleAsync(staging.Computed(SummaryTable.SettledChats), shops, candidates, first, last, now, counter, cancellationToken));
        await staging.AddComputedAsync(SummaryTable.SettledChats, first, last, cancellationToken);
        var summariesFrom = chats.Since is null ? first : await _selection.FirstChangedDayAsync(staging.ChangedChats, chatsStage, first, cancellationToken);
        var summaryParameters = RollupSelection.DayParameters(summariesFrom, last, now, runShops);
        await Task.WhenAll(
            staging.KeepAsync(SummaryTable.ShopDaily, first, last, summaryParameters, cancellationToken),
            staging.KeepAsync(SummaryTable.AgentDaily, first, last, summaryParameters, cancellationToken),
            SummarizeAsync(staging, shops, summariesFrom, last, now, stagedFrom, cancellationToken));
        await staging.AddComputedAsync(SummaryTable.ShopDaily, first, last, cancellationToken);
        await staging.AddComputedAsync(SummaryTable.AgentDaily, first, last, cancellationToken);
        if (chats.Since is null)
        {
            await staging.MergeAsync(cancellationToken);
        }

        if (chats != RollupChats.Every)
        {
            await ThrowIfSupersededAsync(runsBefore, cancellationToken);
        }

        await staging.SwapMonthsAsync(first, last, cancellationToken);
        return await staging.CountComputedRowsAsync(cancellationToken);
    }

    /// <summary>
    /// Computes the shop and agent summaries of <paramref name="shops"/>' days first..last into their computed tables,
    /// from the completed staging <c>settled_chats</c> (its months from <paramref name="stagedFrom"/>).
    /// </summary>
    private async Task SummarizeAsync(
        RollupStaging staging, IReadOnlyList<ShopChats> shops, DateOnly first, DateOnly last, DateTime now, string stagedFrom, CancellationToken cancellationToken)
    {
        foreach (var (batch, from, to) in Statements(shops, first, last))
        {
            // A day's customer counts cover the 28 days ending with it: each chat counts in 28 days' sets, so the
            // summaries too are computed about RollupOptions.ChatsPerStatement chats at a time.
            var batchParameters = RollupSelection.DayParameters(from, to, now, [.. batch.Select(shop => shop.ShopId)]);
            batchParameters.AddParameter("staged_from", stagedFrom);
            await _summaries.SummarizeAsync(
                staging.Stage(SummaryTable.SettledChats), staging.Computed(SummaryTable.ShopDaily), staging.Computed(SummaryTable.AgentDaily),
                batchParameters, cancellationToken);
        }
    }

    /// <summary>
    /// Settles the <paramref name="candidates"/> of <paramref name="shops"/> into <paramref name="computedChats"/>: one
    /// statement per time zone, and per about <see cref="RollupOptions.ChatsPerStatement"/> chats within one (<see cref="Statements"/>),
    /// so a run's cost follows its chats rather than its shops (planning a statement costs about 0.1 s in the embedded
    /// engine, whatever its size) while each statement stays within its memory limit.
    /// </summary>
    private async Task SettleAsync(
        string computedChats, IReadOnlyList<ShopChats> shops, string candidates, DateOnly first, DateOnly last, DateTime now, RollupShopCounter counter,
        CancellationToken cancellationToken)
    {
        var shopCalendars = await calendars.ReadShopsAsync([.. shops.Select(shop => shop.ShopId)], cancellationToken);
        foreach (var zone in shops.GroupBy(shop => shopCalendars[shop.ShopId].TimeZone.Id, StringComparer.Ordinal))
        {
            foreach (var (batch, from, to) in Statements([.. zone], first, last))
            {
                await _summaries.SettleChatsAsync(
                    computedChats, [.. batch.Select(shop => (shop.ShopId, shopCalendars[shop.ShopId]))], candidates, from, to, now, cancellationToken);
                if (to == last)
                {
                    counter.Computed(batch.Count);
                }
            }
        }
    }

    /// <summary>
    /// The statements that compute <paramref name="shops"/>' days first..last about <see cref="RollupOptions.ChatsPerStatement"/>
    /// chats at a time: shops together until their chats reach it, and a shop with more alone, its days in slices.
    /// </summary>
    private IEnumerable<(IReadOnlyList<ShopChats> Shops, DateOnly From, DateOnly To)> Statements(
        IReadOnlyList<ShopChats> shops, DateOnly first, DateOnly last)
    {
        var chatsPerStatement = options.Value.ChatsPerStatement;
        var batch = new List<ShopChats>();
        long batchChats = 0;
        foreach (var shop in shops)
        {
            if (shop.Chats > chatsPerStatement)
            {
                foreach (var (from, to) in Slices(first, last, (int)((shop.Chats + chatsPerStatement - 1) / chatsPerStatement)))
                {
                    yield return ([shop], from, to);
                }

                continue;
            }

            batch.Add(shop);
            batchChats += shop.Chats;
            if (batchChats >= chatsPerStatement)
            {
                yield return (batch, first, last);
                batch = [];
                batchChats = 0;
            }
        }

        if (batch.Count > 0)
        {
            yield return (batch, first, last);
        }
    }

    /// <summary>Days first..last cut into at most <paramref name="count"/> consecutive slices of about equal length.</summary>
    private static IEnumerable<(DateOnly First, DateOnly Last)> Slices(DateOnly first, DateOnly last, int count)
    {
        var days = last.DayNumber - first.DayNumber + 1;
        var length = (days + Math.Min(count, days) - 1) / Math.Min(count, days);
        for (var from = first; from <= last; from = from.AddDays(length))
        {
            yield return (from, from.AddDays(length - 1) < last ? from.AddDays(length - 1) : last);
        }
    }

    /// <summary>
    /// Another instance's run that finished since this refresh began copying the rows it keeps would be undone by
    /// its swap (a scheduled run's settled days, say): the refresh gives way, and the next one computes its shops.
    /// (Runs of this process never overlap, so a new successful run is another instance's.)
    /// </summary>
    private async Task ThrowIfSupersededAsync(long runsBefore, CancellationToken cancellationToken)
    {
        if (await _log.CountSucceededAsync(cancellationToken) != runsBefore)
        {
            throw new RollupSupersededException();
        }
    }
}
