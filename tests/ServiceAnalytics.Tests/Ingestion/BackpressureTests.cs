using Grpc.Health.V1;
using ServiceAnalytics.Tests.Hosting;

namespace ServiceAnalytics.Tests.Ingestion;

public sealed class BackpressureTests
{
    [Fact]
    public async Task A_slow_store_slows_the_producer_instead_of_piling_up_batches()
    {
        // One batch per stream awaiting acknowledgement, one in each queue (the journal's, the writers'), one insert at a time.
        await using var host = await ServiceHost.StartAsync(new Dictionary<string, string?>
        {
            ["Ingestion:StreamWindowBatches"] = "1",
            ["Ingestion:QueueCapacityBatches"] = "1",
            ["Ingestion:FlushRows"] = "1",
        });
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving,
            await ServiceHostTests.WaitForStatusAsync(new Health.HealthClient(host.Channel), HealthCheckResponse.Types.ServingStatus.Serving, TimeSpan.FromSeconds(60)));
        using var probe = StoreProbe.For(host);
        // The store turns slow: every chat start inserted now costs the engine 1 ms (a view that sleeps per row).
        await probe.Store.Client.ExecuteNonQueryAsync("CREATE MATERIALIZED VIEW slow_down ENGINE = Null AS SELECT sleepEachRow(0.001) AS slept FROM chat_starts");

        var scenario = new FactScenario($"shop-{Guid.NewGuid():N}");
        var at = DateTime.UtcNow.AddHours(-1);
        for (var i = 0; i < 12_000; i++)
        {
            scenario.ChatStarted($"c{i}", $"u{i}", at, [new string('t', 60), new string('u', 60)]);
        }

        var batches = scenario.Facts.Chunk(400).ToList();   // 30 batches, each ~0.4 s to store
        var written = 0;
        var acknowledged = 0;
        var mostOutstanding = 0;
        using var call = new IngestionService.IngestionServiceClient(host.Channel).IngestStream();
        var reading = Task.Run(async () =>
        {
            await foreach (var _ in call.ResponseStream.ReadAllAsync())
            {
                Interlocked.Increment(ref acknowledged);
            }
        });
        for (var i = 0; i < batches.Count; i++)
        {
            await call.RequestStream.WriteAsync(new IngestStreamRequest { BatchSequence = (ulong)i, Facts = { batches[i] } });
            written++;
            mostOutstanding = Math.Max(mostOutstanding, written - Volatile.Read(ref acknowledged));
        }

        await call.RequestStream.CompleteAsync();
        await reading;

        // Without backpressure all 30 batches would be written before the first is stored. With it, the producer
        // is held to what the stream window (1), the queues (1 each), the journal writer (1), the writer (1) and HTTP/2
        // flow control take: Kestrel's
        // per-stream receive window (768 KiB) holds about nine of these ~80 KiB batches.
        Assert.Equal(batches.Count, acknowledged);
        Assert.InRange(mostOutstanding, 1, 15);
        Assert.Equal(scenario.Facts.Count, (await probe.ReadAsync(scenario.ShopId)).ChatStarts);
    }
}
