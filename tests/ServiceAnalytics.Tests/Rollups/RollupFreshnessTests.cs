namespace ServiceAnalytics.Tests.Rollups;

/// <summary>The rollup job's snapshot and the days after the watermark: what the query RPCs serve between runs (docs/metrics.md, "Freshness").</summary>
public sealed partial class RollupTests
{
    [Fact]
    public async Task Without_a_servable_snapshot_recent_days_reuse_the_latest_run_except_for_chats_whose_facts_arrived_since()
    {
        await using var host = await ServiceHost.StartReadyAsync(s_exact);
        var shop = await IngestAndRunAsync(host, "Europe/Berlin", 7);
        // Its facts arrived an hour ago: the shop's settings among them, arriving within the next run's look-back,
        // would have that run recompute every chat of the shop, which this test tells apart from the changed ones.
        await BackdateArrivalsAsync(host);
        var today = DateOnly.FromDateTime(s_now);
        var recent = new DayPeriod(today.AddDays(-8), today);

        // A day later with no new fact: the inquiries pending at the run have closed, and the reused rows count
        // them as not answered, as the facts do. Same answers as all-live.
        Assert.NotNull(await FirstChatAsync(host, shop.ShopId, "pending > 0"));
        await AssertSameAsLiveAsync(host, shop.ShopId, s_now.AddHours(25));

        // Two unrated chats of two days ago. The stored row of one is edited by hand (no fact arrives for it): the
        // queries show the stored row, so rows are reused, not recomputed. The other gets a rating that occurred
        // two hours ago and arrives now: it shows at once, whenever it occurred.
        const string unrated = "stars = 0 AND pending = 0 AND received AND received_at BETWEEN now() - INTERVAL 3 DAY AND now() - INTERVAL 2 DAY";
        var edited = await FirstChatAsync(host, shop.ShopId, unrated) ?? throw new InvalidOperationException("no unrated chat two days old");
        var rated = await FirstChatAsync(host, shop.ShopId, $"{unrated} AND chat_id != '{edited}'") ?? throw new InvalidOperationException("one unrated chat only");
        var parameters = new ClickHouse.Driver.ADO.Parameters.ClickHouseParameterCollection();
        parameters.AddParameter("shop", shop.ShopId);
        parameters.AddParameter("chat", edited);
        await host.Store.Client.ExecuteNonQueryAsync(
            "ALTER TABLE settled_chats UPDATE stars = 3 WHERE shop_id = {shop:String} AND chat_id = {chat:String} SETTINGS mutations_sync = 2", parameters);
        var late = new FactScenario(shop.ShopId);
        late.Rated(rated, 5, s_now.AddHours(-2));
        await IngestAsync(host, late.Facts, eventPrefix: "late");

        var service = host.App.Services.GetRequiredService<MetricQueries>();
        var calendar = (await service.FindShopAsync(shop.ShopId, CancellationToken.None))!;
        var live = new MetricQueries(host.Store, ComputedOutcomes.AggregatedChats, progress: null);
        var shown = await service.ReadOverviewAsync(shop.ShopId, calendar, recent, s_now, CancellationToken.None);
        var truth = await live.ReadOverviewAsync(shop.ShopId, calendar, recent, s_now, CancellationToken.None);
        Assert.Equal(truth.Headline.RatingDistribution[2] + 1, shown.Headline.RatingDistribution[2]);
        Assert.Equal(truth.Headline.RatingDistribution[4], shown.Headline.RatingDistribution[4]);

        // The next scheduled run computes the rated chat, whose rating arrived, and keeps the edited row, whose chat
        // had no fact: a run computes only the chats changed since the snapshot, except on the days it settles.
        await Runner(host).RunScheduledAsync(s_now.AddMinutes(15), CancellationToken.None);
        Assert.Equal("3", await ScalarAsync(host, "SELECT toString(stars) FROM settled_chats WHERE shop_id = {shop:String} AND chat_id = {chat:String}", shop.ShopId, edited));
        Assert.Equal("5", await ScalarAsync(host, "SELECT toString(stars) FROM settled_chats WHERE shop_id = {shop:String} AND chat_id = {chat:String}", shop.ShopId, rated));

        // The run that settles the edited chat's day, LateFactWindowDays later, computes that day whole from the facts.
        var settling = s_now.AddDays(SettlingDays(host));
        await Runner(host).RunScheduledAsync(settling, CancellationToken.None);
        Assert.True(await ServiceSettledThroughAsync(host) >= DateOnly.FromDateTime(s_now).AddDays(-2), "the edited chat's day is settled");
        Assert.Equal("0", await ScalarAsync(host, "SELECT toString(stars) FROM settled_chats WHERE shop_id = {shop:String} AND chat_id = {chat:String}", shop.ShopId, edited));
        await AssertSameAsLiveAsync(host, shop.ShopId, settling);
    }

