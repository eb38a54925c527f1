using ServiceAnalytics.Server.Demo;

namespace ServiceAnalytics.Tests.Demo;

/// <summary>
/// The demo shop, loaded through the service's ingestion path into a service of its own per test (the loader's
/// rollup run settles every shop of its database). A smaller demo than the command's default: 8 chats a day over 60 days.
/// </summary>
public sealed class DemoShopTests
{
    /// <summary>Whole seconds: the rollup's snapshot, served to the RPCs, is as of exactly this instant.</summary>
    private static readonly DateTime s_now = DateTime.UnixEpoch.AddSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    private static readonly DemoShopOptions s_options = new() { ChatsPerDay = 8 };

    private static readonly string[] s_rawTables = ["chat_starts", "chat_messages", "chat_events", "orders", "agents", "shop_settings"];

    [Fact]
    public void The_facts_are_a_function_of_the_day_and_a_later_day_or_a_larger_demo_only_adds_facts()
    {
        // 09:00 in São Paulo (UTC-3) on 10 March 2026: the demo covers 9 January to 9 March.
        var morning = new DateTime(2026, 3, 10, 12, 0, 0, DateTimeKind.Utc);
        var facts = Facts(DemoShop.Generate(s_options, morning));
        Assert.Equal(facts, Facts(DemoShop.Generate(s_options, new DateTime(2026, 3, 11, 2, 59, 0, DateTimeKind.Utc))));

        // The next day: 10 January to 10 March. Every fact of the days both cover is sent again unchanged; the new
        // day's chats are added, and so are the facts that came due for the day before (next morning's replies).
        var nextDay = DemoShop.Generate(s_options, morning.AddDays(1));
        Assert.Subset(Facts(nextDay), facts.Where(f => !f.Contains("chat-20260109-", StringComparison.Ordinal)).ToHashSet());
        var added = nextDay.Facts.Select(f => f.EventId).Except(DemoShop.Generate(s_options, morning).Facts.Select(f => f.EventId)).ToList();
        Assert.Contains(added, id => id.StartsWith("chat-20260310-", StringComparison.Ordinal));
        Assert.Contains(added, id => id.StartsWith("chat-20260309-", StringComparison.Ordinal));

        // A larger demo adds chats to each day; the others stay as they were.
        var larger = Facts(DemoShop.Generate(new DemoShopOptions { ChatsPerDay = 12 }, morning));
        Assert.Subset(larger, facts);
        Assert.True(larger.Count > facts.Count);
    }

    [Fact]
    public async Task Loading_the_demo_twice_gives_the_same_figures_and_stores_no_fact_twice()
    {
        await using var host = await ServiceHost.StartReadyAsync();
        var loader = ActivatorUtilities.CreateInstance<DemoLoader>(host.App.Services);
        var first = await loader.LoadAsync(s_options, s_now, CancellationToken.None);
        Assert.InRange(first.Demo.Chats, 400, 700);
        var answers = await AnswersAsync(host, first.Demo);
        var stored = await RawCountsAsync(host);
        Assert.Equal(first.Demo.Facts.Count, stored.Sum(t => t.Value));

        var second = await loader.LoadAsync(s_options, s_now, CancellationToken.None);
        Assert.Equal(first.Demo.Facts.Select(f => f.ToByteString()), second.Demo.Facts.Select(f => f.ToByteString()));
        Assert.Equal(stored, await RawCountsAsync(host));
        Assert.Equal(answers, await AnswersAsync(host, second.Demo));
    }

