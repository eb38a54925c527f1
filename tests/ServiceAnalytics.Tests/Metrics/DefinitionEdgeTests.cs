using ServiceAnalytics.Storage.Rollups;

namespace ServiceAnalytics.Tests.Metrics;

/// <summary>
/// Edge cases of the definitions that an outside check found answered wrong (issue 13), each read as computed from
/// the facts and again after the rollup job settled or snapshotted the days: automatic messages sent under an
/// agent's account, quantiles of even counts, cancellations naming another customer. Expectations are computed by
/// hand here from docs/metrics.md. Each test has a service of its own (a rollup run settles its whole database).
/// </summary>
public sealed class DefinitionEdgeTests
{
    private static readonly DateTime s_now = DateTime.UnixEpoch.AddSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    /// <summary>A local (UTC) day 20 days back, settled by the first scheduled run; the test's period is it and the next.</summary>
    private static readonly DateOnly s_day = DateOnly.FromDateTime(s_now).AddDays(-20);

    [Fact]
    public async Task Greetings_and_off_hours_replies_sent_as_an_agent_answer_nothing_and_quantiles_interpolate()
    {
        await using var host = await ServiceHost.StartReadyAsync();
        var s = GreetingsScenario();
        AddQuantileChats(s);
        await IngestAsync(host, s.Facts);
        await AssertFiguresAsync(host, s.ShopId);
        await SettleAsync(host);
        await AssertFiguresAsync(host, s.ShopId);
    }

    /// <summary>At hour:minute:second (UTC) on the day <paramref name="day"/> days after the test's first day.</summary>
    private static DateTime At(int day, int hour, int minute, int second = 0) => s_day.AddDays(day).ToDateTime(new TimeOnly(hour, minute, second), DateTimeKind.Utc);

    /// <summary>g1..g4: greetings and off-hours replies sent under an agent's account, with and without a human reply after.</summary>
    private static FactScenario GreetingsScenario()
    {
        var s = new FactScenario($"shop-{Guid.NewGuid():N}");
        s.Agent("a1", "Ada", true, At(-5, 0, 0));
        s.Agent("a2", "Bo", true, At(-5, 0, 0));

        // g1: a greeting sent under agent a1's account 30 s after the question, nothing else: non-responded.
        s.CustomerAsks("g1", At(0, 10, 0));
        s.Message("g1", SenderRole.Agent, MessageKind.Greeting, At(0, 10, 0, 30), "a1");
        // g2: the same greeting, then an assistant FAQ card and an assistant resolution: assistant-solved.
        s.CustomerAsks("g2", At(0, 11, 0));
        s.Message("g2", SenderRole.Agent, MessageKind.Greeting, At(0, 11, 0, 30), "a1");
        s.Message("g2", SenderRole.Assistant, MessageKind.FaqCard, At(0, 11, 1));
        s.Add(At(0, 11, 2), f => f.ChatResolved = new ChatResolved { ChatId = "g2", ResolvedBy = ResolvedBy.Assistant });
        // g3: an off-hours auto-reply under a1's account: non-responded.
        s.CustomerAsks("g3", At(0, 12, 0));
        s.Message("g3", SenderRole.Agent, MessageKind.OffHoursAutoReply, At(0, 12, 0, 10), "a1");
        // g4: a greeting under a1's account, then a2's reply after 20 minutes: a2 answered it, in 1,200 s.
        s.CustomerAsks("g4", At(1, 9, 0));
        s.Message("g4", SenderRole.Agent, MessageKind.Greeting, At(1, 9, 0, 5), "a1");
        s.Message("g4", SenderRole.Agent, MessageKind.Text, At(1, 9, 20), "a2");
        return s;
    }

