using ClickHouse.Driver.ADO.Parameters;
using ServiceAnalytics.Server.Ingestion;

namespace ServiceAnalytics.Tests.Ingestion;

/// <summary>
/// Reads what the service stored, straight from its ClickHouse database, as a BI tool would through the service's SQL
/// endpoint: after what the running service acknowledged is committed (<see cref="FactVisibility"/>).
/// </summary>
public sealed class StoreProbe(ClickHouseStore store, FactVisibility? visibility = null) : IDisposable
{
    public static StoreProbe For(ServiceHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var database = host.App.Services.GetRequiredService<ClickHouseStore>().Options.Database;
        return new StoreProbe(
            TestEnvironment.CreateStore(TestEnvironment.Options(ClickHouseLane.Embedded, database)), host.App.Services.GetRequiredService<FactVisibility>());
    }

    public ClickHouseStore Store => store;

    /// <summary>Waits for what the service acknowledged to be committed (nothing to wait for without a service).</summary>
    public ValueTask AcknowledgedFactsCommittedAsync() => visibility?.WaitForAcknowledgedAsync(FactScope.All, Timeout.InfiniteTimeSpan, CancellationToken.None) ?? ValueTask.CompletedTask;

    public async Task<StoredFacts> ReadAsync(string shopId)
    {
        await AcknowledgedFactsCommittedAsync();
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("shop", shopId);
        using var reader = await store.Client.ExecuteReaderAsync("""
            SELECT
                (SELECT count() FROM chat_starts FINAL WHERE shop_id = {shop:String}),
                (SELECT count() FROM chat_messages FINAL WHERE shop_id = {shop:String}),
                (SELECT count() FROM chat_events FINAL WHERE shop_id = {shop:String}),
                (SELECT count() FROM orders FINAL WHERE shop_id = {shop:String}),
                (SELECT count() FROM agents FINAL WHERE shop_id = {shop:String}),
                responses.chats, responses.timeline_entries, responses.first_customer_ms, responses.first_human_ms, responses.ended,
                conversions.chats, conversions.orders
            FROM
            (
                SELECT countIf(length(timeline) > 0) AS chats, sum(length(timeline)) AS timeline_entries,
                       sum(ifNull(toUnixTimestamp64Milli(first_customer), 0)) AS first_customer_ms,
                       sum(ifNull(toUnixTimestamp64Milli(first_human), 0)) AS first_human_ms,
                       countIf(ended IS NOT NULL) AS ended
                FROM
                (
                    SELECT chat_id, groupUniqArrayArray(timeline) AS timeline, min(first_customer_message_at) AS first_customer,
                           min(first_human_reply_at) AS first_human, max(ended_at) AS ended
                    FROM chat_responses WHERE shop_id = {shop:String} GROUP BY chat_id
                )
            ) AS responses,
            (
                SELECT sum(length(chats)) AS chats, sum(length(orders)) AS orders
                FROM
                (
                    SELECT customer_id, groupUniqArrayArray(chats) AS chats, groupUniqArrayArray(orders) AS orders
                    FROM customer_conversions WHERE shop_id = {shop:String} GROUP BY customer_id
                )
            ) AS conversions
            """, parameters);
        Assert.True(reader.Read());
        var values = Enumerable.Range(0, 12).Select(i => Convert.ToInt64(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return new StoredFacts(values[0], values[1], values[2], values[3], values[4], values[5], values[6], values[7], values[8], values[9], values[10], values[11]);
    }

    public void Dispose() => store.Dispose();
}
