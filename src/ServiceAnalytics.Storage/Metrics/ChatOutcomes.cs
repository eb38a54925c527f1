namespace ServiceAnalytics.Storage.Metrics;

/// <summary>
/// The definitions of docs/metrics.md, in SQL: one row per chat of a shop received in [scan_from, to), with
/// everything the metrics count. Every metric query aggregates over this and nothing else, so each definition
/// exists once. Parameters: <c>shop</c>, <c>scan_from</c>, <c>live_from</c>, <c>to</c> (UTC instants), <c>now</c>,
/// <c>tz</c> (the shop's IANA zone) and <c>holidays</c> (the shop's holiday days, local dates). Chats received
/// before <c>live_from</c> are read as the rollup job settled them (table <c>settled_chats</c>, the same columns
/// computed by the same SQL); chats from <c>live_from</c> on are read from the latest run's rows as of <c>now</c>
/// (<see cref="Reused"/>: the snapshot's, or rows known to be current) or computed from the facts (<see cref="Recent"/>,
/// <see cref="Live"/>). Joins rely on
/// ClickHouse's default <c>join_use_nulls = 0</c>: a chat without a start, rating or orders gets '', 0 and [].
/// </summary>
public static class ChatOutcomes
{
    /// <summary>
    /// The columns every source of chat outcomes yields, in this order (the columns of <c>settled_chats</c>):
    /// <list type="bullet">
    /// <item><c>received_at</c>: the first customer message (the chat belongs to its period).</item>
    /// <item><c>received</c>: counts as a chat received (not started by the seller).</item>
    /// <item><c>responses_counted</c>: its inquiries count for the 24-hour response rate and first response time
    /// (received, not assistant-solved, not received on a holiday).</item>
    /// <item>inquiry counts <c>answered_in_24h</c>, <c>answered_late</c>, <c>not_answered</c> (window closed),
    /// <c>pending</c>.</item>
    /// <item><c>first_response_ms</c>: first inquiry → its human reply, or NULL.</item>
    /// <item><c>stars</c>: latest rating (0 when unrated); <c>customer_id</c>; <c>converted</c>.</item>
    /// <item><c>chat_type</c>: the chat's one status category; <c>status</c> (active, resolved, ended);
    /// <c>tags</c> (initial and added); <c>current_agent</c> (latest assignment); <c>assignments</c>
    /// (at, from, to); <c>replying_agents</c>; <c>inquiries</c> as (asked at, response ms or -1, credited agent).</item>
    /// </list>
    /// </summary>
    public const string Columns = """
        chat_id, received_at, customer_id, received, responses_counted, answered_in_24h, answered_late, not_answered, pending,
        first_response_ms, stars, tags, current_agent, assignments, replying_agents, status, chat_type, converted, inquiries
        """;

    /// <summary>A common table expression <c>chat_outcomes</c> computed from the facts for chats received in [live_from, to).</summary>
    public static string Live(string chatsSource = AggregatedChats) => $"chat_outcomes AS ({LiveSelect(chatsSource)})";

    /// <summary>A common table expression <c>chat_outcomes</c> read from settled rows for chats received in [scan_from, live_from).</summary>
    public static string Settled { get; } = $"chat_outcomes AS ({SettledSelect})";

    /// <summary>
    /// A common table expression <c>chat_outcomes</c> for chats received in [live_from, to), after the watermark:
    /// the latest run's rows as of now (<see cref="AsOfNow"/>), except the chats of <c>recompute</c> (found by
    /// <see cref="ChatsToRecompute"/>), which are computed from the facts. The list is the live computation's
    /// candidates as it is (no table read): ids outside the range are dropped by its received-at condition.
    /// </summary>
    public static string Recent(string chatsSource = AggregatedChats) => $"chat_outcomes AS ({RecentSelect(chatsSource)})";

    /// <summary>
    /// <see cref="Recent"/> when nothing is to be recomputed: the latest run's rows as of now, and no computation
    /// from the facts at all (planning that computation alone costs tens of milliseconds).
    /// </summary>
    public static string Reused { get; } = $"chat_outcomes AS ({ReusedSelect})";

    /// <summary>Settled rows before <c>live_from</c>, <see cref="Reused"/> rows from it on.</summary>
    public static string SettledThenReused { get; } = $"chat_outcomes AS ({SettledSelect} UNION ALL {ReusedSelect})";

