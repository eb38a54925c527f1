using ClickHouse.Driver.ADO.Parameters;

namespace ServiceAnalytics.Tests.Metrics;

/// <summary>Transfers: racing duplicates, reused request ids, and transfers counted from the assignments themselves.</summary>
public sealed partial class OverviewTests
{
    [Fact]
    public async Task Concurrent_duplicate_transfers_record_one_transfer_and_all_answer_the_same()
    {
        var (s, received) = await IngestTransferScenarioAsync();
        var request = new TransferChatRequest { ShopId = s.ShopId, ChatId = "c1", ToAgentId = "a2", RequestId = "req-dup" };

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ => await Analytics.TransferChatAsync(request)));

        Assert.Single(answers.Distinct());
        Assert.Equal(("a1", "a2"), (answers[0].FromAgentId, answers[0].ToAgentId));
        Assert.Equal(1, await CountStoredAsync(s.ShopId, "transfer:req-dup"));
        var agents = await AgentsAsync(s.ShopId, received);
        Assert.Equal((0L, 1L), (agents["a1"].TransfersIn, agents["a1"].TransfersOut));
        Assert.Equal((1L, 0L), (agents["a2"].TransfersIn, agents["a2"].TransfersOut));
        // Asked again later, the same answer.
        Assert.Equal(answers[0], await Analytics.TransferChatAsync(request));
    }

    [Fact]
    public async Task A_request_id_reused_on_another_chat_is_refused_naming_it()
    {
        var (s, _) = await IngestTransferScenarioAsync();
        await Analytics.TransferChatAsync(new TransferChatRequest { ShopId = s.ShopId, ChatId = "c1", ToAgentId = "a2", RequestId = "req-once" });

        var error = await Assert.ThrowsAsync<RpcException>(() => Analytics.TransferChatAsync(
            new TransferChatRequest { ShopId = s.ShopId, ChatId = "c2", ToAgentId = "a2", RequestId = "req-once" }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("request_id", Assert.Single(error.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>()!.FieldViolations).Field);
        Assert.DoesNotContain((await Analytics.GetChatAsync(new GetChatRequest { ShopId = s.ShopId, ChatId = "c2" })).Timeline, e => e.Kind == "assigned");
        Assert.Equal(1, await CountStoredAsync(s.ShopId, "transfer:req-once"));
    }

    [Fact]
    public async Task Copies_of_one_assignment_with_different_times_count_as_one_transfer()
    {
        // What two instances racing on one request store: the same event id, from and to, a few milliseconds apart.
        var (s, received) = await IngestTransferScenarioAsync();
        var ingestion = new IngestionService.IngestionServiceClient(service.Host.Channel);
        var copy = new FactScenario(s.ShopId).Assigned("c1", "a1", "a2", received.AddMinutes(30));
        copy.EventId = "transfer:raced";
        foreach (var delay in new[] { 0, 7 })
        {
            var fact = copy.Clone();
            fact.OccurredAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(received.AddMinutes(30).AddMilliseconds(delay));
            Assert.Empty((await ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { fact } })).Outcome.Rejected);
        }

        var agents = await AgentsAsync(s.ShopId, received);

        Assert.Equal((0L, 1L), (agents["a1"].TransfersIn, agents["a1"].TransfersOut));
        Assert.Equal((1L, 0L), (agents["a2"].TransfersIn, agents["a2"].TransfersOut));
    }

    [Fact]
    public async Task A_copy_of_an_assignment_stamped_after_a_later_transfer_counts_as_the_table_keeps_it_before_and_after_a_merge()
    {
        // Two instances racing on a1 -> a2 record it 7 ms apart, and a transfer to a3 lands between the copies. The
        // table keeps the copy stored last when it merges them, so that copy counts: a1 -> a3 at +3 ms ("from" is
        // who had the chat), then a3 -> a2 at +7 ms.
        var (s, received) = await IngestTransferScenarioAsync();
        var ingestion = new IngestionService.IngestionServiceClient(service.Host.Channel);
        var raced = new FactScenario(s.ShopId).Assigned("c1", "a1", "a2", received.AddMinutes(30));
        raced.EventId = "transfer:raced";
        var next = new FactScenario(s.ShopId).Assigned("c1", "a2", "a3", received.AddMinutes(30).AddMilliseconds(3));
        next.EventId = "transfer:next";
        var late = raced.Clone();
        late.OccurredAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(received.AddMinutes(30).AddMilliseconds(7));
        foreach (var fact in new[] { raced, next, late })
        {
            Assert.Empty((await ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { fact } })).Outcome.Rejected);
        }

        await service.Host.AcknowledgedFactsCommittedAsync();
        Assert.Equal(2L, await CountStoredAsync(s.ShopId, "transfer:raced"));
        foreach (var merged in new[] { false, true })
        {
            if (merged)
            {
                await service.Host.Store.Client.ExecuteNonQueryAsync("OPTIMIZE TABLE chat_events FINAL");
                Assert.Equal(1L, await CountStoredAsync(s.ShopId, "transfer:raced"));
            }

            var agents = await AgentsAsync(s.ShopId, received);
            Assert.Equal((0L, 1L), (agents["a1"].TransfersIn, agents["a1"].TransfersOut));
            Assert.Equal((1L, 0L), (agents["a2"].TransfersIn, agents["a2"].TransfersOut));
            Assert.Equal((1L, 1L), (agents["a3"].TransfersIn, agents["a3"].TransfersOut));
        }
    }

    [Fact]
    public async Task Transfers_count_the_same_whether_or_not_the_producer_sent_from_agent_id()
    {
        var s = new FactScenario($"shop-{Guid.NewGuid():N}");
        var received = DateTime.UtcNow.AddHours(-3);
        foreach (var chat in new[] { "with", "without", "same", "claimed" })
        {
            Chat(s, chat, "u-" + chat, received);
            s.Message(chat, SenderRole.Customer, MessageKind.Text, received);
        }

        // a1 -> a2 -> a1, with from_agent_id and without: two transfers each way, either way.
        s.Assigned("with", "", "a1", received.AddMinutes(1));
        s.Assigned("with", "a1", "a2", received.AddMinutes(2));
        s.Assigned("with", "a2", "a1", received.AddMinutes(3));
        s.Assigned("without", "", "a1", received.AddMinutes(1));
        s.Assigned("without", "", "a2", received.AddMinutes(2));
        s.Assigned("without", "", "a1", received.AddMinutes(3));
        // Assigned to a3 twice: the second changes nothing, no transfer.
        s.Assigned("same", "", "a3", received.AddMinutes(1));
        s.Assigned("same", "", "a3", received.AddMinutes(2));
        // The producer names other agents as the previous assignee: a first assignment is never a transfer, and the
        // second moves the chat from a4, who had it.
        s.Assigned("claimed", "a8", "a4", received.AddMinutes(1));
        s.Assigned("claimed", "a9", "a5", received.AddMinutes(2));
        await IngestShuffledTwiceAsync(s);

        var agents = await AgentsAsync(s.ShopId, received);

        Assert.Equal(["a1", "a2", "a3", "a4", "a5"], agents.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((2L, 2L), (agents["a1"].TransfersIn, agents["a1"].TransfersOut));
        Assert.Equal((2L, 2L), (agents["a2"].TransfersIn, agents["a2"].TransfersOut));
        Assert.Equal((0L, 0L), (agents["a3"].TransfersIn, agents["a3"].TransfersOut));
        Assert.Equal((0L, 1L), (agents["a4"].TransfersIn, agents["a4"].TransfersOut));
        Assert.Equal((1L, 0L), (agents["a5"].TransfersIn, agents["a5"].TransfersOut));
    }

    /// <summary>A new shop with active agents a1 and a2 and two received, active chats: c1 assigned to a1, c2 unassigned.</summary>
    private async Task<(FactScenario Scenario, DateTime Received)> IngestTransferScenarioAsync()
    {
        var s = new FactScenario($"shop-{Guid.NewGuid():N}");
        var received = DateTime.UtcNow.AddHours(-3);
        s.Agent("a1", "Ada", true, received.AddDays(-1));
        s.Agent("a2", "Bo", true, received.AddDays(-1));
        foreach (var chat in new[] { "c1", "c2" })
        {
            Chat(s, chat, "u-" + chat, received);
            s.Message(chat, SenderRole.Customer, MessageKind.Text, received);
        }

        s.Assigned("c1", "", "a1", received.AddMinutes(1));
        await IngestShuffledTwiceAsync(s);
        return (s, received);
    }

    /// <summary>Agent details of the days from <paramref name="received"/> to today (UTC, the shops have no settings), by agent id.</summary>
    private async Task<Dictionary<string, AgentDetails>> AgentsAsync(string shop, DateTime received)
    {
        var response = await Analytics.GetAgentDetailsAsync(new GetAgentDetailsRequest
        {
            ShopId = shop, FirstDay = Text(DateOnly.FromDateTime(received)), LastDay = Text(DateOnly.FromDateTime(DateTime.UtcNow)),
        });
        return response.Agents.ToDictionary(a => a.AgentId, StringComparer.Ordinal);
    }

    /// <summary>Rows stored under an event id, before any merge collapses copies.</summary>
    private async Task<long> CountStoredAsync(string shop, string eventId)
    {
        await service.Host.AcknowledgedFactsCommittedAsync();
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("shop", shop);
        parameters.AddParameter("event", eventId);
        return Convert.ToInt64(await service.Host.Store.Client.ExecuteScalarAsync(
            "SELECT count() FROM chat_events WHERE shop_id = {shop:String} AND event_id = {event:String}", parameters), CultureInfo.InvariantCulture);
    }
}
