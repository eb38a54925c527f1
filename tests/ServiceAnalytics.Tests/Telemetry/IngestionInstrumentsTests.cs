using Google.Protobuf.WellKnownTypes;
using ServiceAnalytics.Server.Ingestion;

namespace ServiceAnalytics.Tests.Telemetry;

/// <summary>
/// The ingestion instruments against the real service: after a scenario, the accepted and rejected counters equal
/// what was sent, fact by fact, kind by kind and reason by reason (the expected figures are computed here from the
/// facts sent, not read back).
/// </summary>
public sealed class IngestionInstrumentsTests
{
    private const string Accepted = "service_analytics.ingest.facts.accepted";
    private const string Rejected = "service_analytics.ingest.facts.rejected";

    [Fact]
    public async Task Accepted_and_rejected_facts_are_counted_exactly_as_sent_by_kind_and_reason()
    {
        await using var host = await ServiceHost.StartReadyAsync(new Dictionary<string, string?> { ["Ingestion:MaxTagsPerChat"] = "2" });
        using var capture = new MeterCapture(host);
        var ingestion = new IngestionService.IngestionServiceClient(host.Channel);
        var scenario = new FactScenario($"shop-{Guid.NewGuid():N}");
        var at = DateTime.UtcNow.AddHours(-2);

        // Valid facts of four kinds; one of them repeated within the batch (stored once, accepted twice).
        scenario.ChatStarted("chat-1", "customer-1", at, []);
        scenario.ChatStarted("chat-2", "customer-2", at, []);
        scenario.Message("chat-1", SenderRole.Customer, MessageKind.Text, at.AddSeconds(1));
        scenario.Rated("chat-1", 5, at.AddMinutes(5));
        scenario.Agent("agent-1", "Ada", true, at);
        var valid = scenario.Facts.ToList();
        var repeated = valid[2];

        // Invalid facts, one per kind of rejection (two of invalid_field).
        var tooOld = scenario.Ended("chat-1", DateTime.UtcNow.AddDays(-401));
        var inFuture = scenario.Ended("chat-2", DateTime.UtcNow.AddHours(1));
        var sixStars = scenario.Rated("chat-2", 6, at.AddMinutes(6));
        var noKind = scenario.Add(at, _ => { });
        var overTags = scenario.Add(at, f => f.ChatTagged = new ChatTagged { ChatId = "chat-1", Tags = { "a", "b", "c" } });
        Fact[] first = [.. valid, repeated, tooOld, inFuture, sixStars, noKind, overTags];

        var outcome = (await ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { first } })).Outcome;
        Assert.Equal((valid.Count + 1, 5), (outcome.AcceptedCount, outcome.Rejected.Count));

        // The whole valid part again, as a producer re-sends an unacknowledged batch: accepted again (idempotent store).
        var again = (await ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { valid } })).Outcome;
        Assert.Equal(valid.Count, again.AcceptedCount);

        var sentValid = valid.Concat([repeated]).Concat(valid).ToList();
        foreach (var kind in sentValid.Select(f => f.KindCase).Distinct())
        {
            var name = IngestionInstruments.KindName(kind);
            Assert.Equal(sentValid.Count(f => f.KindCase == kind), capture.Sum(Accepted, (IngestionInstruments.FactKindAttribute, name)));
        }

        Assert.Equal(sentValid.Count, capture.Sum(Accepted));
        (string Kind, string Reason)[] rejections =
        [
            ("chat_ended", "too_old"), ("chat_ended", "in_future"), ("chat_rated", "invalid_field"), ("none", "invalid_field"), ("chat_tagged", "tag_limit"),
        ];
        foreach (var (kind, reason) in rejections)
        {
            Assert.Equal(1, capture.Sum(Rejected, (IngestionInstruments.FactKindAttribute, kind), (IngestionInstruments.RejectionAttribute, reason)));
        }

        Assert.Equal(rejections.Length, capture.Sum(Rejected));
        Assert.Equal(["in_future", "invalid_field", "tag_limit", "too_old"], capture.Of(Rejected).Select(r => r.Tag(IngestionInstruments.RejectionAttribute)!).Distinct().Order());

        // Two batches taken and acknowledged, of the sizes sent; their inserts succeeded (once committed: acknowledged from the journal).
        await host.AcknowledgedFactsCommittedAsync();
        AssertBatchesAcknowledged(capture, [first.Length, valid.Count]);
    }

    /// <summary>Batches of <paramref name="sizes"/> were taken and acknowledged, in that order, and their inserts (at most one a batch) succeeded.</summary>
    private static void AssertBatchesAcknowledged(MeterCapture capture, int[] sizes)
    {
        Assert.Equal(sizes, capture.Of("service_analytics.ingest.batch.size").Select(r => (int)r.Value));
        var acknowledgements = capture.Of("service_analytics.ingest.acknowledgement.duration");
        Assert.Equal(sizes.Length, acknowledgements.Count);
        Assert.All(acknowledgements, a => Assert.InRange(a.Value, 0, 60));
        Assert.All(acknowledgements, a => Assert.Equal("s", a.Unit));
        var inserts = capture.Of("service_analytics.ingest.insert.duration");
        Assert.InRange(inserts.Count, 1, sizes.Length);
        Assert.All(inserts, i => Assert.Null(i.Tag("error.type")));

        // Each insert's size in rows, one per insert: together no more than the facts sent (rejected ones are not stored).
        var insertRows = capture.Of("service_analytics.ingest.insert.rows");
        Assert.Equal(inserts.Count, insertRows.Count);
        Assert.All(insertRows, r => Assert.Equal("{row}", r.Unit));
        Assert.InRange(insertRows.Sum(r => r.Value), 1, sizes.Sum());
    }

    [Fact]
    public async Task A_batch_refused_whole_counts_no_fact()
    {
        await using var host = await ServiceHost.StartReadyAsync(new Dictionary<string, string?> { ["Ingestion:MaxFactsPerBatch"] = "2" });
        using var capture = new MeterCapture(host);
        var ingestion = new IngestionService.IngestionServiceClient(host.Channel);
        var scenario = new FactScenario($"shop-{Guid.NewGuid():N}");
        for (var i = 0; i < 3; i++)
        {
            scenario.ChatStarted($"chat-{i}", "customer", DateTime.UtcNow.AddHours(-1), []);
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { scenario.Facts } }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Empty(capture.Of(Accepted));
        Assert.Empty(capture.Of(Rejected));
        Assert.Empty(capture.Of("service_analytics.ingest.batch.size"));
    }

    [Fact]
    public async Task A_full_queue_counts_backpressure_and_shows_in_the_queue_depth()
    {
        // One writer, one batch of room in each queue (the journal's, the writers'), one batch per insert.
        await using var host = await ServiceHost.StartReadyAsync(new Dictionary<string, string?>
        {
            ["Ingestion:QueueCapacityBatches"] = "1",
            ["Ingestion:Writers"] = "1",
            ["Ingestion:FlushRows"] = "1",
        });
        using var capture = new MeterCapture(host);
        Assert.Equal(0, Assert.Single(capture.Observe("service_analytics.ingest.queue.depth")).Value);
        // The store turns slow: every chat start inserted now costs the engine 1 ms (a view that sleeps per row).
        await host.Store.Client.ExecuteNonQueryAsync("CREATE MATERIALIZED VIEW slow_down ENGINE = Null AS SELECT sleepEachRow(0.001) AS slept FROM chat_starts");
        var ingestion = new IngestionService.IngestionServiceClient(host.Channel);
        var scenario = new FactScenario($"shop-{Guid.NewGuid():N}");
        for (var i = 0; i < 1_200; i++)
        {
            scenario.ChatStarted($"c{i}", $"u{i}", DateTime.UtcNow.AddHours(-1), []);
        }

        // Six batches of ~0.2 s each at once: one being written, one or two queued, the others wait for room.
        var calls = scenario.Facts.Chunk(200).Select(batch => ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { batch } }).ResponseAsync).ToList();
        var deepest = 0.0;
        while (!calls.All(c => c.IsCompleted))
        {
            deepest = Math.Max(deepest, capture.Observe("service_analytics.ingest.queue.depth").Single().Value);
            await Task.Delay(20);
        }

        Assert.All(await Task.WhenAll(calls), response => Assert.Equal(200, response.Outcome.AcceptedCount));
        Assert.InRange(deepest, 1, 2);
        Assert.InRange(capture.Sum("service_analytics.ingest.backpressure"), 1, 5);
        Assert.Equal(1_200, capture.Sum(Accepted));
        await host.AcknowledgedFactsCommittedAsync();
        Assert.Equal(0, capture.Observe("service_analytics.ingest.queue.depth").Single().Value);
    }
}
