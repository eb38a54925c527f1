using Grpc.Core;

namespace ServiceAnalytics.Tests.Telemetry;

/// <summary>
/// <c>rpc.server.call.duration</c> against the real service: every call of every service is timed once, with its
/// service, method and the status it ended with — refusals by authorization and bad requests included, a server
/// stream from its start to its end.
/// </summary>
public sealed class RpcServerInstrumentsTests
{
    private const string Duration = "rpc.server.call.duration";

    [Fact]
    public async Task Every_call_is_timed_once_with_its_service_method_and_status()
    {
        await using var host = await ServiceHost.StartReadyAsync();
        using var capture = new MeterCapture(host);
        var scenario = await InstrumentedScenario.IngestChatsAsync(host, 1);
        var shop = scenario.ShopId;
        var analytics = new AnalyticsService.AnalyticsServiceClient(host.Channel);
        var day = InstrumentedScenario.DayOf(scenario);
        await analytics.GetOverviewAsync(new GetOverviewRequest { ShopId = shop, FirstDay = day, LastDay = day });
        var invalid = await Assert.ThrowsAsync<RpcException>(() => analytics.GetOverviewAsync(new GetOverviewRequest { ShopId = shop, FirstDay = "2026-02-30", LastDay = day }).ResponseAsync);
        using var anonymous = host.CreateChannel(_ => { });
        var unauthenticated = await Assert.ThrowsAsync<RpcException>(() => new AnalyticsService.AnalyticsServiceClient(anonymous)
            .GetOverviewAsync(new GetOverviewRequest { ShopId = shop, FirstDay = day, LastDay = day }).ResponseAsync);
        using (var export = analytics.ExportChats(new ExportChatsRequest { ShopId = shop, FirstDay = day, LastDay = day }))
        {
            await foreach (var _ in export.ResponseStream.ReadAllAsync())
            {
            }
        }

        (string Service, string Method, StatusCode Status)[] expected =
        [
            ("service_analytics.ingest.v1.IngestionService", "IngestBatch", StatusCode.OK),
            ("service_analytics.query.v1.AnalyticsService", "GetOverview", StatusCode.OK),
            ("service_analytics.query.v1.AnalyticsService", "GetOverview", invalid.StatusCode),
            ("service_analytics.query.v1.AnalyticsService", "GetOverview", unauthenticated.StatusCode),
            ("service_analytics.query.v1.AnalyticsService", "ExportChats", StatusCode.OK),
        ];
        Assert.Equal((StatusCode.InvalidArgument, StatusCode.Unauthenticated), (invalid.StatusCode, unauthenticated.StatusCode));
        var timed = capture.Of(Duration).Where(r => r.Tag("rpc.service") != "grpc.health.v1.Health").ToList();
        Assert.Equal(
            expected.Select(e => $"{e.Service}/{e.Method} {(int)e.Status}").Order(),
            timed.Select(r => $"{r.Tag("rpc.service")}/{r.Tag("rpc.method")} {r.Tag("rpc.grpc.status_code")}").Order());
        Assert.All(timed, r =>
        {
            Assert.Equal("s", r.Unit);
            Assert.Equal("grpc", r.Tag("rpc.system"));
            Assert.InRange(r.Value, 0, 60);
        });
    }
}
