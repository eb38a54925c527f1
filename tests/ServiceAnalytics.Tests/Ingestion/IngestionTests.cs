using Google.Protobuf.WellKnownTypes;
using Google.Rpc;

namespace ServiceAnalytics.Tests.Ingestion;

/// <summary>End to end: Grpc.Net.Client against the real service on loopback, over the embedded engine.</summary>
public sealed class IngestionTests(ServiceHostFixture service) : IClassFixture<ServiceHostFixture>
{
    private IngestionService.IngestionServiceClient Client => new(service.Host.Channel);

    private static string NewShop() => $"shop-{Guid.NewGuid():N}";

    /// <summary>A synthetic scenario for a new shop and its facts cut into the batches a stream sends.</summary>
    private static (FactScenario Scenario, List<Fact[]> Batches) SyntheticInBatches(int chats, int seed, int batchSize)
    {
        var scenario = FactScenario.Synthetic(NewShop(), chats, seed);
        return (scenario, [.. scenario.Facts.Chunk(batchSize)]);
    }

    [Fact]
    public async Task A_hundred_thousand_facts_over_one_stream_are_stored_once_and_a_resend_changes_nothing()
    {
        var scenario = FactScenario.Synthetic(NewShop(), chats: 11_200);
        Assert.InRange(scenario.Facts.Count, 100_000, 105_000);
        using var probe = StoreProbe.For(service.Host);

        var acks = await StreamAsync(scenario.Facts, batchSize: 1_000);

        Assert.Equal(Enumerable.Range(0, acks.Count).Select(i => (ulong)i), acks.Select(a => a.BatchSequence));
        Assert.All(acks, a => Assert.Empty(a.Outcome.Rejected));
        Assert.Equal(scenario.Facts.Count, acks.Sum(a => a.Outcome.AcceptedCount));
        var expected = scenario.Expected();
        Assert.Equal(expected, await probe.ReadAsync(scenario.ShopId));

        // The same facts again, this time as unary batches of another size: nothing changes anywhere.
        foreach (var chunk in scenario.Facts.Chunk(7_000))
        {
            var response = await Client.IngestBatchAsync(new IngestBatchRequest { Facts = { chunk } });
            Assert.Equal(chunk.Length, response.Outcome.AcceptedCount);
        }

        Assert.Equal(expected, await probe.ReadAsync(scenario.ShopId));
    }

    [Fact]
    public async Task Facts_shuffled_and_overlapping_across_concurrent_streams_are_stored_as_if_sent_once()
    {
        var scenario = FactScenario.Synthetic(NewShop(), chats: 2_000, seed: 11);
        using var probe = StoreProbe.For(service.Host);
        var random = new Random(3);
        // Three producers, each sending a shuffled two-thirds of the facts: every fact arrives once or more, in no order.
        var streams = Enumerable.Range(0, 3)
            .Select(p => scenario.Facts.Where((_, i) => i % 3 != p).OrderBy(_ => random.Next()).ToList())
            .ToList();

        await Task.WhenAll(streams.Select(facts => StreamAsync(facts, batchSize: 500)));

        Assert.Equal(scenario.Expected(), await probe.ReadAsync(scenario.ShopId));
    }

