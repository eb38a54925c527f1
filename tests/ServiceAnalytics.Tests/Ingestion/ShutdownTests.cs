using Grpc.Health.V1;
using ServiceAnalytics.Tests.Hosting;

namespace ServiceAnalytics.Tests.Ingestion;

public sealed class ShutdownTests
{
    [Fact]
    public async Task Stopping_the_service_mid_stream_answers_every_batch_in_flight_and_loses_nothing_acknowledged()
    {
        var host = await ServiceHost.StartAsync();
        var database = host.Database;
        var scenario = FactScenario.Synthetic($"shop-{Guid.NewGuid():N}", chats: 3_000, seed: 13);
        var batches = scenario.Facts.Chunk(1_000).ToList();
        var acknowledged = new List<Fact>();
        StatusCode? ending = null;
        try
        {
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving,
                await ServiceHostTests.WaitForStatusAsync(new Health.HealthClient(host.Channel), HealthCheckResponse.Types.ServingStatus.Serving, TimeSpan.FromSeconds(60)));
            using var call = new IngestionService.IngestionServiceClient(host.Channel).IngestStream();
            var reading = Task.Run(async () =>
            {
                try
                {
                    await foreach (var ack in call.ResponseStream.ReadAllAsync())
                    {
                        acknowledged.AddRange(batches[(int)ack.BatchSequence]);
                    }
                }
                catch (RpcException error)
                {
                    ending = error.StatusCode;
                }
            });
            for (var i = 0; i < batches.Count; i++)
            {
                await call.RequestStream.WriteAsync(new IngestStreamRequest { BatchSequence = (ulong)i, Facts = { batches[i] } });
            }

            // Stop while batches are queued or being written; the stream is never completed by the producer.
            var stopping = System.Diagnostics.Stopwatch.StartNew();
            await host.App.StopAsync();
            await reading.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(15), $"shutdown took {stopping.Elapsed.TotalSeconds:F0} s");
        }
        finally
        {
            await host.DisposeAsync();
        }

        // Each batch was either acknowledged, or the stream ended with UNAVAILABLE: re-send what was not acknowledged.
        Assert.True(acknowledged.Count == scenario.Facts.Count || ending == StatusCode.Unavailable, $"stream ended with {ending}");
        var expected = new FactScenario(scenario.ShopId);
        foreach (var fact in acknowledged)
        {
            expected.Add(fact.OccurredAt.ToDateTime(), f => f.MergeFrom(fact));
        }

        using var probe = new StoreProbe(TestEnvironment.CreateStore(TestEnvironment.Options(ClickHouseLane.Embedded, database)));
        var stored = await probe.ReadAsync(scenario.ShopId);
        Assert.True(stored.ChatMessages >= expected.Expected().ChatMessages, $"acknowledged {expected.Expected().ChatMessages} messages, stored {stored.ChatMessages}");
        Assert.True(stored.ChatStarts >= expected.Expected().ChatStarts);
    }
}
