using System.Globalization;
using Grpc.Core;
using ServiceAnalytics.Contracts.Ingest.V1;
using ServiceAnalytics.Contracts.Query.V1;
using ServiceAnalytics.Tests.Infrastructure;
using ServiceAnalytics.Tests.Ingestion;

namespace ServiceAnalytics.Tests.Metrics;

/// <summary>The status breakdown, and the All Chats list behind every count (the list's size equals the count).</summary>
public sealed partial class OverviewTests
{
    [Fact]
    public async Task The_status_breakdown_puts_each_chat_received_in_one_category()
    {
        var (s, day) = await IngestPeriodScenarioAsync();

        var b = await Analytics.GetStatusBreakdownAsync(new GetStatusBreakdownRequest { ShopId = s.ShopId, FirstDay = Text(day), LastDay = Text(day.AddDays(6)) });

        // On time: c1 (exactly 24 h) c3 c6 c9; late: c2 (24 h + 1 s), c8 (holidays only leave the rate); never: c4
        // (greeting and off-hours reply only); assistant: c5.
        Assert.Equal((4L, 2L, 1L, 0L, 1L, 0L), (b.Responded24H, b.RespondedLate, b.NonResponded, b.Pending, b.AssistantSolved, b.NoInquiry));
    }

    [Fact]
    public async Task Every_count_drills_down_to_exactly_that_many_chats()
    {
        var (s, day) = await IngestPeriodScenarioAsync();
        var period = (First: Text(day), Last: Text(day.AddDays(6)));
        var overview = (await Analytics.GetOverviewAsync(new GetOverviewRequest { ShopId = s.ShopId, FirstDay = period.First, LastDay = period.Last })).Current;
        var b = await Analytics.GetStatusBreakdownAsync(new GetStatusBreakdownRequest { ShopId = s.ShopId, FirstDay = period.First, LastDay = period.Last });

        async Task<List<ChatRow>> List(Action<ListChatsRequest> filter)
        {
            var request = new ListChatsRequest { ShopId = s.ShopId, FirstDay = period.First, LastDay = period.Last, PageSize = 2 };
            filter(request);
            var rows = new List<ChatRow>();
            var totals = new List<long>();
            do
            {
                var page = await Analytics.ListChatsAsync(request);
                Assert.InRange(page.Chats.Count, 0, 2);
                rows.AddRange(page.Chats);
                totals.Add(page.Total);
                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0);

            Assert.All(totals, total => Assert.Equal(rows.Count, total));
            return rows;
        }

        var all = await List(_ => { });
        Assert.Equal(overview.ChatsReceived, all.Count);
        Assert.Equal(["c9", "c8", "c6", "c5", "c4", "c3", "c2", "c1"], all.Select(c => c.ChatId));
        Assert.Equal(all.Count, all.Select(c => c.ChatId).Distinct().Count());

        (ChatType Type, long Count)[] counts =
        [
            (ChatType.Responded24H, b.Responded24H), (ChatType.RespondedLate, b.RespondedLate), (ChatType.NonResponded, b.NonResponded),
            (ChatType.Pending, b.Pending), (ChatType.AssistantSolved, b.AssistantSolved), (ChatType.NoInquiry, b.NoInquiry),
            (ChatType.Rated4Or5, overview.ChatsRated4Or5), (ChatType.Rated1To3, overview.ChatsRated - overview.ChatsRated4Or5),
            (ChatType.Converted, overview.ConvertedChats),
        ];
        foreach (var (type, count) in counts)
        {
            var listed = await List(r => r.ChatTypes.Add(type));
            Assert.True(count == listed.Count, $"{type}: breakdown says {count}, list has {listed.Count}");
        }

        Assert.Equal(["c8", "c3"], (await List(r => r.ChatTypes.Add(ChatType.Rated4Or5))).Select(c => c.ChatId));
        Assert.Equal(["c6", "c1"], (await List(r => r.ChatTypes.Add(ChatType.Converted))).Select(c => c.ChatId));
        Assert.Equal(["c3"], (await List(r => r.Tags.Add("logistics"))).Select(c => c.ChatId));
        Assert.Equal(["c2"], (await List(r => r.AgentIds.Add("a9"))).Select(c => c.ChatId));
        Assert.Equal(["c6"], (await List(r => r.CustomerId = "u6")).Select(c => c.ChatId));
        Assert.Equal(["c3", "c2", "c1"], (await List(r => r.Statuses.Add(ChatStatus.Ended))).Select(c => c.ChatId));
        Assert.Equal(["c5"], (await List(r => r.Statuses.Add(ChatStatus.Resolved))).Select(c => c.ChatId));
        Assert.Equal(["c2"], (await List(r => { r.ChatTypes.Add(ChatType.RespondedLate); r.AgentIds.Add("a9"); })).Select(c => c.ChatId));

        var c1 = all.Single(c => c.ChatId == "c1");   // never assigned: no current agent
        Assert.Equal(("u1", ChatStatus.Ended, ChatType.Responded24H, 2, true, 86400.0, ""),
            (c1.CustomerId, c1.Status, c1.Type, c1.Rating, c1.Converted, c1.FirstResponseSeconds, c1.CurrentAgentId));
        Assert.Equal(["logistics"], all.Single(c => c.ChatId == "c3").Tags);
    }

