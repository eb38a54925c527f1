using ClickHouse.Driver.Utility;
using ServiceAnalytics.Storage.Outcomes;

namespace ServiceAnalytics.Storage.Queries;

/// <summary>One agent's figures for a period ("unassigned" is the empty agent id).</summary>
public sealed record AgentFigures(
    string AgentId, string DisplayName, long ChatsHandled, long InquiriesAnswered, long AnsweredWithin24h, long AnsweredLate, long NonResponded,
    long ChatsRated, long ChatsRated4Or5, double? ResponseMeanSeconds, double? ResponseP90Seconds, long TransfersIn, long TransfersOut);

/// <summary>GetAgentDetails.</summary>
public sealed partial class MetricQueries
{
    /// <summary>The agent partials of the chats after the summarised days, per agent.</summary>
    private static readonly string LaterAgentPartials = $$"""
        UNION ALL
        SELECT agent, {{OutcomePartials.AgentPartials}}
        FROM ({{OutcomePartials.AgentChats("chat_outcomes")}})
        ARRAY JOIN agents AS agent
        WHERE {{OutcomePartials.AgentRowFilter}}
        GROUP BY agent
        """;

    /// <summary>
    /// Agent details (docs/metrics.md, "Agent details"), busiest agents first: the summarised days' summary rows
    /// plus the later chats' partials, merged per agent.
    /// </summary>
    public async Task<IReadOnlyList<AgentFigures>> ReadAgentsAsync(string shopId, ShopCalendar calendar, DayPeriod period, DateTime now, CancellationToken cancellationToken)
    {
        var (outcomes, plan, parameters) = await OutcomesAsync(shopId, calendar, new OutcomeRequest(period, now, AfterSummaries: true), cancellationToken);
        using var reader = await _store.Client.ExecuteReaderAsync($$"""
            {{WithClause(outcomes)}}
            SELECT agent, any(names.display_name) AS agent_display_name, {{OutcomePartials.AgentFromPartials}}
            FROM
            (
                SELECT agent_id AS agent, {{OutcomePartials.AgentPartialNames}} FROM agent_daily_summary WHERE {{SummaryDays}}
                {{(plan.ReadsOutcomes ? LaterAgentPartials : "")}}
            ) AS parts
            LEFT JOIN
            (
                SELECT agent_id, argMax(display_name, occurred_at) AS display_name FROM agents WHERE shop_id = {shop:String} GROUP BY agent_id
            ) AS names ON names.agent_id = parts.agent
            GROUP BY agent
            ORDER BY total_chats_handled DESC, agent
            """, parameters, cancellationToken: cancellationToken);
        var agents = new List<AgentFigures>();
        while (reader.Read())
        {
            var answered = reader.Long("total_inquiries_answered");
            agents.Add(new AgentFigures(
                reader.String("agent"), reader.String("agent_display_name"), reader.Long("total_chats_handled"), answered,
                reader.Long("total_answered_within_24h"), reader.Long("total_answered_late"), reader.Long("total_non_responded"),
                reader.Long("total_chats_rated"), reader.Long("total_chats_rated_4_or_5"),
                answered == 0 ? null : reader.Double("mean_response_seconds"), answered == 0 ? null : reader.Double("p90_response_seconds"),
                reader.Long("total_transfers_in"), reader.Long("total_transfers_out")));
        }

        return agents;
    }
}
