namespace ServiceAnalytics.Tests.Metrics;

/// <summary>
/// The headline metrics against a scenario built fact by fact, every expectation computed by hand here
/// (docs/metrics.md has the definitions). Facts are sent shuffled and twice.
/// </summary>
public sealed partial class OverviewTests(ServiceHostFixture service) : IClassFixture<ServiceHostFixture>
{
    private static readonly TimeZoneInfo s_berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    private AnalyticsService.AnalyticsServiceClient Analytics => new(service.Host.Channel);

    [Fact]
    public async Task Every_headline_metric_matches_the_hand_computed_scenario()
    {
        var (s, day) = await IngestPeriodScenarioAsync();
        var response = await Analytics.GetOverviewAsync(new GetOverviewRequest { ShopId = s.ShopId, FirstDay = Text(day), LastDay = Text(day.AddDays(6)) });

        Assert.Equal("Europe/Berlin", response.TimeZone);
        var m = response.Current;
        Assert.Equal((Text(day), Text(day.AddDays(6))), (m.FirstDay, m.LastDay));
        Assert.Equal(8, m.ChatsReceived);                                   // c1 c2 c3 c4 c5 c6 c8 c9
        // Counted chats c1 c2 c3 c4 c6 c9: inquiries 1 + 1 + 3 + 1 + 1 + 1; on time 1 + 0 + 2 + 0 + 1 + 1.
        Assert.Equal((8L, 5L, 0L), (m.Inquiries, m.InquiriesAnsweredWithin24H, m.InquiriesPending));
        Assert.Equal(5.0 / 8, m.ResponseRate24H, 10);
        // First responses: 86400, 86401, 1800, 1800, 6000 seconds.
        Assert.Equal(5, m.FirstResponsesMeasured);
        Assert.Equal((86400 + 86401 + 1800 + 1800 + 6000) / 5.0, m.FirstResponseMeanSeconds, 6);
        // Sorted 1800, 1800, 6000, 86400, 86401: the median is the middle one; p90 at rank 0.9 × 4 = 3.6 lies
        // 0.6 of the way from 86400 to 86401.
        Assert.Equal(6000, m.FirstResponseMedianSeconds, 6);
        Assert.Equal(86400.6, m.FirstResponseP90Seconds, 6);
        // Latest ratings of received chats: c5 1, c1 2, c3 4, c8 5.
        Assert.Equal([1L, 1L, 0L, 1L, 1L], m.RatingDistribution);
        Assert.Equal((4L, 2L), (m.ChatsRated, m.ChatsRated4Or5));
        Assert.Equal(2.0 / 8, m.SatisfactionRate, 10);
        Assert.Equal(2.0 / 4, m.SatisfactionRateOfRated, 10);
        Assert.Equal(4.0 / 8, m.RatedShare, 10);
        Assert.Equal(2, m.ConvertedChats);                                   // c1, c6
        Assert.Equal(2.0 / 8, m.ConversionRate, 10);
        // 28 days ending with the last day: u0 u1 u2 u3 u4 u5 u6 u8 u9; converted u1 u6.
        Assert.Equal((9L, 2L), (m.PotentialCustomers, m.ConvertedCustomers));

        var p = response.Previous;
        Assert.Equal((Text(day.AddDays(-7)), Text(day.AddDays(-1))), (p.FirstDay, p.LastDay));
        Assert.Equal((1L, 1L, 1L), (p.ChatsReceived, p.Inquiries, p.InquiriesAnsweredWithin24H));
        Assert.Equal(600, p.FirstResponseMeanSeconds, 6);
        Assert.Equal(1.0, p.SatisfactionRate, 10);
        Assert.Equal((true, 0.0), (p.HasConversionRate, p.ConversionRate));
    }

    [Fact]
    public async Task An_inquiry_inside_its_24_hours_is_pending_and_rates_stay_unset_without_a_denominator()
    {
        var s = new FactScenario($"shop-{Guid.NewGuid():N}");
        var asked = DateTime.UtcNow.AddHours(-1);
        Chat(s, "c1", "u1", asked);
        s.Message("c1", SenderRole.Customer, MessageKind.Text, asked);
        await IngestShuffledTwiceAsync(s);
        var today = DateOnly.FromDateTime(asked);

        var m = (await Analytics.GetOverviewAsync(new GetOverviewRequest { ShopId = s.ShopId, FirstDay = Text(today), LastDay = Text(today) })).Current;

        Assert.Equal((1L, 0L, 1L), (m.ChatsReceived, m.Inquiries, m.InquiriesPending));
        Assert.False(m.HasResponseRate24H);
        Assert.False(m.HasFirstResponseMeanSeconds);
        Assert.False(m.HasSatisfactionRateOfRated);
        Assert.Equal((true, 0.0), (m.HasSatisfactionRate, m.SatisfactionRate));
    }

