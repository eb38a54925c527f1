using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using ServiceAnalytics.Storage.Outcomes;

namespace ServiceAnalytics.Storage.Rollups;

/// <summary>
/// The SQL that writes a run's rows into its staging copies: chats of many shops of one zone settled into
/// <c>settled_chats</c> (the per-chat outcomes of <see cref="ComputedOutcomes"/>, the SQL the query RPCs run), and the days' rows of
/// <c>shop_daily_summary</c> and <c>agent_daily_summary</c> from them (the partials of <see cref="OutcomePartials"/>).
/// Every insert names its columns (<see cref="SummaryTable"/>) and every inserted expression is aliased as its column.
/// </summary>
internal sealed class RollupSummaries(ClickHouseStore store)
{
    /// <summary>
    /// Every chat of the shops of parameter <c>shops</c> that may have been received in [live_from, to), as
    /// candidates of <see cref="OutcomeScope.ManyShops"/>.
    /// </summary>
    public const string EveryChatOfShops = """
        SELECT shop_id, chat_id FROM chat_responses
        WHERE shop_id IN {shops:Array(String)}
          AND first_customer_message_at >= {live_from:DateTime64(3, 'UTC')} AND first_customer_message_at < {to:DateTime64(3, 'UTC')}
        """;

    /// <summary>
    /// The chats of a refresh's table of changed chats (<paramref name="changedChats"/>) that are of the shops of
    /// parameter <c>shops</c>, as candidates of <see cref="OutcomeScope.ManyShops"/>: each statement's candidates are
    /// its own chats only. The engine builds the set of an <c>IN</c> subquery whole, while planning, for each fact
    /// table it reads: with every changed chat as candidates, each of a refresh's statements built sets of all of them,
    /// so the refresh's cost grew with the square of its chats (1.27M changed chats of the soak: 5.5 s of each 6 s
    /// statement of 50,000 chats, against 0.3–0.4 s of 0.8–1.1 s with them; docs/rollups.md).
    /// </summary>
    public static string ChangedChatsOfShops(string changedChats) =>
        $"SELECT shop_id, chat_id FROM {changedChats} WHERE shop_id IN {{shops:Array(String)}}";