    [Fact]
    public async Task Invalid_facts_are_rejected_with_index_field_and_reason_and_the_valid_rest_is_stored()
    {
        var scenario = new FactScenario(NewShop());
        var at = DateTime.UtcNow.AddHours(-1);
        scenario.ChatStarted("chat-1", "customer-1", at, ["logistics"]);                                        // 0 valid
        scenario.Message("chat-1", SenderRole.Customer, MessageKind.Text, at.AddSeconds(1));                    // 1 valid
        var invalid = new List<(Fact Fact, string Field)>
        {
            (Spoiled(scenario, at, f => f.EventId = ""), "event_id"),
            (Spoiled(scenario, at, f => f.ShopId = new string('s', 65)), "shop_id"),
            (Spoiled(scenario, at, f => f.OccurredAt = null), "occurred_at"),
            (Spoiled(scenario, DateTime.UtcNow.AddDays(2), _ => { }), "occurred_at"),
            (Spoiled(scenario, at, f => f.MessageSent.SenderRole = SenderRole.Unspecified), "message_sent.sender_role"),
            (Spoiled(scenario, at, f => f.MessageSent.Kind = (MessageKind)42), "message_sent.kind"),
            (Spoiled(scenario, at, f => f.MessageSent.SenderRole = SenderRole.Agent), "message_sent.agent_id"),
            (Spoiled(scenario, at, f => f.MessageSent.ChatId = new string('x', 70_000)), "message_sent.chat_id"),
            (Spoiled(scenario, at, f => f.MessageSent.MessageId = "line\nbreak"), "message_sent.message_id"),
            (Spoiled(scenario, at, f => f.ChatRated = new ChatRated { ChatId = "chat-1", Stars = 9 }), "chat_rated.stars"),
            (Spoiled(scenario, at, f => f.OrderPlaced = new OrderPlaced { OrderId = "o", CustomerId = "c", Currency = "eur" }), "order_placed.currency"),
            (Spoiled(scenario, at, f => f.ShopSettingsChanged = new ShopSettingsChanged { TimeZone = "Mars/Olympus" }), "shop_settings_changed.time_zone"),
            (Spoiled(scenario, at, f => f.ShopSettingsChanged = new ShopSettingsChanged
            {
                TimeZone = "Europe/Berlin", Holidays = { new HolidayPeriod { FirstDay = "2026-12-24", LastDay = "2026-12-23" } },
            }), "shop_settings_changed.holidays[0].last_day"),
            (Spoiled(scenario, at, f => f.ClearKind()), "kind"),
            (Spoiled(scenario, at, f => f.OccurredAt = new Timestamp { Seconds = 253_402_300_800 }), "occurred_at"),
            (Spoiled(scenario, at, f => { f.MessageSent.SenderRole = SenderRole.Agent; f.MessageSent.AgentId = "a1"; f.MessageSent.ExpectsNoReply = true; }), "message_sent.expects_no_reply"),
            (Spoiled(scenario, at, f => f.ShopSettingsChanged = new ShopSettingsChanged
            {
                TimeZone = "Europe/Berlin", Holidays = { new HolidayPeriod { FirstDay = "1899-12-24", LastDay = "1899-12-26" } },
            }), "shop_settings_changed.holidays[0].first_day"),
            (Spoiled(scenario, at, f => f.ShopSettingsChanged = new ShopSettingsChanged
            {
                TimeZone = "Europe/Berlin", Holidays = { new HolidayPeriod { FirstDay = "2026-01-01", LastDay = "2099-12-31" } },
            }), "shop_settings_changed.holidays[0].last_day"),
        };
        scenario.Rated("chat-1", 5, at.AddMinutes(5));                                                          // last: valid
        var batch = new List<Fact> { scenario.Facts[0], scenario.Facts[1] };
        batch.AddRange(invalid.Select(i => i.Fact));
        batch.Add(scenario.Facts[^1]);
        using var probe = StoreProbe.For(service.Host);

        var response = await Client.IngestBatchAsync(new IngestBatchRequest { Facts = { batch } });

        Assert.Equal(3, response.Outcome.AcceptedCount);
        Assert.Equal(invalid.Select((v, i) => (i + 2, v.Field)), response.Outcome.Rejected.Select(r => (r.Index, r.Field)));
        Assert.All(response.Outcome.Rejected, r => Assert.False(string.IsNullOrWhiteSpace(r.Reason)));
        var stored = await probe.ReadAsync(scenario.ShopId);
        Assert.Equal((1, 1, 1), (stored.ChatStarts, stored.ChatMessages, stored.ChatEvents));
    }

    [Fact]
    public async Task Whole_request_problems_answer_invalid_argument_with_the_field()
    {
        var empty = await Assert.ThrowsAsync<RpcException>(() => Client.IngestBatchAsync(new IngestBatchRequest()).ResponseAsync);
        AssertBadRequest(empty, "facts");

        var scenario = FactScenario.Synthetic(NewShop(), chats: 1_200);
        var tooMany = await Assert.ThrowsAsync<RpcException>(
            () => Client.IngestBatchAsync(new IngestBatchRequest { Facts = { scenario.Facts.Take(10_001) } }).ResponseAsync);
        AssertBadRequest(tooMany, "facts");
        using var probe = StoreProbe.For(service.Host);
        Assert.Equal(0, (await probe.ReadAsync(scenario.ShopId)).ChatStarts);
    }

