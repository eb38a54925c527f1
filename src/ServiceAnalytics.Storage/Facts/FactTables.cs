namespace ServiceAnalytics.Storage.Facts;

/// <summary>A raw fact table and the columns a fact fills, in the order rows are written.</summary>
public sealed record FactTable(string Name, IReadOnlyList<string> Columns);

/// <summary>
/// The raw fact tables of migration <c>0001_raw_facts.sql</c>, one per family of facts in
/// <c>protos/service_analytics/ingest/v1/facts.proto</c>. Ingestion writes rows with exactly these columns.
/// </summary>
public static class FactTables
{
    /// <summary>ChatStarted.</summary>
    public static FactTable ChatStarts { get; } = new("chat_starts",
        ["shop_id", "chat_id", "event_id", "occurred_at", "customer_id", "entry_point", "initiator", "tags"]);

    /// <summary>MessageSent.</summary>
    public static FactTable ChatMessages { get; } = new("chat_messages",
        ["shop_id", "chat_id", "event_id", "occurred_at", "message_id", "sender_role", "agent_id", "message_kind", "expects_no_reply"]);

    /// <summary>ChatAssigned, ChatTagged, ChatResolved, ChatEnded, ChatRated (column <c>kind</c> says which).</summary>
    public static FactTable ChatEvents { get; } = new("chat_events",
        ["shop_id", "chat_id", "event_id", "occurred_at", "kind", "from_agent_id", "to_agent_id", "tags", "resolved_by", "stars"]);

    /// <summary>OrderPlaced and OrderCancelled (column <c>kind</c>: placed, cancelled, refunded).</summary>
    public static FactTable Orders { get; } = new("orders",
        ["shop_id", "customer_id", "order_id", "event_id", "occurred_at", "kind", "amount_minor", "currency"]);

    /// <summary>AgentUpserted.</summary>
    public static FactTable Agents { get; } = new("agents",
        ["shop_id", "agent_id", "event_id", "occurred_at", "display_name", "active"]);

    /// <summary>ShopSettingsChanged.</summary>
    public static FactTable ShopSettings { get; } = new("shop_settings",
        ["shop_id", "event_id", "occurred_at", "time_zone", "business_hours", "holidays"]);

    /// <summary>
    /// Which chats and customers a batch touched (migration 0006), written after the batch's facts; ClickHouse
    /// stamps <c>arrived_at</c>.
    /// </summary>
    public static FactTable FactArrivals { get; } = new("fact_arrivals", ["shop_id", "chat_id", "customer_id"]);

    public static IReadOnlyList<FactTable> All { get; } = [ChatStarts, ChatMessages, ChatEvents, Orders, Agents, ShopSettings];
}