    /// <summary>
    /// Settles the per-chat outcomes of the chats of <paramref name="shops"/> (all of one time zone) among
    /// <paramref name="candidates"/> (a statement of (<c>shop_id</c>, <c>chat_id</c>) rows) received on local days
    /// first..last into <paramref name="stage"/>, in one statement, as the RPCs compute them live
    /// (<see cref="ComputedOutcomes"/>); <c>computed_at</c> is ClickHouse's clock when the statement began, before it
    /// read any fact (see <see cref="OutcomeSources.ChatsToRecompute"/>).
    /// </summary>
    public async Task SettleChatsAsync(
        string stage, IReadOnlyList<(string ShopId, ShopCalendar Calendar)> shops, string candidates, DateOnly first, DateOnly last, DateTime now,
        CancellationToken cancellationToken)
    {
        var zone = shops[0].Calendar;
        var withHolidays = shops.Where(shop => shop.Calendar.HolidayDays.Count > 0).ToList();
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("shops", shops.Select(shop => shop.ShopId).ToArray());
        parameters.AddParameter("holiday_shops", withHolidays.Select(shop => shop.ShopId).ToArray());
        parameters.AddParameter("holiday_days", withHolidays.Select(shop => shop.Calendar.HolidayDays.ToArray()).ToArray());
        parameters.AddParameter("live_from", zone.StartOf(first));
        parameters.AddParameter("to", zone.StartOf(last.AddDays(1)));
        parameters.AddParameter("now", now);
        parameters.AddParameter("tz", zone.TimeZone.Id);
        await store.RollupClient.ExecuteNonQueryAsync($$"""
            INSERT INTO {{stage}} ({{SummaryTable.SettledChats.Columns}})
            SELECT shop_id, toDate(received_at, {tz:String}) AS day, {{OutcomeSql.Columns}},
                   {now:DateTime64(3, 'UTC')} AS settled_at, now64(6) AS computed_at
            FROM ({{ComputedOutcomes.PerChat(ComputedOutcomes.AggregatedChats, candidates, OutcomeScope.ManyShops)}})
            """, parameters, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Writes the shop and agent summaries of the run's days and shops into <paramref name="shopStage"/> and
    /// <paramref name="agentStage"/>, from the completed <paramref name="chatsStage"/> (the run's months whole, from
    /// parameter <c>staged_from</c>) and, for the customer window's days before them, the live rows, which the run
    /// does not change.
    /// </summary>
    public async Task SummarizeAsync(
        string chatsStage, string shopStage, string agentStage, ClickHouseParameterCollection parameters, CancellationToken cancellationToken)
    {
        var chats = $$"""
            (SELECT * FROM {{chatsStage}} UNION ALL SELECT * FROM settled_chats WHERE day < toDate({staged_from:String}))
            """;
        await Task.WhenAll(
            store.RollupClient.ExecuteNonQueryAsync(ShopDailySql(shopStage, chats), parameters, cancellationToken: cancellationToken),
            store.RollupClient.ExecuteNonQueryAsync(AgentDailySql(agentStage, chats), parameters, cancellationToken: cancellationToken));
    }

    /// <summary>The rows of <paramref name="chats"/> (settled chats) of the run's days and shops, as a source of <c>AgentChats</c>.</summary>
    private static string RunDays(string chats) => $$"""
        (SELECT * FROM {{chats}} WHERE day BETWEEN toDate({first_day:String}) AND toDate({last_day:String}) AND {{RollupSelection.InScope}})
        """;

    /// <summary>
    /// Each shop's overview figures and status breakdown per local day, from the settled chats: the partials the
    /// query RPCs merge over settled days, and the day's own figures from them (for BI tools) by the same text.
    /// </summary>
    internal static string ShopDailySql(string stage, string chats) => $$"""
        INSERT INTO {{stage}} ({{SummaryTable.ShopDaily.Columns}})
        SELECT
            chats.rollup_shop AS shop_id, chats.rollup_day AS day, h.1 AS chats_received, h.2 AS inquiries_answered_within_24h,
            h.3 AS inquiries_counted, h.4 AS inquiries_pending, h.5 AS first_responses_measured,
            if(h.5 = 0, NULL, h.6) AS first_response_mean_seconds, if(h.5 = 0, NULL, h.7[1]) AS first_response_median_seconds,
            if(h.5 = 0, NULL, h.7[2]) AS first_response_p90_seconds, h.8 AS rating_distribution, h.9 AS converted_chats,
            b.1 AS chats_responded_24h, b.2 AS chats_responded_late, b.3 AS chats_non_responded, b.4 AS chats_pending,
            b.5 AS chats_assistant_solved, b.6 AS chats_no_inquiry,
            customers.potential_customers AS potential_customers, customers.converted_customers AS converted_customers,
            {now:DateTime64(3, 'UTC')} AS settled_at, kept_first_responses_ms AS first_responses_ms
        FROM
        (
            SELECT rollup_shop, rollup_day, tuple({{OutcomePartials.HeadlineFromPartials}}) AS h, any(first_responses_ms) AS kept_first_responses_ms,
                   any((chats_responded_24h, chats_responded_late, chats_non_responded, chats_pending, chats_assistant_solved, chats_no_inquiry)) AS b
            FROM
            (
                SELECT shop_id AS rollup_shop, day AS rollup_day, {{OutcomePartials.HeadlinePartials}}, {{OutcomePartials.BreakdownColumns}}
                FROM (SELECT *, true AS in_period FROM {{chats}} WHERE day BETWEEN toDate({first_day:String}) AND toDate({last_day:String}) AND received AND {{RollupSelection.InScope}})
                GROUP BY shop_id, day
            )
            GROUP BY rollup_shop, rollup_day
        ) AS chats
        LEFT JOIN
        (
            {{OutcomePartials.CustomersByDay("shop_id, ", "day", CustomerWindowDays(chats))}}
        ) AS customers ON customers.shop_id = chats.rollup_shop AND customers.covered_day = chats.rollup_day
        """;

    /// <summary>The rows of <paramref name="chats"/> of the run's shops whose customers count on its days: from 27 days before them.</summary>
    private static string CustomerWindowDays(string chats) => $$"""
        (SELECT * FROM {{chats}} WHERE day BETWEEN addDays(toDate({first_day:String}), -27) AND toDate({last_day:String}) AND {{RollupSelection.InScope}})
        """;

    /// <summary>Each shop's agent details per local day, from the settled chats: partials, and the day's own figures from them.</summary>
    internal static string AgentDailySql(string stage, string chats) => $$"""
        INSERT INTO {{stage}} ({{SummaryTable.AgentDaily.Columns}})
        SELECT
            rollup_shop AS shop_id, rollup_day AS day, agent AS agent_id, display_name, a.1 AS chats_handled, a.2 AS inquiries_answered,
            a.3 AS inquiries_answered_within_24h, a.4 AS inquiries_answered_late, a.5 AS inquiries_non_responded, a.6 AS chats_rated,
            a.7 AS chats_rated_4_or_5, if(a.2 = 0, NULL, a.8) AS response_mean_seconds, if(a.2 = 0, NULL, a.9) AS response_p90_seconds,
            a.10 AS transfers_in, a.11 AS transfers_out, {now:DateTime64(3, 'UTC')} AS settled_at, kept_response_ms AS response_ms
        FROM
        (
            SELECT rollup_shop, rollup_day, agent, any(agent_name) AS display_name, tuple({{OutcomePartials.AgentFromPartials}}) AS a,
                   any(response_ms) AS kept_response_ms
            FROM
            (
                SELECT chats.shop_id AS rollup_shop, chats.day AS rollup_day, agent, any(names.display_name) AS agent_name, {{OutcomePartials.AgentPartials}}
                FROM ({{OutcomePartials.AgentChats(RunDays(chats))}}) AS chats
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
}
