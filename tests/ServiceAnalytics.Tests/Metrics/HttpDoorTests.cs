using System.Net;
using Grpc.Net.Client.Web;
using ServiceAnalytics.Contracts.Operations.V1;

namespace ServiceAnalytics.Tests.Metrics;

/// <summary>
/// The HTTP doors onto the same services, on the hand-computed scenario: HTTP/JSON (transcoding) and gRPC-Web answer
/// what gRPC answers; the OpenAPI document lists every route with the proto comments; bad HTTP input gets 400.
/// </summary>
public sealed partial class OverviewTests
{
    [Fact]
    public async Task Every_query_and_operations_rpc_over_http_json_and_grpc_web_answers_as_over_grpc()
    {
        var (s, day) = await IngestPeriodScenarioAsync();
        var (first, last) = (Text(day), Text(day.AddDays(6)));
        var requests = new (string Service, string Method, IMessage Request)[]
        {
            ("AnalyticsService", "GetOverview", new GetOverviewRequest { ShopId = s.ShopId, FirstDay = first, LastDay = last }),
            ("AnalyticsService", "GetDailyTrends", new GetDailyTrendsRequest { ShopId = s.ShopId, FirstDay = first, LastDay = last }),
            ("AnalyticsService", "GetStatusBreakdown", new GetStatusBreakdownRequest { ShopId = s.ShopId, FirstDay = first, LastDay = last }),
            ("AnalyticsService", "ListChats", new ListChatsRequest
            {
                ShopId = s.ShopId, FirstDay = first, LastDay = last, PageSize = 3,
                ChatTypes = { ChatType.Responded24H, ChatType.RespondedLate, ChatType.NonResponded }, Statuses = { ChatStatus.Ended },
            }),
            ("AnalyticsService", "GetAgentDetails", new GetAgentDetailsRequest { ShopId = s.ShopId, FirstDay = first, LastDay = last }),
            ("AnalyticsService", "GetTagBreakdown", new GetTagBreakdownRequest { ShopId = s.ShopId, FirstDay = first, LastDay = last }),
            ("AnalyticsService", "GetChat", new GetChatRequest { ShopId = s.ShopId, ChatId = "c3" }),
            ("AnalyticsService", "GetSlaQueue", new GetSlaQueueRequest { ShopId = s.ShopId }),
            ("OperationsService", "GetRollupStatus", new GetRollupStatusRequest { RunLimit = 5 }),
        };
        using var http = service.Host.CreateHttpClient();
        using var webText = service.Host.CreateWebChannel(m => m.Add("x-api-key", ServiceHost.TestKey), GrpcWebMode.GrpcWebText);
        using var webBinary = service.Host.CreateWebChannel(m => m.Add("x-api-key", ServiceHost.TestKey), GrpcWebMode.GrpcWeb);
        foreach (var (serviceName, methodName, request) in requests)
        {
            var method = (serviceName == "AnalyticsService" ? AnalyticsServiceReflection.Descriptor : OperationsServiceReflection.Descriptor)
                .Services[0].FindMethodByName(methodName);
            var overGrpc = Comparable(await UnaryAsync(service.Host.Channel, method, request));
            var json = await HttpJsonCalls.CallAsync(http, method, request, m => m.Add("x-api-key", ServiceHost.TestKey));
            Assert.True(json.HttpStatus == HttpStatusCode.OK, $"{methodName}: HTTP {json.HttpStatus} {json.Body}");
            Assert.Equal(overGrpc, Comparable(json.Response!));
            Assert.Equal(overGrpc, Comparable(await UnaryAsync(webText, method, request)));
            Assert.Equal(overGrpc, Comparable(await UnaryAsync(webBinary, method, request)));
        }

        // The JSON is the proto3 JSON mapping (camelCase names, enums by name), with 64-bit integers as numbers.
        using var overview = await http.SendAsync(Authorized(HttpMethod.Get, $"/v1/shops/{s.ShopId}/overview?first_day={first}&last_day={last}"));
        using var document = JsonDocument.Parse(await overview.Content.ReadAsStringAsync());
        Assert.Equal(8, document.RootElement.GetProperty("current").GetProperty("chatsReceived").GetInt64());
        Assert.Equal("Europe/Berlin", document.RootElement.GetProperty("timeZone").GetString());

        // A transfer over HTTP/JSON is the same use case: recorded once, repeated by request id.
        var transfer = await HttpJsonCalls.CallAsync(http, AnalyticsServiceReflection.Descriptor.Services[0].FindMethodByName("TransferChat"),
            new TransferChatRequest { ShopId = s.ShopId, ChatId = "c6", ToAgentId = "a2", RequestId = "http-1" }, m => m.Add("x-api-key", ServiceHost.TestKey));
        Assert.True(transfer.HttpStatus == HttpStatusCode.OK, transfer.Body);
        var again = await Analytics.TransferChatAsync(new TransferChatRequest { ShopId = s.ShopId, ChatId = "c6", ToAgentId = "a2", RequestId = "http-1" });
        Assert.Equal(transfer.Response, again);
    }

