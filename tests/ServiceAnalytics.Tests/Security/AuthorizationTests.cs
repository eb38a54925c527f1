using Google.Protobuf.Reflection;
using Grpc.Net.Client;
using ServiceAnalytics.Contracts.Operations.V1;

namespace ServiceAnalytics.Tests.Security;

/// <summary>
/// Who may call what: every unary RPC of every service against every kind of wrong credentials, through every door
/// (gRPC, gRPC-Web text and binary, HTTP/JSON), each refused with its status before reaching the store — the fact
/// tables are detached for the matrix, so a call that got through would fail UNAVAILABLE instead (the control call
/// shows it does).
/// </summary>
public sealed class AuthorizationTests
{
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor[] s_services =
    [
        AnalyticsServiceReflection.Descriptor.Services[0],
        IngestionServiceReflection.Descriptor.Services[0],
        OperationsServiceReflection.Descriptor.Services[0],
    ];

    /// <summary>The refusal reasons (<c>google.rpc.ErrorInfo.reason</c>) of CallerAuthorizationInterceptor.</summary>
    private const string Unauthenticated = "UNAUTHENTICATED";
    private const string MissingScope = "MISSING_SCOPE";
    private const string ShopNotAllowed = "SHOP_NOT_ALLOWED";

    private static readonly string[] s_wrongCredentials =
    [
        "none", "unknown key", "expired token", "wrong audience", "wrong issuer", "foreign signature", "missing scope", "other shop",
    ];

    /// <summary>Detached for the matrix, so a call that got through would fail UNAVAILABLE instead of answering.</summary>
    private static readonly string[] s_detachedTables = ["chat_starts", "chat_messages", "chat_events", "shop_settings", "agents", "rollup_runs"];

    [Fact]
    public async Task Every_rpc_refuses_every_wrong_caller_before_touching_the_store()
    {
        await using var host = await ServiceHost.StartReadyAsync(Callers.Settings());
        var store = host.Store;
        foreach (var table in s_detachedTables)
        {
            await store.Client.ExecuteNonQueryAsync($"DETACH TABLE {table}");
        }

        try
        {
            using var http = host.CreateHttpClient();
            Assert.Empty(await RefusalsNotAsExpectedAsync(host, http));
            await RefusalsSayWhyWithoutEchoingTheCredentialAsync(host, http);
            await AnAllowedCallerGetsThroughToTheStoreAsync(host, http);
        }
        finally
        {
            foreach (var table in s_detachedTables)
            {
                await store.Client.ExecuteNonQueryAsync($"ATTACH TABLE {table}");
            }
        }
    }

    /// <summary>
    /// Every unary RPC called through every door with every kind of wrong credentials: a line for each call whose
    /// status, HTTP status or refusal reason is not the expected one (so a broken scope check cannot pass as a shop check).
    /// </summary>
    private static async Task<List<string>> RefusalsNotAsExpectedAsync(ServiceHost host, HttpClient http)
    {
        var failures = new List<string>();
        foreach (var method in s_services.SelectMany(Callers.UnaryMethods))
        {
            // A method that names no shop (GetCaller) has no wrong shop.
            foreach (var credentials in s_wrongCredentials.Where(c => c != "other shop" || method.InputType.FindFieldByName("shop_id") is not null || method.Service.Name == "OperationsService"))
            {
                var (authenticate, expected, expectedReason) = Wrong(method, credentials);
                var request = Callers.Request(method, method.Service.Name == "OperationsService" ? "" : "shop-b");
                foreach (var door in Enum.GetValues<Door>())
                {
                    var (status, httpStatus, reason) = await CallAsync(host, http, door, authenticate, method, request);
                    var expectedHttp = expected == StatusCode.Unauthenticated ? 401 : 403;
                    if (status.StatusCode != expected || reason != expectedReason || (door == Door.HttpJson && httpStatus != expectedHttp))
                    {
                        failures.Add($"{method.FullName} over {door} with {credentials}: {status.StatusCode} {reason} ({status.Detail}) HTTP {httpStatus}, expected {expected} {expectedReason}");
                    }
                }
            }
        }

        return failures;
    }

    /// <summary>The refusals say why, without echoing the credential, through every door.</summary>
    private static async Task RefusalsSayWhyWithoutEchoingTheCredentialAsync(ServiceHost host, HttpClient http)
    {
        var getOverview = AnalyticsServiceReflection.Descriptor.Services[0].FindMethodByName("GetOverview");
        foreach (var door in Enum.GetValues<Door>())
        {
            var (status, _, _) = await CallAsync(host, http, door, Callers.KeyHeader("not-a-key"), getOverview, Callers.Request(getOverview, "shop-b"));
            Assert.Equal((StatusCode.Unauthenticated, "The credentials sent are not valid."), (status.StatusCode, status.Detail));
        }

        using (var expired = Callers.WithToken(host, Callers.Token(["shop-b"], expires: DateTime.UtcNow.AddMinutes(-5))))
        {
            Assert.Equal("The bearer token has expired.", (await Callers.CallAsync(expired, getOverview, Callers.Request(getOverview, "shop-b"))).Detail);
        }

        using (var wrongKey = Callers.WithKey(host, "not-a-key"))
        {
            Assert.Equal("The credentials sent are not valid.", (await Callers.CallAsync(wrongKey, getOverview, Callers.Request(getOverview, "shop-b"))).Detail);
        }
    }

