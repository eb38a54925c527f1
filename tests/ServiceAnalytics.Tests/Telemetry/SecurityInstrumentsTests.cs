using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting.Server;
using ServiceAnalytics.Server.Hosting;
using ServiceAnalytics.Server.Security;
using ServiceAnalytics.Contracts.Operations.V1;
using ServiceAnalytics.Tests.Security;

namespace ServiceAnalytics.Tests.Telemetry;

/// <summary>
/// Refusals counted by reason and door against the real service: one call per way of being refused, over gRPC, HTTP/JSON
/// and the SQL endpoint, and the calls over a caller's rate.
/// </summary>
public sealed class SecurityInstrumentsTests
{
    private const string Refusals = "service_analytics.security.refusals";

    [Fact]
    public async Task Each_refusal_is_counted_once_by_reason_and_door()
    {
        await using var host = await ServiceHost.StartReadyAsync(Callers.Settings());
        using var capture = new MeterCapture(host);
        var overview = new GetOverviewRequest { ShopId = "shop-a", FirstDay = "2026-01-01", LastDay = "2026-01-01" };

        using var anonymous = Callers.Anonymous(host);
        await RefusedAsync(StatusCode.Unauthenticated, new AnalyticsService.AnalyticsServiceClient(anonymous).GetOverviewAsync(overview));
        using var wrongKey = Callers.WithKey(host, "not-a-key-" + Guid.NewGuid().ToString("N"));
        await RefusedAsync(StatusCode.Unauthenticated, new AnalyticsService.AnalyticsServiceClient(wrongKey).GetOverviewAsync(overview));
        using var expired = Callers.WithToken(host, Callers.Token(["shop-a"], expires: DateTime.UtcNow.AddMinutes(-10)));
        await RefusedAsync(StatusCode.Unauthenticated, new AnalyticsService.AnalyticsServiceClient(expired).GetOverviewAsync(overview));
        using var queryA = Callers.WithKey(host, Callers.Keys["query-a"].Key);
        await RefusedAsync(StatusCode.PermissionDenied, new OperationsService.OperationsServiceClient(queryA).GetRollupStatusAsync(new GetRollupStatusRequest()));
        await RefusedAsync(StatusCode.PermissionDenied, new AnalyticsService.AnalyticsServiceClient(queryA).GetOverviewAsync(new GetOverviewRequest(overview) { ShopId = "shop-b" }));
        using var opsA = Callers.WithKey(host, Callers.Keys["ops-a"].Key);
        await RefusedAsync(StatusCode.PermissionDenied, new OperationsService.OperationsServiceClient(opsA).GetRollupStatusAsync(new GetRollupStatusRequest()));

        using (var http = host.CreateHttpClient())
        using (var json = await http.GetAsync(new Uri("/v1/shops/shop-a/overview?first_day=2026-01-01&last_day=2026-01-01", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, json.StatusCode);
        }

        var sqlAddress = host.App.Services.GetRequiredService<ServiceEndpoints>().Sql(host.App.Services.GetRequiredService<IServer>()).Single();
        using (var sql = new HttpClient { BaseAddress = sqlAddress })
        {
            foreach (var password in new[] { "not-a-key", Callers.Keys["query-a"].Key })
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent("SELECT 1") };
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("analyst:" + password)));
                using var response = await sql.SendAsync(request);
                Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            }
        }

        (string Reason, string Door)[] expected =
        [
            ("missing_credentials", Doors.Grpc), ("invalid_credentials", Doors.Grpc), ("expired_token", Doors.Grpc), ("missing_scope", Doors.Grpc),
            ("shop_not_allowed", Doors.Grpc), ("shop_not_allowed", Doors.Grpc), ("missing_credentials", Doors.HttpJson),
            ("invalid_credentials", Doors.Sql), ("missing_scope", Doors.Sql),
        ];
        foreach (var group in expected.GroupBy(e => e))
        {
            Assert.Equal(group.Count(), capture.Sum(Refusals, (SecurityInstruments.ReasonAttribute, group.Key.Reason), (SecurityInstruments.DoorAttribute, group.Key.Door)));
        }

        Assert.Equal(expected.Length, capture.Sum(Refusals));
        Assert.Empty(capture.Of("service_analytics.security.rate_limited"));
    }

    [Fact]
    public async Task Calls_over_the_rate_are_counted_by_door()
    {
        await using var host = await ServiceHost.StartReadyAsync(Callers.RateLimitedSettings(1, 2));
        using var capture = new MeterCapture(host);
        using var channel = Callers.WithKey(host, Callers.Keys["ops"].Key);
        var operations = new OperationsService.OperationsServiceClient(channel);

        var exhausted = 0;
        for (var i = 0; i < 5; i++)
        {
            try
            {
                await operations.GetRollupStatusAsync(new GetRollupStatusRequest());
            }
            catch (RpcException error) when (error.StatusCode == StatusCode.ResourceExhausted)
            {
                exhausted++;
            }
        }

        Assert.InRange(exhausted, 1, 3);
        Assert.Equal(exhausted, capture.Sum("service_analytics.security.rate_limited", (SecurityInstruments.DoorAttribute, Doors.Grpc)));
        Assert.Equal(exhausted, capture.Sum("service_analytics.security.rate_limited"));
        Assert.Empty(capture.Of(Refusals));
    }

    private static async Task RefusedAsync<T>(StatusCode expected, AsyncUnaryCall<T> call)
    {
        using (call)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
            Assert.Equal(expected, error.StatusCode);
        }
    }
}
