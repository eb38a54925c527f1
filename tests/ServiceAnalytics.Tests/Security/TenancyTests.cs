namespace ServiceAnalytics.Tests.Security;

/// <summary>
/// A caller of shop-a reaching for shop-b indirectly: through chat ids, agent ids, customers and page tokens of
/// shop-b under its own shop_id, and through shop-b's facts in its batches. It is refused (PERMISSION_DENIED, naming
/// the field) or finds nothing; it gets nothing of shop-b's.
/// </summary>
public sealed class TenancyTests
{
    /// <summary>The reason (<c>google.rpc.ErrorInfo.reason</c>) of a refusal for a shop outside the caller's.</summary>
    private const string ShopNotAllowed = "SHOP_NOT_ALLOWED";

    private static readonly DateTime s_at = DateTime.UtcNow.Date.AddDays(-3).AddHours(10);
    private static readonly string s_day = DateOnly.FromDateTime(s_at).ToString("yyyy-MM-dd");

    [Fact]
    public async Task Another_shops_chat_ids_agent_ids_and_page_tokens_are_refused_before_anything_runs()
    {
        await using var host = await ServiceHost.StartReadyAsync(Callers.Settings());
        await SeedAsync(host, "shop-a", "a");
        await SeedAsync(host, "shop-b", "b");
        using var channel = Callers.WithToken(host, Callers.Token(["shop-a"], transfer: true));
        var analytics = new AnalyticsService.AnalyticsServiceClient(channel);

        await AnotherShopsChatAndAgentIdsAreRefusedAsync(analytics);
        await AnotherShopsPageTokenIsRefusedAsync(host, analytics);
        await OwnIdsPassAndNothingOfAnotherShopIsSeenAsync(analytics);
    }

    /// <summary>Chat ids and agent ids of shop-b under shop-a, in every field that takes one.</summary>
    private static async Task AnotherShopsChatAndAgentIdsAreRefusedAsync(AnalyticsService.AnalyticsServiceClient analytics)
    {
        await AssertRefusedAsync("chat_id", analytics.GetChatAsync(new GetChatRequest { ShopId = "shop-a", ChatId = "b-chat-1" }).ResponseAsync);
        await AssertRefusedAsync("chat_id", analytics.TransferChatAsync(new TransferChatRequest
        {
            ShopId = "shop-a", ChatId = "b-chat-1", ToAgentId = "a-agent-2", RequestId = "r-1",
        }).ResponseAsync);

        // Agent ids of shop-b: the transfer target and every list filter, named with their index.
        await AssertRefusedAsync("to_agent_id", analytics.TransferChatAsync(new TransferChatRequest
        {
            ShopId = "shop-a", ChatId = "a-chat-1", ToAgentId = "b-agent-2", RequestId = "r-2",
        }).ResponseAsync);
        await AssertRefusedAsync("agent_ids[0]", analytics.ListChatsAsync(new ListChatsRequest
        {
            ShopId = "shop-a", FirstDay = s_day, LastDay = s_day, AgentIds = { "b-agent-1" },
        }).ResponseAsync);
        await AssertRefusedAsync("handled_by_agent_ids[1]", analytics.ListChatsAsync(new ListChatsRequest
        {
            ShopId = "shop-a", FirstDay = s_day, LastDay = s_day, HandledByAgentIds = { "a-agent-1", "b-agent-1" },
        }).ResponseAsync);
        await AssertRefusedAsync("inquiry_agent_ids[1]", analytics.ListChatsAsync(new ListChatsRequest
        {
            ShopId = "shop-a", FirstDay = s_day, LastDay = s_day, InquiryAgentIds = { "", "b-agent-1" },
        }).ResponseAsync);
        await AssertRefusedAsync("transfer_agent_ids[0]", analytics.ListChatsAsync(new ListChatsRequest
        {
            ShopId = "shop-a", FirstDay = s_day, LastDay = s_day, TransferAgentIds = { "b-agent-2" },
        }).ResponseAsync);
    }

