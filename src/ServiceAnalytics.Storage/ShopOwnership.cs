using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;

namespace ServiceAnalytics.Storage;

/// <summary>What an id found by <see cref="ShopOwnership"/> names.</summary>
public enum OwnedIdKind
{
    Chat,
    Agent,
}

/// <summary>
/// Which shops chat and agent ids belong to, for authorization: ids are unique within a shop only, so an id used
/// under one shop may also be another shop's. A chat belongs to the shops whose <c>ChatStarted</c> fact names it;
/// an agent to the shops whose roster names it.
/// </summary>
public sealed class ShopOwnership(ClickHouseStore store)
{
    /// <summary>
    /// The ids of <paramref name="chatIds"/> and <paramref name="agentIds"/> that <paramref name="shopId"/> does not
    /// have and some shop outside <paramref name="allowedShops"/> does: the ids that would reach into a shop the
    /// caller may not see. Ids that exist nowhere, or only in allowed shops, are not returned.
    /// </summary>
    public async Task<IReadOnlySet<(OwnedIdKind Kind, string Id)>> FindOutsideAsync(
        string shopId, IReadOnlyCollection<string> allowedShops, IReadOnlyCollection<string> chatIds, IReadOnlyCollection<string> agentIds,
        CancellationToken cancellationToken)
    {
        var found = new HashSet<(OwnedIdKind, string)>();
        if (chatIds.Count == 0 && agentIds.Count == 0)
        {
            return found;
        }

        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("shop", shopId);
        parameters.AddParameter("allowed", allowedShops.ToArray());
        parameters.AddParameter("chats", chatIds.ToArray());
        parameters.AddParameter("agents", agentIds.ToArray());

        // The chat_id skip index (migration 0004) keeps the chat lookup to a few granules without the shop prefix.
        using var reader = await store.Client.ExecuteReaderAsync("""
            SELECT 'chat' AS kind, chat_id AS id FROM chat_starts
            WHERE chat_id IN {chats:Array(String)}
            GROUP BY chat_id
            HAVING countIf(shop_id = {shop:String}) = 0 AND countIf(NOT has({allowed:Array(String)}, shop_id)) > 0
            UNION ALL
            SELECT 'agent' AS kind, agent_id AS id FROM agents
            WHERE agent_id IN {agents:Array(String)}
            GROUP BY agent_id
            HAVING countIf(shop_id = {shop:String}) = 0 AND countIf(NOT has({allowed:Array(String)}, shop_id)) > 0
            """, parameters, cancellationToken: cancellationToken);
        while (reader.Read())
        {
            found.Add((reader.String("kind") == "chat" ? OwnedIdKind.Chat : OwnedIdKind.Agent, reader.String("id")));
        }

        return found;
    }
}
