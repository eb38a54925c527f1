using ClickHouse.Driver.Utility;

namespace ServiceAnalytics.Storage.Queries;

/// <summary>Where a chat stands for a transfer.</summary>
public sealed record ChatState(bool Resolved, bool Ended, string CurrentAgent);

/// <summary>A recorded assignment of a chat.</summary>
public sealed record ChatAssignment(string ChatId, string FromAgent, string ToAgent, DateTime At);

/// <summary>The checks of TransferChat and of ingestion: a chat's state, an agent's, a recorded assignment, stored tags.</summary>
public sealed partial class ChatQueries
{
    /// <summary>The chat's state, or null when the shop has no such chat.</summary>
    public async Task<ChatState?> ReadChatStateAsync(string shopId, string chatId, CancellationToken cancellationToken)
    {
        using var reader = await store.Client.ExecuteReaderAsync("""
            SELECT
                (SELECT count() FROM chat_starts WHERE shop_id = {shop:String} AND chat_id = {chat:String})
                    + (SELECT count() FROM chat_messages WHERE shop_id = {shop:String} AND chat_id = {chat:String}) AS chat_facts,
                countIf(kind = 'resolved') > 0 AS resolved, countIf(kind = 'ended') > 0 AS ended,
                argMaxIf(to_agent_id, (occurred_at, event_id), kind = 'assigned') AS current_agent
            FROM chat_events WHERE shop_id = {shop:String} AND chat_id = {chat:String}
            """, Parameters(shopId, ("chat", chatId)), cancellationToken: cancellationToken);
        reader.Read();
        return reader.Long("chat_facts") == 0
            ? null
            : new ChatState(reader.Bool("resolved"), reader.Bool("ended"), reader.String("current_agent"));
    }

    /// <summary>Whether the agent is active per its latest upsert; null when the shop has no such agent.</summary>
    public async Task<bool?> IsAgentActiveAsync(string shopId, string agentId, CancellationToken cancellationToken)
    {
        using var reader = await store.Client.ExecuteReaderAsync(
            "SELECT count() AS upserts, argMax(active, occurred_at) AS latest_active FROM agents WHERE shop_id = {shop:String} AND agent_id = {agent:String}",
            Parameters(shopId, ("agent", agentId)), cancellationToken: cancellationToken);
        reader.Read();
        return reader.Long("upserts") == 0 ? null : reader.Bool("latest_active");
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
        return reader.Read()
            ? new ChatAssignment(reader.String("chat_id"), reader.String("from_agent_id"), reader.String("to_agent_id"), reader.DateTime("occurred_at"))
            : null;
    }

    /// <summary>The tags stored for each of <paramref name="chatIds"/> of a shop (initial and added), for chats that have any.</summary>
    public async Task<Dictionary<string, HashSet<string>>> ReadStoredChatTagsAsync(
        string shopId, IReadOnlyCollection<string> chatIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chatIds);
        var parameters = Parameters(shopId);
        parameters.AddParameter("chats", chatIds.ToArray());
        using var reader = await store.Client.ExecuteReaderAsync("""
            SELECT chat_id, groupUniqArrayArray(tags) AS stored_tags
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
            tags[reader.String("chat_id")] = new HashSet<string>(reader.Strings("stored_tags"), StringComparer.Ordinal);
        }

        return tags;
    }
}
