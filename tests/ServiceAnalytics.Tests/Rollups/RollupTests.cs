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
        await IngestBackdatedAsync(host, shops);
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
        var shop = await IngestAndRunAsync(host, "Europe/Berlin", 3);
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
        var shop = await IngestAndRunAsync(host, "UTC", 4);
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
        await IngestBackdatedAsync(host, shop, quiet);
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
        await IngestBackdatedAsync(host, existing);
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
}
