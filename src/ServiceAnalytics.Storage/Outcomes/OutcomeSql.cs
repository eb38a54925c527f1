namespace ServiceAnalytics.Storage.Outcomes;

/// <summary>
/// The named SQL fragments of the per-chat outcome definitions (docs/metrics.md) that more than one statement
/// uses: the columns every source of outcome rows yields, and the conditions on an inquiry or an assignment that
/// the per-chat counts, the partials and the All Chats filter share, so each is written once.
/// </summary>
public static class OutcomeSql
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

    /// <summary>The response window, 24 hours, in milliseconds: a response within it counts as answered in 24 hours.</summary>
    public const string DayInMilliseconds = "86400000";

    /// <summary>The instant a request's figures are of, as bound (parameter <c>now</c>).</summary>
    public const string Now = "{now:DateTime64(3, 'UTC')}";

    /// <summary>
    /// The outcomes of an inquiry <c>q</c> of the <c>inquiries</c> column (asked at, response ms or -1, credited agent),
    /// by the codes of <c>InquiryOutcome</c>: one text each for the per-chat counts, the agent partials and the All
    /// Chats inquiry filter, so a count and its list cannot differ.
    /// </summary>
    public const string InquiryAnswered = "q.2 >= 0";

    /// <inheritdoc cref="InquiryAnswered"/>
    public const string InquiryAnswered24h = $$"""q.2 >= 0 AND q.2 <= {{DayInMilliseconds}}""";

    /// <inheritdoc cref="InquiryAnswered"/>
    public const string InquiryAnsweredLate = $$"""q.2 > {{DayInMilliseconds}}""";

    /// <inheritdoc cref="InquiryAnswered"/>
    public const string InquiryNonResponded = $$"""q.2 < 0 AND dateDiff('millisecond', q.1, {{Now}}) >= {{DayInMilliseconds}}""";

    /// <inheritdoc cref="InquiryAnswered"/>
    public const string InquiryPending = $$"""q.2 < 0 AND dateDiff('millisecond', q.1, {{Now}}) < {{DayInMilliseconds}}""";

    /// <summary>
    /// A transfer <c>a</c> of the <c>assignments</c> column (at, from, to): an assignment from an agent (a first
    /// assignment, from nobody, is none). In from <c>a.3</c>'s view, out from <c>a.2</c>'s.
    /// </summary>
    public const string IsTransfer = "a.2 != ''";

    /// <summary>Inquiries without a reply whose 24 hours have passed at <c>now</c>.</summary>
    public const string NotAnswered = $$"""arrayCount(q -> {{InquiryNonResponded}}, inquiries)""";

    /// <summary>Inquiries without a reply whose 24 hours have not passed at <c>now</c>.</summary>
    public const string Pending = $$"""arrayCount(q -> {{InquiryPending}}, inquiries)""";

    /// <summary>The category of a chat whose first inquiry, asked at <paramref name="askedAt"/>, has no reply, at <c>now</c>.</summary>
    public static string UnansweredType(string askedAt) =>
        $$"""if(dateDiff('millisecond', {{askedAt}}, {{Now}}) >= {{DayInMilliseconds}}, 'non_responded', 'pending')""";

    /// <summary>
    /// The columns of a stored row as of <c>now</c>: an inquiry that was pending when the row was computed counts as
    /// not answered once its 24 hours have passed, as the computation from the facts would count it — time alone
    /// changes nothing else. The same expressions as <see cref="ComputedOutcomes"/>'.
    /// </summary>
    public static string AsOfNow { get; } = $$"""
        * REPLACE (
            {{NotAnswered}} AS not_answered, {{Pending}} AS pending,
            if(chat_type IN ('non_responded', 'pending'), {{UnansweredType("inquiries[1].1")}}, chat_type) AS chat_type)
        """;
}
