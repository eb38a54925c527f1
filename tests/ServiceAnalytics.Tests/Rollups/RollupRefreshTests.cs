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

        // The late order's cancellation names another customer: the next refresh recomputes the chat the order
        // converted, whose row took the order in, so only the voided order can lead to it.
        var cancellation = new FactScenario(ordered.ShopId);
        cancellation.Add(now.AddMinutes(1), f => f.OrderCancelled = new OrderCancelled { OrderId = "order-late", CustomerId = "customer-nobody", CancellationKind = OrderCancellationKind.Cancelled });
        await IngestAsync(host, cancellation.Facts, eventPrefix: "late");
        var cancelledAt = now.AddMinutes(2);
        var closingNext = await ClosingChatsAsync(host, cancelledAt);
        var cancelled = await RefreshAsync(host, cancelledAt);
        string[] voided = [.. new[] { $"{ordered.ShopId}/{unconverted}" }.Union(closingNext).Order(StringComparer.Ordinal)];
        Assert.Equal(voided, await RecomputedSinceAsync(host, cancelled.StartedAt));
        Assert.Equal("false", await ScalarAsync(host, "SELECT toString(converted) FROM settled_chats WHERE shop_id = {shop:String} AND chat_id = {chat:String}", ordered.ShopId, unconverted));
        await AssertSameAsLiveAsync(host, ordered.ShopId, cancelledAt);

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

    [Fact]
    public async Task A_refresh_recomputes_only_the_arrivals_no_stored_row_took_in_and_one_stamped_before_its_mark_but_committed_after_it_is_taken_in_next()
    {
        var now = DateTime.UnixEpoch.AddSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        await using var host = await ServiceHost.StartReadyAsync();
        var first = Build("Asia/Tokyo", 21);
        var second = Build("Europe/Berlin", 22);
        await IngestBackdatedAsync(host, first, second);
        await Runner(host).RunScheduledAsync(now, CancellationToken.None);

        // Two new chats of the first shop, the first one's customer ordering after it; the first refresh computes them.
        var news = new FactScenario(first.ShopId);
        foreach (var chat in new[] { "chat-new-1", "chat-new-2" })
        {
            news.ChatStarted(chat, $"customer-{chat}", now.AddMinutes(-2), []);
            news.Message(chat, SenderRole.Customer, MessageKind.Text, now.AddMinutes(-2));
        }

        news.OrderPlaced("order-new-1", "customer-chat-new-1", now.AddSeconds(-90), 1200);

        await IngestAsync(host, news.Facts, eventPrefix: "new");
        var firstRefresh = await RefreshAsync(host, now.AddMinutes(1));
        Assert.Contains($"{first.ShopId}/chat-new-1", await RecomputedSinceAsync(host, firstRefresh.StartedAt));
        Assert.Equal("true", await ScalarAsync(host, "SELECT toString(converted) FROM settled_chats WHERE shop_id = {shop:String} AND chat_id = {chat:String}", first.ShopId, "chat-new-1"));

        // Within the next refresh's look-back (the first refresh's mark less a minute, so chat-new-1's arrival too):
        // chat-new-2 is rated, the second shop receives a chat, and a stored chat of the second shop is rated, its
        // arrival row committing only after the next refresh began, stamped before (hidden here until then).
        var more = new FactScenario(first.ShopId);
        more.Rated("chat-new-2", 5, now.AddMinutes(-1));
        await IngestAsync(host, more.Facts, eventPrefix: "more");
        var received = new FactScenario(second.ShopId);
        received.ChatStarted("chat-second-new", "customer-second-new", now.AddMinutes(-1), []);
        received.Message("chat-second-new", SenderRole.Customer, MessageKind.Text, now.AddMinutes(-1));
        var late = await FirstChatAsync(host, second.ShopId, "received AND received_at BETWEEN now() - INTERVAL 3 DAY AND now() - INTERVAL 2 DAY AND stars = 0")
            ?? throw new InvalidOperationException("no unrated chat two days old");
        received.Rated(late, 4, now.AddMinutes(-1));
        await IngestAsync(host, received.Facts, eventPrefix: "late");
        var stamp = (await ScalarAsync(host, "SELECT toString(max(arrived_at)) FROM fact_arrivals WHERE shop_id = {shop:String} AND chat_id = {chat:String}", second.ShopId, late))!;
        var hide = new ClickHouse.Driver.ADO.Parameters.ClickHouseParameterCollection();
        hide.AddParameter("shop", second.ShopId);
        hide.AddParameter("chat", late);
        await host.Store.Client.ExecuteNonQueryAsync(
            "ALTER TABLE fact_arrivals DELETE WHERE shop_id = {shop:String} AND chat_id = {chat:String} SETTINGS mutations_sync = 2", hide);

        // The second refresh: chat-new-1's row took in its arrivals (its own and its customer's order's), so it is
        // not computed again.
        var closing = await ClosingChatsAsync(host, now.AddMinutes(2));
        var secondRefresh = await RefreshAsync(host, now.AddMinutes(2));
        string[] expected = [.. new[] { $"{first.ShopId}/chat-new-2", $"{second.ShopId}/chat-second-new" }.Union(closing).Order(StringComparer.Ordinal)];
        Assert.Equal(expected, await RecomputedSinceAsync(host, secondRefresh.StartedAt));

        // The hidden arrival commits, stamped before the second refresh's mark: the third refresh takes it in.
        hide.AddParameter("stamp", stamp);
        await host.Store.Client.ExecuteNonQueryAsync(
            "INSERT INTO fact_arrivals (shop_id, arrived_at, chat_id, customer_id) VALUES ({shop:String}, toDateTime64({stamp:String}, 6, 'UTC'), {chat:String}, '')", hide);
        Assert.True(
            DateTime.Parse(stamp, CultureInfo.InvariantCulture) < secondRefresh.ArrivalsThrough,
            $"the rating's arrival ({stamp}) is stamped before the second refresh's mark ({secondRefresh.ArrivalsThrough:O})");
        var closingLater = await ClosingChatsAsync(host, now.AddMinutes(3));
        var thirdRefresh = await RefreshAsync(host, now.AddMinutes(3));
        string[] expectedLater = [.. new[] { $"{second.ShopId}/{late}" }.Union(closingLater).Order(StringComparer.Ordinal)];
        Assert.Equal(expectedLater, await RecomputedSinceAsync(host, thirdRefresh.StartedAt));
        Assert.Equal("4", await ScalarAsync(host, "SELECT toString(stars) FROM settled_chats WHERE shop_id = {shop:String} AND chat_id = {chat:String}", second.ShopId, late));
        foreach (var shop in new[] { first, second })
        {
            await AssertSameAsLiveAsync(host, shop.ShopId, now.AddMinutes(3));
        }
    }

    [Fact]
    public async Task A_refresh_computes_no_chat_whose_row_on_a_settled_day_took_its_arrivals_in()
    {
        var now = DateTime.UnixEpoch.AddSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        await using var host = await ServiceHost.StartReadyAsync();
        // Every received chat of the history arrives again just before the scheduled run (as a history loaded then would):
        // within the next refresh's look-back, and every chat's row, settled days' included, computed after it. (The
        // shop's settings arrived before, as an hour ago: they would make a refresh recompute all its chats.)
        var shop = Build("Asia/Tokyo", 41);
        await IngestBackdatedAsync(host, shop);
        await Execute(host, """
            INSERT INTO fact_arrivals (shop_id, chat_id, customer_id)
            SELECT DISTINCT shop_id, chat_id, '' FROM chat_responses WHERE first_customer_message_at IS NOT NULL
            """);
        await Runner(host).RunScheduledAsync(now, CancellationToken.None);
        var rowsBefore = await RowsStampAsync(host, shop.ShopId);

        var refreshAt = now.AddMinutes(1);
        var closing = await ClosingChatsAsync(host, refreshAt);
        var refresh = await RefreshAsync(host, refreshAt);
        Assert.Equal(closing, await RecomputedSinceAsync(host, refresh.StartedAt));
        // Computed and dropped as received before the refresh's days, the settled chats would count their shop.
        Assert.Equal((long)closing.Select(chat => chat.Split('/')[0]).Distinct().Count(), refresh.Shops);
        if (closing.Length == 0)
        {
            Assert.Equal(rowsBefore, await RowsStampAsync(host, shop.ShopId));
        }

        await AssertSameAsLiveAsync(host, shop.ShopId, refreshAt);
    }

    [Fact]
    public async Task A_refresh_removes_the_old_row_of_a_chat_whose_first_message_moved_to_a_settled_day_computed_since()
    {
        var now = DateTime.UnixEpoch.AddSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        await using var host = await ServiceHost.StartReadyAsync();
        var shop = Build("Europe/Berlin", 51);
        await IngestBackdatedAsync(host, shop);
        await Runner(host).RunScheduledAsync(now, CancellationToken.None);
        // Its rows as computed an hour ago, after their facts arrived (backdated as much): older than the next
        // refresh's look-back, as those of a run before the latest snapshot are.
        await Execute(host, "ALTER TABLE settled_chats UPDATE computed_at = computed_at - INTERVAL 1 HOUR WHERE true SETTINGS mutations_sync = 2");

        // A customer message of 20 days ago arrives for a chat of two days ago: its first message moves to a settled
        // day. A recomputation of those days writes its row there, after the arrival; its row of two days ago stays.
        var moved = await FirstChatAsync(host, shop.ShopId, "received AND received_at BETWEEN now() - INTERVAL 3 DAY AND now() - INTERVAL 2 DAY")
            ?? throw new InvalidOperationException("no chat two days old");
        var earlier = new FactScenario(shop.ShopId);
        earlier.Message(moved, SenderRole.Customer, MessageKind.Text, now.AddDays(-20));
        await IngestAsync(host, earlier.Facts, eventPrefix: "earlier");
        var settledDay = DateOnly.FromDateTime(now.AddDays(-20));
        await Runner(host).RecomputeAsync(settledDay.AddDays(-1), settledDay.AddDays(1), now, CancellationToken.None);
        const string rowDays = "SELECT toString(groupArray(day)) FROM (SELECT day FROM settled_chats WHERE shop_id = {shop:String} AND chat_id = {chat:String} ORDER BY day)";
        Assert.Equal(2, (await ScalarAsync(host, rowDays, shop.ShopId, moved))!.Split(',').Length);

        // The refresh recomputes the chat although a row of it took the arrival in: that row is on another day, and
        // the one on its days is stale. Its computation drops the chat as received before them, so the stale row goes.
        var refresh = await RefreshAsync(host, now.AddMinutes(1));
        var days = await ScalarAsync(host, rowDays, shop.ShopId, moved);
        Assert.DoesNotContain(",", days, StringComparison.Ordinal);
        Assert.True(DateOnly.Parse(days!.Trim('[', ']', '\''), CultureInfo.InvariantCulture) < refresh.FirstDay, $"{moved} is stored on {days}");
        await AssertSameAsLiveAsync(host, shop.ShopId, now.AddMinutes(1));
    }

    [Fact]
    public async Task A_refresh_leaves_a_fact_of_a_settled_chat_to_the_backfill_which_takes_it_in()
    {
        var now = DateTime.UnixEpoch.AddSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        await using var host = await ServiceHost.StartReadyAsync();
        var shop = Build("Europe/Berlin", 31);
        await IngestBackdatedAsync(host, shop);
        await Runner(host).RunScheduledAsync(now, CancellationToken.None);

        // A rating of an unrated chat of a settled day (25 days ago, the window being 9 days), and a new chat: both
        // have an arrival their rows have not taken in, so the refresh's changed chats hold both, and its computation
        // keeps only the chats of its days.
        var settled = await FirstChatAsync(host, shop.ShopId, "received AND received_at BETWEEN now() - INTERVAL 26 DAY AND now() - INTERVAL 25 DAY AND stars = 0")
            ?? throw new InvalidOperationException("no unrated chat 25 days old");
        const string settledRows = "SELECT toString(groupArray((day, stars, computed_at))) FROM settled_chats WHERE shop_id = {shop:String} AND chat_id = {chat:String}";
        const string daySummary = """
            SELECT arrayStringConcat(groupArray(summary), '|') FROM
            (
                SELECT formatRow('TSV', *) AS summary FROM shop_daily_summary
                WHERE shop_id = {shop:String} AND day = (SELECT any(day) FROM settled_chats WHERE shop_id = {shop:String} AND chat_id = {chat:String})
            )
            """;
        var rowBefore = await ScalarAsync(host, settledRows, shop.ShopId, settled);
        var summaryBefore = await ScalarAsync(host, daySummary, shop.ShopId, settled);
        var late = new FactScenario(shop.ShopId);
        late.Rated(settled, 5, now.AddMinutes(-1));
        late.ChatStarted("chat-new", "customer-new", now.AddMinutes(-2), []);
        late.Message("chat-new", SenderRole.Customer, MessageKind.Text, now.AddMinutes(-2));
        await IngestAsync(host, late.Facts, eventPrefix: "late");

        var closing = await ClosingChatsAsync(host, now.AddMinutes(1));
        var refresh = await RefreshAsync(host, now.AddMinutes(1));
        string[] expected = [.. new[] { $"{shop.ShopId}/chat-new" }.Union(closing).Order(StringComparer.Ordinal)];
        Assert.Equal(expected, await RecomputedSinceAsync(host, refresh.StartedAt));
        Assert.Equal(rowBefore, await ScalarAsync(host, settledRows, shop.ShopId, settled));
        Assert.Equal(summaryBefore, await ScalarAsync(host, daySummary, shop.ShopId, settled));

        // The next scheduled run backfills the chat's day: its one row has the rating, and every answer is the all-live one.
        await Runner(host).RunScheduledAsync(now.AddMinutes(2), CancellationToken.None);
        Assert.Equal("1", await ScalarAsync(host, "SELECT toString(count()) FROM settled_chats WHERE shop_id = {shop:String} AND chat_id = {chat:String}", shop.ShopId, settled));
        Assert.Equal("5", await ScalarAsync(host, "SELECT toString(any(stars)) FROM settled_chats WHERE shop_id = {shop:String} AND chat_id = {chat:String}", shop.ShopId, settled));
        Assert.NotEqual(summaryBefore, await ScalarAsync(host, daySummary, shop.ShopId, settled));
        await AssertSameAsLiveAsync(host, shop.ShopId, now.AddMinutes(2));
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