    [Fact]
    public async Task A_message_over_the_size_limit_is_refused_and_the_service_carries_on()
    {
        var scenario = new FactScenario(NewShop());
        var at = DateTime.UtcNow.AddMinutes(-5);
        for (var i = 0; i < 400; i++)
        {
            scenario.ChatStarted($"chat-{i}", "c", at, [.. Enumerable.Range(0, 16).Select(t => new string((char)('a' + (t % 26)), 4_000))]);
        }

        var refused = await Assert.ThrowsAsync<RpcException>(() => Client.IngestBatchAsync(new IngestBatchRequest { Facts = { scenario.Facts } }).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);

        var small = new FactScenario(scenario.ShopId);
        small.ChatStarted("chat-ok", "c", at, []);
        Assert.Equal(1, (await Client.IngestBatchAsync(new IngestBatchRequest { Facts = { small.Facts } })).Outcome.AcceptedCount);
        using var probe = StoreProbe.For(service.Host);
        Assert.Equal(1, (await probe.ReadAsync(scenario.ShopId)).ChatStarts);
    }

    [Fact]
    public async Task A_client_cancelling_mid_stream_keeps_what_was_acknowledged_and_a_resend_does_not_double_count()
    {
        var (scenario, batches) = SyntheticInBatches(chats: 3_000, seed: 5, batchSize: 1_000);
        using var probe = StoreProbe.For(service.Host);
        using var cancel = new CancellationTokenSource();
        var acknowledged = new List<Fact>();

        using (var call = Client.IngestStream(cancellationToken: cancel.Token))
        {
            for (var i = 0; i < 5; i++)
            {
                await call.RequestStream.WriteAsync(new IngestStreamRequest { BatchSequence = (ulong)i, Facts = { batches[i] } });
            }

            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            acknowledged.AddRange(batches[(int)call.ResponseStream.Current.BatchSequence]);
            await cancel.CancelAsync();
        }

        // What was acknowledged is stored.
        var partial = await probe.ReadAsync(scenario.ShopId);
        Assert.True(partial.ChatMessages >= acknowledged.Count(f => f.KindCase == Fact.KindOneofCase.MessageSent));
        Assert.True(partial.ChatStarts >= acknowledged.Count(f => f.KindCase == Fact.KindOneofCase.ChatStarted));

        await ResendEverythingAndAssertStoredOnceAsync(scenario, probe);
    }

    [Fact]
    public async Task Acknowledging_after_the_commit_the_store_failing_mid_stream_answers_unavailable_and_after_recovery_a_resend_is_exact()
    {
        // Journaled acknowledgements ride out a failing store instead (JournalTests).
        await using var host = await ServiceHost.StartReadyAsync(new Dictionary<string, string?> { ["Ingestion:AcknowledgeAfter"] = "Committed" });
        var client = new IngestionService.IngestionServiceClient(host.Channel);
        var (scenario, batches) = SyntheticInBatches(chats: 1_000, seed: 9, batchSize: 1_000);
        using var probe = StoreProbe.For(host);

        using (var call = client.IngestStream())
        {
            await call.RequestStream.WriteAsync(new IngestStreamRequest { BatchSequence = 0, Facts = { batches[0] } });
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(0UL, call.ResponseStream.Current.BatchSequence);

            // The store loses a table: writes fail until it is back.
            await probe.Store.Client.ExecuteNonQueryAsync("DETACH TABLE chat_messages");
            try
            {
                await call.RequestStream.WriteAsync(new IngestStreamRequest { BatchSequence = 1, Facts = { batches[1] } });
                var failure = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
                Assert.Equal(StatusCode.Unavailable, failure.StatusCode);
                var retry = failure.GetRpcStatus()!.GetDetail<RetryInfo>();
                Assert.NotNull(retry);
                Assert.True(retry.RetryDelay.ToTimeSpan() > TimeSpan.Zero);
            }
            finally
            {
                await probe.Store.Client.ExecuteNonQueryAsync("ATTACH TABLE chat_messages");
            }
        }

        // The service recovers on its own.
        await ResendEverythingAndAssertStoredOnceAsync(scenario, probe, client);
    }

