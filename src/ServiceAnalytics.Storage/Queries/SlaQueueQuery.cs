using ClickHouse.Driver.Utility;
using ServiceAnalytics.Storage.Outcomes;
using ServiceAnalytics.Storage.Telemetry;

namespace ServiceAnalytics.Storage.Queries;

/// <summary>A pending inquiry in the SLA queue.</summary>
public sealed record PendingInquiryRow(string ChatId, string CustomerId, DateTime AskedAt, double SecondsLeft, string CurrentAgent);

/// <summary>GetSlaQueue: the pending inquiries, computed from the facts as of now.</summary>
public sealed partial class ChatQueries
{
    /// <summary>
    /// The pending inquiries of the chats received in [live_from, to), least time left first, as of <c>now</c>: their
    /// outcome rows computed as every answer's are, for the chats with a message in the last day only (the others
    /// have none pending), and only the columns the queue shows or filters on (so the customers' orders are not read). A received chat is of type
    /// assistant-solved exactly when <c>assistant_solved</c> holds (docs/metrics.md), so that column is read instead
    /// of <c>chat_type</c>, whose definition (every category) made a quarter to a third of the engine's analysis of this
    /// statement (measured on the metrics benchmark's data).
    /// </summary>
    private static readonly string PendingInquiries = $$"""
        WITH chat_outcomes AS ({{ComputedOutcomes.SelectWithoutConversion(
            ComputedOutcomes.AggregatedChats, ComputedOutcomes.ChatsWithMessagesInLastDay, "chat_id, customer_id, received, assistant_solved, current_agent, inquiries")}})
        SELECT chat_id, customer_id, q.1 AS asked_at,
               {{OutcomeSql.DayInMilliseconds}} / 1000 - dateDiff('millisecond', asked_at, {{OutcomeSql.Now}}) / 1000 AS seconds_left, current_agent
        FROM chat_outcomes
        ARRAY JOIN inquiries AS q
        WHERE received AND NOT assistant_solved AND {{OutcomeSql.InquiryPending}}
        ORDER BY seconds_left, chat_id
        LIMIT {limit:UInt32}
        """;

    /// <summary>
    /// Pending inquiries (docs/metrics.md) of chats received in the last <paramref name="lookbackDays"/> days,
    /// least time left first.
    /// </summary>
    public async Task<IReadOnlyList<PendingInquiryRow>> ReadSlaQueueAsync(string shopId, ShopCalendar calendar, DateTime now, int lookbackDays, int limit, CancellationToken cancellationToken)
    {
        // Read from the facts whatever the rollups hold (docs/metrics.md, "Freshness").
        AnswerSources.Record(AnswerSource.Computed);
        ArgumentNullException.ThrowIfNull(calendar);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(now, calendar.TimeZone));
        var (parameters, _, _) = PeriodParameters.Create(
            shopId, calendar, new DayPeriod(today.AddDays(1 - lookbackDays), today), now, includeCustomerWindow: false, liveFrom: DateTime.MinValue);
        parameters.AddParameter("limit", limit);
        using var reader = await store.Client.ExecuteReaderAsync(PendingInquiries, parameters, cancellationToken: cancellationToken);
        var rows = new List<PendingInquiryRow>();
        while (reader.Read())
        {
            rows.Add(new PendingInquiryRow(
                reader.String("chat_id"), reader.String("customer_id"), reader.DateTime("asked_at"), reader.Double("seconds_left"), reader.String("current_agent")));
        }

        return rows;
    }
}
