namespace ServiceAnalytics.Tests.Metrics;

/// <summary>Every count of every answer (overview, breakdown, agents, tags) against the list of the chats behind it.</summary>
public sealed partial class OverviewTests
{
    [Fact]
    public async Task Every_count_of_every_answer_has_a_filter_whose_total_and_rows_equal_it()
    {
        var (s, today) = await IngestDrillDownScenarioAsync();
        var current = (First: Text(today.AddDays(-6)), Last: Text(today));
        var overview = await Analytics.GetOverviewAsync(new GetOverviewRequest { ShopId = s.ShopId, FirstDay = current.First, LastDay = current.Last });
        var b = await Analytics.GetStatusBreakdownAsync(new GetStatusBreakdownRequest { ShopId = s.ShopId, FirstDay = current.First, LastDay = current.Last });
        var agents = (await Analytics.GetAgentDetailsAsync(new GetAgentDetailsRequest { ShopId = s.ShopId, FirstDay = current.First, LastDay = current.Last })).Agents;
        var tags = (await Analytics.GetTagBreakdownAsync(new GetTagBreakdownRequest { ShopId = s.ShopId, FirstDay = current.First, LastDay = current.Last })).Tags;
        AssertDrillDownCountsByHand(overview, b, agents, tags);

        var lists = new DrillDownLists(Analytics, s.ShopId, current);
        var (m, p) = (overview.Current, overview.Previous);
        foreach (var (metrics, period) in new[] { (m, current), (p, (p.FirstDay, p.LastDay)) })
        {
            await CheckOverviewCountsAsync(lists, metrics, period);
        }

        await lists.Inquiries("inquiries", m.Inquiries, r => r.InquiryOutcomes.Add([InquiryOutcome.Answered, InquiryOutcome.NonResponded]));
        await lists.Inquiries("answered within 24 h", m.InquiriesAnsweredWithin24H, r => r.InquiryOutcomes.Add(InquiryOutcome.Answered24H));
        Assert.Equal(["d9"], await lists.Inquiries("pending", m.InquiriesPending, r => r.InquiryOutcomes.Add(InquiryOutcome.Pending)));
        await CheckCategoryCountsAsync(lists, b);
        foreach (var a in agents)
        {
            await CheckAgentCountsAsync(lists, a);
        }

        foreach (var t in tags)
        {
            await CheckTagCountsAsync(lists, t);
        }

        // 2 periods x 12 overview counts, 3 inquiry counts, 6 categories, 4 agents x 9, 2 tags x 6.
        Assert.Equal(24 + 3 + 6 + 36 + 12, lists.Checks);
        await AssertDrillDownChatsByHandAsync(lists);
    }

    /// <summary>The counts, by hand (IngestDrillDownScenarioAsync says why each chat counts as it does).</summary>
    private static void AssertDrillDownCountsByHand(
        GetOverviewResponse overview, GetStatusBreakdownResponse b, IList<AgentDetails> agents, IList<TagDetails> tags)
    {
        var m = overview.Current;
        Assert.Equal((10L, 10L, 5L, 1L, 4L), (m.ChatsReceived, m.Inquiries, m.InquiriesAnsweredWithin24H, m.InquiriesPending, m.FirstResponsesMeasured));
        Assert.Equal([1L, 1L, 1L, 1L, 2L], m.RatingDistribution);
        Assert.Equal((6L, 3L, 2L), (m.ChatsRated, m.ChatsRated4Or5, m.ConvertedChats));
        Assert.Equal((10L, 2L), (m.PotentialCustomers, m.ConvertedCustomers));
        var p = overview.Previous;
        Assert.Equal((1L, 1L, 1L, 0L, 1L, 1L, 0L), (p.ChatsReceived, p.Inquiries, p.InquiriesAnsweredWithin24H, p.InquiriesPending, p.FirstResponsesMeasured, p.ConvertedChats, p.ChatsRated));
        Assert.Equal((1L, 1L), (p.PotentialCustomers, p.ConvertedCustomers));
        Assert.Equal((4L, 1L, 2L, 1L, 1L, 1L), (b.Responded24H, b.RespondedLate, b.NonResponded, b.Pending, b.AssistantSolved, b.NoInquiry));
        Assert.Equal(["a2", "a3", "a1", ""], agents.Select(a => a.AgentId));
        // (handled, answered, within 24 h, late, non-responded, rated, rated 4-5, transfers in, transfers out)
        static (long, long, long, long, long, long, long, long, long) Figures(AgentDetails a) =>
            (a.ChatsHandled, a.InquiriesAnswered, a.AnsweredWithin24H, a.AnsweredLate, a.NonResponded, a.ChatsRated, a.ChatsRated4Or5, a.TransfersIn, a.TransfersOut);
        Assert.Equal((3L, 2L, 2L, 0L, 0L, 2L, 1L, 1L, 1L), Figures(agents[0]));
        Assert.Equal((2L, 3L, 2L, 1L, 1L, 2L, 0L, 1L, 2L), Figures(agents[1]));
        Assert.Equal((1L, 2L, 1L, 1L, 1L, 1L, 1L, 2L, 1L), Figures(agents[2]));
        // Unassigned: d4's inquiry; d4's first assignment, after its 24 hours, is no transfer out of "unassigned".
        Assert.Equal((0L, 0L, 0L, 0L, 1L, 0L, 0L, 0L, 0L), Figures(agents[3]));
        Assert.Equal(["shipping", "returns"], tags.Select(t => t.Tag));
        Assert.Equal((4L, 1L, 3L, 4L, 1L, 1L), (tags[0].Chats, tags[0].AssistantSolved, tags[0].HumanHandled, tags[0].Inquiries, tags[0].AnsweredWithin24H, tags[0].ConvertedChats));
        Assert.Equal((3L, 0L, 3L, 3L, 1L, 0L), (tags[1].Chats, tags[1].AssistantSolved, tags[1].HumanHandled, tags[1].Inquiries, tags[1].AnsweredWithin24H, tags[1].ConvertedChats));
    }

