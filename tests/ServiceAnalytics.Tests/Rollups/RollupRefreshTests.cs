namespace ServiceAnalytics.Tests.Rollups;

/// <summary>
/// A refresh recomputes the changed chats of every shop together (docs/rollups.md, "Refreshes"): exactly those, and
/// the answers then equal the all-live computation's for every shop.
/// </summary>
public sealed partial class RollupTests
{
    [Fact]
    public async Task A_refresh_recomputes_exactly_the_changed_chats_of_many_shops_at_once_and_equals_all_live()
    {
        // Its own instant (see Within_its_max_age_…): the snapshot is served only within SnapshotMaxAge of it.
        var now = DateTime.UnixEpoch.AddSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        await using var host = await ServiceHost.StartReadyAsync();
        // Two shops of one zone (one statement, each with its own holiday), one of another, one that stays quiet.
        var transferred = Build("Asia/Tokyo", 11);
        var ordered = Build("Asia/Tokyo", 12);
        var rated = Build("Europe/Berlin", 13);
        var quiet = Build("America/New_York", 14);
        FactScenario[] shops = [transferred, ordered, rated, quiet];
        await IngestBackdatedAsync(host, shops);
        await Runner(host).RunScheduledAsync(now, CancellationToken.None);
        var quietRows = await RowsStampAsync(host, quiet.ShopId);

        // An active, unresolved chat of two days ago is transferred, and a new chat starts.
        const string twoDaysAgo = "received AND received_at BETWEEN now() - INTERVAL 3 DAY AND now() - INTERVAL 2 DAY";
        var active = await FirstChatAsync(host, transferred.ShopId, $"{twoDaysAgo} AND status = 'active' AND current_agent != ''")
            ?? throw new InvalidOperationException("no active chat two days old");
        var from = (await ScalarAsync(host, "SELECT current_agent FROM settled_chats WHERE shop_id = {shop:String} AND chat_id = {chat:String}", transferred.ShopId, active))!;
        var to = RollupScenario.Agents.First(agent => agent != from);
        var transfer = new FactScenario(transferred.ShopId);
        transfer.Assigned(active, from, to, now.AddMinutes(-3));
        transfer.ChatStarted("chat-new", "customer-new", now.AddMinutes(-2), ["refund"]);
        transfer.Message("chat-new", SenderRole.Customer, MessageKind.Text, now.AddMinutes(-2));
        await IngestAsync(host, transfer.Facts, eventPrefix: "late");

        // A late order converts an ended chat of another day (its customer chats only once).
        var unconverted = await FirstChatAsync(host, ordered.ShopId, $"{twoDaysAgo} AND status = 'ended' AND NOT converted AND startsWith(customer_id, 'customer-solo-')")
            ?? throw new InvalidOperationException("no unconverted ended chat two days old");
        var customer = (await ScalarAsync(host, "SELECT customer_id FROM settled_chats WHERE shop_id = {shop:String} AND chat_id = {chat:String}", ordered.ShopId, unconverted))!;
        var order = new FactScenario(ordered.ShopId);
        order.OrderPlaced("order-late", customer, now.AddMinutes(-1), 4200);
        await IngestAsync(host, order.Facts, eventPrefix: "late");

        // A rating of an unrated chat.
        var unrated = await FirstChatAsync(host, rated.ShopId, $"{twoDaysAgo} AND stars = 0")
            ?? throw new InvalidOperationException("no unrated chat two days old");
        var rating = new FactScenario(rated.ShopId);
        rating.Rated(unrated, 4, now.AddMinutes(-1));
        await IngestAsync(host, rating.Facts, eventPrefix: "late");

        // The refresh a minute later: the chats above, and those whose pending inquiry closes by then, nothing else.
        var refreshAt = now.AddMinutes(1);
        var closing = await ClosingChatsAsync(host, refreshAt);
        var refresh = await RefreshAsync(host, refreshAt);
        var recomputed = await RecomputedSinceAsync(host, refresh.StartedAt);
        string[] expected = [.. new[] { $"{transferred.ShopId}/{active}", $"{transferred.ShopId}/chat-new", $"{ordered.ShopId}/{unconverted}", $"{rated.ShopId}/{unrated}" }
            .Union(closing).Order(StringComparer.Ordinal)];
        Assert.Equal(expected, recomputed);
        Assert.Equal((long)expected.Select(chat => chat.Split('/')[0]).Distinct().Count(), refresh.Shops);
        if (!closing.Any(chat => chat.StartsWith(quiet.ShopId, StringComparison.Ordinal)))
        {
            Assert.Equal(quietRows, await RowsStampAsync(host, quiet.ShopId));
        }

        Assert.Equal(to, await ScalarAsync(host, "SELECT current_agent FROM settled_chats WHERE shop_id = {shop:String} AND chat_id = {chat:String}", transferred.ShopId, active));
        Assert.Equal("true", await ScalarAsync(host, "SELECT toString(converted) FROM settled_chats WHERE shop_id = {shop:String} AND chat_id = {chat:String}", ordered.ShopId, unconverted));
        foreach (var shop in shops)
        {
            await AssertSameAsLiveAsync(host, shop.ShopId, refreshAt);
        }

        // A day later, with no fact arriving, pending inquiries of every shop have closed: one refresh takes them in.
        await BackdateArrivalsAsync(host);
        var dayLater = now.AddHours(25);
        var closingLater = await ClosingChatsAsync(host, dayLater);
        Assert.NotEmpty(closingLater);
        var closed = await RefreshAsync(host, dayLater);
        Assert.Equal(closingLater, await RecomputedSinceAsync(host, closed.StartedAt));
        foreach (var shop in shops)
        {
            await AssertSameAsLiveAsync(host, shop.ShopId, dayLater);
        }
    }