    /// <summary>The days after which a scheduled run settles a day: <see cref="RollupOptions.LateFactWindowDays"/>.</summary>
    private static int SettlingDays(ServiceHost host) =>
        host.App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ServiceAnalytics.Storage.Rollups.RollupOptions>>().Value.LateFactWindowDays;

    [Fact]
    public async Task A_shop_settings_change_after_the_run_recomputes_its_recent_days_at_once_without_a_snapshot_and_on_the_next_refresh_with_one()
    {
        await using var host = await ServiceHost.StartReadyAsync();
        var shop = await IngestAndRunAsync(host, "Europe/Berlin", 8);

        // Two days ago becomes a holiday too (the settled one stays): its chats' inquiries stop counting at once.
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        string Day(int daysAgo) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(s_now.AddDays(-daysAgo), zone)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var settings = new FactScenario(shop.ShopId);
        settings.Add(s_now.AddMinutes(-1), f => f.ShopSettingsChanged = new ShopSettingsChanged
        {
            TimeZone = "Europe/Berlin",
            Holidays = { new HolidayPeriod { FirstDay = Day(20), LastDay = Day(20) }, new HolidayPeriod { FirstDay = Day(2), LastDay = Day(2) } },
        });
        await IngestAsync(host, settings.Facts, eventPrefix: "holiday");
        await Task.Delay(ShopCalendars.CalendarLifetime);
        var snapshotExpired = s_now + SnapshotMaxAge(host) + TimeSpan.FromSeconds(1);
        await AssertSameAsLiveAsync(host, shop.ShopId, snapshotExpired);

        Assert.Equal(1L, (await RefreshAsync(host, s_now)).Shops);
        await AssertSameAsLiveAsync(host, shop.ShopId);
    }

