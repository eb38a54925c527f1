using System.Diagnostics;
using System.Globalization;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Storage.Outcomes;
using ServiceAnalytics.Storage.Migrations;

namespace ServiceAnalytics.Storage.Rollups;

/// <summary>
/// A run that computed some shops gave way to another instance's run that finished while it ran: swapping in, it
/// would have put back the rows it copied of the other shops, undoing that run.
/// </summary>
public sealed class RollupSupersededException()
    : InvalidOperationException("Superseded: another run finished while this one ran; its shops are computed again by the next.");

/// <summary>One rollup run, finished or failed, as recorded in <c>rollup_runs</c>.</summary>
public sealed record RollupRun(
    string RunId, string Instance, string Reason, DateTime StartedAt, DateTime FinishedAt, DateOnly FirstDay, DateOnly LastDay,
    long Shops, long RowsWritten, DateOnly? SettledThrough, string Error, DateTime? ArrivalsThrough = null)
{
    public TimeSpan Duration => FinishedAt - StartedAt;

    public bool Succeeded => Error.Length == 0;
}

/// <summary>
/// Why a run ran: the schedule (including the catch-up at start-up), a backfill of settled days that facts arrived
/// for (part of a scheduled run), a refresh between scheduled runs, or a request to recompute a range.
/// </summary>
public enum RollupReason
{
    Scheduled,
    Backfill,
    Refresh,
    Recompute,
}

