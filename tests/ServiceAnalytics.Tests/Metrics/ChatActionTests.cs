namespace ServiceAnalytics.Tests.Metrics;

/// <summary>Chat detail, transfer and the SLA queue.</summary>
public sealed partial class OverviewTests
{
    [Fact]
    public async Task Chat_detail_lists_each_fact_once_in_time_order()
    {
        var (s, _) = await IngestPeriodScenarioAsync();   // ingested twice, shuffled

        var chat = await Analytics.GetChatAsync(new GetChatRequest { ShopId = s.ShopId, ChatId = "c3" });

        var expected = s.Facts.Where(f => ChatOf(f) == "c3").OrderBy(f => f.OccurredAt.ToDateTime()).ThenBy(f => f.EventId, StringComparer.Ordinal).ToList();
        Assert.Equal(expected.Select(f => f.EventId), chat.Timeline.Select(e => e.EventId));
        Assert.Equal(["chat_started", "message_sent", "message_sent", "message_sent", "message_sent", "message_sent", "message_sent", "message_sent", "ended", "tagged", "rated"],
            chat.Timeline.Select(e => e.Kind));
        Assert.Equal(("agent", "product_card", "a2"), (chat.Timeline[5].SenderRole, chat.Timeline[5].MessageKind, chat.Timeline[5].AgentId));
        Assert.Equal(4, chat.Timeline[^1].Stars);
        var missing = await Assert.ThrowsAsync<RpcException>(() => Analytics.GetChatAsync(new GetChatRequest { ShopId = s.ShopId, ChatId = "nope" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task A_transfer_moves_an_active_chat_once_and_refuses_what_it_must()
    {
        var (s, day) = await IngestPeriodScenarioAsync();
        var extra = new FactScenario(s.ShopId);
        extra.Agent("a3", "Cy", true, DateTime.UtcNow.AddDays(-1));
        extra.Agent("a4", "Di", false, DateTime.UtcNow.AddDays(-1));
        await new IngestionService.IngestionServiceClient(service.Host.Channel).IngestBatchAsync(new IngestBatchRequest { Facts = { extra.Facts } });
        TransferChatRequest Transfer(string chat, string to, string id) => new() { ShopId = s.ShopId, ChatId = chat, ToAgentId = to, RequestId = id };

        // c6 is active and unassigned; a transfer to a3 is recorded once, however often it is asked for.
        var first = await Analytics.TransferChatAsync(Transfer("c6", "a3", "req-1"));
        var again = await Analytics.TransferChatAsync(Transfer("c6", "a3", "req-1"));
        Assert.Equal(("", "a3"), (first.FromAgentId, first.ToAgentId));
        Assert.Equal(first, again);
        var timeline = (await Analytics.GetChatAsync(new GetChatRequest { ShopId = s.ShopId, ChatId = "c6" })).Timeline;
        Assert.Single(timeline, e => e.Kind == "assigned");
        var listed = (await Analytics.ListChatsAsync(new ListChatsRequest { ShopId = s.ShopId, FirstDay = Text(day), LastDay = Text(day.AddDays(6)), AgentIds = { "a3" } })).Chats;
        Assert.Equal(["c6"], listed.Select(c => c.ChatId));

        // A second transfer goes from a3 to a1.
        Assert.Equal(("a3", "a1"), ((await Analytics.TransferChatAsync(Transfer("c6", "a1", "req-2"))) is var moved ? (moved.FromAgentId, moved.ToAgentId) : default));

        await AssertTransferRefused(Transfer("c6", "a1", "req-3"), StatusCode.FailedPrecondition);   // already a1's
        await AssertTransferRefused(Transfer("c6", "a4", "req-4"), StatusCode.FailedPrecondition);   // a4 inactive
        await AssertTransferRefused(Transfer("c1", "a3", "req-5"), StatusCode.FailedPrecondition);   // c1 ended
        await AssertTransferRefused(Transfer("c5", "a3", "req-6"), StatusCode.FailedPrecondition);   // c5 resolved
        await AssertTransferRefused(Transfer("c6", "a-none", "req-7"), StatusCode.NotFound);
        await AssertTransferRefused(Transfer("c-none", "a3", "req-8"), StatusCode.NotFound);
        await AssertTransferRefused(Transfer("c6", "a3", ""), StatusCode.InvalidArgument);
        Assert.Equal(2, (await Analytics.GetChatAsync(new GetChatRequest { ShopId = s.ShopId, ChatId = "c6" })).Timeline.Count(e => e.Kind == "assigned"));
    }

    [Fact]
    public async Task The_sla_queue_lists_pending_inquiries_most_urgent_first()
    {
        var s = new FactScenario($"shop-{Guid.NewGuid():N}");
        var now = DateTime.UtcNow;
        foreach (var (chat, hoursAgo, answered) in new[] { ("recent", 1, false), ("urgent", 20, false), ("answered", 5, true), ("overdue", 30, false) })
        {
            Chat(s, chat, "u-" + chat, now.AddHours(-hoursAgo));
            s.Message(chat, SenderRole.Customer, MessageKind.Text, now.AddHours(-hoursAgo));
            if (answered)
            {
                s.Message(chat, SenderRole.Agent, MessageKind.Text, now.AddHours(-hoursAgo).AddMinutes(5), agentId: "a1");
            }
        }

        s.Assigned("urgent", "", "a7", now.AddHours(-19));

        // Received three days ago and answered then; the customer asked again 10 hours ago: pending, 14 hours left.
        Chat(s, "reopened", "u-reopened", now.AddDays(-3));
        s.Message("reopened", SenderRole.Customer, MessageKind.Text, now.AddDays(-3));
        s.Message("reopened", SenderRole.Agent, MessageKind.Text, now.AddDays(-3).AddMinutes(2), agentId: "a1");
        s.Message("reopened", SenderRole.Customer, MessageKind.Text, now.AddHours(-10));
        // Received 40 days ago, outside the queue's 30 days, asking again an hour ago: not listed.
        Chat(s, "old", "u-old", now.AddDays(-40));
        s.Message("old", SenderRole.Customer, MessageKind.Text, now.AddDays(-40));
        s.Message("old", SenderRole.Agent, MessageKind.Text, now.AddDays(-40).AddMinutes(2), agentId: "a1");
        s.Message("old", SenderRole.Customer, MessageKind.Text, now.AddHours(-1));
        // Asked 2 hours ago, then only a message that expects no reply an hour ago: pending from the first, 22 hours left.
        Chat(s, "thanked", "u-thanked", now.AddHours(-2));
        s.Message("thanked", SenderRole.Customer, MessageKind.Text, now.AddHours(-2));
        s.Message("thanked", SenderRole.Customer, MessageKind.Text, now.AddHours(-1), expectsNoReply: true);
        // Asked 3 hours ago and solved by the assistant's FAQ card, no agent writing: no agent's to answer, not listed.
        Chat(s, "faq", "u-faq", now.AddHours(-3));
        s.Message("faq", SenderRole.Customer, MessageKind.Text, now.AddHours(-3));
        s.Message("faq", SenderRole.Assistant, MessageKind.FaqCard, now.AddHours(-3).AddMinutes(1));
        await IngestShuffledTwiceAsync(s);

        var queue = (await Analytics.GetSlaQueueAsync(new GetSlaQueueRequest { ShopId = s.ShopId })).Inquiries;

        Assert.Equal(["urgent", "reopened", "thanked", "recent"], queue.Select(q => q.ChatId));
        Assert.InRange(queue[0].SecondsLeft, (4 * 3600) - 120, 4 * 3600);
        Assert.InRange(queue[1].SecondsLeft, (14 * 3600) - 120, 14 * 3600);
        Assert.InRange(queue[2].SecondsLeft, (22 * 3600) - 120, 22 * 3600);
        Assert.InRange(queue[3].SecondsLeft, (23 * 3600) - 120, 23 * 3600);
        Assert.Equal(("a7", "u-urgent"), (queue[0].CurrentAgentId, queue[0].CustomerId));
        Assert.Equal(now.AddHours(-10), queue[1].AskedAt.ToDateTime(), TimeSpan.FromMilliseconds(1));
    }

    private async Task AssertTransferRefused(TransferChatRequest request, StatusCode status)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Analytics.TransferChatAsync(request).ResponseAsync);
        Assert.Equal(status, error.StatusCode);
    }

    private static string ChatOf(Fact fact) => fact.KindCase switch
    {
        Fact.KindOneofCase.ChatStarted => fact.ChatStarted.ChatId,
        Fact.KindOneofCase.MessageSent => fact.MessageSent.ChatId,
        Fact.KindOneofCase.ChatAssigned => fact.ChatAssigned.ChatId,
        Fact.KindOneofCase.ChatTagged => fact.ChatTagged.ChatId,
        Fact.KindOneofCase.ChatResolved => fact.ChatResolved.ChatId,
        Fact.KindOneofCase.ChatEnded => fact.ChatEnded.ChatId,
        Fact.KindOneofCase.ChatRated => fact.ChatRated.ChatId,
        _ => "",
    };
}
