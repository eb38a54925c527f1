namespace ServiceAnalytics.Tests.Rollups;

/// <summary>
/// Drill-down across the watermark: the counts of settled days come from the daily summaries, the All Chats list
/// from the settled rows; both must still agree exactly with the live days' chats added.
/// </summary>
public sealed partial class RollupTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Counts_read_from_daily_summaries_equal_the_totals_of_their_lists_across_the_watermark(bool fromSnapshot)
    {
        // From the snapshot, every day's counts are summary rows and the list reads the run's rows; else the days
        // after the watermark are computed as of the request on both sides.
        await using var host = await ServiceHost.StartReadyAsync(fromSnapshot ? null : s_exact);
        var shop = Build("America/New_York", 6);
        await IngestAsync(host, shop.Facts);
        var run = await Runner(host).RunScheduledAsync(s_now, CancellationToken.None);
        Assert.True(run.Succeeded, run.Error);
        var queries = host.App.Services.GetRequiredService<MetricQueries>();
        var calendar = (await queries.FindShopAsync(shop.ShopId, CancellationToken.None))!;
        var today = DateOnly.FromDateTime(s_now);
        var period = new DayPeriod(today.AddDays(-25), today);
        Assert.True(run.SettledThrough > period.FirstDay && run.SettledThrough < period.LastDay);
        var none = new ChatListFilter([], [], [], [], "", []);

        async Task<ChatListPage> List(ChatListFilter filter) =>
            await queries.ListChatsAsync(shop.ShopId, calendar, period, s_now, filter, null, 10_000, CancellationToken.None);

        var overview = (await queries.ReadOverviewAsync(shop.ShopId, calendar, period, s_now, CancellationToken.None)).Headline;
        Assert.Equal(overview.ChatsReceived, (await List(none)).Total);
        Assert.Equal(overview.InquiriesCounted, (await List(none with { InquiryOutcomes = ["answered", "non_responded"] })).MatchingInquiries);
        Assert.Equal(overview.InquiriesAnsweredWithin24h, (await List(none with { InquiryOutcomes = ["answered_24h"] })).MatchingInquiries);
        Assert.Equal(overview.InquiriesPending, (await List(none with { InquiryOutcomes = ["pending"] })).MatchingInquiries);
        Assert.Equal(overview.FirstResponsesMeasured, (await List(none with { ChatTypes = ["responded_24h", "responded_late"], InquiryOutcomes = ["answered"] })).Total);
        Assert.True(overview.InquiriesPending > 0 && overview.InquiriesCounted > overview.InquiriesAnsweredWithin24h);

        var agents = await queries.ReadAgentsAsync(shop.ShopId, calendar, period, s_now, CancellationToken.None);
        Assert.Contains(agents, a => a.TransfersIn > 0);
        foreach (var a in agents)
        {
            var inquiries = none with { InquiryAgents = [a.AgentId] };
            var transfers = none with { TransferAgents = [a.AgentId] };
            Assert.Equal(
                (a.ChatsHandled, a.InquiriesAnswered, a.AnsweredWithin24h, a.AnsweredLate, a.NonResponded, a.TransfersIn, a.TransfersOut),
                ((await List(none with { HandledBy = [a.AgentId] })).Total,
                 (await List(inquiries with { InquiryOutcomes = ["answered"] })).MatchingInquiries,
                 (await List(inquiries with { InquiryOutcomes = ["answered_24h"] })).MatchingInquiries,
                 (await List(inquiries with { InquiryOutcomes = ["answered_late"] })).MatchingInquiries,
                 (await List(inquiries with { InquiryOutcomes = ["non_responded"] })).MatchingInquiries,
                 (await List(transfers with { TransferDirections = ["in"] })).MatchingTransfers,
                 (await List(transfers with { TransferDirections = ["out"] })).MatchingTransfers));
        }
    }
}
