namespace ServiceAnalytics.Tests.Metrics;

/// <summary>Agent details and the tag breakdown, on the same hand-computed scenario as the overview.</summary>
public sealed partial class OverviewTests
{
    [Fact]
    public async Task Agent_details_credit_replies_to_their_sender_and_charge_unanswered_inquiries_to_the_assignee()
    {
        var (s, day) = await IngestPeriodScenarioAsync();

        var agents = (await Analytics.GetAgentDetailsAsync(new GetAgentDetailsRequest { ShopId = s.ShopId, FirstDay = Text(day), LastDay = Text(day.AddDays(6)) })).Agents;

        Assert.Equal(["a1", "a2", "", "a9"], agents.Select(a => a.AgentId));
        // a1 replied in c1 (exactly 24 h), c2 (24 h + 1 s) and c6 (30 min); c1 is rated 2; a1 handed c2 over to a9.
        var a1 = agents[0];
        Assert.Equal(("Ada", 3L, 3L, 2L, 1L, 0L), (a1.DisplayName, a1.ChatsHandled, a1.InquiriesAnswered, a1.AnsweredWithin24H, a1.AnsweredLate, a1.NonResponded));
        Assert.Equal(2.0 / 3, a1.ResponseRate24H, 10);
        Assert.Equal((1L, 0L, true, 0.0), (a1.ChatsRated, a1.ChatsRated4Or5, a1.HasSatisfactionRate, a1.SatisfactionRate));
        Assert.Equal((86400 + 86401 + 1800) / 3.0, a1.ResponseMeanSeconds, 6);
        // p90 of 1800, 86400, 86401 (inclusive definition): rank 0.9 × 2 = 1.8, so 86400 + 0.8 × (86401 − 86400).
        Assert.Equal(86400.8, a1.ResponseP90Seconds, 6);
        Assert.Equal((0L, 1L), (a1.TransfersIn, a1.TransfersOut));
        // a2 replied twice in c3 (30 and 10 min) and in c9 (100 min); c8 (holiday) is handled and rated but its
        // late reply is not counted. c3 rated 4, c8 rated 5.
        var a2 = agents[1];
        Assert.Equal(("Bo", 3L, 3L, 3L, 0L, 0L), (a2.DisplayName, a2.ChatsHandled, a2.InquiriesAnswered, a2.AnsweredWithin24H, a2.AnsweredLate, a2.NonResponded));
        Assert.Equal((2L, 2L), (a2.ChatsRated, a2.ChatsRated4Or5));
        Assert.Equal(2.0 / 3, a2.SatisfactionRate, 10);
        Assert.Equal((1800 + 600 + 6000) / 3.0, a2.ResponseMeanSeconds, 6);
        // p90 of 600, 1800, 6000: rank 1.8, so 1800 + 0.8 × (6000 − 1800).
        Assert.Equal(5160, a2.ResponseP90Seconds, 6);
        // Nobody was assigned to c3 or c4 when their unanswered inquiries' 24 hours closed.
        var unassigned = agents[2];
        Assert.Equal((0L, 0L, 2L), (unassigned.ChatsHandled, unassigned.InquiriesAnswered, unassigned.NonResponded));
        Assert.Equal((true, 0.0), (unassigned.HasResponseRate24H, unassigned.ResponseRate24H));
        Assert.False(unassigned.HasResponseMeanSeconds);
        var a9 = agents[3];
        Assert.Equal((0L, 1L, 0L), (a9.ChatsHandled, a9.TransfersIn, a9.TransfersOut));
    }

    [Fact]
    public async Task Agent_and_tag_counts_drill_down_to_exactly_that_many_chats()
    {
        var (s, day) = await IngestPeriodScenarioAsync();
        var (first, last) = (Text(day), Text(day.AddDays(6)));
        var agents = (await Analytics.GetAgentDetailsAsync(new GetAgentDetailsRequest { ShopId = s.ShopId, FirstDay = first, LastDay = last })).Agents;
        var tags = (await Analytics.GetTagBreakdownAsync(new GetTagBreakdownRequest { ShopId = s.ShopId, FirstDay = first, LastDay = last })).Tags;

        foreach (var agent in agents.Where(a => a.AgentId.Length > 0))
        {
            var listed = await Analytics.ListChatsAsync(new ListChatsRequest { ShopId = s.ShopId, FirstDay = first, LastDay = last, PageSize = 200, HandledByAgentIds = { agent.AgentId } });
            Assert.True(agent.ChatsHandled == listed.Chats.Count, $"{agent.AgentId}: details say {agent.ChatsHandled}, list has {listed.Chats.Count}");
        }

        foreach (var tag in tags)
        {
            var listed = await Analytics.ListChatsAsync(new ListChatsRequest { ShopId = s.ShopId, FirstDay = first, LastDay = last, PageSize = 200, Tags = { tag.Tag } });
            Assert.Equal(tag.Chats, listed.Chats.Count);
        }

        Assert.Equal(["c6", "c2", "c1"], (await Analytics.ListChatsAsync(new ListChatsRequest
        {
            ShopId = s.ShopId, FirstDay = first, LastDay = last, HandledByAgentIds = { "a1" },
        })).Chats.Select(c => c.ChatId));
    }

    [Fact]
    public async Task The_tag_breakdown_shows_which_inquiry_types_still_need_humans()
    {
        var (s, day) = await IngestPeriodScenarioAsync();

        var tags = (await Analytics.GetTagBreakdownAsync(new GetTagBreakdownRequest { ShopId = s.ShopId, FirstDay = Text(day), LastDay = Text(day.AddDays(6)) })).Tags;

        Assert.Equal(["pre-purchase", "logistics"], tags.Select(t => t.Tag));
        // pre-purchase: c5 (assistant-solved) and c6 (answered in 30 min, converted).
        Assert.Equal((2L, 1L, 1L, 1L, 1L, 1L), (tags[0].Chats, tags[0].AssistantSolved, tags[0].HumanHandled, tags[0].Inquiries, tags[0].AnsweredWithin24H, tags[0].ConvertedChats));
        Assert.Equal(1.0, tags[0].ResponseRate24H, 10);
        Assert.Equal(0.5, tags[0].ConversionRate, 10);
        // logistics: c3, three inquiries of which two on time, not converted.
        Assert.Equal((1L, 0L, 1L, 3L, 2L, 0L), (tags[1].Chats, tags[1].AssistantSolved, tags[1].HumanHandled, tags[1].Inquiries, tags[1].AnsweredWithin24H, tags[1].ConvertedChats));
        Assert.Equal(2.0 / 3, tags[1].ResponseRate24H, 10);
    }
}