    /// <summary>A page token of shop-b's list (made by a caller of shop-b), under shop-a and under shop-b.</summary>
    private static async Task AnotherShopsPageTokenIsRefusedAsync(ServiceHost host, AnalyticsService.AnalyticsServiceClient analytics)
    {
        using var shopB = Callers.WithToken(host, Callers.Token(["shop-b"]));
        var page = await new AnalyticsService.AnalyticsServiceClient(shopB).ListChatsAsync(new ListChatsRequest { ShopId = "shop-b", FirstDay = s_day, LastDay = s_day, PageSize = 1 });
        Assert.NotEmpty(page.NextPageToken);
        await AssertRefusedAsync("page_token", analytics.ListChatsAsync(new ListChatsRequest
        {
            ShopId = "shop-a", FirstDay = s_day, LastDay = s_day, PageSize = 1, PageToken = page.NextPageToken,
        }).ResponseAsync);
        await AssertRefusedAsync("shop_id", analytics.ListChatsAsync(new ListChatsRequest
        {
            ShopId = "shop-b", FirstDay = s_day, LastDay = s_day, PageSize = 1, PageToken = page.NextPageToken,
        }).ResponseAsync);
    }

    /// <summary>
    /// Ids that are shop-a's pass, though shop-b uses the same ones; ids that exist nowhere find nothing; everything
    /// shop-a's caller sees is shop-a's.
    /// </summary>
    private static async Task OwnIdsPassAndNothingOfAnotherShopIsSeenAsync(AnalyticsService.AnalyticsServiceClient analytics)
    {
        var shared = await analytics.GetChatAsync(new GetChatRequest { ShopId = "shop-a", ChatId = "shared-chat" });
        Assert.Equal("shared-chat", shared.ChatId);
        Assert.Single(shared.Timeline, fact => fact.Kind == "chat_started");
        var nowhere = await Assert.ThrowsAsync<RpcException>(() => analytics.GetChatAsync(new GetChatRequest { ShopId = "shop-a", ChatId = "no-such-chat" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, nowhere.StatusCode);
        var byAgent = await analytics.ListChatsAsync(new ListChatsRequest
        {
            ShopId = "shop-a", FirstDay = s_day, LastDay = s_day, AgentIds = { "a-agent-1", "no-such-agent" },
        });
        Assert.Equal(["a-chat-1", "a-chat-2"], byAgent.Chats.Select(c => c.ChatId).Order());

        // Customers are the platform's buyers, not a shop's: shop-b's customer under shop-a is simply no chat of shop-a.
        Assert.Empty((await analytics.ListChatsAsync(new ListChatsRequest { ShopId = "shop-a", FirstDay = s_day, LastDay = s_day, CustomerId = "b-customer-1" })).Chats);

        // Everything shop-a's caller saw is shop-a's.
        var all = await analytics.ListChatsAsync(new ListChatsRequest { ShopId = "shop-a", FirstDay = s_day, LastDay = s_day });
        Assert.Equal(["a-chat-1", "a-chat-2", "shared-chat"], all.Chats.Select(c => c.ChatId).Order());
        var agents = (await analytics.GetAgentDetailsAsync(new GetAgentDetailsRequest { ShopId = "shop-a", FirstDay = s_day, LastDay = s_day })).Agents;
        Assert.Equal(["", "a-agent-1"], agents.Select(agent => agent.AgentId).Order()); // "" is unassigned: shared-chat waits for a reply
    }

    [Fact]
    public async Task A_caller_of_both_shops_or_of_every_shop_gets_the_ordinary_answers_for_the_other_shops_ids()
    {
        await using var host = await ServiceHost.StartReadyAsync(Callers.Settings());
        await SeedAsync(host, "shop-a", "a");
        await SeedAsync(host, "shop-b", "b");
        using var both = Callers.WithToken(host, Callers.Token(["shop-a", "shop-b"], transfer: true));
        foreach (var analytics in new[] { new AnalyticsService.AnalyticsServiceClient(both), new AnalyticsService.AnalyticsServiceClient(host.Channel) })
        {
            // Nothing to hide from this caller: shop-b's ids under shop-a are simply not shop-a's.
            var chat = await Assert.ThrowsAsync<RpcException>(() => analytics.GetChatAsync(new GetChatRequest { ShopId = "shop-a", ChatId = "b-chat-1" }).ResponseAsync);
            Assert.Equal(StatusCode.NotFound, chat.StatusCode);
            Assert.Empty((await analytics.ListChatsAsync(new ListChatsRequest { ShopId = "shop-a", FirstDay = s_day, LastDay = s_day, AgentIds = { "b-agent-1" } })).Chats);

            var page = await analytics.ListChatsAsync(new ListChatsRequest { ShopId = "shop-b", FirstDay = s_day, LastDay = s_day, PageSize = 1 });
            var reused = await Assert.ThrowsAsync<RpcException>(() => analytics.ListChatsAsync(new ListChatsRequest
            {
                ShopId = "shop-a", FirstDay = s_day, LastDay = s_day, PageSize = 1, PageToken = page.NextPageToken,
            }).ResponseAsync);
            Assert.Equal((StatusCode.InvalidArgument, true), (reused.StatusCode, reused.Status.Detail.StartsWith("page_token", StringComparison.Ordinal)));
        }
    }

    private static async Task AssertRefusedAsync(string field, Task call)
    {
        var refused = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal((StatusCode.PermissionDenied, ShopNotAllowed), (refused.StatusCode, Callers.ReasonOf(refused)));
        Assert.StartsWith(field + ":", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ingest_key_for_one_shop_cannot_write_another_shops_facts_in_batches_or_streams()
    {
        await using var host = await ServiceHost.StartReadyAsync(Callers.Settings());
        using var channel = Callers.WithKey(host, Callers.Keys["ingest-a"].Key);
        var ingestion = new IngestionService.IngestionServiceClient(channel);
        var mixed = Facts("shop-a", "a").Concat(Facts("shop-b", "b")).ToList();

        var batch = await Assert.ThrowsAsync<RpcException>(() => ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { mixed } }).ResponseAsync);
        Assert.Equal((StatusCode.PermissionDenied, ShopNotAllowed), (batch.StatusCode, Callers.ReasonOf(batch)));
        Assert.StartsWith($"facts[{Facts("shop-a", "a").Count}].shop_id", batch.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0L, await CountAsync(host, "shop-a"));

        // On a stream, batches before the foreign one are stored and acknowledged; the foreign one ends the stream.
        using var stream = ingestion.IngestStream();
        await stream.RequestStream.WriteAsync(new IngestStreamRequest { BatchSequence = 1, Facts = { Facts("shop-a", "a") } });
        Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(1UL, stream.ResponseStream.Current.BatchSequence);
        await stream.RequestStream.WriteAsync(new IngestStreamRequest { BatchSequence = 2, Facts = { Facts("shop-b", "b") } });
        var ended = await Assert.ThrowsAsync<RpcException>(() => stream.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal((StatusCode.PermissionDenied, ShopNotAllowed), (ended.StatusCode, Callers.ReasonOf(ended)));
        Assert.Equal(3L, await CountAsync(host, "shop-a"));
        Assert.Equal(0L, await CountAsync(host, "shop-b"));
    }

    private static List<Fact> Facts(string shop, string prefix)
    {
        var s = new FactScenario(shop);
        for (var i = 1; i <= 2; i++)
        {
            s.ChatStarted($"{prefix}-chat-{i}", $"{prefix}-customer-{i}", s_at.AddMinutes(i), []);
            s.Message($"{prefix}-chat-{i}", SenderRole.Customer, MessageKind.Text, s_at.AddMinutes(i).AddSeconds(1));
            s.Assigned($"{prefix}-chat-{i}", "", $"{prefix}-agent-1", s_at.AddMinutes(i).AddSeconds(2));
            s.Message($"{prefix}-chat-{i}", SenderRole.Agent, MessageKind.Text, s_at.AddMinutes(i).AddSeconds(60), $"{prefix}-agent-1");
        }

        // Chat ids are unique within a shop only: both shops have this one.
        s.ChatStarted("shared-chat", $"{prefix}-customer-3", s_at.AddMinutes(5), []);
        s.Message("shared-chat", SenderRole.Customer, MessageKind.Text, s_at.AddMinutes(5).AddSeconds(1));

        s.Agent($"{prefix}-agent-1", "One", true, s_at);
        s.Agent($"{prefix}-agent-2", "Two", true, s_at);
        return [.. s.Facts];
    }

    private static async Task SeedAsync(ServiceHost host, string shop, string prefix)
    {
        var outcome = (await new IngestionService.IngestionServiceClient(host.Channel).IngestBatchAsync(new IngestBatchRequest { Facts = { Facts(shop, prefix) } })).Outcome;
        Assert.Empty(outcome.Rejected);
    }

    private static async Task<long> CountAsync(ServiceHost host, string shop)
    {
        await host.AcknowledgedFactsCommittedAsync();
        var parameters = new ClickHouse.Driver.ADO.Parameters.ClickHouseParameterCollection();
        parameters.AddParameter("shop", shop);
        return Convert.ToInt64(await host.Store.Client.ExecuteScalarAsync(
            "SELECT count() FROM chat_starts WHERE shop_id = {shop:String}", parameters), System.Globalization.CultureInfo.InvariantCulture);
    }
}