    /// <summary>q1..q10 on day 0 and r0..r4 on day 1: answered by a2 in known times, for the quantiles.</summary>
    private static void AddQuantileChats(FactScenario s)
    {
        // Day 0: ten chats answered by a2 in 100, 200, …, 1,000 s (an even count, and 0.9 × 10 a whole number).
        for (var i = 1; i <= 10; i++)
        {
            s.CustomerAsks($"q{i}", At(0, 14, i));
            s.Message($"q{i}", SenderRole.Agent, MessageKind.Text, At(0, 14, i).AddSeconds(100 * i), "a2");
        }

        // Day 1: five more, in 100, 200, 400, 800 and 1,600 s.
        foreach (var (seconds, i) in new[] { 100, 200, 400, 800, 1600 }.Select((v, i) => (v, i)))
        {
            s.CustomerAsks($"r{i}", At(1, 14, i));
            s.Message($"r{i}", SenderRole.Agent, MessageKind.Text, At(1, 14, i).AddSeconds(seconds), "a2");
        }
    }

    /// <summary>The first response figures and their quantiles, for day 0, day 1 and both.</summary>
    private static async Task AssertFiguresAsync(ServiceHost host, string shopId)
    {
        var analytics = new AnalyticsService.AnalyticsServiceClient(host.Channel);
        var day0 = (await analytics.GetOverviewAsync(new GetOverviewRequest { ShopId = shopId, FirstDay = Text(s_day), LastDay = Text(s_day) })).Current;
        // Counted inquiries of day 0: g1, g3 (never answered) and q1..q10 (on time); g2 is assistant-solved.
        Assert.Equal((13L, 12L, 10L), (day0.ChatsReceived, day0.Inquiries, day0.InquiriesAnsweredWithin24H));
        Assert.Equal(10, day0.FirstResponsesMeasured);
        // 100 … 1,000: the median is the mean of 500 and 600; p90 at rank 0.9 × 9 = 8.1 is 900 + 0.1 × 100.
        Assert.Equal((550.0, 550.0, 910.0), (day0.FirstResponseMeanSeconds, day0.FirstResponseMedianSeconds, Round(day0.FirstResponseP90Seconds)));

        var day1 = (await analytics.GetOverviewAsync(new GetOverviewRequest { ShopId = shopId, FirstDay = Text(s_day.AddDays(1)), LastDay = Text(s_day.AddDays(1)) })).Current;
        // 100, 200, 400, 800, 1,200 (g4), 1,600: median (400 + 800) / 2; p90 at rank 4.5 is 1,200 + 0.5 × 400.
        Assert.Equal((6L, 6L), (day1.FirstResponsesMeasured, day1.InquiriesAnsweredWithin24H));
        Assert.Equal((600.0, 1400.0), (day1.FirstResponseMedianSeconds, Round(day1.FirstResponseP90Seconds)));

        var both = (await analytics.GetOverviewAsync(new GetOverviewRequest { ShopId = shopId, FirstDay = Text(s_day), LastDay = Text(s_day.AddDays(1)) })).Current;
        // The 16 times sorted: 100 100 200 200 300 400 400 500 600 700 800 800 900 1000 1200 1600. Median: the mean
        // of the 8th and 9th (500, 600); p90 at rank 0.9 × 15 = 13.5: 1000 + 0.5 × 200.
        Assert.Equal(16, both.FirstResponsesMeasured);
        Assert.Equal((550.0, 1100.0), (both.FirstResponseMedianSeconds, Round(both.FirstResponseP90Seconds)));
        await AssertGreetingsAnswerNothingAsync(analytics, shopId);
    }