    [Fact]
    public async Task Page_tokens_cannot_be_altered_or_reused_with_other_filters()
    {
        var (s, day) = await IngestPeriodScenarioAsync();
        var request = new ListChatsRequest { ShopId = s.ShopId, FirstDay = Text(day), LastDay = Text(day.AddDays(6)), PageSize = 3 };
        var token = (await Analytics.ListChatsAsync(request)).NextPageToken;
        Assert.NotEmpty(token);

        var tampered = token[..^2] + (token[^2] == 'A' ? "B" : "A") + token[^1];
        await AssertRefused(request.Clone().With(r => r.PageToken = tampered), "page_token");
        await AssertRefused(request.Clone().With(r => { r.PageToken = token; r.CustomerId = "u1"; }), "page_token");
        await AssertRefused(request.Clone().With(r => r.PageToken = "not-a-token"), "page_token");
        await AssertRefused(request.Clone().With(r => r.PageSize = 201), "page_size");
        await AssertRefused(request.Clone().With(r => r.ChatTypes.Add((ChatType)42)), "chat_types[0]");
        await AssertRefused(request.Clone().With(r => r.Statuses.Add(ChatStatus.Unspecified)), "statuses[0]");
        await AssertRefused(request.Clone().With(r => r.Ratings.Add(6)), "ratings[0]");
        await AssertRefused(request.Clone().With(r => r.InquiryOutcomes.Add(InquiryOutcome.Unspecified)), "inquiry_outcomes[0]");
        await AssertRefused(request.Clone().With(r => r.TransferDirections.Add((TransferDirection)7)), "transfer_directions[0]");
        await AssertRefused(request.Clone().With(r => r.InquiryAgentIds.Add(new string('a', 65))), "inquiry_agent_ids[0]");
        await AssertRefused(request.Clone().With(r => { r.TransferAgentIds.Add("a1"); r.TransferAgentIds.Add(new string('a', 65)); }), "transfer_agent_ids[1]");
        // Each drill-down filter is part of what the token is signed over.
        await AssertRefused(request.Clone().With(r => { r.PageToken = token; r.Ratings.Add(5); }), "page_token");
        await AssertRefused(request.Clone().With(r => { r.PageToken = token; r.InquiryOutcomes.Add(InquiryOutcome.Answered); }), "page_token");
        await AssertRefused(request.Clone().With(r => { r.PageToken = token; r.InquiryAgentIds.Add(""); }), "page_token");
        await AssertRefused(request.Clone().With(r => { r.PageToken = token; r.TransferDirections.Add(TransferDirection.In); }), "page_token");
        await AssertRefused(request.Clone().With(r => { r.PageToken = token; r.TransferAgentIds.Add("a1"); }), "page_token");
        Assert.Equal(3, (await Analytics.ListChatsAsync(request.Clone().With(r => r.PageToken = token))).Chats.Count);
    }

