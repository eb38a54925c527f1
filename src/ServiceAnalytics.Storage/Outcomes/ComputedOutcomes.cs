namespace ServiceAnalytics.Storage.Outcomes;

/// <summary>
/// The definitions of docs/metrics.md, in SQL: the outcome row of every chat of a shop (or of many shops of one zone,
/// <see cref="OutcomeScope"/>) received in [live_from, to), computed from the facts as of <c>now</c> (the columns of
/// <see cref="OutcomeSql.Columns"/>). Parameters: the scope's, <c>live_from</c>, <c>to</c> (UTC instants),
/// <c>now</c>, <c>tz</c> (the shops' IANA zone). Every source is keyed by (shop, chat), so one text serves both
/// scopes. Joins rely on ClickHouse's default <c>join_use_nulls = 0</c>: a chat without a start, rating or orders
/// gets '', 0 and [].
/// </summary>
public static class ComputedOutcomes
{
    /// <summary>
    /// A superset of the chats received in [live_from, to), cheap to find: every chat whose first customer message
    /// is in the range has a partial <c>chat_responses</c> row holding it. Keeps the computation (and its joins) to
    /// the chats of the range instead of all of the shop's.
    /// </summary>
    public const string CandidateChats = """
        SELECT chat_id FROM chat_responses
        WHERE shop_id = {shop:String} AND first_customer_message_at >= {live_from:DateTime64(3, 'UTC')} AND first_customer_message_at < {to:DateTime64(3, 'UTC')}
        """;

    /// <summary>
    /// A superset of the chats with a message in the day before <c>now</c>, cheap to find: the only chats that can
    /// have a pending inquiry (a customer message without a reply for less than 24 hours), since every message is held
    /// by a partial <c>chat_responses</c> row whose <c>last_message_at</c> is at or after it. Keeps the SLA queue's
    /// computation to the chats of the last day instead of every chat of its lookback.
    /// </summary>
    public const string ChatsWithMessagesInLastDay = $$"""
        SELECT chat_id FROM chat_responses
        WHERE shop_id = {shop:String} AND last_message_at >= {{OutcomeSql.Now}} - INTERVAL 1 DAY
        """;

    /// <summary>The chats of parameter <c>recompute</c>, as candidates: ids outside the range are dropped by the received-at condition.</summary>
    public const string ChatsToRecomputeAsCandidates = "SELECT arrayJoin({recompute:Array(String)})";

    /// <summary>
    /// Per-chat rows of the chats that <paramref name="chatsCondition"/> keeps (<see cref="OutcomeScope.Chats"/>)
    /// from the <c>chat_responses</c> aggregate (migration 0002): <c>shop_id, chat_id, timeline, received_at,
    /// first_assistant_solution_at, resolutions, ended_at, last_message_at</c> of the chats received in
    /// [live_from, to). What the service computes from; a benchmark compares with raw facts.
    /// </summary>
    public static string AggregatedChats(string chatsCondition) => $$"""

                SELECT
                    shop_id,
                    chat_id,
                    arraySort(m -> (m.1, m.2), groupUniqArrayArray(timeline)) AS timeline,
                    assumeNotNull(min(first_customer_message_at)) AS received_at,
                    min(first_assistant_solution_at) AS first_assistant_solution_at,
                    groupUniqArrayArray(resolutions) AS resolutions,
                    max(ended_at) AS ended_at,
                    max(last_message_at) AS last_message_at
                FROM chat_responses
                WHERE {{chatsCondition}}
                GROUP BY shop_id, chat_id
                HAVING min(first_customer_message_at) >= {live_from:DateTime64(3, 'UTC')} AND min(first_customer_message_at) < {to:DateTime64(3, 'UTC')}
        """;

    /// <summary>
    /// Every column of the definitions for the chats received in [live_from, to) among <paramref name="candidates"/>
    /// of one shop, over the per-chat rows <paramref name="chats"/> gives for them (see <see cref="AggregatedChats"/>).
    /// </summary>
    public static string Select(Func<string, string> chats, string candidates) =>
        $$"""SELECT {{OutcomeSql.Columns}} FROM ({{PerChat(chats, candidates, OutcomeScope.OneShop)}})""";

