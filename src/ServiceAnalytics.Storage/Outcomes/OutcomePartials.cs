namespace ServiceAnalytics.Storage.Outcomes;

/// <summary>
/// The metrics as partial aggregates over outcome rows, and their merge: numbers that add up across groups of chats
/// (days, or settled days and later ones), and the response times themselves (sorted) for the quantiles. The rollup
/// stores the partials per day in the daily summaries under the same names, so a period of summarised days is read
/// from its days' rows, not from its chats'; the query RPCs merge them with the later chats' by the same text.
/// </summary>
public static class OutcomePartials
{
    /// <summary>
    /// The headline metrics as partials, over chat outcomes with <c>in_period</c> set. <see cref="HeadlineFromPartials"/>
    /// merges rows of these.
    /// </summary>
    public const string HeadlinePartials = """
        countIf(in_period AND received) AS chats_received,
        sumIf(answered_in_24h, in_period AND responses_counted) AS inquiries_answered_within_24h,
        sumIf(answered_in_24h + answered_late + not_answered, in_period AND responses_counted) AS inquiries_counted,
        sumIf(pending, in_period AND responses_counted) AS inquiries_pending,
        arraySort(groupArrayIf(assumeNotNull(first_response_ms), in_period AND responses_counted AND first_response_ms IS NOT NULL)) AS first_responses_ms,
        [countIf(in_period AND received AND stars = 1), countIf(in_period AND received AND stars = 2), countIf(in_period AND received AND stars = 3),
         countIf(in_period AND received AND stars = 4), countIf(in_period AND received AND stars = 5)] AS rating_distribution,
        countIf(in_period AND received AND converted) AS converted_chats
        """;

    /// <summary>
    /// The headline figures from rows of <see cref="HeadlinePartials"/>, in this order and named: sums, and the mean
    /// and [median, p90] of all the first response times (in seconds) the rows hold (both quantiles from one sort).
    /// Names differ from the partials' and the summary tables' columns, which the sums read.
    /// </summary>
    public const string HeadlineFromPartials = """
        sum(chats_received) AS total_chats_received, sum(inquiries_answered_within_24h) AS total_answered_within_24h,
        sum(inquiries_counted) AS total_inquiries_counted, sum(inquiries_pending) AS total_inquiries_pending,
        sum(length(first_responses_ms)) AS total_first_responses,
        sum(arraySum(first_responses_ms)) / sum(length(first_responses_ms)) / 1000 AS mean_first_response_seconds,
        quantilesExactInclusiveArray(0.5, 0.9)(arrayMap(ms -> ms / 1000, first_responses_ms)) AS first_response_quantiles_seconds,
        sumForEach(rating_distribution) AS total_rating_distribution,
        sum(converted_chats) AS total_converted_chats
        """;

    /// <summary>
    /// The counts of the status breakdown over chat outcomes: one text for the RPC and the shop rollup, which keeps
    /// them per day in <c>shop_daily_summary</c> under these names (<see cref="BreakdownNames"/>).
    /// </summary>
    public const string BreakdownColumns = """
        countIf(chat_type = 'responded_24h') AS chats_responded_24h, countIf(chat_type = 'responded_late') AS chats_responded_late,
        countIf(chat_type = 'non_responded') AS chats_non_responded, countIf(chat_type = 'pending') AS chats_pending,
        countIf(chat_type = 'assistant_solved') AS chats_assistant_solved, countIf(chat_type = 'no_inquiry') AS chats_no_inquiry
        """;

    /// <summary>The names of <see cref="BreakdownColumns"/>, in order.</summary>
    public const string BreakdownNames =
        "chats_responded_24h, chats_responded_late, chats_non_responded, chats_pending, chats_assistant_solved, chats_no_inquiry";

