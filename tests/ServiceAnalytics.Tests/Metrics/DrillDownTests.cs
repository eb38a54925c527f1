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