    /// <summary>
    /// <paramref name="columns"/> of <see cref="PerChat"/> (those of <see cref="OutcomeSql.Columns"/> and the ones they
    /// are derived from) but <c>converted</c> for the chats received in [live_from, to) among
    /// <paramref name="candidates"/> of one shop. A statement that needs a few of them names only those, and without
    /// conversion the customers' orders are not joined: the engine analyses the definition of each column it is asked
    /// for and every join, and most of a small statement's time is that analysis (the SLA queue's statement on the
    /// soak's data: 141 ms with the orders joined, 117 without).
    /// </summary>
    public static string SelectWithoutConversion(Func<string, string> chats, string candidates, string columns) =>
        $$"""SELECT {{columns}} FROM ({{PerChat(chats, candidates, OutcomeScope.OneShop, conversion: false)}})""";

    /// <summary>
    /// <c>shop_id</c> and every column of the definitions for the chats received in [live_from, to) among
    /// <paramref name="candidates"/> (their <see cref="OutcomeScope.CandidateKey"/>) of <paramref name="scope"/>, over
    /// the per-chat rows <paramref name="chats"/> gives for them, with the columns they are derived from; without
    /// <paramref name="conversion"/>, every column but <c>converted</c>, and the customers' orders are not read.
    /// </summary>
    public static string PerChat(Func<string, string> chats, string candidates, OutcomeScope scope, bool conversion = true)
    {
        ArgumentNullException.ThrowIfNull(chats);
        ArgumentNullException.ThrowIfNull(scope);
        var keep = scope.Chats(candidates);
        // Two layers: the columns derived from the inquiries read them as a column of the inner query, so the
        // inquiries are analysed once, not once per column that names them (see InquiryColumns).
        return $$"""
                SELECT *, {{InquiryColumns}}
                FROM
                (
                    SELECT
                        shop_id,
                        chat_id,
                        received_at,
                        starts.customer_id AS customer_id,
                        starts.initiator != 'seller' AS received,
                        {{Inquiries(scope)}},
                        {{ChatColumns}}{{(conversion ? $",\n{Converted}" : "")}}
                    FROM ({{chats(keep)}}) AS chats
                    LEFT JOIN ({{Starts(keep)}}) AS starts USING (shop_id, chat_id)
                    LEFT JOIN ({{Events(keep)}}) AS events USING (shop_id, chat_id)
                    {{(conversion ? $"LEFT JOIN ({Purchases(keep, scope)}) AS purchases ON purchases.purchase_shop = chats.shop_id AND purchases.customer_id = starts.customer_id" : "")}}
                )
            """;
    }

    /// <summary>
    /// A chat's inquiries (<c>inquiries</c>) from its timeline, and whether they count (<c>responses_counted</c>),
    /// with the columns they are derived from; reads <c>events.assignments</c> for the agent an unanswered one is charged
    /// to, and the holidays of the chat's shop as <paramref name="scope"/> gives them.
    /// </summary>
    private static string Inquiries(OutcomeScope scope) => $$"""
        -- Messages a human agent wrote: agent-role messages except automatic greetings and off-hours replies,
        -- which sellers commonly send under an agent's or the shop's account and which answer nothing.
        arrayFilter(m -> m.3 = 'agent' AND m.4 NOT IN ('greeting', 'off_hours_auto_reply'), timeline) AS human_messages,
        (first_assistant_solution_at IS NOT NULL OR arrayExists(r -> r.2 = 'assistant', resolutions))
            AND empty(human_messages) AS assistant_solved,
        has({{scope.Holidays}}, toDate(received_at, {tz:String})) AS on_holiday,
        received AND NOT assistant_solved AND NOT on_holiday AS responses_counted,
        -- Turns that matter for inquiries: customer messages expecting a reply, and human messages, in timeline order.
        arraySort(m -> (m.1, m.2), arrayConcat(arrayFilter(m -> m.3 = 'customer' AND NOT m.5, timeline), human_messages)) AS turns,
        -- The inquiries, over the turns bound once as `ts` (a one-element arrayMap is SQL's "let"): named as an alias
        -- at each of its eight uses, `turns` would be expanded eight times over, and the engine's analysis of a
        -- statement takes time with the size of the expanded expressions (an overview recomputing 100 chats: planned
        -- in 90-110 ms instead of 131-134 ms).
        arrayMap(ts ->
            -- (asked at, response in ms or -1, the agent it is credited or charged to: the replying agent, or for an
            -- unanswered one the agent assigned when its 24 hours closed, '' when none was) ...
            arrayMap(q -> (q.1, if(q.2 = 0, -1, dateDiff('millisecond', q.1, ts[q.2].1)),
                           if(q.2 = 0, arrayLast(a -> a.1 <= addHours(q.1, 24), events.assignments).3, ts[q.2].6)),
                -- ... of (asked at, the index of the next agent turn, or 0 when none came) ...
                arrayMap(i -> (ts[i].1, arrayFirstIndex((t, j) -> j > i AND t.3 = 'agent', ts, arrayEnumerate(ts))),
                    -- ... of each inquiry's start: a customer turn that follows an agent turn or nothing.
                    arrayFilter(i -> ts[i].3 = 'customer' AND (i = 1 OR ts[i - 1].3 = 'agent'), arrayEnumerate(ts)))),
            [turns])[1] AS inquiries
        """;