    [Fact]
    public async Task A_shop_is_found_with_its_own_settings_as_soon_as_its_facts_are_committed_and_a_change_of_them_shows_within_the_calendar_lifetime()
    {
        await using var host = await ServiceHost.StartReadyAsync();
        var queries = host.App.Services.GetRequiredService<MetricQueries>();

        // Unknown before its facts, which also reads every shop's settings: none of these shops has any yet.
        Assert.Null(await queries.FindShopAsync("shop-cal-zoned", CancellationToken.None));
        Assert.Null(await queries.FindShopAsync("shop-cal-plain", CancellationToken.None));

        // Found at once after, each with its own settings, although every shop's were read before they arrived.
        var zoned = new FactScenario("shop-cal-zoned");
        zoned.Add(s_now.AddMinutes(-5), f => f.ShopSettingsChanged = new ShopSettingsChanged { TimeZone = "Asia/Tokyo" });
        zoned.ChatStarted("chat-1", "customer-1", s_now.AddMinutes(-4), []);
        var plain = new FactScenario("shop-cal-plain");
        plain.ChatStarted("chat-1", "customer-1", s_now.AddMinutes(-4), []);
        await IngestAsync(host, [.. zoned.Facts, .. plain.Facts]);
        Assert.Equal("Asia/Tokyo", (await queries.FindShopAsync("shop-cal-zoned", CancellationToken.None))!.TimeZone.Id);
        Assert.Equal(TimeZoneInfo.Utc, (await queries.FindShopAsync("shop-cal-plain", CancellationToken.None))!.TimeZone);

        // A later change of either shop's settings shows once the calendars have been kept for their lifetime.
        var changes = new FactScenario("shop-cal-zoned");
        changes.Add(s_now.AddMinutes(-1), f => f.ShopSettingsChanged = new ShopSettingsChanged
        {
            TimeZone = "America/New_York", Holidays = { new HolidayPeriod { FirstDay = "2026-01-01", LastDay = "2026-01-02" } },
        });
        var plainChanges = new FactScenario("shop-cal-plain");
        plainChanges.Add(s_now.AddMinutes(-1), f => f.ShopSettingsChanged = new ShopSettingsChanged { TimeZone = "Europe/Berlin" });
        await IngestAsync(host, [.. changes.Facts, .. plainChanges.Facts], eventPrefix: "change");
        await Task.Delay(ShopCalendars.CalendarLifetime);
        var changed = (await queries.FindShopAsync("shop-cal-zoned", CancellationToken.None))!;
        Assert.Equal("America/New_York", changed.TimeZone.Id);
        Assert.Equal([new DateOnly(2026, 1, 1), new DateOnly(2026, 1, 2)], changed.HolidayDays);
        Assert.Equal("Europe/Berlin", (await queries.FindShopAsync("shop-cal-plain", CancellationToken.None))!.TimeZone.Id);

        // Once a rollup run has summarised their days, calendars that never read these shops on their own (a new
        // instance's) find them among the shops with summaries, each with its own settings; an unknown shop still is not.
        // A chat is summarised once its customer has written.
        var messages = new FactScenario("shop-cal-zoned");
        messages.Message("chat-1", SenderRole.Customer, MessageKind.Text, s_now.AddMinutes(-4));
        var plainMessages = new FactScenario("shop-cal-plain");
        plainMessages.Message("chat-1", SenderRole.Customer, MessageKind.Text, s_now.AddMinutes(-4));
        await IngestAsync(host, [.. messages.Facts, .. plainMessages.Facts], eventPrefix: "message");
        var run = await Runner(host).RunScheduledAsync(DateTime.UtcNow, CancellationToken.None);
        Assert.True(run.Succeeded, run.Error);
        var summarised = await host.Store.Client.ExecuteScalarAsync(
            "SELECT uniqExact(shop_id) FROM shop_daily_summary WHERE shop_id IN ('shop-cal-zoned', 'shop-cal-plain')");
        Assert.Equal(2UL, Convert.ToUInt64(summarised, CultureInfo.InvariantCulture));
        var fresh = new ShopCalendars(host.Store);
        var known = (await fresh.FindShopAsync("shop-cal-zoned", CancellationToken.None))!;
        Assert.Equal("America/New_York", known.TimeZone.Id);
        Assert.Equal([new DateOnly(2026, 1, 1), new DateOnly(2026, 1, 2)], known.HolidayDays);
        Assert.Equal("Europe/Berlin", (await fresh.FindShopAsync("shop-cal-plain", CancellationToken.None))!.TimeZone.Id);
        Assert.Null(await fresh.FindShopAsync("shop-cal-unknown", CancellationToken.None));
    }

