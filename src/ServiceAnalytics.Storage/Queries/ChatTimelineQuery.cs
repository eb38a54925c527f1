using ClickHouse.Driver.Utility;
using ServiceAnalytics.Storage.Telemetry;

namespace ServiceAnalytics.Storage.Queries;

/// <summary>One fact of a chat's timeline (fields that do not apply to its kind are empty).</summary>
public sealed record ChatTimelineFact(
    string EventId, DateTime OccurredAt, string Kind, string MessageId, string SenderRole, string MessageKind, string AgentId,
    string FromAgentId, IReadOnlyList<string> Tags, string ResolvedBy, int Stars, bool ExpectsNoReply);

/// <summary>GetChatDetail: a chat's timeline.</summary>
public sealed partial class ChatQueries
{
    /// <summary>Every fact of a chat once, by time; empty when the chat is unknown.</summary>
    public async Task<IReadOnlyList<ChatTimelineFact>> ReadTimelineAsync(string shopId, string chatId, CancellationToken cancellationToken)
    {
        // Read from the facts whatever the rollups hold (docs/metrics.md, "Freshness").
        AnswerSources.Record(AnswerSource.Computed);
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
                reader.String("event_id"), reader.DateTime("occurred_at"), reader.String("kind"), reader.String("message_id"),
                reader.String("sender_role"), reader.String("message_kind"), reader.String("agent_id"), reader.String("from_agent_id"),
                reader.Strings("tags"), reader.String("resolved_by"), reader.Int("stars"), reader.Bool("expects_no_reply")));
        }

        return facts;
    }
}
