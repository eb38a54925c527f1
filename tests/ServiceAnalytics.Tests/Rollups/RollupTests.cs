using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ClickHouse.Driver.Utility;
using Microsoft.Extensions.DependencyInjection;
using ServiceAnalytics.Contracts.Ingest.V1;
using ServiceAnalytics.Storage.Outcomes;
using ServiceAnalytics.Storage.Queries;
using ServiceAnalytics.Storage.Rollups;
using ServiceAnalytics.Tests.Infrastructure;
using ServiceAnalytics.Tests.Ingestion;

namespace ServiceAnalytics.Tests.Rollups;

/// <summary>
/// The rollup job, triggered directly, on a service of its own per test (a run settles every shop of its
/// database, so tests do not share one). The reference is the same metrics computed from the facts only.
/// </summary>
public sealed partial class RollupTests
{
    /// <summary>Whole seconds (a run keeps its <c>now</c> to the millisecond): a snapshot served at <c>s_now</c> is as of <c>s_now</c> exactly.</summary>
    private static readonly DateTime s_now = DateTime.UnixEpoch.AddSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    /// <summary>A service whose query RPCs never serve a snapshot: days after the watermark are computed as of the request.</summary>
    private static readonly Dictionary<string, string?> s_exact = new() { ["Rollups:SnapshotMaxAge"] = "00:00:00" };

    [Fact]
    public async Task Answers_from_settled_days_equal_an_all_live_computation_over_40_days_with_late_facts()
    {
        await using var host = await ServiceHost.StartReadyAsync();
        var shops = new[] { Build("America/New_York", 1), Build("Asia/Tokyo", 2) };
        foreach (var shop in shops)
        {
            await IngestAsync(host, shop.Facts);
        }

        await BackdateArrivalsAsync(host);
        var run = await Runner(host).RunScheduledAsync(s_now, CancellationToken.None);
        Assert.True(run.Succeeded, run.Error);
        Assert.Equal(DateOnly.FromDateTime(s_now).AddDays(-10), run.SettledThrough);
        foreach (var shop in shops)
        {
            await AssertSameAsLiveAsync(host, shop.ShopId);
        }

        // Late facts for a settled-but-open day, a day at the window's edge and today: a rating, an order, a reply.
        var late = new FactScenario(shops[0].ShopId);
        late.Rated("chat-170", 5, s_now.AddMinutes(-3));
        late.OrderPlaced("order-late", "customer-3", s_now.AddMinutes(-2), 1000);
        late.Message("chat-200", SenderRole.Agent, MessageKind.Text, s_now.AddMinutes(-1), "agent-b");
        await IngestAsync(host, late.Facts, eventPrefix: "late");
        var refresh = await RefreshAsync(host, s_now);
        Assert.Equal(("refresh", 1L), (refresh.Reason, refresh.Shops));
        await AssertSameAsLiveAsync(host, shops[0].ShopId);

        var rerun = await Runner(host).RunScheduledAsync(s_now, CancellationToken.None);
        Assert.True(rerun.Succeeded, rerun.Error);
        foreach (var shop in shops)
        {
            await AssertSameAsLiveAsync(host, shop.ShopId);
            await AssertShopSummaryRowsEqualLiveDaysAsync(host, shop.ShopId);
        }
    }

