using Google.Protobuf.Reflection;
using Grpc.Health.V1;
using ServiceAnalytics.Contracts.Operations.V1;

namespace ServiceAnalytics.Tests.Security;

/// <summary>
/// Injection payloads through every string field of every query and operations RPC, and fuzzed bodies on the
/// ingestion RPCs: clear statuses, no store error, no crash, and the stored data unchanged.
/// </summary>
public sealed class HostileInputTests
{
    private static readonly string[] s_payloads =
    [
        "' OR '1'='1", "shop-a' --", "'; DROP TABLE chat_starts; --", "1) UNION ALL SELECT name FROM system.tables --",
        "{shop:String}", "\\'; SELECT 1 --", "`chat_starts`", "\0", "%s%n{0}", "ünï©ødé 🎉", new string('x', 5000),
    ];

    private static readonly DateTime s_at = DateTime.UtcNow.Date.AddDays(-2).AddHours(9);

    [Fact]
    public async Task Injection_payloads_in_every_string_field_change_nothing_and_cause_no_store_error()
    {
        await using var host = await ServiceHost.StartReadyAsync();
        await SeedAsync(host);
        var before = await SnapshotAsync(host, "");
        var failures = new List<string>();
        var day = DateOnly.FromDateTime(s_at).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var methods = Callers.UnaryMethods(AnalyticsServiceReflection.Descriptor.Services[0])
            .Concat(Callers.UnaryMethods(OperationsServiceReflection.Descriptor.Services[0]));
        foreach (var method in methods)
        {
            var strings = method.InputType.Fields.InDeclarationOrder().Where(f => f.FieldType == FieldType.String).ToList();
            foreach (var field in strings)
            {
                foreach (var payload in s_payloads)
                {
                    var request = Callers.Request(method, "shop-a");
                    foreach (var other in strings.Where(f => !f.IsRepeated && f.Name is "first_day" or "last_day"))
                    {
                        other.Accessor.SetValue(request, day);
                    }

                    if (field.IsRepeated)
                    {
                        ((System.Collections.IList)field.Accessor.GetValue(request)).Add(payload);
                    }
                    else
                    {
                        field.Accessor.SetValue(request, payload);
                    }

                    var status = await Callers.CallAsync(host.Channel, method, request);
                    if (status.StatusCode is StatusCode.Internal or StatusCode.Unknown or StatusCode.Unavailable)
                    {
                        failures.Add($"{method.Name}.{field.Name} = {payload[..Math.Min(20, payload.Length)]}: {status.StatusCode} {status.Detail}");
                    }
                }
            }
        }

        Assert.Empty(failures);
        Assert.Equal(before, await SnapshotAsync(host, ""));
        // The seeded shop still answers as before.
        var list = await new AnalyticsService.AnalyticsServiceClient(host.Channel).ListChatsAsync(new ListChatsRequest { ShopId = "shop-a", FirstDay = day, LastDay = day });
        Assert.Equal(3, list.Chats.Count);
    }

    [Fact]
    public async Task Fuzzed_and_random_ingestion_bodies_get_clear_errors_and_leave_accepted_data_intact()
    {
        await using var host = await ServiceHost.StartReadyAsync();
        await SeedAsync(host);
        var before = await SnapshotAsync(host, "shop-a");
        var random = new Random(20261125);
        var valid = new IngestBatchRequest { Facts = { Scenario("shop-fuzz").Facts } }.ToByteArray();
        var statuses = await SendFuzzedBatchesAsync(host, random, valid);
        Assert.True(statuses.Count > 1, string.Join(", ", statuses));
        await RandomBytesOnTheStreamEndThatStreamOnlyAsync(host, random);

        var health = await new Health.HealthClient(host.Channel).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        Assert.Equal(before, await SnapshotAsync(host, "shop-a"));
    }

    /// <summary>
    /// 300 bodies sent as IngestBatch: a third random bytes, the rest <paramref name="valid"/> with a few bits flipped;
    /// each is accepted or refused with a clear error. How many ended with each status.
    /// </summary>
    private static async Task<Dictionary<StatusCode, int>> SendFuzzedBatchesAsync(ServiceHost host, Random random, byte[] valid)
    {
        var batch = new Method<byte[], byte[]>(MethodType.Unary, "service_analytics.ingest.v1.IngestionService", "IngestBatch", Bytes, Bytes);
        var statuses = new Dictionary<StatusCode, int>();
        for (var i = 0; i < 300; i++)
        {
            byte[] body;
            if (i % 3 == 0)
            {
                body = new byte[random.Next(0, 2048)];
                random.NextBytes(body);
            }
            else
            {
                body = (byte[])valid.Clone();
                for (var flips = random.Next(1, 8); flips > 0; flips--)
                {
                    body[random.Next(body.Length)] ^= (byte)(1 << random.Next(8));
                }
            }

            var code = StatusCode.OK;
            try
            {
                await host.Channel.CreateCallInvoker().AsyncUnaryCall(batch, null, new CallOptions(), body);
            }
            catch (RpcException error)
            {
                code = error.StatusCode;
                // Bodies that are no message end with gRPC's handler error, which names the decoding failure.
                Assert.True(
                    code is StatusCode.InvalidArgument or StatusCode.PermissionDenied or StatusCode.ResourceExhausted
                        || (code == StatusCode.Unknown && error.Status.Detail.Contains("InvalidProtocolBufferException", StringComparison.Ordinal)),
                    $"body {i}: {error.Status}");
            }

            statuses[code] = statuses.GetValueOrDefault(code) + 1;
        }

        return statuses;
    }