    /// <summary>The 12 chat and customer counts of one period's overview.</summary>
    private static async Task CheckOverviewCountsAsync(DrillDownLists lists, PeriodMetrics metrics, (string First, string Last) period)
    {
        await lists.Chats("chats received", metrics.ChatsReceived, period, _ => { });
        await lists.Chats("first responses measured", metrics.FirstResponsesMeasured, period, r =>
        {
            r.ChatTypes.Add([ChatType.Responded24H, ChatType.RespondedLate]);
            r.InquiryOutcomes.Add(InquiryOutcome.Answered);   // keeps the chats the response rate counts
        });
        await lists.Chats("chats rated", metrics.ChatsRated, period, r => r.Ratings.Add([1, 2, 3, 4, 5]));
        await lists.Chats("chats rated 4 or 5", metrics.ChatsRated4Or5, period, r => r.ChatTypes.Add(ChatType.Rated4Or5));
        for (var stars = 1; stars <= 5; stars++)
        {
            var star = stars;
            await lists.Chats($"rated {star}", metrics.RatingDistribution[star - 1], period, r => r.Ratings.Add(star));
        }

        await lists.Chats("converted", metrics.ConvertedChats, period, r => r.ChatTypes.Add(ChatType.Converted));
        await lists.Customers("potential customers", metrics.PotentialCustomers, metrics.LastDay, _ => { });
        await lists.Customers("converted customers", metrics.ConvertedCustomers, metrics.LastDay, r => r.ChatTypes.Add(ChatType.Converted));
    }

    /// <summary>The 6 categories of the status breakdown.</summary>
    private static async Task CheckCategoryCountsAsync(DrillDownLists lists, GetStatusBreakdownResponse b)
    {
        foreach (var (type, count) in new[]
        {
            (ChatType.Responded24H, b.Responded24H), (ChatType.RespondedLate, b.RespondedLate), (ChatType.NonResponded, b.NonResponded),
            (ChatType.Pending, b.Pending), (ChatType.AssistantSolved, b.AssistantSolved), (ChatType.NoInquiry, b.NoInquiry),
        })
        {
            await lists.Chats(type.ToString(), count, lists.Current, r => r.ChatTypes.Add(type));
        }
    }