    [Fact]
    public async Task Days_are_local_days_across_a_daylight_saving_change()
    {
        // The last Sunday of October: Europe/Berlin goes from UTC+2 to UTC+1, so that day has 25 hours.
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var year = today >= LastSundayOfOctober(today.Year).AddDays(1) ? today.Year : today.Year - 1;
        var change = LastSundayOfOctober(year);
        var s = new FactScenario($"shop-{Guid.NewGuid():N}");
        s.Add(TimeZoneInfo.ConvertTimeToUtc(change.AddDays(-30).ToDateTime(TimeOnly.MinValue), s_berlin),
            f => f.ShopSettingsChanged = new ShopSettingsChanged { TimeZone = "Europe/Berlin" });
        var midnight = change.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        (string Chat, DateTime At)[] chats =
        [
            ("before", midnight.AddHours(-2).AddMinutes(-30)),  // 23:30 CEST the day before
            ("first", midnight.AddHours(-1).AddMinutes(-30)),   // 00:30 CEST on the day
            ("last", midnight.AddHours(22).AddMinutes(30)),     // 23:30 CET on the day (25 hours after local midnight - 1)
            ("after", midnight.AddHours(23).AddMinutes(30)),    // 00:30 CET the day after
        ];
        foreach (var (chat, at) in chats)
        {
            Chat(s, chat, "u-" + chat, at);
            s.Message(chat, SenderRole.Customer, MessageKind.Text, at);
        }

        await IngestShuffledTwiceAsync(s);
        var m = (await Analytics.GetOverviewAsync(new GetOverviewRequest { ShopId = s.ShopId, FirstDay = Text(change), LastDay = Text(change) })).Current;

        Assert.Equal(2, m.ChatsReceived);
    }