    [Fact]
    public async Task A_late_rating_and_a_late_order_change_exactly_their_numbers_on_the_next_run()
    {
        await using var host = await ServiceHost.StartReadyAsync();
        var shop = Build("Europe/Berlin", 3);
        await IngestAsync(host, shop.Facts);
        await Runner(host).RunScheduledAsync(s_now, CancellationToken.None);
        // chat-172 was received six days ago (minus up to a day) by customer-solo-172, its only chat; agent-b answered
        // it after an FAQ card; it ended 28 hours later; no rating; its own order came 8 days after the end, i.e. not yet.
        var day = await ChatDayAsync(host, shop.ShopId, "chat-172");
        var shopBefore = await ShopRowsAsync(host, shop.ShopId);
        var agentsBefore = await AgentRowsAsync(host, shop.ShopId);

        var late = new FactScenario(shop.ShopId);
        late.Rated("chat-172", 5, s_now.AddMinutes(-5));
        late.OrderPlaced("order-late", "customer-solo-172", s_now.AddMinutes(-4), 1000);
        await IngestAsync(host, late.Facts, eventPrefix: "late");
        await Runner(host).RunScheduledAsync(s_now, CancellationToken.None);

        // Its day: one more 5-star chat and one more converted chat. That day and every later one: one more
        // converted customer (the 28 days ending with each of them hold chat-172). Nothing else moves.
        var expected = shopBefore.ToDictionary(kv => kv.Key, kv => new Dictionary<string, string>(kv.Value));
        expected[day]["rating_distribution"] = Increment(expected[day]["rating_distribution"], 4);
        expected[day]["converted_chats"] = Plus1(expected[day]["converted_chats"]);
        foreach (var later in expected.Keys.Where(k => string.CompareOrdinal(k, day) >= 0))
        {
            expected[later]["converted_customers"] = Plus1(expected[later]["converted_customers"]);
        }

        Assert.Equal(expected, await ShopRowsAsync(host, shop.ShopId));

        // agent-b, who answered chat-172: one more rated chat, rated 4-5.
        var agents = agentsBefore.ToDictionary(kv => kv.Key, kv => new Dictionary<string, string>(kv.Value));
        agents[$"{day}/agent-b"]["chats_rated"] = Plus1(agents[$"{day}/agent-b"]["chats_rated"]);
        agents[$"{day}/agent-b"]["chats_rated_4_or_5"] = Plus1(agents[$"{day}/agent-b"]["chats_rated_4_or_5"]);
        Assert.Equal(agents, await AgentRowsAsync(host, shop.ShopId));
    }

    [Fact]
    public async Task A_rerun_changes_nothing_and_racing_runs_leave_one_copy_of_every_row()
    {
        await using var host = await ServiceHost.StartReadyAsync();
        var shop = Build("UTC", 4);
        await IngestAsync(host, shop.Facts);
        await Runner(host).RunScheduledAsync(s_now, CancellationToken.None);
        var shopRows = await ShopRowsAsync(host, shop.ShopId);
        var agentRows = await AgentRowsAsync(host, shop.ShopId);
        var chats = await CountAsync(host, "SELECT count() FROM settled_chats");

        await Runner(host).RunScheduledAsync(s_now, CancellationToken.None);
        Assert.Equal(shopRows, await ShopRowsAsync(host, shop.ShopId));
        Assert.Equal(agentRows, await AgentRowsAsync(host, shop.ShopId));

        // Two instances' schedulers firing at once (separate runners over the same database).
        var runs = await Task.WhenAll(
            Runner(host).RunScheduledAsync(s_now, CancellationToken.None),
            Runner(host).RecomputeAsync(DateOnly.FromDateTime(s_now).AddDays(-45), DateOnly.FromDateTime(s_now).AddDays(1), s_now, CancellationToken.None));
        Assert.All(runs, r => Assert.True(r.Succeeded, r.Error));
        Assert.Equal(chats, await CountAsync(host, "SELECT count() FROM settled_chats"));
        Assert.Equal(chats, await CountAsync(host, "SELECT uniqExact(shop_id, chat_id) FROM settled_chats"));
        Assert.Equal(0L, await CountAsync(host, "SELECT count() - uniqExact(shop_id, day) FROM shop_daily_summary"));
        Assert.Equal(0L, await CountAsync(host, "SELECT count() - uniqExact(shop_id, day, agent_id) FROM agent_daily_summary"));
        Assert.Equal(shopRows, await ShopRowsAsync(host, shop.ShopId));
        Assert.Equal(agentRows, await AgentRowsAsync(host, shop.ShopId));
        Assert.Equal(0L, await CountAsync(host, "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name LIKE '%_stage_%'"));
    }