    /// <summary>The greetings' chats: their categories, and a1 (automatic messages only) handled and answered nothing.</summary>
    private static async Task AssertGreetingsAnswerNothingAsync(AnalyticsService.AnalyticsServiceClient analytics, string shopId)
    {
        var breakdown = await analytics.GetStatusBreakdownAsync(new GetStatusBreakdownRequest { ShopId = shopId, FirstDay = Text(s_day), LastDay = Text(s_day) });
        Assert.Equal((10L, 2L, 1L, 0L), (breakdown.Responded24H, breakdown.NonResponded, breakdown.AssistantSolved, breakdown.Pending));

        var g = await analytics.ListChatsAsync(new ListChatsRequest { ShopId = shopId, FirstDay = Text(s_day), LastDay = Text(s_day.AddDays(1)), PageSize = 200 });
        var types = g.Chats.Where(c => c.ChatId.StartsWith('g')).ToDictionary(c => c.ChatId, c => (c.Type, c.HasFirstResponseSeconds));
        Assert.Equal((ChatType.NonResponded, false), types["g1"]);
        Assert.Equal((ChatType.AssistantSolved, false), types["g2"]);
        Assert.Equal((ChatType.NonResponded, false), types["g3"]);
        Assert.Equal((ChatType.Responded24H, true), types["g4"]);

        // a1 sent only automatic messages: not an agent who handled or answered anything. a2 answered 16.
        var agents = (await analytics.GetAgentDetailsAsync(new GetAgentDetailsRequest { ShopId = shopId, FirstDay = Text(s_day), LastDay = Text(s_day.AddDays(1)) })).Agents;
        Assert.DoesNotContain(agents, a => a.AgentId == "a1");
        var a2 = Assert.Single(agents, a => a.AgentId == "a2");
        Assert.Equal((16L, 16L, 16L), (a2.ChatsHandled, a2.InquiriesAnswered, a2.AnsweredWithin24H));
        Assert.Equal(1100.0, Round(a2.ResponseP90Seconds));
        // g1 and g3 had nobody assigned when their 24 hours closed.
        Assert.Equal(2, Assert.Single(agents, a => a.AgentId == "").NonResponded);

        var handledByA1 = await analytics.ListChatsAsync(new ListChatsRequest
        {
            ShopId = shopId, FirstDay = Text(s_day), LastDay = Text(s_day.AddDays(1)), HandledByAgentIds = { "a1" },
        });
        Assert.Empty(handledByA1.Chats);
    }

