namespace ServiceAnalytics.Tests.Rollups;

/// <summary>
/// A day's potential and converted customers are the distinct customers of the 28 days ending with it, so a run's
/// summaries of some days read the chats of the 27 days before them: of earlier statements of the same run when a big
/// shop's days are computed in slices, of the stored rows before the run's days (docs/rollups.md, step 4).
/// </summary>
public sealed partial class RollupTests
{
    [Fact]
    public async Task A_shop_computed_in_slices_of_its_days_and_then_refreshed_counts_each_customer_once_over_28_days()
    {
        // Its own instant (see Within_its_max_age_…): the snapshot is served only within SnapshotMaxAge of it.
        var now = DateTime.UnixEpoch.AddSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        // 205 chats over 41 days at 40 chats a statement: the first run computes the shop in slices of its days, each
        // slice's customer counts reading the chats the slices before it computed.
        await using var host = await ServiceHost.StartReadyAsync(new Dictionary<string, string?> { ["Rollups:ChatsPerStatement"] = "40" });
        var shop = Build("Europe/Berlin", 16);
        await IngestBackdatedAsync(host, shop);
        await Runner(host).RunScheduledAsync(now, CancellationToken.None);
        await AssertSameAsLiveAsync(host, shop.ShopId, now);

        // A customer last seen 20 to 25 days ago and one never seen start chats: only the second is a new potential
        // customer of the 28 days ending today; neither chat converts (no order follows it).
        var returning = await FirstChatAsync(
            host, shop.ShopId, "received AND received_at BETWEEN now() - INTERVAL 25 DAY AND now() - INTERVAL 20 DAY AND customer_id != ''")
            ?? throw new InvalidOperationException("no chat 20 to 25 days old");
        var customer = (await ScalarAsync(host, "SELECT customer_id FROM settled_chats WHERE shop_id = {shop:String} AND chat_id = {chat:String}", shop.ShopId, returning))!;
        var startedAt = now.AddMinutes(-2);
        var late = new FactScenario(shop.ShopId);
        late.ChatStarted("chat-returning", customer, startedAt, []);
        late.Message("chat-returning", SenderRole.Customer, MessageKind.Text, startedAt);
        late.ChatStarted("chat-first-time", "customer-first-time", startedAt, []);
        late.Message("chat-first-time", SenderRole.Customer, MessageKind.Text, startedAt);

        // The chats' own local day, not a reading of today: just after midnight in Berlin they are yesterday's.
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(startedAt, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")));
        var period = new DayPeriod(day.AddDays(-3), day);
        var queries = host.App.Services.GetRequiredService<MetricQueries>();
        var calendar = (await queries.FindShopAsync(shop.ShopId, CancellationToken.None))!;
        var before = await queries.ReadOverviewAsync(shop.ShopId, calendar, period, now, CancellationToken.None);
        await IngestAsync(host, late.Facts, eventPrefix: "late");
        var refreshAt = now.AddMinutes(1);
        var refresh = await RefreshAsync(host, refreshAt);
        Assert.Equal(1L, refresh.Shops);
        var after = await queries.ReadOverviewAsync(shop.ShopId, calendar, period, refreshAt, CancellationToken.None);
        Assert.Equal(
            (before.Headline.ChatsReceived + 2, before.PotentialCustomers + 1, before.ConvertedCustomers),
            (after.Headline.ChatsReceived, after.PotentialCustomers, after.ConvertedCustomers));
        await AssertSameAsLiveAsync(host, shop.ShopId, refreshAt);
    }
}