    /// <summary>
    /// Agent details as partials over rows of <see cref="AgentChats"/> array-joined on <c>agents AS agent</c>.
    /// <see cref="AgentFromPartials"/> merges rows of these; the agent rollup stores them per day in
    /// <c>agent_daily_summary</c> under the same names.
    /// </summary>
    public const string AgentPartials = $$"""
        countIf(has(replying_agents, agent)) AS chats_handled,
        sum(arrayCount(q -> q.3 = agent AND {{OutcomeSql.InquiryAnswered}}, counted_inquiries)) AS inquiries_answered,
        sum(arrayCount(q -> q.3 = agent AND {{OutcomeSql.InquiryAnswered24h}}, counted_inquiries)) AS inquiries_answered_within_24h,
        sum(arrayCount(q -> q.3 = agent AND {{OutcomeSql.InquiryAnsweredLate}}, counted_inquiries)) AS inquiries_answered_late,
        sum(arrayCount(q -> q.3 = agent AND {{OutcomeSql.InquiryNonResponded}}, counted_inquiries)) AS inquiries_non_responded,
        countIf(has(replying_agents, agent) AND stars > 0) AS chats_rated,
        countIf(has(replying_agents, agent) AND stars >= 4) AS chats_rated_4_or_5,
        arraySort(groupArrayArray(arrayMap(q -> q.2, arrayFilter(q -> q.3 = agent AND {{OutcomeSql.InquiryAnswered}}, counted_inquiries)))) AS response_ms,
        sum(arrayCount(a -> a.3 = agent AND {{OutcomeSql.IsTransfer}}, assignments)) AS transfers_in,
        sum(arrayCount(a -> a.2 = agent AND {{OutcomeSql.IsTransfer}}, assignments)) AS transfers_out
        """;

    /// <summary>The names of <see cref="AgentPartials"/>, in order: the columns of <c>agent_daily_summary</c> that hold them.</summary>
    public const string AgentPartialNames = """
        chats_handled, inquiries_answered, inquiries_answered_within_24h, inquiries_answered_late, inquiries_non_responded,
        chats_rated, chats_rated_4_or_5, response_ms, transfers_in, transfers_out
        """;

    /// <summary>
    /// An agent's figures from rows of <see cref="AgentPartials"/>, in this order and named: sums, and the mean and
    /// p90 of all the response times (in seconds) the rows hold.
    /// </summary>
    public const string AgentFromPartials = """
        sum(chats_handled) AS total_chats_handled, sum(inquiries_answered) AS total_inquiries_answered,
        sum(inquiries_answered_within_24h) AS total_answered_within_24h, sum(inquiries_answered_late) AS total_answered_late,
        sum(inquiries_non_responded) AS total_non_responded,
        sum(chats_rated) AS total_chats_rated, sum(chats_rated_4_or_5) AS total_chats_rated_4_or_5,
        sum(arraySum(response_ms)) / sum(length(response_ms)) / 1000 AS mean_response_seconds,
        quantileExactInclusiveArray(0.9)(arrayMap(ms -> ms / 1000, response_ms)) AS p90_response_seconds,
        sum(transfers_in) AS total_transfers_in, sum(transfers_out) AS total_transfers_out
        """;

    /// <summary>
    /// Received chats of <paramref name="source"/> with the agents they concern: repliers, agents credited or charged
    /// with a counted inquiry, agents transferred from and to. Rows for "unassigned" ('') only where it was charged.
    /// </summary>
    public static string AgentChats(string source) => $$"""
        SELECT *, if(responses_counted, inquiries, []) AS counted_inquiries,
               arrayDistinct(arrayConcat(replying_agents, arrayMap(q -> q.3, counted_inquiries),
                                         arrayMap(a -> a.2, assignments), arrayMap(a -> a.3, assignments))) AS agents
        FROM {{source}} WHERE received
        """;

    /// <summary>Keeps the agent rows of <see cref="AgentChats"/> that name an agent, or "unassigned" where it was charged.</summary>
    public const string AgentRowFilter = "agent != '' OR arrayExists(q -> q.3 = '', counted_inquiries)";

    /// <summary>
    /// Potential and converted customers of each day from <c>first_day</c> to <c>last_day</c>: each received chat of
    /// <paramref name="source"/> counts its customer on the 28 days starting with <paramref name="receivedDay"/>.
    /// One text for the daily trends and the shop rollup; <paramref name="keys"/> adds grouping columns before the day.
    /// A chat yields a row only for its covered days within first_day..last_day, not for all 28: a refresh of two
    /// days reads 27 days more of chats for their windows, and expanding each of those into 28 rows to keep two was
    /// most of its summary statement's time.
    /// </summary>
    public static string CustomersByDay(string keys, string receivedDay, string source) => $$"""
        SELECT {{keys}}covered_day, uniqExact(customer_id) AS potential_customers, uniqExactIf(customer_id, converted) AS converted_customers
        FROM
        (
            SELECT {{keys}}customer_id, converted, {{receivedDay}} AS customer_day,
                   arrayJoin(arrayMap(i -> addDays(customer_day, i),
                                      range(toUInt32(greatest(0, dateDiff('day', customer_day, toDate({first_day:String})))),
                                            toUInt32(greatest(0, least(28, dateDiff('day', customer_day, toDate({last_day:String})) + 1)))))) AS covered_day
            FROM {{source}} WHERE received AND customer_id != ''
        )
        GROUP BY {{keys}}covered_day
        """;
}