/// <summary>
/// Settles chat outcomes into <c>settled_chats</c> and rolls them up into <c>shop_daily_summary</c> and
/// <c>agent_daily_summary</c> (migration 0003, docs/rollups.md). A run computes whole local days into staging
/// tables of its own and swaps each day in with <c>REPLACE PARTITION</c>: days are replaced atomically and
/// entirely, so a rerun gives the same rows, a failed run leaves every day readable (old or new), and two runs
/// racing cannot leave a day with both copies. The per-chat rows come from <see cref="OutcomeSources.ComputedFromFacts"/>, the
/// SQL the query RPCs run; the daily rows from the aggregate texts of <see cref="OutcomePartials"/>.
/// </summary>
public sealed class RollupRunner(
    ClickHouseStore store, ShopCalendars calendars, RollupProgressReader watermark, IOptions<RollupOptions> options, ILogger<RollupRunner> logger)
    : IDisposable
{
    private static readonly string[] s_summaryTables = ["settled_chats", "shop_daily_summary", "agent_daily_summary"];

    /// <summary>
    /// One run at a time in this process, whoever starts it (the Quartz job, the recompute RPC, the command): a run
    /// copies the rows it does not compute from the live tables, which another run swapping in meanwhile would undo.
    /// </summary>
    private readonly SemaphoreSlim _oneRun = new(1, 1);

    private readonly SchemaTarget _target = SchemaTarget.For(store.Options);

    /// <summary>This process, as recorded with its runs.</summary>
    public static string Instance { get; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>
    /// The scheduled run at <paramref name="now"/>: recomputes the last <see cref="RollupOptions.LateFactWindowDays"/>
    /// local days up to tomorrow (zones ahead of UTC are there already), and every day after the watermark that an
    /// earlier run missed (from the first chat when nothing was settled yet); then advances the watermark to the
    /// day before the window. Before that, it backfills the settled days that facts arrived for since the previous
    /// scheduled run (<see cref="BackfillAsync"/>), so facts for any day show without a recompute by hand.
    /// <paramref name="now"/> is the service's clock read before the call (as the job does): the snapshot left is as
    /// of it, and it reads the facts only after it, so it counts every batch acknowledged with a
    /// <c>visible_as_of</c> at or before it (docs/ingestion.md, "Read-your-writes").
    /// </summary>
    public async Task<RollupRun> RunScheduledAsync(DateTime now, CancellationToken cancellationToken)
    {
        var arrivalsThrough = await ClickHouseNowAsync(cancellationToken);
        var today = DateOnly.FromDateTime(now);
        var windowStart = today.AddDays(-options.Value.LateFactWindowDays);
        var settled = await watermark.ReadAsync(cancellationToken);
        var first = settled is { } day
            ? (day.AddDays(1) < windowStart ? day.AddDays(1) : windowStart)
            : await FirstChatDayAsync(cancellationToken) is { } earliest && earliest < windowStart ? earliest : windowStart;
        if (settled is not null)
        {
            await BackfillAsync(first, now, cancellationToken);
        }

        return await RunAsync(RollupReason.Scheduled, first, today.AddDays(1), now, windowStart.AddDays(-1), arrivalsThrough, null, cancellationToken);
    }

    /// <summary>
    /// Recomputes the days before <paramref name="before"/> (the scheduled window, which is recomputed anyway) of the
    /// shops that facts arrived for since the previous successful scheduled run began reading them, less
    /// <see cref="ArrivalVisibilityMargin"/>: from the earliest day such a fact can change (the day of a chat with a
    /// new fact; the first settled chat of a customer with a new order, cancellation or refund, or of the customer
    /// of an order a cancellation names; every settled day of a shop whose settings changed) to the day before the
    /// window. The other shops' rows are kept. A failure fails the scheduled run, whose retry backfills again.
    /// </summary>
    private async Task BackfillAsync(DateOnly before, DateTime now, CancellationToken cancellationToken)
    {
        var since = await store.Client.ExecuteScalarAsync(
            "SELECT max(arrivals_through) FROM rollup_runs WHERE error = '' AND reason = 'scheduled'", cancellationToken: cancellationToken);
        if (since is not DateTime mark)
        {
            return;
        }

        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("since", mark - ArrivalVisibilityMargin);
        parameters.AddParameter("before", Iso(before));
        var shops = new List<string>();
        DateOnly? first = null;
        using (var reader = await store.Client.ExecuteReaderAsync(SettledDaysWithArrivals, parameters, cancellationToken: cancellationToken))
        {
            while (reader.Read())
            {
                shops.Add(reader.GetString(0));
                var day = Day(reader.GetString(1));
                first = first is { } earliest && earliest < day ? earliest : day;
            }
        }

        for (var attempt = 1; first is { } from; attempt++)
        {
            try
            {
                await RunAsync(RollupReason.Backfill, from, before.AddDays(-1), now, null, null, shops, cancellationToken);
                return;
            }
            catch (RollupSupersededException) when (attempt < MaxBackfillAttempts)
            {
                // Another instance's run swapped months in meanwhile: compute again over its rows.
            }
        }
    }

    /// <summary>How often a backfill that another instance's run superseded is tried again before the scheduled run fails.</summary>
    private const int MaxBackfillAttempts = 3;

    /// <summary>
    /// Per shop with a fact arrival since <c>since</c> that changes a day before <c>before</c>, the earliest such day
    /// (see <see cref="BackfillAsync"/>). A chat's local day is within a day of the UTC day of its first customer
    /// message, so the day before that one bounds it in every zone.
    /// </summary>
    private const string SettledDaysWithArrivals = """
        WITH arrived AS (SELECT shop_id, chat_id, customer_id FROM fact_arrivals WHERE arrived_at >= {since:DateTime64(6, 'UTC')})
        SELECT shop_id, toString(min(day))
        FROM
        (
            SELECT shop_id, toDate(min(first_customer_message_at)) - 1 AS day
            FROM chat_responses
            WHERE (shop_id, chat_id) IN (SELECT shop_id, chat_id FROM arrived WHERE chat_id != '')
            GROUP BY shop_id, chat_id
            HAVING countIf(first_customer_message_at IS NOT NULL) > 0
            UNION ALL
            SELECT shop_id, min(day) AS day
            FROM settled_chats
            WHERE (shop_id, customer_id) IN (SELECT shop_id, customer_id FROM arrived WHERE customer_id != '')
                OR (shop_id, customer_id) IN
                (
                    SELECT shop_id, customer_id FROM orders WHERE kind = 'placed' AND (shop_id, order_id) IN
                        (SELECT shop_id, order_id FROM orders WHERE kind IN ('cancelled', 'refunded')
                            AND (shop_id, customer_id) IN (SELECT shop_id, customer_id FROM arrived WHERE customer_id != ''))
                )
                OR shop_id IN (SELECT shop_id FROM arrived WHERE chat_id = '' AND customer_id = '')
            GROUP BY shop_id
        )
        WHERE day < toDate({before:String})
        GROUP BY shop_id
        ORDER BY shop_id
        """;

    /// <summary>
    /// How far before the latest snapshot's <c>arrivals_through</c> a refresh looks for arrivals: an arrival row is
    /// stamped when its insert begins and readable when it commits, so one stamped just before the mark may not have
    /// been readable by the run that set it.
    /// </summary>
    public static readonly TimeSpan ArrivalVisibilityMargin = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The refresh at <paramref name="now"/> (docs/rollups.md, "Refreshes"): recomputes the days after the watermark,
    /// up to tomorrow, of the shops with an arrival (<c>fact_arrivals</c>) since the latest snapshot's mark, less
    /// <see cref="ArrivalVisibilityMargin"/>, or with a stored row whose pending inquiry's 24 hours have closed by
    /// <paramref name="now"/>; every other shop's rows are current already and are kept. It leaves a snapshot as
    /// current as a scheduled run's for the cost of the shops that changed. Null, and nothing done, before the first
    /// snapshot (a scheduled run's, which the catch-up at start-up provides). <paramref name="now"/> is read before
    /// the call, as for <see cref="RunScheduledAsync"/>: a shop with a batch acknowledged at or before it has an arrival
    /// since the previous snapshot began reading the facts, or that snapshot counted the batch already.
    /// </summary>
    public async Task<RollupRun?> RefreshAsync(DateTime now, CancellationToken cancellationToken)
    {
        var arrivalsThrough = await ClickHouseNowAsync(cancellationToken);
        if (await watermark.ReadProgressAsync(cancellationToken) is not { SettledThrough: { } settled, Snapshot: { } previous })
        {
            return null;
        }

        var first = settled.AddDays(1);
        var shops = await ShopsToRefreshAsync(previous.ArrivalsThrough - ArrivalVisibilityMargin, first, now, cancellationToken);
        return await RunAsync(RollupReason.Refresh, first, DateOnly.FromDateTime(now).AddDays(1), now, null, arrivalsThrough, shops, cancellationToken);
    }

    /// <summary>
    /// The shops a refresh computes: an arrival since <paramref name="since"/>, or a row of a day from
    /// <paramref name="first"/> on whose pending inquiry counts as not answered at <paramref name="now"/>.
    /// </summary>
    private async Task<IReadOnlyList<string>> ShopsToRefreshAsync(DateTime since, DateOnly first, DateTime now, CancellationToken cancellationToken)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("since", since);
        parameters.AddParameter("first_day", Iso(first));
        parameters.AddParameter("now", now);
        using var reader = await store.Client.ExecuteReaderAsync($$"""
            SELECT DISTINCT shop_id
            FROM
            (
                SELECT shop_id FROM fact_arrivals WHERE arrived_at >= {since:DateTime64(6, 'UTC')}
                UNION ALL
                SELECT shop_id FROM settled_chats
                WHERE day >= toDate({first_day:String}) AND pending > 0 AND {{OutcomeSql.NotAnswered}} != not_answered
            )
            ORDER BY shop_id
            """, parameters, cancellationToken: cancellationToken);
        var shops = new List<string>();
        while (reader.Read())
        {
            shops.Add(reader.GetString(0));
        }

        return shops;
    }

    /// <summary>Recomputes local days <paramref name="first"/> to <paramref name="last"/> (a backfill); the watermark is unchanged.</summary>
    public Task<RollupRun> RecomputeAsync(DateOnly first, DateOnly last, DateTime now, CancellationToken cancellationToken) =>
        first > last
            ? throw new ArgumentException($"The first day {first:yyyy-MM-dd} is after the last day {last:yyyy-MM-dd}.", nameof(first))
            : RunAsync(RollupReason.Recompute, first, last, now, null, null, null, cancellationToken);

    /// <summary>The latest runs, newest first.</summary>
    public async Task<IReadOnlyList<RollupRun>> ReadRecentRunsAsync(int limit, CancellationToken cancellationToken)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("limit", limit);
        using var reader = await store.Client.ExecuteReaderAsync("""
            SELECT run_id, instance, reason, started_at, finished_at, toString(first_day), toString(last_day), shops, rows_written,
                   toString(settled_through), error, arrivals_through
            FROM rollup_runs ORDER BY started_at DESC, run_id LIMIT {limit:UInt32}
            """, parameters, cancellationToken: cancellationToken);
        var runs = new List<RollupRun>();
        while (reader.Read())
        {
            runs.Add(new RollupRun(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetDateTime(3), reader.GetDateTime(4),
                Day(reader.GetString(5)), Day(reader.GetString(6)), Convert.ToInt64(reader.GetValue(7), CultureInfo.InvariantCulture),
                Convert.ToInt64(reader.GetValue(8), CultureInfo.InvariantCulture), reader.IsDBNull(9) ? null : Day(reader.GetString(9)),
                reader.GetString(10), reader.IsDBNull(11) ? null : reader.GetDateTime(11)));
        }

        return runs;
    }

    /// <summary>
    /// Recomputes local days first..last of <paramref name="onlyShops"/> (null: every shop with chats in them; the
    /// other shops' rows of those days are kept), settles days up to <paramref name="settles"/>, and records the
    /// run with <paramref name="arrivalsThrough"/> when it leaves a snapshot (<see cref="RollupSnapshot"/>).
    /// </summary>
    private async Task<RollupRun> RunAsync(
        RollupReason reason, DateOnly first, DateOnly last, DateTime now, DateOnly? settles, DateTime? arrivalsThrough,
        IReadOnlyList<string>? onlyShops, CancellationToken cancellationToken)
    {
        await _oneRun.WaitAsync(cancellationToken);
        try
        {
            return await RunAloneAsync(reason, first, last, now, settles, arrivalsThrough, onlyShops, cancellationToken);
        }
        finally
        {
            _oneRun.Release();
        }
    }

    public void Dispose() => _oneRun.Dispose();

    private async Task<RollupRun> RunAloneAsync(
        RollupReason reason, DateOnly first, DateOnly last, DateTime now, DateOnly? settles, DateTime? arrivalsThrough,
        IReadOnlyList<string>? onlyShops, CancellationToken cancellationToken)
    {
        var runId = Guid.NewGuid().ToString("N")[..16];
        // Milliseconds, as the run's `now` reaches SQL (a DateTime64(3) parameter) and its record: the snapshot's
        // instant is then exactly the one its rows were computed at.
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
        var startedAt = now;
        var clock = Stopwatch.StartNew();
        var stages = s_summaryTables.ToDictionary(t => t, t => $"{t}_stage_{runId}");
        long shops = 0;
        long rows = 0;
        try
        {
            if (onlyShops is not { Count: 0 })
            {
                rows = await ComputeAsync(runId, stages, first, last, now, onlyShops, () => Interlocked.Increment(ref shops), cancellationToken);
            }

            var run = new RollupRun(runId, Instance, Name(reason), startedAt, startedAt + clock.Elapsed, first, last, shops, rows, settles, "", arrivalsThrough);
            await RecordAsync(run, cancellationToken);
            watermark.Advance(settles, arrivalsThrough is { } mark ? new RollupSnapshot(startedAt, mark, last) : null);
            Log.RollupFinished(logger, runId, Name(reason), Iso(first), Iso(last), shops, rows, clock.ElapsedMilliseconds);
            return run;
        }
        catch (Exception error)
        {
            Log.RollupFailed(logger, runId, Name(reason), Iso(first), Iso(last), error);
            var failed = new RollupRun(runId, Instance, Name(reason), startedAt, startedAt + clock.Elapsed, first, last, shops, 0, null,
                $"{error.GetType().Name}: {error.Message}");
            try
            {
                await RecordAsync(failed, CancellationToken.None);
            }
            catch (Exception recordError)
            {
                // The store that failed the run may refuse its record too; the run's own error is the one to raise.
                Log.RollupNotRecorded(logger, runId, recordError);
            }

            throw;
        }
        finally
        {
            await DropStagesAsync(runId, stages.Values);
        }
    }

    /// <summary>
    /// The work of <see cref="RunAsync"/>: computes the shops' days into the staging tables, completes them with the
    /// rows it keeps, swaps the three tables' months in one after the other (so the rows and the summaries a request
    /// reads are of the same run but for milliseconds), and returns the rows written for the recomputed days.
    /// </summary>
    private async Task<long> ComputeAsync(
        string runId, Dictionary<string, string> stages, DateOnly first, DateOnly last, DateTime now, IReadOnlyList<string>? onlyShops,
        Action shopDone, CancellationToken cancellationToken)
    {
        var runsBefore = await SucceededRunsAsync(cancellationToken);
        foreach (var statement in stages.SelectMany(stage => CreateStage(stage.Key, stage.Value)))
        {
            await store.Client.ExecuteNonQueryAsync(statement, cancellationToken: cancellationToken);
        }

        var parameters = DayParameters(first, last, now, onlyShops);
        // Two shops at a time: a small shop's statement is mostly fixed per-statement work on one core.
        await Parallel.ForEachAsync(
            onlyShops ?? await ShopsWithChatsAsync(first, last, cancellationToken),
            new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = cancellationToken },
            async (shop, token) =>
            {
                if (await calendars.FindShopAsync(shop, token) is { } calendar)
                {
                    await SettleShopAsync(stages["settled_chats"], shop, calendar, first, last, now, token);
                    shopDone();
                }
            });

        await CompleteStageAsync("settled_chats", stages["settled_chats"], parameters, cancellationToken);
        // The summaries come from the staged rows (the run's months whole) and, for the customer window's days before
        // them, the live rows, which this run does not change.
        var chats = $"(SELECT * FROM {_target.Table(stages["settled_chats"])} UNION ALL " +
            "SELECT * FROM settled_chats WHERE day < toStartOfMonth(toDate({first_day:String})))";
        await store.Client.ExecuteNonQueryAsync(ShopDailySql(_target.Table(stages["shop_daily_summary"]), chats), parameters, cancellationToken: cancellationToken);
        await store.Client.ExecuteNonQueryAsync(AgentDailySql(_target.Table(stages["agent_daily_summary"]), chats), parameters, cancellationToken: cancellationToken);
        await CompleteStageAsync("shop_daily_summary", stages["shop_daily_summary"], parameters, cancellationToken);
        await CompleteStageAsync("agent_daily_summary", stages["agent_daily_summary"], parameters, cancellationToken);
        if (onlyShops is not null)
        {
            await ThrowIfSupersededAsync(runsBefore, cancellationToken);
        }

        foreach (var table in s_summaryTables)
        {
            await SwapMonthsAsync(table, stages[table], first, last, cancellationToken);
        }

        // Rows of the recomputed days and shops (the staging tables also hold the months' other rows, copied unchanged).
        long rows = 0;
        foreach (var stage in stages.Values)
        {
            rows += Convert.ToInt64(await store.Client.ExecuteScalarAsync(
                $"SELECT count() FROM {_target.Table(stage)} WHERE day BETWEEN toDate({{first_day:String}}) AND toDate({{last_day:String}}) AND {InScope}",
                parameters, cancellationToken: cancellationToken), CultureInfo.InvariantCulture);
        }

        return rows;
    }

    /// <summary>
    /// Another instance's run that finished since this refresh began copying the rows it keeps would be undone by
    /// its swap (a scheduled run's settled days, say): the refresh gives way, and the next one computes its shops.
    /// (Runs of this process never overlap, so a new successful run is another instance's.)
    /// </summary>
    private async Task ThrowIfSupersededAsync(long runsBefore, CancellationToken cancellationToken)
    {
        if (await SucceededRunsAsync(cancellationToken) != runsBefore)
        {
            throw new RollupSupersededException();
        }
    }

    private async Task<long> SucceededRunsAsync(CancellationToken cancellationToken) => Convert.ToInt64(
        await store.Client.ExecuteScalarAsync("SELECT count() FROM rollup_runs WHERE error = ''", cancellationToken: cancellationToken),
        CultureInfo.InvariantCulture);

    /// <summary>The shops a run computes, as a condition on a table's <c>shop_id</c>: every shop, or those of parameter <c>shops</c>.</summary>
    private const string InScope = "({every_shop:Bool} OR has({shops:Array(String)}, shop_id))";

    /// <summary>
    /// The per-chat outcomes of one shop's chats received on local days first..last, as the RPCs compute them live;
    /// <c>computed_at</c> is ClickHouse's clock when the statement began, before it read any fact (see
    /// <see cref="OutcomeSources.ChatsToRecompute"/>).
    /// </summary>
    private async Task SettleShopAsync(
        string stage, string shop, ShopCalendar calendar, DateOnly first, DateOnly last, DateTime now, CancellationToken cancellationToken)
    {
        var (parameters, _, _) = PeriodParameters.Create(shop, calendar, new DayPeriod(first, last), now, includeCustomerWindow: false, DateTime.MinValue);
        await store.Client.ExecuteNonQueryAsync($$"""
            INSERT INTO {{_target.Table(stage)}}
            SELECT {shop:String}, toDate(received_at, {tz:String}), {{OutcomeSql.Columns}}, {now:DateTime64(3, 'UTC')}, now64(6)
            FROM ({{WithLiveOutcomes}} SELECT {{OutcomeSql.Columns}} FROM chat_outcomes)
            """, parameters, cancellationToken: cancellationToken);
    }

    private static string WithLiveOutcomes { get; } = $$"""WITH {{OutcomeSources.Aggregated.ComputedChatOutcomes}}""";

    /// <summary>
    /// Each shop's overview figures and status breakdown per local day, from the settled chats: the partials the
    /// query RPCs merge over settled days, and the day's own figures from them (for BI tools) by the same text.
    /// </summary>
    private static string ShopDailySql(string stage, string chats) => $$"""
        INSERT INTO {{stage}}
        SELECT
            chats.rollup_shop, chats.rollup_day, h.1, h.2, h.3, h.4, h.5,
            if(h.5 = 0, NULL, h.6), if(h.5 = 0, NULL, h.7[1]), if(h.5 = 0, NULL, h.7[2]),
            h.8, h.9, b.1, b.2, b.3, b.4, b.5, b.6,
            customers.potential_customers, customers.converted_customers, {now:DateTime64(3, 'UTC')}, kept_first_responses_ms
        FROM
        (
            SELECT rollup_shop, rollup_day, tuple({{OutcomePartials.HeadlineFromPartials}}) AS h, any(first_responses_ms) AS kept_first_responses_ms,
                   any((chats_responded_24h, chats_responded_late, chats_non_responded, chats_pending, chats_assistant_solved, chats_no_inquiry)) AS b
            FROM
            (
                SELECT shop_id AS rollup_shop, day AS rollup_day, {{OutcomePartials.HeadlinePartials}}, {{OutcomePartials.BreakdownColumns}}
                FROM (SELECT *, true AS in_period FROM {{chats}} WHERE day BETWEEN toDate({first_day:String}) AND toDate({last_day:String}) AND received AND {{InScope}})
                GROUP BY shop_id, day
            )
            GROUP BY rollup_shop, rollup_day
        ) AS chats
        LEFT JOIN
        (
            {{OutcomePartials.CustomersByDay("shop_id, ", "day",
                $"(SELECT * FROM {chats} WHERE day BETWEEN addDays(toDate({{first_day:String}}), -27) AND toDate({{last_day:String}}) AND {InScope})")}}
        ) AS customers ON customers.shop_id = chats.rollup_shop AND customers.covered_day = chats.rollup_day
        """;

    /// <summary>Each shop's agent details per local day, from the settled chats: partials, and the day's own figures from them.</summary>
    private static string AgentDailySql(string stage, string chats) => $$"""
        INSERT INTO {{stage}}
        SELECT
            rollup_shop, rollup_day, agent, display_name, a.1, a.2, a.3, a.4, a.5, a.6, a.7,
            if(a.2 = 0, NULL, a.8), if(a.2 = 0, NULL, a.9), a.10, a.11, {now:DateTime64(3, 'UTC')}, kept_response_ms
        FROM
        (
            SELECT rollup_shop, rollup_day, agent, any(agent_name) AS display_name, tuple({{OutcomePartials.AgentFromPartials}}) AS a,
                   any(response_ms) AS kept_response_ms
            FROM
            (
                SELECT chats.shop_id AS rollup_shop, chats.day AS rollup_day, agent, any(names.display_name) AS agent_name, {{OutcomePartials.AgentPartials}}
                FROM ({{OutcomePartials.AgentChats(
                    $"(SELECT * FROM {chats} WHERE day BETWEEN toDate({{first_day:String}}) AND toDate({{last_day:String}}) AND {InScope})")}}) AS chats
                ARRAY JOIN agents AS agent
                LEFT JOIN
                (
                    SELECT shop_id, agent_id, argMax(display_name, occurred_at) AS display_name FROM agents GROUP BY shop_id, agent_id
                ) AS names ON names.shop_id = chats.shop_id AND names.agent_id = agent
                WHERE {{OutcomePartials.AgentRowFilter}}
                GROUP BY chats.shop_id, chats.day, agent
            )
            GROUP BY rollup_shop, rollup_day, agent
        )
        """;

    /// <summary>Shops that may have chats received on local days first..last (a superset: the zones of the world span 26 hours).</summary>
    private async Task<IReadOnlyList<string>> ShopsWithChatsAsync(DateOnly first, DateOnly last, CancellationToken cancellationToken)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("from", first.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddHours(-14));
        parameters.AddParameter("to", last.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddHours(12));
        using var reader = await store.Client.ExecuteReaderAsync("""
            SELECT DISTINCT shop_id FROM chat_responses
            WHERE first_customer_message_at >= {from:DateTime64(3, 'UTC')} AND first_customer_message_at < {to:DateTime64(3, 'UTC')}
            ORDER BY shop_id
            """, parameters, cancellationToken: cancellationToken);
        var shops = new List<string>();
        while (reader.Read())
        {
            shops.Add(reader.GetString(0));
        }

        return shops;
    }

    private async Task<DateOnly?> FirstChatDayAsync(CancellationToken cancellationToken)
    {
        var value = await store.Client.ExecuteScalarAsync(
            "SELECT toString(toDate(min(first_customer_message_at)) - 1) FROM chat_responses HAVING countIf(first_customer_message_at IS NOT NULL) > 0",
            cancellationToken: cancellationToken);
        return value is string text ? Day(text) : null;
    }

    /// <summary>
    /// Completes the staging table with the rows of <paramref name="table"/> for the days of the run's months outside
    /// first..last, and for the shops it did not compute (unchanged), and merges each month into one part. A day the
    /// staging table has nothing for becomes empty when swapped in: its chats moved to another day (an earlier
    /// message arrived) or never were.
    /// </summary>
    private async Task CompleteStageAsync(string table, string stage, ClickHouseParameterCollection parameters, CancellationToken cancellationToken)
    {
        await store.Client.ExecuteNonQueryAsync($$"""
            INSERT INTO {{_target.Table(stage)}}
            SELECT * FROM {{_target.Table(table)}}
            WHERE toYYYYMM(day) BETWEEN toYYYYMM(toDate({first_day:String})) AND toYYYYMM(toDate({last_day:String}))
              AND (day < toDate({first_day:String}) OR day > toDate({last_day:String}) OR NOT {{InScope}})
            """, parameters, cancellationToken: cancellationToken);
        await store.Client.ExecuteNonQueryAsync($"OPTIMIZE TABLE {_target.LocalTable(stage)}{_target.OnClusterClause} FINAL", cancellationToken: cancellationToken);
    }

    /// <summary>Swaps each of the run's months of <paramref name="table"/> in from the completed staging table.</summary>
    private async Task SwapMonthsAsync(string table, string stage, DateOnly first, DateOnly last, CancellationToken cancellationToken)
    {
        for (var month = new DateOnly(first.Year, first.Month, 1); month <= last; month = month.AddMonths(1))
        {
            var partition = month.ToString("yyyyMM", CultureInfo.InvariantCulture);
            await store.Client.ExecuteNonQueryAsync(
                $"ALTER TABLE {_target.LocalTable(table)}{_target.OnClusterClause} REPLACE PARTITION ID '{partition}' FROM {_target.LocalTable(stage)}",
                options: s_replaceFromEmpty, cancellationToken: cancellationToken);
        }
    }

    private static readonly ClickHouse.Driver.QueryOptions s_replaceFromEmpty = new()
    {
        CustomSettings = new Dictionary<string, object> { ["allow_replace_partition_from_empty_source"] = 1 },
    };

    /// <summary>A staging copy of <paramref name="table"/> (on a cluster: a local copy on every node and a Distributed table over them).</summary>
    private IReadOnlyList<string> CreateStage(string table, string stage) => _target.Render($$$"""
        CREATE TABLE {{table:{{{stage}}}}}{{on_cluster}} AS {{table:{{{table}}}}};
        -- distribute: {{{stage}}} BY cityHash64(shop_id)
        """);

    /// <summary>Drops a run's staging tables, whether it succeeded or not; a failure to drop is logged, not raised.</summary>
    private async Task DropStagesAsync(string runId, IEnumerable<string> stages)
    {
        foreach (var stage in stages)
        {
            try
            {
                await store.Client.ExecuteNonQueryAsync($"DROP TABLE IF EXISTS {_target.Table(stage)}{_target.OnClusterClause}");
                if (_target.Cluster is not null)
                {
                    await store.Client.ExecuteNonQueryAsync($"DROP TABLE IF EXISTS {_target.LocalTable(stage)}{_target.OnClusterClause}");
                }
            }
            catch (Exception error)
            {
                Log.RollupStageNotDropped(logger, runId, stage, error);
            }
        }
    }

    private async Task RecordAsync(RollupRun run, CancellationToken cancellationToken)
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
        await store.Client.ExecuteNonQueryAsync("""
            INSERT INTO rollup_runs
            SELECT {run:String}, {instance:String}, {reason:String}, {started:DateTime64(3, 'UTC')}, {finished:DateTime64(3, 'UTC')},
                   toDate({first_day:String}), toDate({last_day:String}), {shops:UInt64}, {rows:UInt64},
                   if({settled:String} = '', NULL, toDate({settled:String})), {error:String},
                   if({arrivals:String} = '', NULL, toDateTime64({arrivals:String}, 6, 'UTC'))
            """, parameters, cancellationToken: cancellationToken);
    }

    private static ClickHouseParameterCollection DayParameters(DateOnly first, DateOnly last, DateTime now, IReadOnlyList<string>? onlyShops)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("first_day", Iso(first));
        parameters.AddParameter("last_day", Iso(last));
        parameters.AddParameter("now", now);
        parameters.AddParameter("every_shop", onlyShops is null);
        parameters.AddParameter("shops", (onlyShops ?? []).ToArray());
        return parameters;
    }

    /// <summary>ClickHouse's clock now, the clock of <c>fact_arrivals.arrived_at</c>.</summary>
    private async Task<DateTime> ClickHouseNowAsync(CancellationToken cancellationToken)
    {
        using var reader = await store.Client.ExecuteReaderAsync("SELECT now64(6, 'UTC')", cancellationToken: cancellationToken);
        reader.Read();
        return reader.GetDateTime(0);
    }

    private static string Name(RollupReason reason) => reason switch
    {
        RollupReason.Scheduled => "scheduled",
        RollupReason.Backfill => "backfill",
        RollupReason.Refresh => "refresh",
        _ => "recompute",
    };

    private static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static DateOnly Day(string text) => DateOnly.Parse(text, CultureInfo.InvariantCulture);
}