    [Fact]
    public async Task Every_count_of_every_answer_has_a_filter_whose_total_and_rows_equal_it()
    {
        var (s, today) = await IngestDrillDownScenarioAsync();
        var current = (First: Text(today.AddDays(-6)), Last: Text(today));
        var overview = await Analytics.GetOverviewAsync(new GetOverviewRequest { ShopId = s.ShopId, FirstDay = current.First, LastDay = current.Last });
        var b = await Analytics.GetStatusBreakdownAsync(new GetStatusBreakdownRequest { ShopId = s.ShopId, FirstDay = current.First, LastDay = current.Last });
        var agents = (await Analytics.GetAgentDetailsAsync(new GetAgentDetailsRequest { ShopId = s.ShopId, FirstDay = current.First, LastDay = current.Last })).Agents;
        var tags = (await Analytics.GetTagBreakdownAsync(new GetTagBreakdownRequest { ShopId = s.ShopId, FirstDay = current.First, LastDay = current.Last })).Tags;

        // The counts, by hand (IngestDrillDownScenarioAsync says why each chat counts as it does).
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

        var checks = 0;

        // Lists every page (3 chats each), checks each page carries the same totals, and returns the chats and totals.
        async Task<(List<ChatRow> Rows, ListChatsResponse Last)> ListAsync((string First, string Last) period, Action<ListChatsRequest> filter)
        {
            var request = new ListChatsRequest { ShopId = s.ShopId, FirstDay = period.First, LastDay = period.Last, PageSize = 3 };
            filter(request);
            var rows = new List<ChatRow>();
            var pages = new List<ListChatsResponse>();
            do
            {
                var page = await Analytics.ListChatsAsync(request);
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

        // A count of chats: the filter's total and the rows of all its pages.
        async Task<List<string>> Chats(string what, long count, (string First, string Last) period, Action<ListChatsRequest> filter)
        {
            var (rows, last) = await ListAsync(period, filter);
            Assert.True(count == last.Total && count == rows.Count, $"{what}: count {count}, total {last.Total}, rows {rows.Count}");
            checks++;
            return [.. rows.Select(r => r.ChatId)];
        }

        // A count of inquiries or transfers: the response's sum and the sum over the rows of all pages; every row holds one.
        async Task<List<string>> Items(string what, long count, Func<ListChatsResponse, long> total, Func<ChatRow, long> perRow, Action<ListChatsRequest> filter)
        {
            var (rows, last) = await ListAsync(current, filter);
            Assert.True(count == total(last) && count == rows.Sum(perRow), $"{what}: count {count}, response {total(last)}, rows {rows.Sum(perRow)}");
            Assert.All(rows, row => Assert.True(perRow(row) > 0, $"{what}: {row.ChatId} holds none"));
            Assert.Equal(rows.Count, last.Total);
            checks++;
            return [.. rows.Select(r => r.ChatId)];
        }

        Task<List<string>> Inquiries(string what, long count, Action<ListChatsRequest> filter) =>
            Items(what, count, r => r.MatchingInquiries, r => r.MatchingInquiries, filter);
        Task<List<string>> Transfers(string what, long count, Action<ListChatsRequest> filter) =>
            Items(what, count, r => r.MatchingTransfers, r => r.MatchingTransfers, filter);

        // Customers: distinct customers of the chats of the 28 days ending with the last day.
        async Task CustomersAsync(string what, long count, string lastDay, Action<ListChatsRequest> filter)
        {
            var last = DateOnly.ParseExact(lastDay, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            var (rows, response) = await ListAsync((Text(last.AddDays(-27)), lastDay), filter);
            var distinct = rows.Select(r => r.CustomerId).Where(c => c.Length > 0).Distinct().Count();
            Assert.True(count == response.Customers && count == distinct, $"{what}: count {count}, customers {response.Customers}, rows {distinct}");
            checks++;
        }

        ChatType[] humanHandled = [ChatType.Responded24H, ChatType.RespondedLate, ChatType.NonResponded, ChatType.Pending];
        foreach (var (metrics, period) in new[] { (m, current), (p, (p.FirstDay, p.LastDay)) })
        {
            await Chats("chats received", metrics.ChatsReceived, period, _ => { });
            await Chats("first responses measured", metrics.FirstResponsesMeasured, period, r =>
            {
                r.ChatTypes.Add([ChatType.Responded24H, ChatType.RespondedLate]);
                r.InquiryOutcomes.Add(InquiryOutcome.Answered);   // keeps the chats the response rate counts
            });
            await Chats("chats rated", metrics.ChatsRated, period, r => r.Ratings.Add([1, 2, 3, 4, 5]));
            await Chats("chats rated 4 or 5", metrics.ChatsRated4Or5, period, r => r.ChatTypes.Add(ChatType.Rated4Or5));
            for (var stars = 1; stars <= 5; stars++)
            {
                var star = stars;
                await Chats($"rated {star}", metrics.RatingDistribution[star - 1], period, r => r.Ratings.Add(star));
            }

            await Chats("converted", metrics.ConvertedChats, period, r => r.ChatTypes.Add(ChatType.Converted));
            await CustomersAsync("potential customers", metrics.PotentialCustomers, metrics.LastDay, _ => { });
            await CustomersAsync("converted customers", metrics.ConvertedCustomers, metrics.LastDay, r => r.ChatTypes.Add(ChatType.Converted));
        }

        await Inquiries("inquiries", m.Inquiries, r => r.InquiryOutcomes.Add([InquiryOutcome.Answered, InquiryOutcome.NonResponded]));
        await Inquiries("answered within 24 h", m.InquiriesAnsweredWithin24H, r => r.InquiryOutcomes.Add(InquiryOutcome.Answered24H));
        Assert.Equal(["d9"], await Inquiries("pending", m.InquiriesPending, r => r.InquiryOutcomes.Add(InquiryOutcome.Pending)));

        foreach (var (type, count) in new[]
        {
            (ChatType.Responded24H, b.Responded24H), (ChatType.RespondedLate, b.RespondedLate), (ChatType.NonResponded, b.NonResponded),
            (ChatType.Pending, b.Pending), (ChatType.AssistantSolved, b.AssistantSolved), (ChatType.NoInquiry, b.NoInquiry),
        })
        {
            await Chats(type.ToString(), count, current, r => r.ChatTypes.Add(type));
        }

        foreach (var a in agents)
        {
            var id = a.AgentId;
            await Chats($"{id}: chats handled", a.ChatsHandled, current, r => r.HandledByAgentIds.Add(id));
            await Chats($"{id}: chats rated", a.ChatsRated, current, r => { r.HandledByAgentIds.Add(id); r.Ratings.Add([1, 2, 3, 4, 5]); });
            await Chats($"{id}: chats rated 4-5", a.ChatsRated4Or5, current, r => { r.HandledByAgentIds.Add(id); r.ChatTypes.Add(ChatType.Rated4Or5); });
            foreach (var (outcome, count) in new[]
            {
                (InquiryOutcome.Answered, a.InquiriesAnswered), (InquiryOutcome.Answered24H, a.AnsweredWithin24H),
                (InquiryOutcome.AnsweredLate, a.AnsweredLate), (InquiryOutcome.NonResponded, a.NonResponded),
            })
            {
                await Inquiries($"{id}: {outcome}", count, r => { r.InquiryAgentIds.Add(id); r.InquiryOutcomes.Add(outcome); });
            }

            await Transfers($"{id}: transfers in", a.TransfersIn, r => { r.TransferAgentIds.Add(id); r.TransferDirections.Add(TransferDirection.In); });
            await Transfers($"{id}: transfers out", a.TransfersOut, r => { r.TransferAgentIds.Add(id); r.TransferDirections.Add(TransferDirection.Out); });
        }

        foreach (var t in tags)
        {
            var tag = t.Tag;
            await Chats($"{tag}: chats", t.Chats, current, r => r.Tags.Add(tag));
            await Chats($"{tag}: assistant-solved", t.AssistantSolved, current, r => { r.Tags.Add(tag); r.ChatTypes.Add(ChatType.AssistantSolved); });
            await Chats($"{tag}: human-handled", t.HumanHandled, current, r => { r.Tags.Add(tag); r.ChatTypes.Add(humanHandled); });
            await Chats($"{tag}: converted", t.ConvertedChats, current, r => { r.Tags.Add(tag); r.ChatTypes.Add(ChatType.Converted); });
            await Inquiries($"{tag}: inquiries", t.Inquiries, r => { r.Tags.Add(tag); r.InquiryOutcomes.Add([InquiryOutcome.Answered, InquiryOutcome.NonResponded]); });
            await Inquiries($"{tag}: within 24 h", t.AnsweredWithin24H, r => { r.Tags.Add(tag); r.InquiryOutcomes.Add(InquiryOutcome.Answered24H); });
        }

        // 2 periods x 12 overview counts, 3 inquiry counts, 6 categories, 4 agents x 9, 2 tags x 6.
        Assert.Equal(24 + 3 + 6 + 36 + 12, checks);

        // Which chats, by hand.
        Assert.Equal(["d1"], await Inquiries("a1 non-responded", 1, r => { r.InquiryAgentIds.Add("a1"); r.InquiryOutcomes.Add(InquiryOutcome.NonResponded); }));
        Assert.Equal(["d4"], await Inquiries("unassigned", 1, r => { r.InquiryAgentIds.Add(""); r.InquiryOutcomes.Add(InquiryOutcome.NonResponded); }));
        Assert.Equal(["d10", "d2"], await Inquiries("a3 answered", 3, r => { r.InquiryAgentIds.Add("a3"); r.InquiryOutcomes.Add(InquiryOutcome.Answered); }));
        Assert.Equal(["d11", "d5"], await Transfers("a3 out", 2, r => { r.TransferAgentIds.Add("a3"); r.TransferDirections.Add(TransferDirection.Out); }));
        // Both directions when none is given: a3's transfers in (d2) and out (d5, d11).
        Assert.Equal(["d11", "d5", "d2"], await Transfers("a3 either way", 3, r => r.TransferAgentIds.Add("a3")));
        // An agent's pending inquiry is charged to whoever has the chat so far; the list shows it, agent details do not count it.
        Assert.Equal(["d9"], await Inquiries("a2 pending", 1, r => { r.InquiryAgentIds.Add("a2"); r.InquiryOutcomes.Add(InquiryOutcome.Pending); }));
        // Without inquiry filters a row holds every inquiry the rate counts of it (pending too), and a chat it does
        // not count holds none; without transfer filters, every transfer.
        var all = (await ListAsync(current, _ => { })).Rows.ToDictionary(r => r.ChatId);
        Assert.Equal((3L, 1L, 0L, 0L, 0L), (all["d1"].MatchingInquiries, all["d9"].MatchingInquiries, all["d3"].MatchingInquiries, all["d5"].MatchingInquiries, all["d7"].MatchingInquiries));
        Assert.Equal((2L, 1L, 0L), (all["d2"].MatchingTransfers, all["d5"].MatchingTransfers, all["d4"].MatchingTransfers));
        // The current agent filter stays what it was: the latest assignment.
        Assert.Equal(["d11", "d5", "d1"], await Chats("current agent a1", 3, current, r => r.AgentIds.Add("a1")));
    }

    /// <summary>
    /// The drill-down scenario: the 7 days ending today (UTC shop) with three agents, transfers, late, non-responded
    /// and pending inquiries, a holiday, tags, ratings and conversions; one chat 10 days ago for the previous period
    /// and the 28-day customer counts. Each chat's comment says what it counts as.
    /// </summary>
    private async Task<(FactScenario Scenario, DateOnly Today)> IngestDrillDownScenarioAsync()
    {
        var now = DateTime.UtcNow;
        var today = DateOnly.FromDateTime(now);
        var s = new FactScenario($"shop-{Guid.NewGuid():N}");
        // Day 0 is 6 days ago; every inquiry before day 5 has its 24 hours over whenever today the test runs.
        DateTime At(int day, int hour, int minute = 0) => today.AddDays(day - 6).ToDateTime(new TimeOnly(hour, minute), DateTimeKind.Utc);
        s.Add(At(-30, 0), f => f.ShopSettingsChanged = new ShopSettingsChanged
        {
            TimeZone = "Etc/UTC",
            Holidays = { new HolidayPeriod { FirstDay = Text(today.AddDays(-5)), LastDay = Text(today.AddDays(-5)) } },
        });
        s.Agent("a1", "Ann", true, At(-30, 0));
        s.Agent("a2", "Ben", true, At(-30, 0));
        s.Agent("a3", "Cid", true, At(-30, 0));

        // d0, previous period: answered by a1 in a minute; u0 orders the next day (converted).
        Chat(s, "d0", "u0", At(-4, 10));
        s.Message("d0", SenderRole.Customer, MessageKind.Text, At(-4, 10));
        s.Message("d0", SenderRole.Agent, MessageKind.Text, At(-4, 10, 1), agentId: "a1");
        s.OrderPlaced("o0", "u0", At(-3, 10), 100);

        // d1 (shipping), assigned to a1: answered by a1 in 20 min, then after 25 h (late), then never (charged to
        // a1, assigned when its 24 h closed). Rated 5; u1 orders after it ended: converted.
        s.ChatStarted("d1", "u1", At(0, 9), ["shipping"]);
        s.Assigned("d1", "", "a1", At(0, 9, 1));
        s.Message("d1", SenderRole.Customer, MessageKind.Text, At(0, 9));
        s.Message("d1", SenderRole.Agent, MessageKind.Text, At(0, 9, 20), agentId: "a1");
        s.Message("d1", SenderRole.Customer, MessageKind.Text, At(0, 10));
        s.Message("d1", SenderRole.Agent, MessageKind.Text, At(1, 11), agentId: "a1");
        s.Message("d1", SenderRole.Customer, MessageKind.Text, At(1, 12));
        s.Ended("d1", At(1, 13));
        s.Rated("d1", 5, At(1, 14));
        s.OrderPlaced("o1", "u1", At(2, 10), 100);

        // d2 (returns): a1, transferred to a2, who answers in 2 h; transferred to a3, who answers the second
        // inquiry after 27 h (late, credited to a3). Rated 2.
        s.ChatStarted("d2", "u2", At(0, 14), ["returns"]);
        s.Assigned("d2", "", "a1", At(0, 14, 1));
        s.Message("d2", SenderRole.Customer, MessageKind.Text, At(0, 14));
        s.Assigned("d2", "a1", "a2", At(0, 15));
        s.Message("d2", SenderRole.Agent, MessageKind.Text, At(0, 16), agentId: "a2");
        s.Message("d2", SenderRole.Customer, MessageKind.Text, At(0, 17));
        s.Assigned("d2", "a2", "a3", At(1, 19));
        s.Message("d2", SenderRole.Agent, MessageKind.Text, At(1, 20), agentId: "a3");
        s.Rated("d2", 2, At(1, 21));

        // d3 (shipping), on the holiday: a2 answers after two days. Late-responded, out of every inquiry count;
        // handled by a2 and rated 4.
        s.ChatStarted("d3", "u3", At(1, 10), ["shipping"]);
        s.Message("d3", SenderRole.Customer, MessageKind.Text, At(1, 10));
        s.Message("d3", SenderRole.Agent, MessageKind.Text, At(3, 10), agentId: "a2");
        s.Rated("d3", 4, At(3, 11));

        // d4 (returns, added): never answered, nobody assigned when its 24 h closed (unassigned); assigned to a2
        // later (a first assignment: no transfer).
        Chat(s, "d4", "u4", At(2, 9));
        s.Message("d4", SenderRole.Customer, MessageKind.Text, At(2, 9));
        s.Add(At(2, 9, 5), f => f.ChatTagged = new ChatTagged { ChatId = "d4", Tags = { "returns" } });
        s.Assigned("d4", "", "a2", At(3, 12));

        // d5 (shipping, added): solved by an FAQ card; assigned to a3 and transferred to a1 (transfers count for any
        // chat received). Rated 3.
        Chat(s, "d5", "u5", At(2, 11));
        s.Message("d5", SenderRole.Customer, MessageKind.Text, At(2, 11));
        s.Message("d5", SenderRole.Assistant, MessageKind.FaqCard, At(2, 11, 1));
        s.Add(At(2, 11, 2), f => f.ChatTagged = new ChatTagged { ChatId = "d5", Tags = { "shipping" } });
        s.Assigned("d5", "", "a3", At(2, 11, 5));
        s.Assigned("d5", "a3", "a1", At(2, 11, 30));
        s.Rated("d5", 3, At(2, 12));

        // d6: u1 again, answered by a2 in 5 min; a closing message expects no reply; u1 orders after: converted.
        Chat(s, "d6", "u1", At(3, 10));
        s.Message("d6", SenderRole.Customer, MessageKind.Text, At(3, 10));
        s.Message("d6", SenderRole.Agent, MessageKind.Text, At(3, 10, 5), agentId: "a2");
        s.Message("d6", SenderRole.Customer, MessageKind.Text, At(3, 10, 30), expectsNoReply: true);
        s.OrderPlaced("o6", "u1", At(3, 12), 100);

        // d7: only a message that expects no reply (no inquiry). Rated 5.
        Chat(s, "d7", "u7", At(3, 15));
        s.Message("d7", SenderRole.Customer, MessageKind.Text, At(3, 15), expectsNoReply: true);
        s.Rated("d7", 5, At(3, 16));

        // d8: started by the seller: counted nowhere.
        s.Add(At(4, 9), f => f.ChatStarted = new ChatStarted { ChatId = "d8", CustomerId = "u8", EntryPoint = EntryPoint.OrderPage, Initiator = ChatInitiator.Seller });
        s.Message("d8", SenderRole.Agent, MessageKind.Text, At(4, 9), agentId: "a1");
        s.Message("d8", SenderRole.Customer, MessageKind.Text, At(4, 9, 5));

        // d9 (returns): asked an hour ago, assigned to a2: pending.
        s.ChatStarted("d9", "u9", now.AddHours(-1), ["returns"]);
        s.Message("d9", SenderRole.Customer, MessageKind.Text, now.AddHours(-1));
        s.Assigned("d9", "", "a2", now.AddMinutes(-50));

        // d10, a3's: answered in 10 min, then in 23 h 59 min (both on time). Rated 1.
        Chat(s, "d10", "u10", At(4, 8));
        s.Assigned("d10", "", "a3", At(4, 8, 1));
        s.Message("d10", SenderRole.Customer, MessageKind.Text, At(4, 8));
        s.Message("d10", SenderRole.Agent, MessageKind.Text, At(4, 8, 10), agentId: "a3");
        s.Message("d10", SenderRole.Customer, MessageKind.Text, At(4, 9));
        s.Message("d10", SenderRole.Agent, MessageKind.Text, At(5, 8, 59), agentId: "a3");
        s.Rated("d10", 1, At(5, 9));

        // d11 (shipping): assigned to a3, never answered (charged to a3), transferred to a1 after its 24 h.
        s.ChatStarted("d11", "u11", At(4, 12), ["shipping"]);
        s.Message("d11", SenderRole.Customer, MessageKind.Text, At(4, 12));
        s.Assigned("d11", "", "a3", At(4, 12, 5));
        s.Assigned("d11", "a3", "a1", At(5, 13));

        await IngestShuffledTwiceAsync(s);
        return (s, today);
    }

    private async Task AssertRefused(ListChatsRequest request, string field)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Analytics.ListChatsAsync(request).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(field, Assert.Single(error.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>()!.FieldViolations).Field);
    }
}

internal static class ListChatsRequestExtensions
{
    public static ListChatsRequest With(this ListChatsRequest request, Action<ListChatsRequest> change)
    {
        change(request);
        return request;
    }
}