    [Fact]
    public async Task A_run_failing_midway_leaves_the_previous_summaries_readable_and_is_recorded()
    {
        await using var host = await ServiceHost.StartReadyAsync(s_exact);
        var shop = Build("Asia/Kolkata", 5);
        await IngestAsync(host, shop.Facts);
        var first = await Runner(host).RunScheduledAsync(s_now, CancellationToken.None);
        var shopRows = await ShopRowsAsync(host, shop.ShopId);
        var agentRows = await AgentRowsAsync(host, shop.ShopId);
        var late = new FactScenario(shop.ShopId);
        late.Rated("chat-190", 5, s_now.AddMinutes(-1));
        await IngestAsync(host, late.Facts, eventPrefix: "late");

        // The agent rollup reads the agents table: without it the run fails after settling chats and staging the shop rows.
        await Execute(host, "DETACH TABLE agents");
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => Runner(host).RunScheduledAsync(s_now.AddMinutes(1), CancellationToken.None));
        }
        finally
        {
            await Execute(host, "ATTACH TABLE agents");
        }

        Assert.Equal(shopRows, await ShopRowsAsync(host, shop.ShopId));
        Assert.Equal(agentRows, await AgentRowsAsync(host, shop.ShopId));
        var runs = await Runner(host).ReadRecentRunsAsync(2, CancellationToken.None);
        Assert.Contains("agents", runs[0].Error, StringComparison.OrdinalIgnoreCase);
        Assert.Null(runs[0].SettledThrough);
        Assert.Equal(first.RunId, runs[1].RunId);
        Assert.Equal(first.SettledThrough, await host.App.Services.GetRequiredService<RollupProgressReader>().ReadAsync(CancellationToken.None));
        Assert.Equal(0L, await CountAsync(host, "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name LIKE '%_stage_%'"));
        await AssertSameAsLiveAsync(host, shop.ShopId);

        var retry = await Runner(host).RunScheduledAsync(s_now.AddMinutes(1), CancellationToken.None);
        Assert.True(retry.Succeeded);
        Assert.NotEqual(shopRows, await ShopRowsAsync(host, shop.ShopId));
        await AssertShopSummaryRowsEqualLiveDaysAsync(host, shop.ShopId);
    }

    [Fact]
    public async Task The_next_scheduled_run_takes_in_a_fact_for_a_final_day_and_recomputing_by_hand_changes_nothing_more()
    {
        await using var host = await ServiceHost.StartReadyAsync();
        var shop = Build("UTC", 6);
        var quiet = Build("Asia/Tokyo", 16);
        await IngestAsync(host, shop.Facts);
        await IngestAsync(host, quiet.Facts);
        await BackdateArrivalsAsync(host);
        await Runner(host).RunScheduledAsync(s_now, CancellationToken.None);
        var day = await ChatDayAsync(host, shop.ShopId, "chat-10");
        var before = (await ShopRowsAsync(host, shop.ShopId))[day];
        var quietRows = await ShopRowsAsync(host, quiet.ShopId);

        // A rating 38 days late: the day is final (before the watermark), yet the next scheduled run backfills it,
        // computing that shop alone.
        var late = new FactScenario(shop.ShopId);
        late.Rated("chat-10", 5, s_now.AddMinutes(-1));
        await IngestAsync(host, late.Facts, eventPrefix: "late");
        await Runner(host).RunScheduledAsync(s_now, CancellationToken.None);
        var after = (await ShopRowsAsync(host, shop.ShopId))[day];
        Assert.NotEqual(before, after);
        Assert.Equal(Increment(before["rating_distribution"], 4), after["rating_distribution"]);
        var backfill = Assert.Single(await Runner(host).ReadRecentRunsAsync(10, CancellationToken.None), r => r.Reason == "backfill");
        Assert.Equal((1L, true), (backfill.Shops, backfill.FirstDay <= DateOnly.Parse(day, CultureInfo.InvariantCulture)));
        Assert.Equal(quietRows, await ShopRowsAsync(host, quiet.ShopId));
        await AssertSameAsLiveAsync(host, shop.ShopId);

        // Recomputing the day by hand finds nothing left to change.
        var run = await Runner(host).RecomputeAsync(DateOnly.Parse(day, CultureInfo.InvariantCulture), DateOnly.Parse(day, CultureInfo.InvariantCulture), s_now, CancellationToken.None);
        Assert.Equal(("recompute", (DateOnly?)null), (run.Reason, run.SettledThrough));
        Assert.Equal(after, (await ShopRowsAsync(host, shop.ShopId))[day]);
    }

    [Fact]
    public async Task Sixty_days_of_history_imported_after_the_days_were_settled_show_after_the_next_scheduled_run()
    {
        await using var host = await ServiceHost.StartReadyAsync();
        var existing = Build("UTC", 17);
        await IngestAsync(host, existing.Facts);
        await BackdateArrivalsAsync(host);
        await Runner(host).RunScheduledAsync(s_now, CancellationToken.None);

        // A new shop imports its last 60 days: one chat a day at noon (Europe/Paris), answered by a human after ten
        // minutes, rated 5 on even days.
        var imported = new FactScenario($"shop-imported-{Guid.NewGuid():N}");
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(s_now, paris));
        imported.Add(s_now.AddDays(-90), f => f.ShopSettingsChanged = new ShopSettingsChanged { TimeZone = "Europe/Paris" });
        for (var daysAgo = 60; daysAgo >= 1; daysAgo--)
        {
            var at = TimeZoneInfo.ConvertTimeToUtc(today.AddDays(-daysAgo).ToDateTime(new TimeOnly(12, 0)), paris);
            var chat = $"imported-{daysAgo}";
            imported.ChatStarted(chat, $"customer-{daysAgo}", at, []);
            imported.Message(chat, SenderRole.Customer, MessageKind.Text, at);
            imported.Message(chat, SenderRole.Agent, MessageKind.Text, at.AddMinutes(10), "agent-a");
            if (daysAgo % 2 == 0)
            {
                imported.Rated(chat, 5, at.AddHours(1));
            }
        }

        await IngestAsync(host, imported.Facts);
        await Runner(host).RunScheduledAsync(s_now, CancellationToken.None);

        // Read as the RPCs serve it: settled days from the rollup tables, the rest from the snapshot.
        var analytics = new ServiceAnalytics.Contracts.Query.V1.AnalyticsService.AnalyticsServiceClient(host.Channel);
        var settled = await ServiceSettledThroughAsync(host);
        Assert.True(settled < today.AddDays(-7));
        var overview = (await analytics.GetOverviewAsync(new ServiceAnalytics.Contracts.Query.V1.GetOverviewRequest
        {
            ShopId = imported.ShopId, FirstDay = Iso(today.AddDays(-60)), LastDay = Iso(settled),
        })).Current;
        var days = settled.DayNumber - today.AddDays(-60).DayNumber + 1;
        var even = Enumerable.Range(0, days).Count(i => (60 - i) % 2 == 0);
        Assert.Equal((days, days, days, even), (overview.ChatsReceived, overview.Inquiries, overview.InquiriesAnsweredWithin24H, overview.ChatsRated));
        Assert.Equal(600, overview.FirstResponseMedianSeconds, 6);
        var all = (await analytics.GetOverviewAsync(new ServiceAnalytics.Contracts.Query.V1.GetOverviewRequest
        {
            ShopId = imported.ShopId, FirstDay = Iso(today.AddDays(-60)), LastDay = Iso(today),
        })).Current;
        Assert.Equal((60L, 30L), (all.ChatsReceived, all.ChatsRated));
        await AssertSameAsLiveAsync(host, imported.ShopId);
    }

    private static async Task<DateOnly> ServiceSettledThroughAsync(ServiceHost host) =>
        (await host.App.Services.GetRequiredService<RollupProgressReader>().ReadAsync(CancellationToken.None))!.Value;

    private static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Without_a_servable_snapshot_recent_days_reuse_the_latest_run_except_for_chats_whose_facts_arrived_since()
    {
        await using var host = await ServiceHost.StartReadyAsync(s_exact);
        var shop = Build("Europe/Berlin", 7);
        await IngestAsync(host, shop.Facts);
        await Runner(host).RunScheduledAsync(s_now, CancellationToken.None);
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

        // The next run computes the edited row again from the facts.
        await Runner(host).RunScheduledAsync(s_now.AddMinutes(15), CancellationToken.None);
        await AssertSameAsLiveAsync(host, shop.ShopId);
    }

    [Fact]
    public async Task A_shop_settings_change_after_the_run_recomputes_its_recent_days_at_once_without_a_snapshot_and_on_the_next_refresh_with_one()
    {
        await using var host = await ServiceHost.StartReadyAsync();
        var shop = Build("Europe/Berlin", 8);
        await IngestAsync(host, shop.Facts);
        await Runner(host).RunScheduledAsync(s_now, CancellationToken.None);

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
    public async Task Within_its_max_age_the_snapshot_is_served_whole_and_a_refresh_recomputes_only_the_shops_that_changed()
    {
        // Its own instant, not the class's: the snapshot is served only within SnapshotMaxAge (5 minutes) of it, and
        // on a loaded machine this test may start more than that after the class did.
        var now = DateTime.UnixEpoch.AddSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        await using var host = await ServiceHost.StartReadyAsync();
        var changed = Build("Asia/Tokyo", 9);
        var unchanged = Build("America/New_York", 10);
        await IngestAsync(host, changed.Facts);
        await IngestAsync(host, unchanged.Facts);
        await BackdateArrivalsAsync(host);
        await Runner(host).RunScheduledAsync(now, CancellationToken.None);
        var before = await AnswersAsync(host, changed.ShopId, now);
        // The RPCs say which instant they answer as of: the snapshot's, not the request's.
        var analytics = new ServiceAnalytics.Contracts.Query.V1.AnalyticsService.AnalyticsServiceClient(host.Channel);
        var overview = await analytics.GetOverviewAsync(new ServiceAnalytics.Contracts.Query.V1.GetOverviewRequest
        {
            ShopId = changed.ShopId, FirstDay = DateOnly.FromDateTime(now).AddDays(-9).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            LastDay = DateOnly.FromDateTime(now).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        });
        Assert.Equal(now, overview.AsOf.ToDateTime());
        var unchangedRows = await RowsStampAsync(host, unchanged.ShopId);

        // Facts arrive for one shop: a rating and a reply to a chat of two days ago, and a new chat. Until a
        // refresh, every answer is the snapshot's, all of a piece (no half-updated figure).
        var chat = await FirstChatAsync(host, changed.ShopId, "stars = 0 AND received AND received_at BETWEEN now() - INTERVAL 3 DAY AND now() - INTERVAL 2 DAY")
            ?? throw new InvalidOperationException("no unrated chat two days old");
        var late = new FactScenario(changed.ShopId);
        late.Rated(chat, 5, now.AddMinutes(-3));
        late.Message(chat, SenderRole.Agent, MessageKind.Text, now.AddMinutes(-2), "agent-b");
        late.ChatStarted("chat-new", "customer-new", now.AddMinutes(-2), ["refund"]);
        late.Message("chat-new", SenderRole.Customer, MessageKind.Text, now.AddMinutes(-2));
        await IngestAsync(host, late.Facts, eventPrefix: "late");
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

    /// <summary>
    /// Makes the facts ingested so far look as if they arrived an hour ago: a refresh looks a minute before the latest
    /// snapshot for arrivals (RollupRunner.ArrivalVisibilityMargin), and the history of a test arrives just before it.
    /// </summary>
    private static async Task BackdateArrivalsAsync(ServiceHost host)
    {
        // arrived_at is in the sorting key, so it cannot be updated: the rows are copied an hour back and removed.
        await Execute(host, "INSERT INTO fact_arrivals SELECT shop_id, arrived_at - INTERVAL 1 HOUR, chat_id, customer_id FROM fact_arrivals");
        await Execute(host, "ALTER TABLE fact_arrivals DELETE WHERE arrived_at > now64(6) - INTERVAL 50 MINUTE SETTINGS mutations_sync = 2");
    }

    /// <summary>How many rows the shop has in <c>settled_chats</c> and when the latest was computed.</summary>
    private static async Task<string> RowsStampAsync(ServiceHost host, string shopId)
    {
        var parameters = new ClickHouse.Driver.ADO.Parameters.ClickHouseParameterCollection();
        parameters.AddParameter("shop", shopId);
        return (string)(await host.Store.Client.ExecuteScalarAsync(
            "SELECT toString((count(), max(computed_at))) FROM settled_chats WHERE shop_id = {shop:String}", parameters))!;
    }

    private static TimeSpan SnapshotMaxAge(ServiceHost host) =>
        host.App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<RollupOptions>>().Value.SnapshotMaxAge;

    /// <summary>Every query RPC's answer for the shop's last 10 days at <paramref name="now"/>, as one text.</summary>
    private static async Task<string> AnswersAsync(ServiceHost host, string shopId, DateTime now)
    {
        var service = host.App.Services.GetRequiredService<MetricQueries>();
        var calendar = (await service.FindShopAsync(shopId, CancellationToken.None))!;
        var period = new DayPeriod(DateOnly.FromDateTime(s_now).AddDays(-9), DateOnly.FromDateTime(s_now));
        return string.Join('\n',
            Canonical(await service.ReadOverviewAsync(shopId, calendar, period, now, CancellationToken.None)),
            Canonical(await service.ReadDailyAsync(shopId, calendar, period, now, CancellationToken.None)),
            Canonical(await service.ReadBreakdownAsync(shopId, calendar, period, now, CancellationToken.None)),
            Canonical(await service.ReadAgentsAsync(shopId, calendar, period, now, CancellationToken.None)),
            Canonical(await service.ReadTagBreakdownAsync(shopId, calendar, period, now, CancellationToken.None)),
            Canonical(await service.ListChatsAsync(shopId, calendar, period, now, new ChatListFilter([], [], [], [], "", []), null, 10_000, CancellationToken.None)));
    }

    private static async Task<string?> FirstChatAsync(ServiceHost host, string shopId, string condition)
    {
        var parameters = new ClickHouse.Driver.ADO.Parameters.ClickHouseParameterCollection();
        parameters.AddParameter("shop", shopId);
        return (string?)await host.Store.Client.ExecuteScalarAsync(
            $"SELECT chat_id FROM settled_chats WHERE shop_id = {{shop:String}} AND {condition} ORDER BY received_at, chat_id LIMIT 1", parameters);
    }

    private static FactScenario Build(string zone, int seed) =>
        RollupScenario.Build($"shop-{seed}-{Guid.NewGuid():N}"[..24], zone, s_now, seed);

    private static RollupRunner Runner(ServiceHost host) => ActivatorUtilities.CreateInstance<RollupRunner>(host.App.Services);

    /// <summary>A refresh, after the scheduled run every test starts with (so there is a snapshot to refresh).</summary>
    private static async Task<RollupRun> RefreshAsync(ServiceHost host, DateTime at) =>
        await Runner(host).RefreshAsync(at, CancellationToken.None) ?? throw new InvalidOperationException("no snapshot to refresh");

    private static async Task IngestAsync(ServiceHost host, IReadOnlyList<Fact> facts, string eventPrefix = "")
    {
        var ingestion = new IngestionService.IngestionServiceClient(host.Channel);
        foreach (var chunk in facts.Select(f => { var copy = f.Clone(); copy.EventId = eventPrefix + copy.EventId; return copy; }).Chunk(5_000))
        {
            var outcome = (await ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { chunk } })).Outcome;
            Assert.Empty(outcome.Rejected);
        }
    }

    /// <summary>Every query RPC's reads, for several periods, equal the all-live computation's.</summary>
    private static async Task AssertSameAsLiveAsync(ServiceHost host, string shopId, DateTime? at = null)
    {
        var now = at ?? s_now;
        var service = host.App.Services.GetRequiredService<MetricQueries>();
        var live = new MetricQueries(host.Store, ComputedOutcomes.AggregatedChats, progress: null);
        var calendar = await live.FindShopAsync(shopId, CancellationToken.None) ?? throw new InvalidOperationException(shopId);
        var today = DateOnly.FromDateTime(s_now);
        DayPeriod[] periods =
        [
            new(today.AddDays(-41), today.AddDays(1)),      // all of it
            new(today.AddDays(-30), today.AddDays(-15)),    // settled days only
            new(today.AddDays(-12), today.AddDays(-5)),     // across the watermark
            new(today.AddDays(-3), today),                  // live days only
            new(today.AddDays(-20), today.AddDays(-20)),    // the holiday
        ];
        var filter = new ChatListFilter([], [], [], [], "", []);
        var rated = new ChatListFilter(["rated_4_or_5", "converted"], ["refund"], [], ["ended"], "", ["agent-b"]);
        foreach (var period in periods)
        {
            async Task<string> Both(Func<MetricQueries, Task<object>> read) =>
                Canonical(await read(service)) is var fromService && Canonical(await read(live)) is var fromLive && fromService == fromLive
                    ? fromService
                    : throw new Xunit.Sdk.XunitException($"{shopId} {period}: settled {Canonical(await read(service))}\nlive    {Canonical(await read(live))}");

            await Both(async q => await q.ReadOverviewAsync(shopId, calendar, period, now, CancellationToken.None));
            await Both(async q => await q.ReadOverviewsAsync(shopId, calendar, [period, period.Previous], now, CancellationToken.None));
            await Both(async q => await q.ReadDailyAsync(shopId, calendar, period, now, CancellationToken.None));
            await Both(async q => await q.ReadBreakdownAsync(shopId, calendar, period, now, CancellationToken.None));
            await Both(async q => await q.ReadAgentsAsync(shopId, calendar, period, now, CancellationToken.None));
            await Both(async q => await q.ReadTagBreakdownAsync(shopId, calendar, period, now, CancellationToken.None));
            var list = await Both(async q => await q.ListChatsAsync(shopId, calendar, period, now, filter, null, 10_000, CancellationToken.None));
            await Both(async q => await q.ListChatsAsync(shopId, calendar, period, now, rated, null, 10_000, CancellationToken.None));
            Assert.DoesNotContain("\"Rows\":[]", list, StringComparison.Ordinal);
        }
    }

    /// <summary>Each day's summary row equals the all-live daily trend and breakdown of that day.</summary>
    private static async Task AssertShopSummaryRowsEqualLiveDaysAsync(ServiceHost host, string shopId)
    {
        var live = new MetricQueries(host.Store, ComputedOutcomes.AggregatedChats, progress: null);
        var calendar = (await live.FindShopAsync(shopId, CancellationToken.None))!;
        var today = DateOnly.FromDateTime(s_now);
        var rows = await ShopRowsAsync(host, shopId);
        var days = await live.ReadDailyAsync(shopId, calendar, new DayPeriod(today.AddDays(-41), today.AddDays(1)), s_now, CancellationToken.None);
        Assert.Equal(days.Select(d => d.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), rows.Keys.Order());
        foreach (var day in days)
        {
            var row = rows[day.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)];
            var h = day.Figures.Headline;
            var breakdown = await live.ReadBreakdownAsync(shopId, calendar, new DayPeriod(day.Day, day.Day), s_now, CancellationToken.None);
            Assert.Equal(
                Canonical(new object?[]
                {
                    h.ChatsReceived, h.InquiriesAnsweredWithin24h, h.InquiriesCounted, h.InquiriesPending, h.FirstResponsesMeasured,
                    h.FirstResponseMeanSeconds, h.FirstResponseMedianSeconds, h.FirstResponseP90Seconds, h.RatingDistribution, h.ConvertedChats,
                    breakdown.Responded24h, breakdown.RespondedLate, breakdown.NonResponded, breakdown.Pending, breakdown.AssistantSolved,
                    breakdown.NoInquiry, day.Figures.PotentialCustomers, day.Figures.ConvertedCustomers,
                }),
                Canonical(new object?[]
                {
                    Long(row["chats_received"]), Long(row["inquiries_answered_within_24h"]), Long(row["inquiries_counted"]),
                    Long(row["inquiries_pending"]), Long(row["first_responses_measured"]), Double(row["first_response_mean_seconds"]),
                    Double(row["first_response_median_seconds"]), Double(row["first_response_p90_seconds"]),
                    JsonSerializer.Deserialize<long[]>(row["rating_distribution"]), Long(row["converted_chats"]),
                    Long(row["chats_responded_24h"]), Long(row["chats_responded_late"]), Long(row["chats_non_responded"]),
                    Long(row["chats_pending"]), Long(row["chats_assistant_solved"]), Long(row["chats_no_inquiry"]),
                    Long(row["potential_customers"]), Long(row["converted_customers"]),
                }));
        }

        static long Long(string value) => long.Parse(value, CultureInfo.InvariantCulture);

        static double? Double(string value) => value == "\\N" ? null : double.Parse(value, CultureInfo.InvariantCulture);
    }

    /// <summary>The shop's daily summary rows by day, every column but settled_at as text.</summary>
    private static Task<Dictionary<string, Dictionary<string, string>>> ShopRowsAsync(ServiceHost host, string shopId) =>
        RowsAsync(host, "SELECT * EXCEPT settled_at FROM shop_daily_summary WHERE shop_id = {shop:String}", shopId, r => r["day"]);

    private static Task<Dictionary<string, Dictionary<string, string>>> AgentRowsAsync(ServiceHost host, string shopId) =>
        RowsAsync(host, "SELECT * EXCEPT settled_at FROM agent_daily_summary WHERE shop_id = {shop:String}", shopId, r => $"{r["day"]}/{r["agent_id"]}");

    private static async Task<Dictionary<string, Dictionary<string, string>>> RowsAsync(
        ServiceHost host, string sql, string shopId, Func<Dictionary<string, string>, string> key)
    {
        var parameters = new ClickHouse.Driver.ADO.Parameters.ClickHouseParameterCollection();
        parameters.AddParameter("shop", shopId);
        using var reader = await host.Store.Client.ExecuteReaderAsync(sql, parameters);
        var rows = new Dictionary<string, Dictionary<string, string>>();
        while (reader.Read())
        {
            var row = Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, i => Text(reader.GetValue(i)));
            rows.Add(key(row), row);
        }

        return rows;
    }

    private static string Text(object value) => value switch
    {
        DBNull => "\\N",
        DateTime day => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateOnly day => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        System.Collections.IEnumerable items and not string => "[" + string.Join(", ", items.Cast<object>().Select(Text)) + "]",
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };

    private static async Task<string> ChatDayAsync(ServiceHost host, string shopId, string chatId) =>
        (await ScalarAsync(host, "SELECT toString(day) FROM settled_chats WHERE shop_id = {shop:String} AND chat_id = {chat:String}", shopId, chatId))!;

    private static async Task<string?> ScalarAsync(ServiceHost host, string sql, string shopId, string chatId)
    {
        var parameters = new ClickHouse.Driver.ADO.Parameters.ClickHouseParameterCollection();
        parameters.AddParameter("shop", shopId);
        parameters.AddParameter("chat", chatId);
        return (await host.Store.Client.ExecuteScalarAsync(sql, parameters)) as string;
    }

    private static async Task<long> CountAsync(ServiceHost host, string sql) =>
        Convert.ToInt64(await host.Store.Client.ExecuteScalarAsync(sql), CultureInfo.InvariantCulture);

    private static Task Execute(ServiceHost host, string sql) => host.Store.Client.ExecuteNonQueryAsync(sql);

    private static string Increment(string array, int index)
    {
        var values = JsonSerializer.Deserialize<long[]>(array)!;
        values[index]++;
        return "[" + string.Join(", ", values) + "]";
    }

    private static string Plus1(string count) => (long.Parse(count, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture);

    /// <summary>JSON of a result with doubles rounded to 9 significant digits (sums in another order differ in the last bits).</summary>
    private static string Canonical(object? value) => JsonSerializer.Serialize(value, s_json);

    private static readonly JsonSerializerOptions s_json = new() { Converters = { new RoundedDouble() } };

    private sealed class RoundedDouble : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString("G9", CultureInfo.InvariantCulture));
    }
}