    /// <summary>The outcome columns of a chat from its starts, events and messages (whether it converted apart: <see cref="Converted"/>).</summary>
    private const string ChatColumns = """
        events.stars AS stars,
        arraySort(arrayDistinct(arrayConcat(starts.tags, events.added_tags))) AS tags,
        events.current_agent AS current_agent,
        events.assignments AS assignments,
        arrayDistinct(arrayMap(m -> m.6, human_messages)) AS replying_agents,
        multiIf(events.ended, 'ended', events.resolved, 'resolved', 'active') AS status
        """;

    /// <summary>Whether the chat converted: an order of its customer that still counts, within 7 days after the chat ended.</summary>
    private const string Converted = """
        coalesce(ended_at, last_message_at) AS chat_end,
        arrayExists(o -> o.2 > chat_end AND o.2 <= addDays(chat_end, 7), purchases.orders) AS converted
        """;

    /// <summary>
    /// The outcome columns of a chat from its inquiries, over the inner query of <see cref="PerChat"/>. The engine's
    /// analyser expands an alias at each of its uses: with these beside the inquiries in one query, the six columns
    /// below each carried a copy of the inquiries' whole definition. Over the inner query's <c>inquiries</c> column
    /// they name it as a column instead (an overview recomputing 100 chats of the 200k-chat shop: its expanded tree
    /// 4,468 → 2,645 lines of <c>EXPLAIN QUERY TREE</c>; docs/storage.md).
    /// </summary>
    private static readonly string InquiryColumns = $$"""
        arrayCount(q -> {{OutcomeSql.InquiryAnswered24h}}, inquiries) AS answered_in_24h,
        arrayCount(q -> {{OutcomeSql.InquiryAnsweredLate}}, inquiries) AS answered_late,
        {{OutcomeSql.NotAnswered}} AS not_answered,
        {{OutcomeSql.Pending}} AS pending,
        if(length(inquiries) > 0 AND inquiries[1].2 >= 0, inquiries[1].2, NULL) AS first_response_ms,
        -- The one category of a received chat (docs/metrics.md, "Chat status breakdown").
        multiIf(
            NOT received, 'seller_started',
            assistant_solved, 'assistant_solved',
            length(inquiries) = 0, 'no_inquiry',
            inquiries[1].2 >= 0 AND inquiries[1].2 <= {{OutcomeSql.DayInMilliseconds}}, 'responded_24h',
            inquiries[1].2 > {{OutcomeSql.DayInMilliseconds}}, 'responded_late',
            {{OutcomeSql.UnansweredType("inquiries[1].1")}}) AS chat_type
        """;

