using ClickHouse.Driver.ADO.Parameters;

namespace ServiceAnalytics.Tests.Ingestion;

/// <summary>The per-chat tag limit (<c>Ingestion:MaxTagsPerChat</c>, 64) under batches racing each other.</summary>
public sealed class TagLimitTests(ServiceHostFixture service) : IClassFixture<ServiceHostFixture>
{
    [Fact]
    public async Task Concurrent_batches_tagging_one_new_chat_never_take_it_over_the_limit()
    {
        var shop = $"shop-{Guid.NewGuid():N}";
        var at = DateTime.UtcNow.AddHours(-1);
        // 8 batches of 4 facts with 16 tags each, every tag distinct: each batch alone fills the chat's 64, together
        // they would give it 512.
        var scenario = new FactScenario(shop);
        var batches = Enumerable.Range(0, 8).Select(b => Enumerable.Range(0, 4).Select(f => scenario.Add(at.AddSeconds((b * 4) + f), fact =>
            fact.ChatTagged = new ChatTagged { ChatId = "chat-1", Tags = { Enumerable.Range(0, 16).Select(t => $"tag-{b}-{f}-{t}") } })).ToList()).ToList();
        var ingestion = new IngestionService.IngestionServiceClient(service.Host.Channel);

        var outcomes = await Task.WhenAll(batches.Select(async batch => (await ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { batch } })).Outcome));

        await service.Host.AcknowledgedFactsCommittedAsync();
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("shop", shop);
        var stored = Convert.ToInt32(await service.Host.Store.Client.ExecuteScalarAsync(
            "SELECT uniqExact(tag) FROM chat_events ARRAY JOIN tags AS tag WHERE shop_id = {shop:String} AND chat_id = 'chat-1'", parameters), CultureInfo.InvariantCulture);
        Assert.InRange(stored, 1, 64);
        // Every accepted fact is stored, every other one was rejected with its field.
        Assert.Equal(outcomes.Sum(o => o.AcceptedCount) * 16, stored);
        Assert.Equal(32, outcomes.Sum(o => o.AcceptedCount + o.Rejected.Count));
        Assert.All(outcomes.SelectMany(o => o.Rejected), r => Assert.Equal("chat_tagged.tags", r.Field));
        Assert.Equal(64, stored);
    }
}
