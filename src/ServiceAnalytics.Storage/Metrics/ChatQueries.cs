using System.Globalization;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;

namespace ServiceAnalytics.Storage.Metrics;

/// <summary>One fact of a chat's timeline (fields that do not apply to its kind are empty).</summary>
public sealed record ChatTimelineFact(
    string EventId, DateTime OccurredAt, string Kind, string MessageId, string SenderRole, string MessageKind, string AgentId,
    string FromAgentId, IReadOnlyList<string> Tags, string ResolvedBy, int Stars, bool ExpectsNoReply);

/// <summary>Where a chat stands for a transfer.</summary>
public sealed record ChatState(bool Resolved, bool Ended, string CurrentAgent);

/// <summary>A recorded assignment of a chat.</summary>
public sealed record ChatAssignment(string ChatId, string FromAgent, string ToAgent, DateTime At);

/// <summary>A pending inquiry in the SLA queue.</summary>
public sealed record PendingInquiryRow(string ChatId, string CustomerId, DateTime AskedAt, double SecondsLeft, string CurrentAgent);

/// <summary>Reads about single chats and agents: chat detail, transfer checks, the SLA queue.</summary>
public sealed class ChatQueries(ClickHouseStore store)
{
    /// <summary>Every fact of a chat once, by time; empty when the chat is unknown.</summary>
    public async Task<IReadOnlyList<ChatTimelineFact>> ReadTimelineAsync(string shopId, string chatId, CancellationToken cancellationToken)
    {
        using var reader = await store.Client.ExecuteReaderAsync("""
            SELECT event_id, occurred_at, kind, message_id, sender_role, message_kind, agent_id, from_agent_id, tags, resolved_by, stars, expects_no_reply
            FROM
            (
                SELECT event_id, occurred_at, 'chat_started' AS kind, '' AS message_id, '' AS sender_role, '' AS message_kind, '' AS agent_id,
                       '' AS from_agent_id, tags, '' AS resolved_by, toUInt8(0) AS stars, false AS expects_no_reply
                FROM chat_starts FINAL WHERE shop_id = {shop:String} AND chat_id = {chat:String}
                UNION ALL
                SELECT event_id, occurred_at, 'message_sent', message_id, toString(sender_role), toString(message_kind), agent_id, '', [], '', 0, expects_no_reply
                FROM chat_messages FINAL WHERE shop_id = {shop:String} AND chat_id = {chat:String}
                UNION ALL
                SELECT event_id, occurred_at, toString(kind), '', '', '', to_agent_id, from_agent_id, tags, toString(resolved_by), stars, false
                FROM chat_events FINAL WHERE shop_id = {shop:String} AND chat_id = {chat:String}
            )
            ORDER BY occurred_at, event_id
            """, Parameters(shopId, ("chat", chatId)), cancellationToken: cancellationToken);
        var facts = new List<ChatTimelineFact>();
        while (reader.Read())
        {
            facts.Add(new ChatTimelineFact(
                reader.GetString(0), reader.GetDateTime(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                reader.GetString(6), reader.GetString(7), ((IEnumerable<string>)reader.GetValue(8)).ToList(), reader.GetString(9),
                Convert.ToInt32(reader.GetValue(10), CultureInfo.InvariantCulture), reader.GetBoolean(11)));
        }

        return facts;
    }

    /// <summary>The chat's state, or null when the shop has no such chat.</summary>
    public async Task<ChatState?> ReadChatStateAsync(string shopId, string chatId, CancellationToken cancellationToken)
    {
        using var reader = await store.Client.ExecuteReaderAsync("""
            SELECT
                (SELECT count() FROM chat_starts WHERE shop_id = {shop:String} AND chat_id = {chat:String})
                    + (SELECT count() FROM chat_messages WHERE shop_id = {shop:String} AND chat_id = {chat:String}),
                countIf(kind = 'resolved') > 0, countIf(kind = 'ended') > 0, argMaxIf(to_agent_id, (occurred_at, event_id), kind = 'assigned')
            FROM chat_events WHERE shop_id = {shop:String} AND chat_id = {chat:String}
            """, Parameters(shopId, ("chat", chatId)), cancellationToken: cancellationToken);
        reader.Read();
        return Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture) == 0
            ? null
            : new ChatState(reader.GetBoolean(1), reader.GetBoolean(2), reader.GetString(3));
    }