    /// <summary>Random bytes on the stream end that stream only, with INVALID_ARGUMENT.</summary>
    private static async Task RandomBytesOnTheStreamEndThatStreamOnlyAsync(ServiceHost host, Random random)
    {
        var stream = new Method<byte[], byte[]>(MethodType.DuplexStreaming, "service_analytics.ingest.v1.IngestionService", "IngestStream", Bytes, Bytes);
        using (var call = host.Channel.CreateCallInvoker().AsyncDuplexStreamingCall(stream, null, new CallOptions()))
        {
            var noise = new byte[512];
            random.NextBytes(noise);
            noise[0] = 0xFF;
            await call.RequestStream.WriteAsync(noise);
            var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.StartsWith("request: is not a valid protocol buffer message", error.Status.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_chat_cannot_be_tagged_beyond_the_per_chat_limit_and_a_resent_tagging_still_counts_once()
    {
        await using var host = await ServiceHost.StartReadyAsync(new Dictionary<string, string?> { ["Ingestion:MaxTagsPerChat"] = "20" });
        var ingestion = new IngestionService.IngestionServiceClient(host.Channel);
        var s = new FactScenario("shop-tags");
        s.ChatStarted("chat-1", "customer-1", s_at, [.. Enumerable.Range(0, 10).Select(i => $"start-{i}")]);
        s.Message("chat-1", SenderRole.Customer, MessageKind.Text, s_at.AddSeconds(1));
        var first = Tagged(s, "chat-1", Enumerable.Range(0, 10).Select(i => $"added-{i}"), s_at.AddMinutes(1));
        // In one batch with the start: 10 + 10 = 20 tags, at the limit.
        Assert.Empty((await ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { s.Facts } })).Outcome.Rejected);

        var more = new FactScenario("shop-tags");
        var overLimit = Tagged(more, "chat-1", ["one-too-many"], s_at.AddMinutes(2));
        var outcome = (await ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { first, overLimit } })).Outcome;

        // Re-sending the accepted tagging adds nothing and is accepted; the new tag would make 21.
        Assert.Equal(1, outcome.AcceptedCount);
        var rejected = Assert.Single(outcome.Rejected);
        Assert.Equal((1, "chat_tagged.tags"), (rejected.Index, rejected.Field));
        Assert.Contains("21", rejected.Reason, StringComparison.Ordinal);
        var day = DateOnly.FromDateTime(s_at).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var list = await new AnalyticsService.AnalyticsServiceClient(host.Channel).ListChatsAsync(new ListChatsRequest { ShopId = "shop-tags", FirstDay = day, LastDay = day });
        Assert.Equal(20, Assert.Single(list.Chats).Tags.Count);
    }

    private static Fact Tagged(FactScenario scenario, string chat, IEnumerable<string> tags, DateTime at) =>
        scenario.Add(at, f => f.ChatTagged = new ChatTagged { ChatId = chat, Tags = { tags } });

    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create<byte[]>(b => b, b => b);

    private static FactScenario Scenario(string shop)
    {
        var s = new FactScenario(shop);
        for (var i = 1; i <= 3; i++)
        {
            s.ChatStarted($"chat-{i}", $"customer-{i}", s_at.AddMinutes(i), ["shipping"]);
            s.Message($"chat-{i}", SenderRole.Customer, MessageKind.Text, s_at.AddMinutes(i).AddSeconds(1));
            s.Message($"chat-{i}", SenderRole.Agent, MessageKind.Text, s_at.AddMinutes(i).AddSeconds(90), "agent-1");
        }

        s.Agent("agent-1", "One", true, s_at);
        return s;
    }

    private static async Task SeedAsync(ServiceHost host)
    {
        var outcome = (await new IngestionService.IngestionServiceClient(host.Channel).IngestBatchAsync(new IngestBatchRequest { Facts = { Scenario("shop-a").Facts } })).Outcome;
        Assert.Empty(outcome.Rejected);
    }

    /// <summary>Per stored table (views excluded): row count and a hash of every row, for one shop or all (empty).</summary>
    private static async Task<string> SnapshotAsync(ServiceHost host, string shop)
    {
        await host.AcknowledgedFactsCommittedAsync();
        var store = host.Store;
        var tables = new List<string>();
        var parameters = new ClickHouse.Driver.ADO.Parameters.ClickHouseParameterCollection();
        parameters.AddParameter("shop", shop);
        using (var reader = await store.Client.ExecuteReaderAsync("""
            SELECT name FROM system.tables
            WHERE database = currentDatabase() AND engine LIKE '%MergeTree' AND name NOT LIKE 'schema_%'
              AND ({shop:String} = '' OR name IN (SELECT table FROM system.columns WHERE database = currentDatabase() AND name = 'shop_id'))
            ORDER BY name
            """, parameters))
        {
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var lines = new List<string>();
        foreach (var table in tables)
        {
            var where = shop.Length == 0 ? "" : " WHERE shop_id = {shop:String}";
            var value = await store.Client.ExecuteScalarAsync($"SELECT concat(toString(count()), '/', toString(sum(cityHash64(*)))) FROM `{table}`{where}", parameters);
            lines.Add($"{table}: {value}");
        }

        return string.Join("\n", lines);
    }
}