    /// <summary>The 9 counts of one agent's details.</summary>
    private static async Task CheckAgentCountsAsync(DrillDownLists lists, AgentDetails a)
    {
        var (id, current) = (a.AgentId, lists.Current);
        await lists.Chats($"{id}: chats handled", a.ChatsHandled, current, r => r.HandledByAgentIds.Add(id));
        await lists.Chats($"{id}: chats rated", a.ChatsRated, current, r => { r.HandledByAgentIds.Add(id); r.Ratings.Add([1, 2, 3, 4, 5]); });
        await lists.Chats($"{id}: chats rated 4-5", a.ChatsRated4Or5, current, r => { r.HandledByAgentIds.Add(id); r.ChatTypes.Add(ChatType.Rated4Or5); });
        foreach (var (outcome, count) in new[]
        {
            (InquiryOutcome.Answered, a.InquiriesAnswered), (InquiryOutcome.Answered24H, a.AnsweredWithin24H),
            (InquiryOutcome.AnsweredLate, a.AnsweredLate), (InquiryOutcome.NonResponded, a.NonResponded),
        })
        {
            await lists.Inquiries($"{id}: {outcome}", count, r => { r.InquiryAgentIds.Add(id); r.InquiryOutcomes.Add(outcome); });
        }

        await lists.Transfers($"{id}: transfers in", a.TransfersIn, r => { r.TransferAgentIds.Add(id); r.TransferDirections.Add(TransferDirection.In); });
        await lists.Transfers($"{id}: transfers out", a.TransfersOut, r => { r.TransferAgentIds.Add(id); r.TransferDirections.Add(TransferDirection.Out); });
    }

    /// <summary>The 6 counts of one tag's breakdown.</summary>
    private static async Task CheckTagCountsAsync(DrillDownLists lists, TagDetails t)
    {
        ChatType[] humanHandled = [ChatType.Responded24H, ChatType.RespondedLate, ChatType.NonResponded, ChatType.Pending];
        var (tag, current) = (t.Tag, lists.Current);
        await lists.Chats($"{tag}: chats", t.Chats, current, r => r.Tags.Add(tag));
        await lists.Chats($"{tag}: assistant-solved", t.AssistantSolved, current, r => { r.Tags.Add(tag); r.ChatTypes.Add(ChatType.AssistantSolved); });
        await lists.Chats($"{tag}: human-handled", t.HumanHandled, current, r => { r.Tags.Add(tag); r.ChatTypes.Add(humanHandled); });
        await lists.Chats($"{tag}: converted", t.ConvertedChats, current, r => { r.Tags.Add(tag); r.ChatTypes.Add(ChatType.Converted); });
        await lists.Inquiries($"{tag}: inquiries", t.Inquiries, r => { r.Tags.Add(tag); r.InquiryOutcomes.Add([InquiryOutcome.Answered, InquiryOutcome.NonResponded]); });
        await lists.Inquiries($"{tag}: within 24 h", t.AnsweredWithin24H, r => { r.Tags.Add(tag); r.InquiryOutcomes.Add(InquiryOutcome.Answered24H); });
    }

    /// <summary>Which chats, by hand.</summary>
    private static async Task AssertDrillDownChatsByHandAsync(DrillDownLists lists)
    {
        Assert.Equal(["d1"], await lists.Inquiries("a1 non-responded", 1, r => { r.InquiryAgentIds.Add("a1"); r.InquiryOutcomes.Add(InquiryOutcome.NonResponded); }));
        Assert.Equal(["d4"], await lists.Inquiries("unassigned", 1, r => { r.InquiryAgentIds.Add(""); r.InquiryOutcomes.Add(InquiryOutcome.NonResponded); }));
        Assert.Equal(["d10", "d2"], await lists.Inquiries("a3 answered", 3, r => { r.InquiryAgentIds.Add("a3"); r.InquiryOutcomes.Add(InquiryOutcome.Answered); }));
        Assert.Equal(["d11", "d5"], await lists.Transfers("a3 out", 2, r => { r.TransferAgentIds.Add("a3"); r.TransferDirections.Add(TransferDirection.Out); }));
        // Both directions when none is given: a3's transfers in (d2) and out (d5, d11).
        Assert.Equal(["d11", "d5", "d2"], await lists.Transfers("a3 either way", 3, r => r.TransferAgentIds.Add("a3")));
        // An agent's pending inquiry is charged to whoever has the chat so far; the list shows it, agent details do not count it.
        Assert.Equal(["d9"], await lists.Inquiries("a2 pending", 1, r => { r.InquiryAgentIds.Add("a2"); r.InquiryOutcomes.Add(InquiryOutcome.Pending); }));
        // Without inquiry filters a row holds every inquiry the rate counts of it (pending too), and a chat it does
        // not count holds none; without transfer filters, every transfer.
        var all = (await lists.ListAsync(lists.Current, _ => { })).Rows.ToDictionary(r => r.ChatId);
        Assert.Equal((3L, 1L, 0L, 0L, 0L), (all["d1"].MatchingInquiries, all["d9"].MatchingInquiries, all["d3"].MatchingInquiries, all["d5"].MatchingInquiries, all["d7"].MatchingInquiries));
        Assert.Equal((2L, 1L, 0L), (all["d2"].MatchingTransfers, all["d5"].MatchingTransfers, all["d4"].MatchingTransfers));
        // The current agent filter stays what it was: the latest assignment.
        Assert.Equal(["d11", "d5", "d1"], await lists.Chats("current agent a1", 3, lists.Current, r => r.AgentIds.Add("a1")));
    }