    /// <summary>Control: an allowed caller gets through to the store, which fails without its tables.</summary>
    private static async Task AnAllowedCallerGetsThroughToTheStoreAsync(ServiceHost host, HttpClient http)
    {
        var overview = AnalyticsServiceReflection.Descriptor.Services[0].FindMethodByName("GetOverview");
        var allowed = (GetOverviewRequest)Callers.Request(overview, "shop-b");
        allowed.FirstDay = allowed.LastDay = "2026-01-01";
        foreach (var door in Enum.GetValues<Door>())
        {
            var (status, httpStatus, _) = await CallAsync(host, http, door, Callers.TokenHeader(Callers.Token(["shop-b"])), overview, allowed);
            Assert.Equal(StatusCode.Unavailable, status.StatusCode);
            Assert.True(door != Door.HttpJson || httpStatus == 503, $"HTTP {httpStatus}");
        }
    }

    /// <summary>The doors onto the same services.</summary>
    private enum Door
    {
        Grpc,
        GrpcWebText,
        GrpcWebBinary,
        HttpJson,
    }

    /// <summary>
    /// Calls <paramref name="method"/> through <paramref name="door"/>; its status, for HTTP/JSON the HTTP status, and
    /// the <c>google.rpc.ErrorInfo</c> reason of a refusal (null when none).
    /// </summary>
    private static async Task<(Status Status, int HttpStatus, string? Reason)> CallAsync(
        ServiceHost host, HttpClient http, Door door, Action<Metadata> authenticate, MethodDescriptor method, Google.Protobuf.IMessage request)
    {
        if (door == Door.HttpJson)
        {
            var answer = await HttpJsonCalls.CallAsync(http, method, request, authenticate);
            return (answer.Status, (int)answer.HttpStatus, answer.Error?.GetDetail<Google.Rpc.ErrorInfo>()?.Reason);
        }

        using var channel = door == Door.Grpc
            ? host.CreateChannel(authenticate)
            : host.CreateWebChannel(authenticate, door == Door.GrpcWebText ? Grpc.Net.Client.Web.GrpcWebMode.GrpcWebText : Grpc.Net.Client.Web.GrpcWebMode.GrpcWeb);
        var (status, reason) = await Callers.CallForReasonAsync(channel, method, request);
        return (status, 0, reason);
    }

    /// <summary>
    /// The named kind of wrong credentials for <paramref name="method"/>, the status it must get, and the reason the
    /// refusal must give (the interceptor's <c>google.rpc.ErrorInfo</c>).
    /// </summary>
    private static (Action<Metadata> Credentials, StatusCode Expected, string ExpectedReason) Wrong(MethodDescriptor method, string credentials)
    {
        var ingestion = method.Service.Name == "IngestionService";
        var operations = method.Service.Name == "OperationsService";
        var keys = Callers.Keys;
        return credentials switch
        {
            "none" => (_ => { }, StatusCode.Unauthenticated, Unauthenticated),
            "unknown key" => (Callers.KeyHeader("not-a-key"), StatusCode.Unauthenticated, Unauthenticated),
            "expired token" => (Callers.TokenHeader(Callers.Token(["shop-b"], transfer: true, expires: DateTime.UtcNow.AddMinutes(-5))), StatusCode.Unauthenticated, Unauthenticated),
            "wrong audience" => (Callers.TokenHeader(Callers.Token(["shop-b"], transfer: true, audience: "another-service")), StatusCode.Unauthenticated, Unauthenticated),
            "wrong issuer" => (Callers.TokenHeader(Callers.Token(["shop-b"], transfer: true, issuer: "https://evil.test")), StatusCode.Unauthenticated, Unauthenticated),
            "foreign signature" => (Callers.TokenHeader(Callers.Token(["shop-b"], transfer: true, key: Callers.OtherSigningKey)), StatusCode.Unauthenticated, Unauthenticated),
            // A key for shop-b's data with every scope but the one the method needs.
            "missing scope" => (Callers.KeyHeader((ingestion ? keys["query-transfer-a"] : operations ? keys["query-a"] : keys["ingest-a"]).Key), StatusCode.PermissionDenied, MissingScope),
            // The right scope, for shop-a only (operations: a key limited to shop-a cannot act on every shop).
            "other shop" => (Callers.KeyHeader((ingestion ? keys["ingest-a"] : operations ? keys["ops-a"] : keys["query-transfer-a"]).Key), StatusCode.PermissionDenied, ShopNotAllowed),
            _ => throw new ArgumentOutOfRangeException(nameof(credentials)),
        };
    }

