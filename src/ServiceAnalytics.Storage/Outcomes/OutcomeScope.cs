namespace ServiceAnalytics.Storage.Outcomes;

/// <summary>
/// Which chats <see cref="ComputedOutcomes"/> computes, as the conditions its statements read the facts with: the
/// chats of one shop (parameters <c>shop</c> and <c>holidays</c>: what a request computes), or chats of many shops
/// of one time zone at once (parameters <c>shops</c>, <c>holiday_shops</c> and <c>holiday_days</c>: what a rollup run computes, so
/// its cost follows the chats, not the shops; docs/rollups.md). Either way the candidates are a superset, cut to the
/// chats received in [live_from, to).
/// </summary>
/// <param name="Shops">The condition on a fact table's <c>shop_id</c>.</param>
/// <param name="CandidateKey">The columns a candidates statement of this scope selects, and a fact table is matched on.</param>
/// <param name="Holidays">The holiday days (<c>Array(Date)</c>) of the shop of a row, by its <c>shop_id</c> column.</param>
public sealed record OutcomeScope(string Shops, string CandidateKey, string Holidays)
{
    /// <summary>One shop's chats (parameter <c>shop</c>); candidates are chat ids.</summary>
    public static OutcomeScope OneShop { get; } = new("shop_id = {shop:String}", "chat_id", "{holidays:Array(Date)}");

    /// <summary>
    /// Chats of the shops of parameter <c>shops</c> (all of one time zone); candidates are (shop, chat) pairs, and
    /// the shops of <c>holiday_shops</c> have the days of the same place in <c>holiday_days</c> (the others none).
    /// </summary>
    public static OutcomeScope ManyShops { get; } = new(
        "shop_id IN {shops:Array(String)}",
        "shop_id, chat_id",
        "mapFromArrays({holiday_shops:Array(String)}, {holiday_days:Array(Array(Date))})[shop_id]");

    /// <summary>The condition on a fact table's rows that keeps those of the <paramref name="candidates"/>.</summary>
    public string Chats(string candidates) => $"{Shops} AND ({CandidateKey}) IN ({candidates})";
}
