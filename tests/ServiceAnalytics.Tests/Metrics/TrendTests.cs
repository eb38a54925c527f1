namespace ServiceAnalytics.Tests.Metrics;

/// <summary>Daily trends: the same definitions, day by day.</summary>
public sealed partial class OverviewTests
{
    [Fact]
    public async Task Daily_trends_count_each_chat_on_its_local_day_and_add_up_to_the_period()
    {
        var (s, day) = await IngestPeriodScenarioAsync();
        var request = (First: Text(day), Last: Text(day.AddDays(6)));

        var days = (await Analytics.GetDailyTrendsAsync(new GetDailyTrendsRequest { ShopId = s.ShopId, FirstDay = request.First, LastDay = request.Last })).Days;
        var overview = (await Analytics.GetOverviewAsync(new GetOverviewRequest { ShopId = s.ShopId, FirstDay = request.First, LastDay = request.Last })).Current;

        // c1 c2 on day 0; c3 on day 1; c4 c5 c6 on day 2; c8 (holiday) on day 4; c9 at 23:30 on day 6.
        Assert.Equal(
            [(Text(day), 2L), (Text(day.AddDays(1)), 1L), (Text(day.AddDays(2)), 3L), (Text(day.AddDays(4)), 1L), (Text(day.AddDays(6)), 1L)],
            days.Select(d => (d.FirstDay, d.ChatsReceived)));
        Assert.All(days, d => Assert.Equal(d.FirstDay, d.LastDay));
        Assert.Equal(overview.ChatsReceived, days.Sum(d => d.ChatsReceived));
        Assert.Equal(overview.Inquiries, days.Sum(d => d.Inquiries));
        Assert.Equal(overview.InquiriesAnsweredWithin24H, days.Sum(d => d.InquiriesAnsweredWithin24H));
        Assert.Equal(overview.ConvertedChats, days.Sum(d => d.ConvertedChats));
        // Day 0: c1 on time (exactly 24 h), c2 late.
        Assert.Equal((2L, 1L, 0.5), (days[0].Inquiries, days[0].InquiriesAnsweredWithin24H, days[0].ResponseRate24H));
        // Day 4 holds only the holiday chat: received and rated 5, no inquiry counted.
        Assert.Equal((0L, 1L), (days[3].Inquiries, days[3].ChatsRated4Or5));
        Assert.False(days[3].HasResponseRate24H);
        // The last day's 28-day customer counts are the period's.
        Assert.Equal((overview.PotentialCustomers, overview.ConvertedCustomers), (days[^1].PotentialCustomers, days[^1].ConvertedCustomers));
        // Day 0's window holds u0 (five days earlier) and u1 u2.
        Assert.Equal((3L, 1L), (days[0].PotentialCustomers, days[0].ConvertedCustomers));
    }
}