    /// <summary>
    /// The lists behind counts of one shop: each lists every page (3 chats each), checks that each page carries the
    /// same totals and that the count equals the list's total and rows, and counts the checks made.
    /// </summary>
    private sealed class DrillDownLists(AnalyticsService.AnalyticsServiceClient analytics, string shopId, (string First, string Last) current)
    {
        /// <summary>The period the answers under test cover.</summary>
        public (string First, string Last) Current => current;

        /// <summary>How many counts were checked against their list.</summary>
        public int Checks { get; private set; }

        /// <summary>Every page of the filtered list: the chats, and the last page (which carries the totals).</summary>
        public async Task<(List<ChatRow> Rows, ListChatsResponse Last)> ListAsync((string First, string Last) period, Action<ListChatsRequest> filter)
        {
            var request = new ListChatsRequest { ShopId = shopId, FirstDay = period.First, LastDay = period.Last, PageSize = 3 };
            filter(request);
            var rows = new List<ChatRow>();
            var pages = new List<ListChatsResponse>();
            do
            {
                var page = await analytics.ListChatsAsync(request);
                Assert.InRange(page.Chats.Count, 0, 3);
                rows.AddRange(page.Chats);
                pages.Add(page);
                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0);

            Assert.All(pages, page => Assert.Equal(
                (pages[0].Total, pages[0].MatchingInquiries, pages[0].MatchingTransfers, pages[0].Customers),
                (page.Total, page.MatchingInquiries, page.MatchingTransfers, page.Customers)));
            Assert.Equal(rows.Count, rows.Select(r => r.ChatId).Distinct().Count());
            return (rows, pages[^1]);
        }

        /// <summary>A count of chats: the filter's total and the rows of all its pages.</summary>
        public async Task<List<string>> Chats(string what, long count, (string First, string Last) period, Action<ListChatsRequest> filter)
        {
            var (rows, last) = await ListAsync(period, filter);
            Assert.True(count == last.Total && count == rows.Count, $"{what}: count {count}, total {last.Total}, rows {rows.Count}");
            Checks++;
            return [.. rows.Select(r => r.ChatId)];
        }

        public Task<List<string>> Inquiries(string what, long count, Action<ListChatsRequest> filter) =>
            Items(what, count, r => r.MatchingInquiries, r => r.MatchingInquiries, filter);

        public Task<List<string>> Transfers(string what, long count, Action<ListChatsRequest> filter) =>
            Items(what, count, r => r.MatchingTransfers, r => r.MatchingTransfers, filter);

        /// <summary>Customers: distinct customers of the chats of the 28 days ending with the last day.</summary>
        public async Task Customers(string what, long count, string lastDay, Action<ListChatsRequest> filter)
        {
            var last = DateOnly.ParseExact(lastDay, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            var (rows, response) = await ListAsync((Text(last.AddDays(-27)), lastDay), filter);
            var distinct = rows.Select(r => r.CustomerId).Where(c => c.Length > 0).Distinct().Count();
            Assert.True(count == response.Customers && count == distinct, $"{what}: count {count}, customers {response.Customers}, rows {distinct}");
            Checks++;
        }

        /// <summary>A count of inquiries or transfers: the response's sum and the sum over the rows of all pages; every row holds one.</summary>
        private async Task<List<string>> Items(string what, long count, Func<ListChatsResponse, long> total, Func<ChatRow, long> perRow, Action<ListChatsRequest> filter)
        {
            var (rows, last) = await ListAsync(current, filter);
            Assert.True(count == total(last) && count == rows.Sum(perRow), $"{what}: count {count}, response {total(last)}, rows {rows.Sum(perRow)}");
            Assert.All(rows, row => Assert.True(perRow(row) > 0, $"{what}: {row.ChatId} holds none"));
            Assert.Equal(rows.Count, last.Total);
            Checks++;
            return [.. rows.Select(r => r.ChatId)];
        }
    }
}
