using ClickHouse.Driver.Utility;
using ServiceAnalytics.Storage.Outcomes;

namespace ServiceAnalytics.Storage.Queries;

/// <summary>One tag's figures for a period.</summary>
public sealed record TagFigures(string Tag, long Chats, long AssistantSolved, long HumanHandled, long InquiriesCounted, long AnsweredWithin24h, long Converted);

/// <summary>GetTagBreakdown.</summary>
public sealed partial class MetricQueries
{
    /// <summary>Per tag (docs/metrics.md, "Tags"), most frequent first.</summary>
    public async Task<IReadOnlyList<TagFigures>> ReadTagBreakdownAsync(string shopId, ShopCalendar calendar, DayPeriod period, DateTime now, CancellationToken cancellationToken)
    {
        var (outcomes, _, parameters) = await OutcomesAsync(shopId, calendar, new OutcomeRequest(period, now), cancellationToken);
        using var reader = await _store.Client.ExecuteReaderAsync($$"""
            WITH {{outcomes}}
            SELECT
                tag,
                count() AS tagged_chats,
                countIf(chat_type = 'assistant_solved') AS assistant_solved_chats,
                countIf(chat_type IN ('responded_24h', 'responded_late', 'non_responded', 'pending')) AS human_handled_chats,
                sumIf(answered_in_24h + answered_late + not_answered, responses_counted) AS inquiries_counted,
                sumIf(answered_in_24h, responses_counted) AS answered_within_24h,
                countIf(converted) AS converted_chats
            FROM chat_outcomes
            ARRAY JOIN tags AS tag
            WHERE received
            GROUP BY tag
            ORDER BY tagged_chats DESC, tag
            """, parameters, cancellationToken: cancellationToken);
        var tags = new List<TagFigures>();
        while (reader.Read())
        {
            tags.Add(new TagFigures(
                reader.String("tag"), reader.Long("tagged_chats"), reader.Long("assistant_solved_chats"), reader.Long("human_handled_chats"),
                reader.Long("inquiries_counted"), reader.Long("answered_within_24h"), reader.Long("converted_chats")));
        }

        return tags;
    }
}