    /// <summary>Settled rows before <c>live_from</c>, computed ones from it on (when <see cref="Recent"/> would have too much to recompute).</summary>
    public static string SettledThenLive(string chatsSource = AggregatedChats) =>
        $"chat_outcomes AS ({SettledSelect} UNION ALL {LiveSelect(chatsSource)})";

    /// <summary>Settled rows before <c>live_from</c>, <see cref="Recent"/> rows from it on: what the query RPCs read.</summary>
    public static string SettledThenRecent(string chatsSource = AggregatedChats) =>
        $"chat_outcomes AS ({SettledSelect} UNION ALL {RecentSelect(chatsSource)})";

    /// <summary>
    /// Every column of the definitions, for chats received in [live_from, to), over a source of per-chat rows
    /// (<c>chat_id, timeline, received_at, first_assistant_solution_at, resolutions, ended_at, last_message_at</c>).
    /// The service reads <see cref="AggregatedChats"/>; a benchmark compares with raw facts.
    /// </summary>
    public static string LiveSelect(string chatsSource) => LiveSelectOver(chatsSource, CandidateChats);

    private static string LiveSelectOver(string chatsSource, string candidates) =>
        Template.Replace("{{COLUMNS}}", Columns, StringComparison.Ordinal).Replace("{{CHATS}}", chatsSource, StringComparison.Ordinal)
            .Replace("{{CANDIDATES}}", candidates, StringComparison.Ordinal).Replace("{{NOT_ANSWERED}}", NotAnswered, StringComparison.Ordinal)
            .Replace("{{PENDING}}", Pending, StringComparison.Ordinal).Replace("{{UNANSWERED_TYPE}}", UnansweredType, StringComparison.Ordinal);

    private static string RecentSelect(string chatsSource) => $$"""
        SELECT {{Columns}} FROM ({{ReusedSelect}}) WHERE chat_id NOT IN {recompute:Array(String)}
        UNION ALL
        {{LiveSelectOver(chatsSource, "SELECT arrayJoin({recompute:Array(String)})")}}
        """;

    private const string ReusedSelect = $$"""
        SELECT {{Columns}}
        FROM
        (
            SELECT {{AsOfNow}} FROM settled_chats
            WHERE shop_id = {shop:String} AND received_at >= {live_from:DateTime64(3, 'UTC')} AND received_at < {to:DateTime64(3, 'UTC')}
        )
        """;

    /// <summary>
    /// The columns of a stored row as of <c>now</c>: an inquiry that was pending when the row was computed counts as
    /// not answered once its 24 hours have passed, as the live computation would count it — time alone changes
    /// nothing else. The same expressions as <see cref="Template"/>'s.
    /// </summary>
    private const string AsOfNow = $$"""
        * REPLACE (
            {{NotAnswered}} AS not_answered, {{Pending}} AS pending,
            if(chat_type IN ('non_responded', 'pending'), {{UnansweredType}}, chat_type) AS chat_type)
        """;

    /// <summary>Inquiries without a reply whose 24 hours have passed at <c>now</c>.</summary>
    internal const string NotAnswered =
        "arrayCount(q -> q.2 < 0 AND dateDiff('millisecond', q.1, {now:DateTime64(3, 'UTC')}) >= 86400000, inquiries)";

    /// <summary>Inquiries without a reply whose 24 hours have not passed at <c>now</c>.</summary>
    private const string Pending =
        "arrayCount(q -> q.2 < 0 AND dateDiff('millisecond', q.1, {now:DateTime64(3, 'UTC')}) < 86400000, inquiries)";

    /// <summary>The category of a chat whose first inquiry has no reply, at <c>now</c>.</summary>
    private const string UnansweredType =
        "if(dateDiff('millisecond', inquiries[1].1, {now:DateTime64(3, 'UTC')}) >= 86400000, 'non_responded', 'pending')";

    /// <summary>
    /// A superset of the chats received in [live_from, to), cheap to find: every chat whose first customer message
    /// is in the range has a partial <c>chat_responses</c> row holding it. Keeps the live computation (and its
    /// joins) to the chats of the range instead of all of the shop's.
    /// </summary>
    private const string CandidateChats = """
        SELECT chat_id FROM chat_responses
        WHERE shop_id = {shop:String} AND first_customer_message_at >= {live_from:DateTime64(3, 'UTC')} AND first_customer_message_at < {to:DateTime64(3, 'UTC')}
        """;