    [Fact]
    public async Task Garbage_behind_valid_batches_on_a_stream_ends_it_invalid_argument_after_their_acknowledgements()
    {
        var (scenario, batches) = SyntheticInBatches(chats: 200, seed: 13, batchSize: 500);
        using var probe = StoreProbe.For(service.Host);
        var bytes = Marshallers.Create<byte[]>(b => b, b => b);
        var method = new Method<byte[], byte[]>(MethodType.DuplexStreaming, "service_analytics.ingest.v1.IngestionService", "IngestStream", bytes, bytes);

        using var call = service.Host.Channel.CreateCallInvoker().AsyncDuplexStreamingCall(method, null, new CallOptions());
        for (var i = 0; i < batches.Count; i++)
        {
            await call.RequestStream.WriteAsync(new IngestStreamRequest { BatchSequence = (ulong)i, Facts = { batches[i] } }.ToByteArray());
        }

        // Right behind them, bytes that are no message (a field tag with wire type 7 does not exist).
        await call.RequestStream.WriteAsync([0xFF, 0xFF, 0xFF, 0x7F]);

        var acks = new List<ulong>();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                var ack = IngestStreamResponse.Parser.ParseFrom(call.ResponseStream.Current);
                Assert.Empty(ack.Outcome.Rejected);
                acks.Add(ack.BatchSequence);
            }
        });

        // Every batch before the garbage was committed and is acknowledged, in order; then the stream's error.
        Assert.Equal(Enumerable.Range(0, batches.Count).Select(i => (ulong)i), acks);
        AssertBadRequest(error, "request");
        Assert.StartsWith("request: is not a valid protocol buffer message", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(scenario.Expected(), await probe.ReadAsync(scenario.ShopId));
    }

    /// <summary>
    /// The producer re-sends what was not acknowledged (here: simply everything) and the store then holds every fact
    /// exactly once.
    /// </summary>
    private async Task ResendEverythingAndAssertStoredOnceAsync(FactScenario scenario, StoreProbe probe, IngestionService.IngestionServiceClient? client = null)
    {
        await StreamAsync(scenario.Facts, batchSize: 1_000, client);
        Assert.Equal(scenario.Expected(), await probe.ReadAsync(scenario.ShopId));
    }

    private async Task<List<IngestStreamResponse>> StreamAsync(IReadOnlyList<Fact> facts, int batchSize, IngestionService.IngestionServiceClient? client = null)
    {
        using var call = (client ?? Client).IngestStream();
        var reading = Task.Run(async () =>
        {
            var responses = new List<IngestStreamResponse>();
            await foreach (var response in call.ResponseStream.ReadAllAsync())
            {
                responses.Add(response);
            }

            return responses;
        });
        ulong sequence = 0;
        foreach (var chunk in facts.Chunk(batchSize))
        {
            await call.RequestStream.WriteAsync(new IngestStreamRequest { BatchSequence = sequence++, Facts = { chunk } });
        }

        await call.RequestStream.CompleteAsync();
        var acks = await reading;
        Assert.Equal((int)sequence, acks.Count);
        return acks;
    }

    private static Fact Spoiled(FactScenario scenario, DateTime at, Action<Fact> spoil)
    {
        var fact = new Fact
        {
            EventId = $"bad-{Guid.NewGuid():N}",
            ShopId = scenario.ShopId,
            OccurredAt = Timestamp.FromDateTime(at),
            MessageSent = new MessageSent { ChatId = "chat-1", MessageId = $"m-{Guid.NewGuid():N}", SenderRole = SenderRole.Customer, Kind = MessageKind.Text },
        };
        spoil(fact);
        return fact;
    }

    private static void AssertBadRequest(RpcException error, string field)
    {
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var details = error.GetRpcStatus()!.GetDetail<BadRequest>();
        Assert.NotNull(details);
        Assert.Equal(field, Assert.Single(details.FieldViolations).Field);
    }
}
