namespace ServiceAnalytics.Tests.Security;

/// <summary>
/// GetCaller tells a client what the service will let its caller do (the page's shop picker and transfer control),
/// read from the same claims the authorization interceptor decides by, through the gRPC and HTTP/JSON doors.
/// </summary>
public sealed class CallerGrantsTests
{
    [Fact]
    public async Task GetCaller_names_the_callers_own_shops_and_scopes_and_nothing_of_the_credential()
    {
        await using var host = await ServiceHost.StartReadyAsync(Callers.Settings());
        var method = AnalyticsServiceReflection.Descriptor.Services[0].FindMethodByName("GetCaller");
        using var http = host.CreateHttpClient();

        var queryOnly = Callers.Keys["query-a"];
        var transferToken = Callers.Token(["shop-z", "shop-b", "shop-a"], transfer: true);
        var cases = new (Action<Grpc.Core.Metadata> Credentials, GetCallerResponse Expected)[]
        {
            (Callers.KeyHeader(queryOnly.Key), new GetCallerResponse { CallerName = "key:query-a", Scopes = { "query" }, ShopIds = { "shop-a" } }),
            (Callers.KeyHeader(Callers.Keys["query-transfer-a"].Key), new GetCallerResponse { CallerName = "key:query-transfer-a", Scopes = { "query", "transfer" }, ShopIds = { "shop-a" } }),
            // A token's shops come back sorted; "transfer": true grants the transfer scope.
            (Callers.TokenHeader(transferToken), new GetCallerResponse { CallerName = "token:app-1", Scopes = { "query", "transfer" }, ShopIds = { "shop-a", "shop-b", "shop-z" } }),
        };
        foreach (var (credentials, expected) in cases)
        {
            using var channel = host.CreateChannel(credentials);
            var overGrpc = await new AnalyticsService.AnalyticsServiceClient(channel).GetCallerAsync(new GetCallerRequest());
            Assert.Equal(expected, overGrpc);
            var overHttp = await HttpJsonCalls.CallAsync(http, method, new GetCallerRequest(), credentials);
            Assert.Equal(expected, overHttp.Response);
            Assert.DoesNotContain(queryOnly.Key, overHttp.Body, StringComparison.Ordinal);
            Assert.DoesNotContain(transferToken, overHttp.Body, StringComparison.Ordinal);
        }

        // The test key sees every shop: a client asks for a shop id instead of offering a list.
        using (var all = host.CreateChannel(Callers.KeyHeader(ServiceHost.TestKey)))
        {
            var grants = await new AnalyticsService.AnalyticsServiceClient(all).GetCallerAsync(new GetCallerRequest());
            Assert.True(grants.AllShops);
            Assert.Empty(grants.ShopIds);
            Assert.Contains("query", grants.Scopes);
        }

        // It is a query method like the others: an ingest-only key is refused, an anonymous call asked to authenticate.
        var refused = await HttpJsonCalls.CallAsync(http, method, new GetCallerRequest(), Callers.KeyHeader(Callers.Keys["ingest-a"].Key));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.HttpStatus);
        var anonymous = await HttpJsonCalls.CallAsync(http, method, new GetCallerRequest());
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, anonymous.HttpStatus);
    }
}