    /// <summary>
    /// The chats received in [live_from, to) whose row from the latest rollup run is not their outcome now, as
    /// (whole range, ids). The ids are the parameter <c>recompute</c> of <see cref="Recent"/>: chats with a fact,
    /// or whose customer has an order, cancellation or refund at the shop, that arrived (<c>fact_arrivals</c>)
    /// since the oldest row of the range was computed — chats new since the run among them, since a run computes
    /// every chat whose facts it could read. Whole range is true when the shop's settings changed since (every
    /// chat's day and counting may have), when the range has no rows, or when its oldest row is older than the
    /// arrivals kept. Time passing alone changes no row (<see cref="AsOfNow"/>).
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
            computed_from < now64(6) - INTERVAL 29 DAY OR arrivals.settings_changed,
            arrayDistinct(arrayConcat(arrivals.chats, customer_chats.chats))
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

    private const string SettledSelect = $$"""
        SELECT {{Columns}} FROM settled_chats
        WHERE shop_id = {shop:String} AND received_at >= {scan_from:DateTime64(3, 'UTC')} AND received_at < {live_from:DateTime64(3, 'UTC')}
        """;

    /// <summary>Per-chat rows from the <c>chat_responses</c> aggregate (migration 0002); <c>{{CANDIDATES}}</c> as in <see cref="LiveSelect"/>.</summary>
    public const string AggregatedChats = """
                SELECT
                    chat_id,
                    arraySort(m -> (m.1, m.2), groupUniqArrayArray(timeline)) AS timeline,
                    assumeNotNull(min(first_customer_message_at)) AS received_at,
                    min(first_assistant_solution_at) AS first_assistant_solution_at,
                    groupUniqArrayArray(resolutions) AS resolutions,
                    max(ended_at) AS ended_at,
                    max(last_message_at) AS last_message_at
                FROM chat_responses
                WHERE shop_id = {shop:String} AND chat_id IN ({{CANDIDATES}})
                GROUP BY chat_id
                HAVING min(first_customer_message_at) >= {live_from:DateTime64(3, 'UTC')} AND min(first_customer_message_at) < {to:DateTime64(3, 'UTC')}
        """;