    [Fact]
    public async Task The_demo_figures_equal_the_all_live_computation_and_hold_every_kind_of_chat()
    {
        await using var host = await ServiceHost.StartReadyAsync();
        var demo = (await ActivatorUtilities.CreateInstance<DemoLoader>(host.App.Services).LoadAsync(s_options, s_now, CancellationToken.None)).Demo;
        var service = host.App.Services.GetRequiredService<MetricQueries>();
        var live = new MetricQueries(host.Store, ComputedOutcomes.AggregatedChats, progress: null);
        var calendar = await live.FindShopAsync(demo.ShopId, CancellationToken.None) ?? throw new InvalidOperationException("no demo shop");
        Assert.Equal(DemoShop.TimeZoneId, calendar.TimeZone.Id);
        var holiday = calendar.HolidayDays.Where(d => d >= demo.FirstDay && d <= demo.LastDay).Max();
        var all = new DayPeriod(demo.FirstDay, demo.LastDay);
        DayPeriod[] periods =
        [
            all,
            new(demo.FirstDay, demo.LastDay.AddDays(-20)),                  // settled days only
            new(demo.LastDay.AddDays(-14), demo.LastDay.AddDays(-3)),        // across the watermark
            new(demo.LastDay.AddDays(-2), demo.LastDay.AddDays(1)),          // the snapshot's days, and today
            new(holiday, holiday),
        ];
        var everything = new ChatListFilter([], [], [], [], "", []);
        foreach (var period in periods)
        {
            async Task Same(Func<MetricQueries, Task<object>> read) =>
                Assert.Equal(CanonicalJson.Of(await read(live)), CanonicalJson.Of(await read(service)));

            await Same(async q => await q.ReadOverviewsAsync(demo.ShopId, calendar, [period, period.Previous], s_now, CancellationToken.None));
            await Same(async q => await q.ReadDailyAsync(demo.ShopId, calendar, period, s_now, CancellationToken.None));
            await Same(async q => await q.ReadBreakdownAsync(demo.ShopId, calendar, period, s_now, CancellationToken.None));
            await Same(async q => await q.ReadAgentsAsync(demo.ShopId, calendar, period, s_now, CancellationToken.None));
            await Same(async q => await q.ReadTagBreakdownAsync(demo.ShopId, calendar, period, s_now, CancellationToken.None));
            await Same(async q => await q.ListChatsAsync(demo.ShopId, calendar, period, s_now, everything, null, 10_000, CancellationToken.None));
        }

        // Every kind of chat, as of an hour into the shop's day (the previous night's chats are pending then, whatever
        // the hour this test runs at).
        var morning = demo.Cutoff.AddHours(1);
        var breakdown = await live.ReadBreakdownAsync(demo.ShopId, calendar, all, morning, CancellationToken.None);
        Assert.All(new[] { breakdown.Responded24h, breakdown.RespondedLate, breakdown.NonResponded, breakdown.Pending, breakdown.AssistantSolved, breakdown.NoInquiry },
            count => Assert.True(count > 0, breakdown.ToString()));
        var overview = (await live.ReadOverviewAsync(demo.ShopId, calendar, all, morning, CancellationToken.None)).Headline;
        Assert.True(overview.InquiriesPending >= DemoShop.NightOwlsPerDay, overview.ToString());
        Assert.True(overview.ConvertedChats > 0 && overview.ChatsRated > 0 && overview.RatingDistribution.All(stars => stars > 0), overview.ToString());
        var agents = await live.ReadAgentsAsync(demo.ShopId, calendar, all, morning, CancellationToken.None);
        Assert.Equal(["", .. DemoShop.Agents.Select(a => a.Id).Order(StringComparer.Ordinal)], agents.Select(a => a.AgentId).Order(StringComparer.Ordinal));
        Assert.True(agents.Sum(a => a.TransfersIn) > 0);
        var holidayFigures = (await live.ReadOverviewAsync(demo.ShopId, calendar, new DayPeriod(holiday, holiday), morning, CancellationToken.None)).Headline;
        Assert.True(holidayFigures.ChatsReceived > 0 && holidayFigures.InquiriesCounted == 0, holidayFigures.ToString());

        // Facts the figures leave out or treat as automation are there too.
        Assert.True(await CountAsync(host, "SELECT count() FROM chat_starts FINAL WHERE initiator = 'seller'") > 0);
        Assert.True(await CountAsync(host, "SELECT count() FROM chat_messages FINAL WHERE message_kind = 'greeting' AND sender_role = 'agent'") > 0);
        Assert.True(await CountAsync(host, "SELECT count() FROM chat_messages FINAL WHERE message_kind = 'greeting' AND sender_role = 'assistant'") > 0);
        Assert.True(await CountAsync(host, "SELECT count() FROM chat_messages FINAL WHERE message_kind = 'faq_card'") > 0);
        Assert.True(await CountAsync(host, "SELECT count() FROM orders FINAL WHERE kind = 'cancelled'") > 0);
        Assert.True(await CountAsync(host, "SELECT count() FROM orders FINAL WHERE kind = 'refunded'") > 0);
    }

    /// <summary>Each fact as its JSON text (event id, shop, time and content).</summary>
    private static HashSet<string> Facts(DemoFacts demo) => demo.Facts.Select(f => f.ToString()).ToHashSet();

    /// <summary>Facts per raw table, each stored fact once (FINAL).</summary>
    private static async Task<Dictionary<string, long>> RawCountsAsync(ServiceHost host)
    {
        var counts = new Dictionary<string, long>();
        foreach (var table in s_rawTables)
        {
            counts[table] = await CountAsync(host, $"SELECT count() FROM {table} FINAL");
        }

        return counts;
    }

    /// <summary>GetOverview, GetStatusBreakdown and GetAgentDetails over gRPC for the whole history, the last 30 days and the last 7.</summary>
    private static async Task<List<string>> AnswersAsync(ServiceHost host, DemoFacts demo)
    {
        var analytics = new AnalyticsService.AnalyticsServiceClient(host.Channel);
        var answers = new List<string>();
        foreach (var first in new[] { demo.FirstDay, demo.LastDay.AddDays(-29), demo.LastDay.AddDays(-6) })
        {
            var (from, to) = (Iso(first), Iso(demo.LastDay));
            answers.Add((await analytics.GetOverviewAsync(new GetOverviewRequest { ShopId = demo.ShopId, FirstDay = from, LastDay = to })).ToString());
            answers.Add((await analytics.GetStatusBreakdownAsync(new GetStatusBreakdownRequest { ShopId = demo.ShopId, FirstDay = from, LastDay = to })).ToString());
            answers.Add((await analytics.GetAgentDetailsAsync(new GetAgentDetailsRequest { ShopId = demo.ShopId, FirstDay = from, LastDay = to })).ToString());
        }

        Assert.All(answers, answer => Assert.Contains(s_now.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture), answer, StringComparison.Ordinal));
        return answers;
    }

    private static async Task<long> CountAsync(ServiceHost host, string sql) =>
        Convert.ToInt64(await host.Store.Client.ExecuteScalarAsync(sql), CultureInfo.InvariantCulture);

    private static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