    [Fact]
    public async Task A_cancellation_voids_its_order_whatever_customer_it_names_in_either_arrival_order()
    {
        // Answers as of the request (no snapshot served), so a fact arriving after the run must be found by the
        // chats-to-recompute lookup rather than by a refresh.
        await using var host = await ServiceHost.StartReadyAsync(new Dictionary<string, string?> { ["Rollups:SnapshotMaxAge"] = "00:00:00" });
        var s = new FactScenario($"shop-{Guid.NewGuid():N}");
        var recent = s_now.AddDays(-3);
        // k1, k4 (old, settled) and k2, k3 (recent, after the watermark): each ended, then its customer ordered a day later.
        foreach (var (chat, at) in new[] { ("k1", s_now.AddDays(-20)), ("k4", s_now.AddDays(-20).AddMinutes(30)), ("k2", recent), ("k3", recent.AddMinutes(5)) })
        {
            s.CustomerAsks(chat, at);
            s.Message(chat, SenderRole.Agent, MessageKind.Text, at.AddMinutes(1), "a1");
            s.Ended(chat, at.AddMinutes(10));
        }

        // k1: order, and its refund naming another customer, both in before the run.
        s.OrderPlaced("o-k1", "u-k1", s_now.AddDays(-19), 1000);
        s.Add(s_now.AddDays(-18), f => f.OrderCancelled = new OrderCancelled { OrderId = "o-k1", CustomerId = "someone-else", CancellationKind = OrderCancellationKind.Refunded });
        // k3: the cancellation (naming another customer, dated before the order) arrives before its order.
        var cancellationFirst = new FactScenario(s.ShopId);
        cancellationFirst.Add(recent.AddHours(20), f => f.OrderCancelled = new OrderCancelled { OrderId = "o-k3", CustomerId = "u-other", CancellationKind = OrderCancellationKind.Cancelled });
        await IngestAsync(host, s.Facts);
        await IngestAsync(host, cancellationFirst.Facts, "first-");
        await SettleAsync(host);
        Assert.Equal((0L, 0L), await ConvertedAsync(host, s.ShopId));

        // k2's order arrives after the run: converted at once; k4's, for a settled day, once a run has backfilled it.
        var order = new FactScenario(s.ShopId);
        order.OrderPlaced("o-k2", "u-k2", recent.AddDays(1), 1000);
        order.OrderPlaced("o-k3", "u-k3", recent.AddDays(1), 1000);
        order.OrderPlaced("o-k4", "u-k4", s_now.AddDays(-19), 1000);
        await IngestAsync(host, order.Facts, "order-");
        Assert.Equal(1L, (await ConvertedAsync(host, s.ShopId)).Recent);
        await SettleAsync(host);
        Assert.Equal((1L, 1L), await ConvertedAsync(host, s.ShopId));

        // Their cancellations under another customer id then void them: k2's at once, k4's with the next run. Those
        // runs' rows took the orders in, so only the cancellation can tell them which chats changed.
        var cancellation = new FactScenario(s.ShopId);
        cancellation.Add(recent.AddDays(2), f => f.OrderCancelled = new OrderCancelled { OrderId = "o-k2", CustomerId = "u-other", CancellationKind = OrderCancellationKind.Cancelled });
        cancellation.Add(s_now.AddDays(-18), f => f.OrderCancelled = new OrderCancelled { OrderId = "o-k4", CustomerId = "u-other", CancellationKind = OrderCancellationKind.Refunded });
        await IngestAsync(host, cancellation.Facts, "cancel-");
        Assert.Equal(0L, (await ConvertedAsync(host, s.ShopId)).Recent);

        // The next run settles and snapshots the same.
        await SettleAsync(host);
        Assert.Equal((0L, 0L), await ConvertedAsync(host, s.ShopId));
    }

    /// <summary>Converted chats of the days about 20 days back (k1, k4) and of the last 7 days (k2, k3).</summary>
    private static async Task<(long Settled, long Recent)> ConvertedAsync(ServiceHost host, string shopId)
    {
        var analytics = new AnalyticsService.AnalyticsServiceClient(host.Channel);
        var today = DateOnly.FromDateTime(s_now);
        var old = await analytics.GetOverviewAsync(new GetOverviewRequest { ShopId = shopId, FirstDay = Text(today.AddDays(-21)), LastDay = Text(today.AddDays(-19)) });
        var recent = await analytics.GetOverviewAsync(new GetOverviewRequest { ShopId = shopId, FirstDay = Text(today.AddDays(-6)), LastDay = Text(today) });
        return (old.Current.ConvertedChats, recent.Current.ConvertedChats);
    }

    /// <summary>The scheduled rollup run, as the job runs it: settles every day up to ten days back.</summary>
    private static async Task SettleAsync(ServiceHost host)
    {
        var run = await ActivatorUtilities.CreateInstance<RollupRunner>(host.App.Services).RunScheduledAsync(DateTime.UtcNow, CancellationToken.None);
        Assert.True(run.Succeeded, run.Error);
        Assert.True(run.SettledThrough >= s_day.AddDays(1));
    }

    private static async Task IngestAsync(ServiceHost host, IReadOnlyList<Fact> facts, string eventPrefix = "")
    {
        var ingestion = new IngestionService.IngestionServiceClient(host.Channel);
        var copies = facts.Select(f =>
        {
            var copy = f.Clone();
            copy.EventId = eventPrefix + copy.EventId;
            return copy;
        });
        var outcome = (await ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { copies } })).Outcome;
        Assert.Empty(outcome.Rejected);
    }

    /// <summary>Quantiles come back as doubles from a division: compared to the millisecond.</summary>
    private static double Round(double seconds) => Math.Round(seconds, 3);

    private static string Text(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