    /// <summary>
    /// The stored chats (shop/chat, sorted) with an unanswered inquiry that was pending when the row was computed
    /// (asked less than 24 hours before its <c>settled_at</c>) and whose 24 hours have closed at <paramref name="at"/>.
    /// Worked out here from the inquiries themselves, not with the rollup's SQL.
    /// </summary>
    private static async Task<string[]> ClosingChatsAsync(ServiceHost host, DateTime at)
    {
        using var reader = await host.Store.Client.ExecuteReaderAsync("SELECT shop_id, chat_id, settled_at, inquiries FROM settled_chats WHERE pending > 0");
        var chats = new List<string>();
        while (reader.Read())
        {
            var settledAt = reader.GetDateTime(2);
            var inquiries = ((System.Collections.IEnumerable)reader.GetValue(3)).Cast<System.Runtime.CompilerServices.ITuple>();
            if (inquiries.Any(q => Convert.ToInt64(q[1], CultureInfo.InvariantCulture) < 0
                && (DateTime)q[0]! > settledAt.AddHours(-24) && (DateTime)q[0]! <= at.AddHours(-24)))
            {
                chats.Add($"{reader.GetString(0)}/{reader.GetString(1)}");
            }
        }

        return [.. chats.Order(StringComparer.Ordinal)];
    }

    /// <summary>The stored chats (shop/chat, sorted) computed by a run that began at or after <paramref name="start"/>.</summary>
    private static async Task<string[]> RecomputedSinceAsync(ServiceHost host, DateTime start)
    {
        var parameters = new ClickHouse.Driver.ADO.Parameters.ClickHouseParameterCollection();
        parameters.AddParameter("start", start);
        using var reader = await host.Store.Client.ExecuteReaderAsync("""
            SELECT concat(shop_id, '/', chat_id) AS chat FROM settled_chats WHERE settled_at >= {start:DateTime64(3, 'UTC')} ORDER BY chat
            """, parameters);
        var chats = new List<string>();
        while (reader.Read())
        {
            chats.Add(reader.GetString(0));
        }

        return [.. chats.Order(StringComparer.Ordinal)];
    }
}
