using ServiceAnalytics.Storage.Outcomes;

namespace ServiceAnalytics.Storage.Rollups;

/// <summary>
/// A table a run writes (migrations 0003, 0005, 0006): its name and its columns in order, the list every insert into
/// it or its staging copy names.
/// </summary>
internal sealed record SummaryTable(string Name, string Columns)
{
    /// <summary>One row per chat received: the columns of <see cref="OutcomeSql.Columns"/>, keyed by shop and local day.</summary>
    public static SummaryTable SettledChats { get; } = new("settled_chats", $$"""
        shop_id, day, {{OutcomeSql.Columns}}, settled_at, computed_at
        """);

    /// <summary>One row per shop and local day: the overview's figures, the status breakdown, the partials.</summary>
    public static SummaryTable ShopDaily { get; } = new("shop_daily_summary", """
        shop_id, day, chats_received, inquiries_answered_within_24h, inquiries_counted, inquiries_pending, first_responses_measured,
        first_response_mean_seconds, first_response_median_seconds, first_response_p90_seconds, rating_distribution, converted_chats,
        chats_responded_24h, chats_responded_late, chats_non_responded, chats_pending, chats_assistant_solved, chats_no_inquiry,
        potential_customers, converted_customers, settled_at, first_responses_ms
        """);

    /// <summary>One row per shop, local day and agent: the agent details and their partials.</summary>
    public static SummaryTable AgentDaily { get; } = new("agent_daily_summary", """
        shop_id, day, agent_id, display_name, chats_handled, inquiries_answered, inquiries_answered_within_24h, inquiries_answered_late,
        inquiries_non_responded, chats_rated, chats_rated_4_or_5, response_mean_seconds, response_p90_seconds, transfers_in, transfers_out,
        settled_at, response_ms
        """);

    /// <summary>The tables in the order a run swaps them in: the rows first, then the summaries of them.</summary>
    public static IReadOnlyList<SummaryTable> All { get; } = [SettledChats, ShopDaily, AgentDaily];
}