    /// <summary>Whether the agent is active per its latest upsert; null when the shop has no such agent.</summary>
    public async Task<bool?> IsAgentActiveAsync(string shopId, string agentId, CancellationToken cancellationToken)
    {
        using var reader = await store.Client.ExecuteReaderAsync(
            "SELECT count(), argMax(active, occurred_at) FROM agents WHERE shop_id = {shop:String} AND agent_id = {agent:String}",
            Parameters(shopId, ("agent", agentId)), cancellationToken: cancellationToken);
        reader.Read();
        return Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture) == 0 ? null : reader.GetBoolean(1);
    }

    /// <summary>
    /// The assignment recorded under <paramref name="eventId"/> in the shop, if any: on <paramref name="chatId"/> when
    /// there is one there (its earliest copy, the one the metrics count), else on another chat. Event ids are unique
    /// per shop, not per chat, so this reads the shop's chat events, not one chat's.
    /// </summary>
    public async Task<ChatAssignment?> FindAssignmentAsync(string shopId, string chatId, string eventId, CancellationToken cancellationToken)
    {
        using var reader = await store.Client.ExecuteReaderAsync("""
            SELECT chat_id, from_agent_id, to_agent_id, occurred_at FROM chat_events
            WHERE shop_id = {shop:String} AND event_id = {event:String} AND kind = 'assigned'
            ORDER BY chat_id = {chat:String} DESC, occurred_at, chat_id LIMIT 1
            """, Parameters(shopId, ("chat", chatId), ("event", eventId)), cancellationToken: cancellationToken);
        return reader.Read() ? new ChatAssignment(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetDateTime(3)) : null;
    }

    /// <summary>
    /// Pending inquiries (docs/metrics.md) of chats received in the last <paramref name="lookbackDays"/> days,
    /// least time left first.
    /// </summary>
    public async Task<IReadOnlyList<PendingInquiryRow>> ReadSlaQueueAsync(string shopId, ShopCalendar calendar, DateTime now, int lookbackDays, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(now, calendar.TimeZone));
        var (parameters, _, _) = MetricQueries.PeriodParameters(
            shopId, calendar, new DayPeriod(today.AddDays(1 - lookbackDays), today), now, includeCustomerWindow: false, liveFrom: DateTime.MinValue);
        parameters.AddParameter("limit", limit);
        using var reader = await store.Client.ExecuteReaderAsync($$"""
            WITH {{ChatOutcomes.Live()}}
            SELECT chat_id, customer_id, inquiry.1 AS asked_at,
                   86400 - dateDiff('millisecond', asked_at, {now:DateTime64(3, 'UTC')}) / 1000 AS seconds_left, current_agent
            FROM chat_outcomes
            ARRAY JOIN inquiries AS inquiry
            WHERE received AND chat_type != 'assistant_solved' AND inquiry.2 < 0 AND dateDiff('millisecond', inquiry.1, {now:DateTime64(3, 'UTC')}) < 86400000
            ORDER BY seconds_left, chat_id
            LIMIT {limit:UInt32}
            """, parameters, cancellationToken: cancellationToken);
        var rows = new List<PendingInquiryRow>();
        while (reader.Read())
        {
            rows.Add(new PendingInquiryRow(reader.GetString(0), reader.GetString(1), reader.GetDateTime(2),
                Convert.ToDouble(reader.GetValue(3), CultureInfo.InvariantCulture), reader.GetString(4)));
        }

        return rows;
    }

    /// <summary>The tags stored for each of <paramref name="chatIds"/> of a shop (initial and added), for chats that have any.</summary>
    public async Task<Dictionary<string, HashSet<string>>> ReadTagsAsync(string shopId, IReadOnlyCollection<string> chatIds, CancellationToken cancellationToken)
    {
        var parameters = Parameters(shopId);
        parameters.AddParameter("chats", chatIds.ToArray());
        using var reader = await store.Client.ExecuteReaderAsync("""
            SELECT chat_id, groupUniqArrayArray(tags)
            FROM
            (
                SELECT chat_id, tags FROM chat_starts WHERE shop_id = {shop:String} AND has({chats:Array(String)}, chat_id)
                UNION ALL
                SELECT chat_id, tags FROM chat_events WHERE shop_id = {shop:String} AND kind = 'tagged' AND has({chats:Array(String)}, chat_id)
            )
            GROUP BY chat_id
            """, parameters, cancellationToken: cancellationToken);
        var tags = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        while (reader.Read())
        {
            tags[reader.GetString(0)] = new HashSet<string>((IEnumerable<string>)reader.GetValue(1), StringComparer.Ordinal);
        }

        return tags;
    }

    private static ClickHouseParameterCollection Parameters(string shopId, params (string Name, string Value)[] values)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("shop", shopId);
        foreach (var (name, value) in values)
        {
            parameters.AddParameter(name, value);
        }

        return parameters;
    }
}
