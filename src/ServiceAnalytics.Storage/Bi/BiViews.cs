namespace ServiceAnalytics.Storage.Bi;

/// <summary>
/// The BI schema (docs/bi.md): views in the service's database, named <c>bi_*</c>, that BI tools read instead of the
/// service's tables. Each view is already deduplicated and of the same definition as the query RPCs. Every view has a
/// <c>shop_id</c> column: shop scoping (a server's row policies, the SQL endpoint's filters) is by that column.
/// </summary>
public static class BiViews
{
    /// <summary>One row per chat: the outcome columns of the latest rollup run (settled days and the snapshot).</summary>
    public const string Chats = "bi_chats";

    /// <summary>One row per shop and local day: the overview's figures and partials.</summary>
    public const string ShopDaily = "bi_shop_daily";

    /// <summary>One row per shop, local day and agent.</summary>
    public const string AgentDaily = "bi_agent_daily";

    /// <summary>One row per shop, local day and tag.</summary>
    public const string TagDaily = "bi_tag_daily";

    /// <summary>One row per message, deduplicated.</summary>
    public const string Messages = "bi_messages";

    /// <summary>Every BI view.</summary>
    public static IReadOnlyList<string> Names { get; } = [Chats, ShopDaily, AgentDaily, TagDaily, Messages];

    /// <summary>
    /// The service's tables the views read, each with a <c>shop_id</c> column. The SQL endpoint scopes these as well
    /// as the views, so a caller's shops bound every row the engine reads for it.
    /// </summary>
    public static IReadOnlyList<string> SourceTables { get; } =
        ["settled_chats", "shop_daily_summary", "agent_daily_summary", "agents", "chat_messages"];

    /// <summary>
    /// The one other table the views read: the rollup run log, which holds no shop's rows (no <c>shop_id</c>, so it
    /// cannot be scoped by shop); the views read from it only the instant of the latest snapshot (their <c>as_of</c>).
    /// A scope must leave it readable to the views, or <c>as_of</c> reads NULL.
    /// </summary>
    public const string RunLog = "rollup_runs";
}