    /// <summary>The chat starts of the chats <paramref name="keep"/> keeps: customer, initiator, initial tags.</summary>
    private static string Starts(string keep) => $$"""
        SELECT shop_id, chat_id, any(customer_id) AS customer_id, any(initiator) AS initiator, groupUniqArrayArray(tags) AS tags
        FROM chat_starts WHERE {{keep}} GROUP BY shop_id, chat_id
        """;

    /// <summary>
    /// The chat events of the chats <paramref name="keep"/> keeps: latest rating, added tags, assignments, resolved and
    /// ended. An event id counts once, as its copy stored last: the copy the table keeps when its merges collapse copies
    /// (a <c>ReplacingMergeTree</c> by shop, chat and event id, migration 0001). Copies of one transfer recorded by
    /// racing instances differ in time only, and choosing another copy than the merge does changed an answer once
    /// the copies merged, when another transfer fell between their times. Copies stored by one INSERT share
    /// <c>inserted_at</c>: the later <c>occurred_at</c> counts, which is the merge's choice when they were sent in
    /// that order.
    /// </summary>
    private static string Events(string keep) => $$"""
        SELECT
            shop_id,
            chat_id,
            argMaxIf(copy.4, copy.1, event_kind = 'rated') AS stars,
            groupUniqArrayArrayIf(copy.3, event_kind = 'tagged') AS added_tags,
            -- Assignments as (at, from, to) in order of (occurred_at, event id), leaving out those that give the chat
            -- to the agent who has it. "from" is the previous assignment's "to", whatever the producer sent: a first
            -- assignment is never a transfer. Each step is bound once as a lambda's argument (a one-element arrayMap
            -- is SQL's "let", as for the inquiries' turns): named as aliases, each step was expanded at every use of
            -- the steps after it, and the engine's analysis of this subquery took 49 ms instead of 27 on the soak's
            -- data (the SLA queue's statement: 203 → 152 ms).
            arrayMap(assigned ->
                arrayMap(moves -> arrayMap((a, i) -> (a.1, if(i = 1, '', moves[i - 1].3), a.3), moves, arrayEnumerate(moves)),
                    [arrayFilter((a, i) -> i = 1 OR a.3 != assigned[i - 1].3, assigned, arrayEnumerate(assigned))])[1],
                [arraySort(groupArrayIf((copy.1, event_id, copy.2), event_kind = 'assigned'))])[1] AS assignments,
            arrayMap(a -> if(empty(a), '', a[-1].3), [assignments])[1] AS current_agent,
            countIf(event_kind = 'resolved') > 0 AS resolved,
            countIf(event_kind = 'ended') > 0 AS ended
        FROM
        (
            -- (occurred at, to agent, tags, stars) of the copy; named apart from the columns, which an alias would shadow.
            SELECT shop_id, chat_id, event_id, any(kind) AS event_kind,
                   argMax((occurred_at, to_agent_id, tags, stars), (inserted_at, occurred_at)) AS copy
            FROM chat_events WHERE {{keep}} GROUP BY shop_id, chat_id, event_id
        )
        GROUP BY shop_id, chat_id
        """;

    /// <summary>
    /// The customers' orders that still count, of the chats <paramref name="keep"/> keeps: a cancellation or refund
    /// voids its order (shop + order id) whatever customer it names and whenever it is dated (docs/metrics.md, "Conversion").
    /// The shop is <c>purchase_shop</c>: a second <c>shop_id</c> beside the chats' would make that name ambiguous.
    /// </summary>
    private static string Purchases(string keep, OutcomeScope scope) => $$"""
        SELECT shop_id AS purchase_shop, customer_id, groupUniqArray(placed) AS orders
        FROM
        (
            SELECT shop_id, customer_id, arrayJoin(orders) AS placed
            FROM customer_conversions
            WHERE {{scope.Shops}} AND (shop_id, customer_id) IN (SELECT shop_id, customer_id FROM chat_starts WHERE {{keep}})
        )
        WHERE (shop_id, placed.1) NOT IN (SELECT shop_id, order_id FROM orders WHERE {{scope.Shops}} AND kind IN ('cancelled', 'refunded'))
        GROUP BY shop_id, customer_id
        """;
}