    [Theory]
    [InlineData("", "2026-01-01", "2026-01-07", StatusCode.InvalidArgument, "shop_id")]
    [InlineData("known", "2026-01-08", "2026-01-07", StatusCode.InvalidArgument, "last_day")]
    [InlineData("known", "2026-01-01", "2027-01-02", StatusCode.InvalidArgument, "last_day")]
    [InlineData("known", "2026-13-01", "2026-01-07", StatusCode.InvalidArgument, "first_day")]
    [InlineData("known", "yesterday", "2026-01-07", StatusCode.InvalidArgument, "first_day")]
    [InlineData("known", "9999-12-31", "9999-12-31", StatusCode.InvalidArgument, "first_day")]
    [InlineData("known", "2026-01-01", "9999-12-31", StatusCode.InvalidArgument, "last_day")]
    [InlineData("known", "2100-12-31", "2101-01-01", StatusCode.InvalidArgument, "last_day")]
    [InlineData("never-seen-shop", "2026-01-01", "2026-01-07", StatusCode.NotFound, "")]
    public async Task Bad_requests_are_refused_with_the_field(string shop, string first, string last, StatusCode status, string field)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Analytics.GetOverviewAsync(new GetOverviewRequest { ShopId = shop, FirstDay = first, LastDay = last }).ResponseAsync);

        Assert.Equal(status, error.StatusCode);
        if (field.Length > 0)
        {
            Assert.Equal(field, Assert.Single(error.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>()!.FieldViolations).Field);
        }
    }

    /// <summary>
    /// The scenario of the period day .. day+6 (and its previous period), built fact by fact; the comments say what
    /// each chat is there to test, the tests say what it must count as.
    /// </summary>
    private async Task<(FactScenario Scenario, DateOnly Day)> IngestPeriodScenarioAsync()
    {
        var day = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-20);   // the period is day .. day+6
        var s = new FactScenario($"shop-{Guid.NewGuid():N}");
        PeriodClock local = (dayOffset, hour, minute, second) =>
            TimeZoneInfo.ConvertTimeToUtc(day.AddDays(dayOffset).ToDateTime(new TimeOnly(hour, minute, second)), s_berlin);

        s.Add(local(-30, 0, 0), f => f.ShopSettingsChanged = new ShopSettingsChanged
        {
            TimeZone = "Europe/Berlin",
            Holidays = { new HolidayPeriod { FirstDay = Text(day.AddDays(4)), LastDay = Text(day.AddDays(4)) } },
        });

        AddPeriodChatsC0ToC3(s, local);
        AddPeriodChatsC4ToC10(s, local);
        AddAgentsTagsAndAssignments(s, local);
        await IngestShuffledTwiceAsync(s);
        return (s, day);
    }

    /// <summary>An instant of the period scenario: Berlin local time on a day counted from the period's first day.</summary>
    private delegate DateTime PeriodClock(int dayOffset, int hour, int minute, int second = 0);

    /// <summary>c0 (previous period) to c3: the 24-hour edge, rating replaced, the 7-day conversion edge, several inquiries.</summary>
    private static void AddPeriodChatsC0ToC3(FactScenario s, PeriodClock local)
    {
        // Previous period: c0 answered in 10 minutes, rated 5.
        Chat(s, "c0", "u0", local(-5, 10, 0));
        s.Message("c0", SenderRole.Customer, MessageKind.Text, local(-5, 10, 0));
        s.Message("c0", SenderRole.Agent, MessageKind.Text, local(-5, 10, 10), agentId: "a1");
        s.Rated("c0", 5, local(-5, 11, 0));

        // c1: a reply at exactly 24 h is on time. Rated 5, then the rating is replaced by 2. Ends, and u1 orders
        // exactly 7 days after the end: converted.
        Chat(s, "c1", "u1", local(0, 9, 0));
        s.Message("c1", SenderRole.Customer, MessageKind.Text, local(0, 9, 0));
        s.Message("c1", SenderRole.Agent, MessageKind.Text, local(1, 9, 0), agentId: "a1");
        s.Rated("c1", 5, local(1, 10, 0));
        s.Rated("c1", 2, local(2, 10, 0));
        s.Ended("c1", local(1, 10, 0));
        s.OrderPlaced("o1", "u1", local(1, 10, 0).AddDays(7), 1000);

        // c2: a reply 24 h and one second later is late. u2 orders 7 days and 1 second after the end: not converted.
        Chat(s, "c2", "u2", local(0, 10, 0));
        s.Message("c2", SenderRole.Customer, MessageKind.Text, local(0, 10, 0));
        s.Message("c2", SenderRole.Agent, MessageKind.Text, local(1, 10, 0, 1), agentId: "a1");
        s.Ended("c2", local(1, 11, 0));
        s.OrderPlaced("o2", "u2", local(1, 11, 0).AddDays(7).AddSeconds(1), 1000);

        // c3: three inquiries — two messages then a reply after 30 min; one answered in 10 min; one never answered.
        // Rated 4. u3 ordered before the chat ended: not converted.
        Chat(s, "c3", "u3", local(1, 10, 0));
        s.Message("c3", SenderRole.Customer, MessageKind.Text, local(1, 10, 0));
        s.Message("c3", SenderRole.Customer, MessageKind.Image, local(1, 10, 5));
        s.Message("c3", SenderRole.Agent, MessageKind.Text, local(1, 10, 30), agentId: "a2");
        s.Message("c3", SenderRole.Customer, MessageKind.Text, local(1, 11, 0));
        s.Message("c3", SenderRole.Agent, MessageKind.ProductCard, local(1, 11, 10), agentId: "a2");
        s.Message("c3", SenderRole.Customer, MessageKind.Text, local(1, 12, 0));
        s.Message("c3", SenderRole.Customer, MessageKind.Text, local(1, 12, 1), expectsNoReply: true);
        s.Ended("c3", local(1, 13, 0));
        s.Rated("c3", 4, local(1, 14, 0));
        s.OrderPlaced("o3", "u3", local(1, 9, 0), 1000);
    }

    /// <summary>c4 to c10: greetings only, assistant-solved, seller-started, holiday, and the period's last-day edge.</summary>
    private static void AddPeriodChatsC4ToC10(FactScenario s, PeriodClock local)
    {
        // c4: only a greeting and an off-hours auto-reply: the inquiry is never answered, and the chat is not
        // assistant-solved. u4's order is refunded: not converted.
        Chat(s, "c4", "u4", local(2, 10, 0));
        s.Message("c4", SenderRole.Customer, MessageKind.Text, local(2, 10, 0));
        s.Message("c4", SenderRole.Assistant, MessageKind.Greeting, local(2, 10, 0, 1));
        s.Message("c4", SenderRole.System, MessageKind.OffHoursAutoReply, local(2, 10, 0, 2));
        s.OrderPlaced("o4", "u4", local(3, 10, 0), 1000);
        s.Add(local(4, 10, 0), f => f.OrderCancelled = new OrderCancelled { OrderId = "o4", CustomerId = "u4", CancellationKind = OrderCancellationKind.Refunded });

        // c5: solved by an assistant FAQ card: received, but out of the response rate. Rated 1.
        Chat(s, "c5", "u5", local(2, 11, 0));
        s.Message("c5", SenderRole.Customer, MessageKind.Text, local(2, 11, 0));
        s.Message("c5", SenderRole.Assistant, MessageKind.FaqCard, local(2, 11, 0, 5));
        s.Rated("c5", 1, local(2, 12, 0));

        // c6: an FAQ card, then a human reply after 30 min: human-handled. No end: it ends at its last message,
        // and u6 orders the next day: converted.
        Chat(s, "c6", "u6", local(2, 12, 0));
        s.Message("c6", SenderRole.Customer, MessageKind.Text, local(2, 12, 0));
        s.Message("c6", SenderRole.Assistant, MessageKind.FaqCard, local(2, 12, 0, 5));
        s.Message("c6", SenderRole.Agent, MessageKind.Text, local(2, 12, 30), agentId: "a1");
        s.OrderPlaced("o6", "u6", local(3, 12, 0), 1000);

        // c7: started by the seller: no chat received, nothing counted. Its rating is ignored.
        s.Add(local(3, 9, 0), f => f.ChatStarted = new ChatStarted { ChatId = "c7", CustomerId = "u7", EntryPoint = EntryPoint.OrderPage, Initiator = ChatInitiator.Seller });
        s.Message("c7", SenderRole.Agent, MessageKind.Text, local(3, 9, 0), agentId: "a1");
        s.Message("c7", SenderRole.Customer, MessageKind.Text, local(3, 9, 5));
        s.Rated("c7", 5, local(3, 10, 0));

        // c8: received on the holiday: received and rated 5, out of the response rate (its late reply too).
        Chat(s, "c8", "u8", local(4, 11, 0));
        s.Message("c8", SenderRole.Customer, MessageKind.Text, local(4, 11, 0));
        s.Message("c8", SenderRole.Agent, MessageKind.Text, local(6, 11, 0), agentId: "a2");
        s.Rated("c8", 5, local(6, 12, 0));

        // c9: at 23:30 local on the last day, answered after midnight (100 min): in the period.
        // c10: at 00:30 local the day after: outside.
        Chat(s, "c9", "u9", local(6, 23, 30));
        s.Message("c9", SenderRole.Customer, MessageKind.Text, local(6, 23, 30));
        s.Message("c9", SenderRole.Agent, MessageKind.Text, local(7, 1, 10), agentId: "a2");
        Chat(s, "c10", "u10", local(7, 0, 30));
        s.Message("c10", SenderRole.Customer, MessageKind.Text, local(7, 0, 30));
    }

    /// <summary>Agent names, tags, assignments and a resolution, for agent details, tags and the list filters.</summary>
    private static void AddAgentsTagsAndAssignments(FactScenario s, PeriodClock local)
    {
        // For agent details and tags: names for a1 and a2; c5 (assistant) and c6 (human) tagged pre-purchase.
        s.Agent("a1", "Ada", true, local(-30, 0, 0));
        s.Agent("a2", "Bo", true, local(-30, 0, 0));
        s.Add(local(2, 11, 2), f => f.ChatTagged = new ChatTagged { ChatId = "c5", Tags = { "pre-purchase" } });
        s.Add(local(2, 12, 1), f => f.ChatTagged = new ChatTagged { ChatId = "c6", Tags = { "pre-purchase" } });
        // For the list filters: c3 gets a tag, c2 goes from a1 to a new agent, c5 an assistant resolution.
        s.Add(local(1, 13, 30), f => f.ChatTagged = new ChatTagged { ChatId = "c3", Tags = { "logistics" } });
        s.Assigned("c2", "", "a1", local(0, 10, 30));
        s.Assigned("c2", "a1", "a9", local(0, 11, 0));
        s.Add(local(2, 11, 1), f => f.ChatResolved = new ChatResolved { ChatId = "c5", ResolvedBy = ResolvedBy.Assistant });
    }

    private static void Chat(FactScenario scenario, string chat, string customer, DateTime at) => scenario.ChatStarted(chat, customer, at, []);

    private async Task IngestShuffledTwiceAsync(FactScenario scenario)
    {
        var ingestion = new IngestionService.IngestionServiceClient(service.Host.Channel);
        var random = new Random(17);
        foreach (var round in new[] { 1, 2 })
        {
            var facts = scenario.Facts.OrderBy(_ => random.Next()).ToList();
            var outcome = (await ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { facts } })).Outcome;
            Assert.Empty(outcome.Rejected);
        }
    }

    private static DateOnly LastSundayOfOctober(int year)
    {
        var day = new DateOnly(year, 10, 31);
        return day.AddDays(-(int)day.DayOfWeek);
    }

    private static string Text(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
