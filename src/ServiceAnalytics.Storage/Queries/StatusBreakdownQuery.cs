using ClickHouse.Driver.Utility;
using ServiceAnalytics.Storage.Outcomes;

namespace ServiceAnalytics.Storage.Queries;

/// <summary>The status breakdown of one period: chats received by category (docs/metrics.md).</summary>
public sealed record BreakdownFigures(long Responded24h, long RespondedLate, long NonResponded, long Pending, long AssistantSolved, long NoInquiry);

/// <summary>GetStatusBreakdown.</summary>
public sealed partial class MetricQueries
{
    /// <summary>The settled days of a request after summaries (<see cref="OutcomePlan.SummaryLastDay"/>), as a condition on a daily summary table.</summary>
    private const string SummaryDays =
        "shop_id = {shop:String} AND day BETWEEN toDate({settled_first:String}) AND toDate({settled_last:String})";

    /// <summary>The breakdown counts of the chats after the summarised days.</summary>
    private const string LaterBreakdown = $$"""UNION ALL SELECT {{OutcomePartials.BreakdownColumns}} FROM chat_outcomes""";

    /// <summary>The status breakdown: the summarised days' summary rows plus the later chats', summed.</summary>
    public async Task<BreakdownFigures> ReadBreakdownAsync(string shopId, ShopCalendar calendar, DayPeriod period, DateTime now, CancellationToken cancellationToken)
    {
        var (outcomes, plan, parameters) = await OutcomesAsync(shopId, calendar, new OutcomeRequest(period, now, AfterSummaries: true), cancellationToken);
        using var reader = await _store.Client.ExecuteReaderAsync($$"""
            {{WithClause(outcomes)}}
            SELECT sum(chats_responded_24h) AS responded_24h, sum(chats_responded_late) AS responded_late,
                   sum(chats_non_responded) AS non_responded, sum(chats_pending) AS pending_chats,
                   sum(chats_assistant_solved) AS assistant_solved, sum(chats_no_inquiry) AS no_inquiry
            FROM
            (
                SELECT {{OutcomePartials.BreakdownNames}} FROM shop_daily_summary WHERE {{SummaryDays}}
                {{(plan.ReadsOutcomes ? LaterBreakdown : "")}}
            )
            """, parameters, cancellationToken: cancellationToken);
        reader.Read();
        return new BreakdownFigures(
            reader.Long("responded_24h"), reader.Long("responded_late"), reader.Long("non_responded"),
            reader.Long("pending_chats"), reader.Long("assistant_solved"), reader.Long("no_inquiry"));
    }
}
