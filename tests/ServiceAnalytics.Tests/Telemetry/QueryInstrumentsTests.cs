using ServiceAnalytics.Server.Services;

namespace ServiceAnalytics.Tests.Telemetry;

/// <summary>
/// <c>service_analytics.query.duration</c> against the real service: each query RPC is timed with its name and the
/// source that served it, and the source follows the planner's decision — computed from the facts before any rollup,
/// the snapshot after a scheduled run, the settled rows when no snapshot is servable (<c>Rollups:SnapshotMaxAge</c>
/// zero) and nothing changed, computed again once a fact arrives.
/// </summary>
public sealed class QueryInstrumentsTests
{
    private const string Duration = "service_analytics.query.duration";

    [Fact]
    public async Task The_duration_carries_the_rpc_and_turns_from_computed_to_snapshot_after_a_rollup_run()
    {
        await using var host = await ServiceHost.StartReadyAsync();
        using var capture = new MeterCapture(host);
        var (shop, overview) = await IngestChatsAsync(host);
        var analytics = new AnalyticsService.AnalyticsServiceClient(host.Channel);

        await analytics.GetOverviewAsync(overview);
        Assert.Equal("computed", Single(capture, "GetOverview").Tag(QueryInstruments.SourceAttribute));

        await InstrumentedScenario.RunScheduledAsync(host);
        await analytics.GetOverviewAsync(overview);
        await analytics.ListChatsAsync(new ListChatsRequest { ShopId = shop, FirstDay = overview.FirstDay, LastDay = overview.LastDay });
        await analytics.GetChatAsync(new GetChatRequest { ShopId = shop, ChatId = "chat-1" });

        // The same RPC over HTTP/JSON is timed the same way.
        using (var http = host.CreateHttpClient())
        {
            http.DefaultRequestHeaders.Add("x-api-key", ServiceHost.TestKey);
            using var json = await http.GetAsync(new Uri($"/v1/shops/{shop}/overview?first_day={overview.FirstDay}&last_day={overview.LastDay}", UriKind.Relative));
            Assert.Equal(System.Net.HttpStatusCode.OK, json.StatusCode);
        }

        var overviews = capture.Of(Duration).Where(r => r.Tag("rpc.method") == "GetOverview").ToList();
        Assert.Equal(["computed", "snapshot", "snapshot"], overviews.Select(r => r.Tag(QueryInstruments.SourceAttribute)));
        Assert.Equal("snapshot", Single(capture, "ListChats").Tag(QueryInstruments.SourceAttribute));
        // A chat's timeline is read from the facts whatever the rollups hold.
        Assert.Equal("computed", Single(capture, "GetChat").Tag(QueryInstruments.SourceAttribute));
        Assert.All(capture.Of(Duration), r =>
        {
            Assert.Equal("s", r.Unit);
            Assert.Equal("0", r.Tag("rpc.grpc.status_code"));
            Assert.Equal("grpc", r.Tag("rpc.system"));
            Assert.InRange(r.Value, 0, 60);
        });
    }

    [Fact]
    public async Task Without_a_servable_snapshot_the_source_is_the_settled_rows_until_a_fact_arrives()
    {
        await using var host = await ServiceHost.StartReadyAsync(new Dictionary<string, string?> { ["Rollups:SnapshotMaxAge"] = "00:00:00" });
        using var capture = new MeterCapture(host);
        var (shop, overview) = await IngestChatsAsync(host);
        var analytics = new AnalyticsService.AnalyticsServiceClient(host.Channel);
        await InstrumentedScenario.RunScheduledAsync(host);
        var list = new ListChatsRequest { ShopId = shop, FirstDay = overview.FirstDay, LastDay = overview.LastDay };

        // The latest run's rows are current: read as they are.
        Assert.Equal(2, (await analytics.ListChatsAsync(list)).Total);
        Assert.Equal("settled", Single(capture, "ListChats").Tag(QueryInstruments.SourceAttribute));

        // The overview also reads the previous period, which has no stored rows: computed from the facts, the costliest.
        await analytics.GetOverviewAsync(overview);
        Assert.Equal("computed", Single(capture, "GetOverview").Tag(QueryInstruments.SourceAttribute));

        // A new fact for one of the chats: that chat is computed from the facts.
        var more = new FactScenario(shop);
        more.Rated("chat-1", 4, DateTime.UtcNow.AddMinutes(-1));
        await new IngestionService.IngestionServiceClient(host.Channel).IngestBatchAsync(new IngestBatchRequest { Facts = { more.Facts } });
        await analytics.ListChatsAsync(list);

        var sources = capture.Of(Duration).Where(r => r.Tag("rpc.method") == "ListChats").Select(r => r.Tag(QueryInstruments.SourceAttribute));
        Assert.Equal(["settled", "computed"], sources);
    }

    [Fact]
    public async Task A_refused_request_is_timed_with_its_status_and_no_source()
    {
        await using var host = await ServiceHost.StartReadyAsync();
        using var capture = new MeterCapture(host);
        var analytics = new AnalyticsService.AnalyticsServiceClient(host.Channel);

        var error = await Assert.ThrowsAsync<RpcException>(() => analytics.GetOverviewAsync(
            new GetOverviewRequest { ShopId = "shop-x", FirstDay = "2026-02-30", LastDay = "2026-03-01" }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var timed = Single(capture, "GetOverview");
        Assert.Equal(((int)StatusCode.InvalidArgument).ToString(CultureInfo.InvariantCulture), timed.Tag("rpc.grpc.status_code"));
        Assert.Equal("none", timed.Tag(QueryInstruments.SourceAttribute));
    }

    private static MeterCapture.Recorded Single(MeterCapture capture, string method) =>
        Assert.Single(capture.Of(Duration), r => r.Tag("rpc.method") == method);

    /// <summary>Two chats of a new shop received an hour ago; the overview request of yesterday and today.</summary>
    /// <summary>Two chats of a new shop, and its overview of yesterday and today (UTC), which holds them.</summary>
    private static async Task<(string Shop, GetOverviewRequest Overview)> IngestChatsAsync(ServiceHost host)
    {
        var shop = (await InstrumentedScenario.IngestChatsAsync(host, 2)).ShopId;
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        return (shop, new GetOverviewRequest { ShopId = shop, FirstDay = InstrumentedScenario.Day(today.AddDays(-1)), LastDay = InstrumentedScenario.Day(today) });
    }
}