    [Fact]
    public async Task Within_its_max_age_the_snapshot_is_served_whole_and_a_refresh_recomputes_only_the_shops_that_changed()
    {
        // Its own instant, not the class's: the snapshot is served only within SnapshotMaxAge (5 minutes) of it, and
        // on a loaded machine this test may start more than that after the class did.
        var now = DateTime.UnixEpoch.AddSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        await using var host = await ServiceHost.StartReadyAsync();
        var changed = Build("Asia/Tokyo", 9);
        var unchanged = Build("America/New_York", 10);
        await IngestBackdatedAsync(host, changed, unchanged);
        await Runner(host).RunScheduledAsync(now, CancellationToken.None);
        var before = await AnswersAsync(host, changed.ShopId, now);
        // The RPCs say which instant they answer as of: the snapshot's, not the request's.
        Assert.Equal(now, await OverviewAsOfAsync(host, changed.ShopId, now));
        var unchangedRows = await RowsStampAsync(host, unchanged.ShopId);

        // Facts arrive for one shop: a rating and a reply to a chat of two days ago, and a new chat. Until a
        // refresh, every answer is the snapshot's, all of a piece (no half-updated figure).
        await IngestLateFactsAsync(host, changed.ShopId, now);
        Assert.Equal(before, await AnswersAsync(host, changed.ShopId, now));

        // The refresh a minute later computes that shop only; its answers then equal all-live as of the refresh.
        var refreshAt = now.AddMinutes(1);
        var refresh = await RefreshAsync(host, refreshAt);
        Assert.Equal(("refresh", 1L, (DateOnly?)null), (refresh.Reason, refresh.Shops, refresh.SettledThrough));
        Assert.NotEqual(before, await AnswersAsync(host, changed.ShopId, refreshAt));
        await AssertSameAsLiveAsync(host, changed.ShopId, refreshAt);
        await AssertSameAsLiveAsync(host, unchanged.ShopId, refreshAt);
        Assert.Equal(unchangedRows, await RowsStampAsync(host, unchanged.ShopId));

        // With nothing new (once the arrivals are older than the refresh's margin), a refresh computes nothing but
        // still advances the snapshot.
        await BackdateArrivalsAsync(host);
        var idle = await RefreshAsync(host, refreshAt.AddMinutes(1));
        Assert.Equal((0L, 0L), (idle.Shops, idle.RowsWritten));
        Assert.NotNull(idle.ArrivalsThrough);
        Assert.True(idle.ArrivalsThrough > refresh.ArrivalsThrough);

        // A day later, with no fact arriving, the inquiries pending at the run have closed: the refresh computes the
        // shops holding them, and the snapshot again equals all-live.
        Assert.NotNull(await FirstChatAsync(host, unchanged.ShopId, "pending > 0"));
        var unchangedBeforeClosing = await RowsStampAsync(host, unchanged.ShopId);
        var dayLater = now.AddHours(25);
        var closing = await RefreshAsync(host, dayLater);
        Assert.True(closing.Shops >= 1);
        Assert.NotEqual(unchangedBeforeClosing, await RowsStampAsync(host, unchanged.ShopId));
        Assert.Null(await FirstChatAsync(host, unchanged.ShopId, "pending > 0"));
        await AssertSameAsLiveAsync(host, changed.ShopId, dayLater);
        await AssertSameAsLiveAsync(host, unchanged.ShopId, dayLater);
    }

    /// <summary>The instant GetOverview says it answers the shop's last 10 days at <paramref name="now"/> as of.</summary>
    private static async Task<DateTime> OverviewAsOfAsync(ServiceHost host, string shopId, DateTime now)
    {
        var analytics = new ServiceAnalytics.Contracts.Query.V1.AnalyticsService.AnalyticsServiceClient(host.Channel);
        var overview = await analytics.GetOverviewAsync(new ServiceAnalytics.Contracts.Query.V1.GetOverviewRequest
        {
            ShopId = shopId, FirstDay = DateOnly.FromDateTime(now).AddDays(-9).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            LastDay = DateOnly.FromDateTime(now).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        });
        return overview.AsOf.ToDateTime();
    }

    /// <summary>Facts arriving for the shop after a run: a rating and a reply to an unrated chat of two days ago, and a new chat.</summary>
    private static async Task IngestLateFactsAsync(ServiceHost host, string shopId, DateTime now)
    {
        var chat = await FirstChatAsync(host, shopId, "stars = 0 AND received AND received_at BETWEEN now() - INTERVAL 3 DAY AND now() - INTERVAL 2 DAY")
            ?? throw new InvalidOperationException("no unrated chat two days old");
        var late = new FactScenario(shopId);
        late.Rated(chat, 5, now.AddMinutes(-3));
        late.Message(chat, SenderRole.Agent, MessageKind.Text, now.AddMinutes(-2), "agent-b");
        late.ChatStarted("chat-new", "customer-new", now.AddMinutes(-2), ["refund"]);
        late.Message("chat-new", SenderRole.Customer, MessageKind.Text, now.AddMinutes(-2));
        await IngestAsync(host, late.Facts, eventPrefix: "late");
    }
}
