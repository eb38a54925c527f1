namespace ServiceAnalytics.Storage.Outcomes;

/// <summary>
/// The sources of outcome rows, one row per chat with <see cref="OutcomeSql.Columns"/>, named by what they read, and
/// the common table expression <c>chat_outcomes</c> an <see cref="OutcomePlan"/> reads them through (every metric
/// aggregates over it and nothing else). Chats received before <c>live_from</c> are read as the rollup job settled
/// them (table <c>settled_chats</c>, the same columns computed by the same SQL); chats from <c>live_from</c> on as the
/// plan's <see cref="RecentOutcomes"/> says. Parameters: those of <see cref="PeriodParameters"/>, and
/// <c>recompute</c> for <see cref="RecentOutcomes.StoredRowsWithChangedChatsRecomputed"/>.
/// </summary>
/// <param name="chats">The per-chat rows the computation reads, given the condition that keeps its candidates (<see cref="ComputedOutcomes.AggregatedChats"/>).</param>
public sealed class OutcomeSources(Func<string, string> chats)
{
    /// <summary>Settled rows of the chats received in [scan_from, live_from).</summary>
    public const string SettledRows = $$"""
        SELECT {{OutcomeSql.Columns}} FROM settled_chats
        WHERE shop_id = {shop:String} AND received_at >= {scan_from:DateTime64(3, 'UTC')} AND received_at < {live_from:DateTime64(3, 'UTC')}
        """;

    /// <summary>
    /// The latest run's stored rows of the chats received in [live_from, to), as of <c>now</c>
    /// (<see cref="OutcomeSql.AsOfNow"/>): no computation from the facts at all (planning that alone costs tens of
    /// milliseconds).
    /// </summary>
    public static string StoredRowsAsOfNow { get; } = $$"""
        SELECT {{OutcomeSql.Columns}}
        FROM
        (
            SELECT {{OutcomeSql.AsOfNow}} FROM settled_chats
            WHERE shop_id = {shop:String} AND received_at >= {live_from:DateTime64(3, 'UTC')} AND received_at < {to:DateTime64(3, 'UTC')}
        )
        """;

    /// <summary>
    /// The sources over the <c>chat_responses</c> aggregate: what the service reads. Declared after
    /// <see cref="StoredRowsAsOfNow"/>, which its texts include: static initializers run in the order they are written.
    /// </summary>
    public static OutcomeSources Aggregated { get; } = new(ComputedOutcomes.AggregatedChats);

    /// <summary>
    /// The chats received in [live_from, to) whose row from the latest rollup run is not their outcome now, as
    /// (<c>whole_range</c>, <c>chats</c>): chats with a fact, or whose customer has an order, cancellation or
    /// refund at the shop, that arrived (<c>fact_arrivals</c>) since the oldest row of the range was computed —
    /// chats new since the run among them, since a run computes every chat whose facts it could read. Whole range
    /// is true when the shop's settings changed since (every chat's day and counting may have), when the range has
    /// no rows, or when its oldest row is older than the arrivals kept. Time passing alone changes no row
    /// (<see cref="OutcomeSql.AsOfNow"/>).
    /// </summary>
    public const string ChatsToRecompute = """
        WITH
            (SELECT if(count() = 0, toDateTime64(0, 6, 'UTC'), min(computed_at)) FROM settled_chats
             WHERE shop_id = {shop:String} AND received_at >= {live_from:DateTime64(3, 'UTC')} AND received_at < {to:DateTime64(3, 'UTC')}) AS computed_from,
            arrivals AS
            (
                SELECT groupUniqArrayIf(chat_id, chat_id != '') AS chats, groupUniqArrayIf(customer_id, customer_id != '') AS customers,
                       countIf(chat_id = '' AND customer_id = '') > 0 AS settings_changed
                FROM fact_arrivals WHERE shop_id = {shop:String} AND arrived_at >= computed_from
            )
        SELECT
            computed_from < now64(6) - INTERVAL 29 DAY OR arrivals.settings_changed AS whole_range,
            arrayDistinct(arrayConcat(arrivals.chats, customer_chats.chats)) AS chats
        FROM arrivals,
        (
            SELECT groupArray(chat_id) AS chats FROM settled_chats
            WHERE shop_id = {shop:String} AND received_at >= {live_from:DateTime64(3, 'UTC')} AND received_at < {to:DateTime64(3, 'UTC')}
                AND (has((SELECT customers FROM arrivals), customer_id)
                    -- A cancellation voids its order whatever customer it names: the order's customer changed too.
                    OR customer_id IN (SELECT customer_id FROM orders WHERE shop_id = {shop:String} AND kind = 'placed' AND order_id IN
                        (SELECT order_id FROM orders WHERE shop_id = {shop:String} AND kind IN ('cancelled', 'refunded')
                            AND has((SELECT customers FROM arrivals), customer_id))))
        ) AS customer_chats
        """;

    /// <summary>The chats received in [live_from, to) computed from the facts as of <c>now</c>.</summary>
    public string ComputedFromFacts { get; } = ComputedOutcomes.Select(chats, ComputedOutcomes.CandidateChats);

    /// <summary>
    /// <see cref="StoredRowsAsOfNow"/>, except the chats of <c>recompute</c>, which are computed from the facts. The
    /// list is the computation's candidates as it is (no table read).
    /// </summary>
    public string StoredRowsWithChangedChatsRecomputed { get; } = $$"""
        SELECT {{OutcomeSql.Columns}} FROM ({{StoredRowsAsOfNow}}) WHERE chat_id NOT IN {recompute:Array(String)}
        UNION ALL
        {{ComputedOutcomes.Select(chats, ComputedOutcomes.ChatsToRecomputeAsCandidates)}}
        """;

    /// <summary>
    /// The common table expression <c>chat_outcomes</c> of <paramref name="plan"/> (without <c>WITH</c>): its settled
    /// rows, then its recent ones. Empty when the plan reads no outcome row.
    /// </summary>
    public string ChatOutcomesFor(OutcomePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var recent = plan.Recent switch
        {
            RecentOutcomes.None => null,
            RecentOutcomes.SnapshotRows or RecentOutcomes.StoredRowsCurrent => StoredRowsAsOfNow,
            RecentOutcomes.StoredRowsWithChangedChatsRecomputed => StoredRowsWithChangedChatsRecomputed,
            _ => ComputedFromFacts,
        };
        var rows = (plan.SettledRows, recent) switch
        {
            (false, null) => null,
            (true, null) => SettledRows,
            (false, { } later) => later,
            (true, { } later) => Union(SettledRows, later),
        };
        return rows is null ? "" : Named(rows);
    }

    private static string Named(string rows) => $$"""chat_outcomes AS ({{rows}})""";

    private static string Union(string first, string second) => $$"""
        {{first}}
        UNION ALL
        {{second}}
        """;
}