    [Fact]
    public async Task The_openapi_document_lists_every_http_route_with_its_proto_comment()
    {
        using var http = service.Host.CreateHttpClient();
        using var response = await http.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var paths = document.RootElement.GetProperty("paths");

        var methods = new[] { AnalyticsServiceReflection.Descriptor, OperationsServiceReflection.Descriptor, Contracts.Ingest.V1.IngestionServiceReflection.Descriptor }
            .SelectMany(file => file.Services[0].Methods)
            .Where(m => m.GetOptions()?.GetExtension(Google.Api.AnnotationsExtensions.Http) is not null)
            .ToList();
        Assert.Equal(14, methods.Count);   // every query and operations RPC (the CSV export and GetCaller among them), and the batch ingestion
        foreach (var method in methods)
        {
            var rule = method.GetOptions().GetExtension(Google.Api.AnnotationsExtensions.Http);
            var (verb, route) = rule.PatternCase == Google.Api.HttpRule.PatternOneofCase.Get ? ("get", rule.Get) : ("post", rule.Post);
            // The document names path parameters by their JSON names, as its query parameters.
            route = route.Replace("{shop_id}", "{shopId}", StringComparison.Ordinal).Replace("{chat_id}", "{chatId}", StringComparison.Ordinal);
            Assert.True(paths.TryGetProperty(route, out var path), $"{method.Name}: {route} is not in the document");
            var operation = path.GetProperty(verb);
            var comment = method.Name switch
            {
                "GetOverview" => "The headline metrics for a period",
                "ListChats" => "All Chats",
                "GetRollupStatus" => "rollup",
                _ => "",
            };
            var described = operation.TryGetProperty("summary", out var summary) ? summary.GetString() : operation.GetProperty("description").GetString();
            Assert.False(string.IsNullOrWhiteSpace(described), $"{method.Name} has no description");
            Assert.Contains(comment, described, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [InlineData("GET", "/overview?first_day=2026-13-01&last_day=2026-01-07", null, "first_day")]
    [InlineData("GET", "/overview?first_day=2026-01-01", null, "last_day")]
    [InlineData("GET", "/chats?first_day=2026-01-01&last_day=2026-01-07&page_size=abc", null, "page_size")]
    [InlineData("GET", "/chats?first_day=2026-01-01&last_day=2026-01-07&chat_types=CHAT_TYPE_NOPE", null, "chat_types")]
    [InlineData("GET", "/chats?first_day=2026-01-01&last_day=2026-01-07&page_size=9999", null, "page_size")]
    [InlineData("POST", "/chats/c1:transfer", "{not json", "body")]
    [InlineData("GET", "/overview?first_day=2026-01-01&last_day=2026-01-07&colour=red", null, "colour")]
    [InlineData("POST", "/chats/c1:transfer", "{\"toAgentId\": \"a2\", \"requestId\": \"r\", \"bogus\": 1}", "bogus")]
    [InlineData("POST", "/chats/c1:transfer", "{\"toAgentId\": 5, \"requestId\": \"r\"}", "toAgentId")]
    public async Task Bad_http_input_gets_400_with_the_field(string verb, string route, string? body, string field)
    {
        var (s, _) = await IngestPeriodScenarioAsync();
        using var http = service.Host.CreateHttpClient();
        using var request = Authorized(new HttpMethod(verb), $"/v1/shops/{s.ShopId}{route}");
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        var answer = await HttpJsonCalls.SendAsync(http, request, GetOverviewResponse.Descriptor);

        Assert.True(answer.HttpStatus == HttpStatusCode.BadRequest, $"HTTP {answer.HttpStatus}: {answer.Body}");
        Assert.Equal(StatusCode.InvalidArgument, answer.Status.StatusCode);
        var violations = answer.Error!.Details.Where(d => d.Is(Google.Rpc.BadRequest.Descriptor))
            .SelectMany(d => d.Unpack<Google.Rpc.BadRequest>().FieldViolations.Select(v => v.Field)).ToList();
        Assert.True(field.Length == 0 || violations.Contains(field) || answer.Error.Message.Contains(field, StringComparison.Ordinal),
            $"{field} named neither in the details nor in the message: {answer.Body}");
    }

    private static HttpRequestMessage Authorized(HttpMethod verb, string path)
    {
        var request = new HttpRequestMessage(verb, new Uri(path, UriKind.Relative));
        request.Headers.Add("x-api-key", ServiceHost.TestKey);
        return request;
    }

    private static async Task<IMessage> UnaryAsync(Grpc.Net.Client.GrpcChannel channel, Google.Protobuf.Reflection.MethodDescriptor method, IMessage request)
    {
        var call = new Method<IMessage, IMessage>(
            MethodType.Unary, method.Service.FullName, method.Name,
            Marshallers.Create<IMessage>(m => m.ToByteArray(), bytes => method.InputType.Parser.ParseFrom(bytes)),
            Marshallers.Create<IMessage>(m => m.ToByteArray(), bytes => method.OutputType.Parser.ParseFrom(bytes)));
        return await channel.CreateCallInvoker().AsyncUnaryCall(call, null, new CallOptions(), request);
    }

    /// <summary>
    /// The answer without what differs between two calls of the same request: the instant it is of (each computed as
    /// of its own request while no snapshot is served) and, for a list, its page token (signed with its own time).
    /// </summary>
    private static string Comparable(IMessage answer)
    {
        var copy = answer.Descriptor.Parser.ParseFrom(answer.ToByteString());
        foreach (var name in new[] { "as_of", "next_page_token" })
        {
            if (copy.Descriptor.FindFieldByName(name) is { } field)
            {
                field.Accessor.Clear(copy);
            }
        }

        return JsonFormatter.Default.Format(copy);
    }
}
