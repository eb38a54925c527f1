using ServiceAnalytics.Storage.Rollups;

namespace ServiceAnalytics.Tests.Ingestion;

/// <summary>
/// Read-your-writes: an acknowledgement carries the instant its facts are visible as of, and every answer whose
/// <c>as_of</c> is at or after it counts them — answered as of the request, and answered from a rollup snapshot
/// taken before the facts arrived and then refreshed (triggered here rather than waited for). A service of its own:
/// a rollup run settles every shop of its database.
/// </summary>
public sealed class ReadYourWritesTests
{
    [Fact]
    public async Task Every_answer_as_of_the_acknowledged_instant_or_later_counts_the_acknowledged_facts()
    {
        await using var host = await ServiceHost.StartReadyAsync();
        var ingestion = new IngestionService.IngestionServiceClient(host.Channel);
        var analytics = new AnalyticsService.AnalyticsServiceClient(host.Channel);
        var shop = $"shop-{Guid.NewGuid():N}";
        var facts = new FactScenario(shop);
        var at = DateTime.UtcNow.AddMinutes(-10);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var overview = new GetOverviewRequest
        {
            ShopId = shop,
            FirstDay = today.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            LastDay = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        };

        // No snapshot yet: answers are as of the request, so the first one after the acknowledgement counts the chat.
        var sent = DateTime.UtcNow;
        var batch = await ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { Chats(facts, at, 1, 1) } });
        var visible = batch.Outcome.VisibleAsOf.ToDateTime();
        Assert.InRange(visible, sent, DateTime.UtcNow.AddMilliseconds(1));
        var first = await analytics.GetOverviewAsync(overview);
        Assert.True(first.AsOf.ToDateTime() >= visible, $"as_of {first.AsOf} before {batch.Outcome.VisibleAsOf}");
        Assert.Equal(1, first.Current.ChatsReceived);

        // A scheduled run leaves a snapshot; answers are of it from now on.
        var runner = ActivatorUtilities.CreateInstance<RollupRunner>(host.App.Services);
        Assert.True((await runner.RunScheduledAsync(DateTime.UtcNow, CancellationToken.None)).Succeeded);

        // Two more chats over a stream: its acknowledgement carries the instant too.
        var ack = await IngestOverAStreamAsync(ingestion, Chats(facts, at.AddMinutes(1), 2, 3));
        Assert.Equal((7UL, 4), (ack.BatchSequence, ack.Outcome.AcceptedCount));
        visible = ack.Outcome.VisibleAsOf.ToDateTime();

        // The snapshot is older than the acknowledgement: its answers need not count the new chats, and say so by
        // their as_of. A producer polls until as_of reaches visible_as_of; a refresh (every minute in the service)
        // gets it there, and from then on every answer counts the chats.
        var answer = await analytics.GetOverviewAsync(overview);
        Assert.True(answer.AsOf.ToDateTime() < visible, "the snapshot was taken before the stream's batch was committed");
        Assert.Equal(1, answer.Current.ChatsReceived);
        for (var polls = 0; answer.AsOf.ToDateTime() < visible; polls++)
        {
            Assert.True(polls < 5, $"as_of {answer.AsOf} never reached {ack.Outcome.VisibleAsOf}");
            Assert.NotNull(await runner.RefreshAsync(DateTime.UtcNow, CancellationToken.None));
            answer = await analytics.GetOverviewAsync(overview);
        }

        Assert.Equal(3, answer.Current.ChatsReceived);
        var list = await analytics.ListChatsAsync(new ListChatsRequest { ShopId = shop, FirstDay = overview.FirstDay, LastDay = overview.LastDay });
        Assert.True(list.AsOf.ToDateTime() >= visible);
        Assert.Equal(3, list.Chats.Count);
    }

    /// <summary>One batch of <paramref name="facts"/> over a stream (sequence 7); its one acknowledgement.</summary>
    private static async Task<IngestStreamResponse> IngestOverAStreamAsync(IngestionService.IngestionServiceClient ingestion, IEnumerable<Fact> facts)
    {
        using var call = ingestion.IngestStream();
        await call.RequestStream.WriteAsync(new IngestStreamRequest { BatchSequence = 7, Facts = { facts } });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var ack = call.ResponseStream.Current;
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        return ack;
    }

    [Fact]
    public async Task A_batch_with_nothing_accepted_is_still_acknowledged_with_an_instant()
    {
        await using var host = await ServiceHost.StartReadyAsync();
        var ingestion = new IngestionService.IngestionServiceClient(host.Channel);
        var invalid = Chats(new FactScenario($"shop-{Guid.NewGuid():N}"), DateTime.UtcNow, 1, 1)[0];
        invalid.OccurredAt = null;

        var outcome = (await ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { invalid } })).Outcome;

        Assert.Equal((0, 1), (outcome.AcceptedCount, outcome.Rejected.Count));
        Assert.NotNull(outcome.VisibleAsOf);
    }

    /// <summary>Adds chats <paramref name="from"/> to <paramref name="to"/>, each started and opened by a customer message, and returns their facts.</summary>
    private static List<Fact> Chats(FactScenario scenario, DateTime at, int from, int to)
    {
        var already = scenario.Facts.Count;
        for (var i = from; i <= to; i++)
        {
            scenario.ChatStarted($"chat-{i}", $"customer-{i}", at, []);
            scenario.Message($"chat-{i}", SenderRole.Customer, MessageKind.Text, at.AddSeconds(1));
        }

        return [.. scenario.Facts.Skip(already)];
    }
}