    private const string Template = """
        SELECT {{COLUMNS}}
        FROM
        (
            SELECT
                chat_id,
                received_at,
                starts.customer_id AS customer_id,
                starts.initiator != 'seller' AS received,
                -- Messages a human agent wrote: agent-role messages except automatic greetings and off-hours replies,
                -- which sellers commonly send under an agent's or the shop's account and which answer nothing.
                arrayFilter(m -> m.3 = 'agent' AND m.4 NOT IN ('greeting', 'off_hours_auto_reply'), timeline) AS human_messages,
                (first_assistant_solution_at IS NOT NULL OR arrayExists(r -> r.2 = 'assistant', resolutions))
                    AND empty(human_messages) AS assistant_solved,
                has({holidays:Array(Date)}, toDate(received_at, {tz:String})) AS on_holiday,
                received AND NOT assistant_solved AND NOT on_holiday AS responses_counted,
                -- Turns that matter for inquiries: customer messages expecting a reply, and human messages, in timeline order.
                arraySort(m -> (m.1, m.2), arrayConcat(arrayFilter(m -> m.3 = 'customer' AND NOT m.5, timeline), human_messages)) AS turns,
                -- An inquiry starts at a customer turn that follows an agent turn or nothing.
                arrayFilter(i -> turns[i].3 = 'customer' AND (i = 1 OR turns[i - 1].3 = 'agent'), arrayEnumerate(turns)) AS inquiry_starts,
                -- (asked at, milliseconds until the next agent turn, or -1 when none came).
                arrayMap(i -> (turns[i].1, arrayFirstIndex((t, j) -> j > i AND t.3 = 'agent', turns, arrayEnumerate(turns))), inquiry_starts) AS asked,
                -- (asked at, response in ms or -1, the agent it is credited or charged to: the replying agent, or for an
                -- unanswered one the agent assigned when its 24 hours closed, '' when none was).
                arrayMap(q -> (q.1, if(q.2 = 0, -1, dateDiff('millisecond', q.1, turns[q.2].1)),
                               if(q.2 = 0, arrayLast(a -> a.1 <= addHours(q.1, 24), events.assignments).3, turns[q.2].6)), asked) AS inquiries,
                arrayCount(q -> q.2 >= 0 AND q.2 <= 86400000, inquiries) AS answered_in_24h,
                arrayCount(q -> q.2 > 86400000, inquiries) AS answered_late,
                {{NOT_ANSWERED}} AS not_answered,
                {{PENDING}} AS pending,
                if(length(inquiries) > 0 AND inquiries[1].2 >= 0, inquiries[1].2, NULL) AS first_response_ms,
                events.stars AS stars,
                arraySort(arrayDistinct(arrayConcat(starts.tags, events.added_tags))) AS tags,
                events.current_agent AS current_agent,
                events.assignments AS assignments,
                arrayDistinct(arrayMap(m -> m.6, human_messages)) AS replying_agents,
                multiIf(events.ended, 'ended', events.resolved, 'resolved', 'active') AS status,
                -- The one category of a received chat (docs/metrics.md, "Chat status breakdown").
                multiIf(
                    NOT received, 'seller_started',
                    assistant_solved, 'assistant_solved',
                    length(inquiries) = 0, 'no_inquiry',
                    inquiries[1].2 >= 0 AND inquiries[1].2 <= 86400000, 'responded_24h',
                    inquiries[1].2 > 86400000, 'responded_late',
                    {{UNANSWERED_TYPE}}) AS chat_type,
                coalesce(ended_at, last_message_at) AS chat_end,
                arrayExists(o -> o.2 > chat_end AND o.2 <= addDays(chat_end, 7), purchases.orders) AS converted
            FROM
            (
                {{CHATS}}
            ) AS chats
            LEFT JOIN
            (
                SELECT chat_id, any(customer_id) AS customer_id, any(initiator) AS initiator, groupUniqArrayArray(tags) AS tags
                FROM chat_starts WHERE shop_id = {shop:String} AND chat_id IN ({{CANDIDATES}}) GROUP BY chat_id
            ) AS starts USING (chat_id)
            LEFT JOIN
            (
                SELECT
                    chat_id,
                    argMaxIf(stars, occurred_at, kind = 'rated') AS stars,
                    groupUniqArrayArrayIf(tags, kind = 'tagged') AS added_tags,
                    -- Assignments as (at, from, to), one per event id (its earliest copy: copies of one transfer recorded by
                    -- racing instances differ in time only), in order of (occurred_at, event id), leaving out those that
                    -- give the chat to the agent who has it. "from" is the previous assignment's "to", whatever the
                    -- producer sent: a first assignment is never a transfer.
                    arraySort(groupArrayIf((occurred_at, event_id, to_agent_id), kind = 'assigned')) AS assigned_copies,
                    arrayMap(a -> a.2, assigned_copies) AS assigned_ids,
                    arrayFilter((a, i) -> indexOf(assigned_ids, a.2) = i, assigned_copies, arrayEnumerate(assigned_copies)) AS assigned_once,
                    arrayFilter((a, i) -> i = 1 OR a.3 != assigned_once[i - 1].3, assigned_once, arrayEnumerate(assigned_once)) AS assigned_moves,
                    arrayMap((a, i) -> (a.1, if(i = 1, '', assigned_moves[i - 1].3), a.3), assigned_moves, arrayEnumerate(assigned_moves)) AS assignments,
                    if(empty(assignments), '', assignments[-1].3) AS current_agent,
                    countIf(kind = 'resolved') > 0 AS resolved,
                    countIf(kind = 'ended') > 0 AS ended
                FROM chat_events WHERE shop_id = {shop:String} AND chat_id IN ({{CANDIDATES}}) GROUP BY chat_id
            ) AS events USING (chat_id)
            LEFT JOIN
            (
                -- The customers' orders that still count: a cancellation or refund voids its order (shop + order id)
                -- whatever customer it names and whenever it is dated (docs/metrics.md, "Conversion").
                SELECT customer_id, groupUniqArray(placed) AS orders
                FROM
                (
                    SELECT customer_id, arrayJoin(orders) AS placed
                    FROM customer_conversions
                    WHERE shop_id = {shop:String}
                        AND customer_id IN (SELECT customer_id FROM chat_starts WHERE shop_id = {shop:String} AND chat_id IN ({{CANDIDATES}}))
                )
                WHERE placed.1 NOT IN (SELECT order_id FROM orders WHERE shop_id = {shop:String} AND kind IN ('cancelled', 'refunded'))
                GROUP BY customer_id
            ) AS purchases ON purchases.customer_id = starts.customer_id
        )
        """;
}