    [Theory]
    [InlineData("none")]
    [InlineData("expired token")]
    [InlineData("missing scope")]
    public async Task The_ingestion_stream_refuses_wrong_callers_too(string credentials)
    {
        await using var host = await ServiceHost.StartReadyAsync(Callers.Settings());
        var method = IngestionServiceReflection.Descriptor.Services[0].FindMethodByName("IngestStream");
        var (authenticate, expected, expectedReason) = Wrong(method, credentials);
        using (var channel = host.CreateChannel(authenticate))
        {
            using var stream = new IngestionService.IngestionServiceClient(channel).IngestStream();
            var error = await Assert.ThrowsAsync<RpcException>(async () =>
            {
                await stream.RequestStream.WriteAsync(new IngestStreamRequest { BatchSequence = 1, Facts = { ((IngestBatchRequest)Callers.Request(
                    IngestionServiceReflection.Descriptor.Services[0].FindMethodByName("IngestBatch"), "shop-b")).Facts } });
                await stream.ResponseStream.MoveNext(CancellationToken.None);
            });
            Assert.Equal((expected, expectedReason), (error.StatusCode, Callers.ReasonOf(error)));
        }
    }

    [Fact]
    public async Task A_token_without_the_transfer_claim_cannot_transfer_and_one_with_it_only_in_its_shops()
    {
        await using var host = await ServiceHost.StartReadyAsync(Callers.Settings());
        var transfer = new TransferChatRequest { ShopId = "shop-a", ChatId = "c1", ToAgentId = "agent-2", RequestId = "r1" };

        using var readOnly = Callers.WithToken(host, Callers.Token(["shop-a"]));
        var refused = await Assert.ThrowsAsync<RpcException>(() => new AnalyticsService.AnalyticsServiceClient(readOnly).TransferChatAsync(transfer).ResponseAsync);
        Assert.Equal((StatusCode.PermissionDenied, MissingScope), (refused.StatusCode, Callers.ReasonOf(refused)));

        using var transferring = Callers.WithToken(host, Callers.Token(["shop-a"], transfer: true));
        var other = await Assert.ThrowsAsync<RpcException>(() =>
            new AnalyticsService.AnalyticsServiceClient(transferring).TransferChatAsync(new TransferChatRequest(transfer) { ShopId = "shop-b" }).ResponseAsync);
        Assert.Equal((StatusCode.PermissionDenied, ShopNotAllowed), (other.StatusCode, Callers.ReasonOf(other)));

        // Allowed through: the chat does not exist in shop-a.
        var notFound = await Assert.ThrowsAsync<RpcException>(() => new AnalyticsService.AnalyticsServiceClient(transferring).TransferChatAsync(transfer).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, notFound.StatusCode);
    }

    [Fact]
    public async Task A_token_cannot_claim_every_shop()
    {
        await using var host = await ServiceHost.StartReadyAsync(Callers.Settings());
        using var star = Callers.WithToken(host, Callers.Token(["*"]));

        var error = await Assert.ThrowsAsync<RpcException>(() => new AnalyticsService.AnalyticsServiceClient(star)
            .GetOverviewAsync(new GetOverviewRequest { ShopId = "shop-a", FirstDay = "2026-01-01", LastDay = "2026-01-01" }).ResponseAsync);

        Assert.Equal((StatusCode.PermissionDenied, ShopNotAllowed), (error.StatusCode, Callers.ReasonOf(error)));
    }

    [Fact]
    public async Task Calls_over_the_rate_are_refused_with_resource_exhausted_and_a_retry_delay()
    {
        await using var host = await ServiceHost.StartReadyAsync(Callers.RateLimitedSettings(1, 3));
        using var channel = Callers.WithKey(host, Callers.Keys["ops"].Key);
        var operations = new OperationsService.OperationsServiceClient(channel);

        var statuses = new List<StatusCode>();
        for (var i = 0; i < 6; i++)
        {
            try
            {
                await operations.GetRollupStatusAsync(new GetRollupStatusRequest());
                statuses.Add(StatusCode.OK);
            }
            catch (RpcException error)
            {
                statuses.Add(error.StatusCode);
                Assert.Contains(error.Trailers, t => t.Key == "grpc-status-details-bin");
                Assert.Equal("1000", error.Trailers.GetValue("grpc-retry-pushback-ms"));
            }
        }

        Assert.Equal([StatusCode.OK, StatusCode.OK, StatusCode.OK], statuses.Take(3));
        Assert.Contains(StatusCode.ResourceExhausted, statuses.Skip(3));
        // Another caller has its own allowance.
        using var other = Callers.WithKey(host, ServiceHost.TestKey);
        await new OperationsService.OperationsServiceClient(other).GetRollupStatusAsync(new GetRollupStatusRequest());
    }
}
