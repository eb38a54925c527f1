using System.Diagnostics;
using OpenTelemetry.Trace;
using ServiceAnalytics.Storage.Telemetry;

namespace ServiceAnalytics.Tests.Telemetry;

/// <summary>
/// Spans as an exporter receives them (OpenTelemetry's in-memory exporter added through the service's own tracer
/// provider): a query RPC's server span with its ClickHouse statements as children, each with the query id it ran
/// under; ingestion's INSERT with its rows; a rollup run with its run id.
/// </summary>
public sealed class TracingTests
{
    [Theory]
    [MemberData(nameof(Lanes.All), MemberType = typeof(Lanes))]
    public async Task A_query_rpc_span_has_its_ClickHouse_statements_as_children_with_their_query_ids(ClickHouseLane lane)
    {
        var spans = new SpanCapture();
        await using var host = await ServiceHost.StartReadyAsync(Settings(lane), configure: spans.AddTo);
        var scenario = FactScenario.Synthetic("shop-traced", 30);
        var ingested = await new IngestionService.IngestionServiceClient(host.Channel).IngestBatchAsync(new IngestBatchRequest { Facts = { scenario.Facts } });
        Assert.Empty(ingested.Outcome.Rejected);

        var today = DateTime.UtcNow.Date;
        await new AnalyticsService.AnalyticsServiceClient(host.Channel).GetOverviewAsync(new GetOverviewRequest
        {
            ShopId = scenario.ShopId, FirstDay = today.AddDays(-45).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), LastDay = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        });

        var server = await spans.WaitForAsync(s => s.Kind == ActivityKind.Server && s.DisplayName.EndsWith("/GetOverview", StringComparison.Ordinal));
        // Named and tagged as OpenTelemetry's RPC conventions say.
        Assert.Equal("service_analytics.query.v1.AnalyticsService/GetOverview", server.DisplayName);
        Assert.Equal("grpc", server.GetTagItem("rpc.system"));
        Assert.Equal("service_analytics.query.v1.AnalyticsService", server.GetTagItem("rpc.service"));
        Assert.Equal("GetOverview", server.GetTagItem("rpc.method"));
        Assert.Equal(0, server.GetTagItem("rpc.grpc.status_code"));
        // What served the answer, and the planner's decisions as events: no rollup has run, so computed from the facts.
        Assert.Equal("computed", server.GetTagItem("service_analytics.answer.source"));
        var plans = server.Events.Where(e => e.Name == "outcome plan").Select(e => e.Tags.Single(t => t.Key == "outcome.plan").Value as string).ToList();
        Assert.NotEmpty(plans);
        Assert.All(plans, plan => Assert.False(string.IsNullOrWhiteSpace(plan)));
        var statements = spans.All.Where(s => s.Source.Name == TelemetryNames.ActivitySource && s.ParentSpanId == server.SpanId).ToList();
        Assert.NotEmpty(statements);
        Assert.All(statements, s =>
        {
            Assert.Equal(ActivityKind.Client, s.Kind);
            Assert.Equal(server.TraceId, s.TraceId);
            Assert.Equal("clickhouse", s.GetTagItem("db.system.name"));
            Assert.Equal(host.Database, s.GetTagItem("db.namespace"));
            Assert.Equal("SELECT", s.GetTagItem("db.operation.name"));
        });
        Assert.Contains(statements, s => s.GetTagItem("db.collection.name") is string table && s.DisplayName == $"SELECT {table}");
        var queryIds = statements.Select(s => s.GetTagItem(ClickHouseStatementTelemetry.QueryIdTag) as string).ToList();
        Assert.All(queryIds, id => Assert.False(string.IsNullOrEmpty(id)));
        Assert.Equal(queryIds.Count, queryIds.Distinct().Count());

        // The facts' INSERT: its table and the rows ClickHouse reports written.
        Assert.Contains(spans.All, s => (string?)s.GetTagItem("db.operation.name") == "INSERT"
            && s.GetTagItem("db.collection.name") is string && s.GetTagItem("clickhouse.written_rows") is long and > 0);

        if (lane == ClickHouseLane.Server)
        {
            // On a server, each id leads to the statement in ClickHouse's own log.
            await host.Store.Client.ExecuteNonQueryAsync("SYSTEM FLUSH LOGS");
            var parameters = new ClickHouse.Driver.ADO.Parameters.ClickHouseParameterCollection();
            parameters.AddParameter("ids", queryIds.ToArray());
            var logged = Convert.ToInt64(await host.Store.Client.ExecuteScalarAsync(
                "SELECT uniqExact(query_id) FROM system.query_log WHERE has({ids:Array(String)}, query_id)", parameters), CultureInfo.InvariantCulture);
            Assert.Equal(queryIds.Count, logged);
        }
    }

    [Fact]
    public async Task An_ingest_call_links_to_the_write_that_committed_its_facts()
    {
        var spans = new SpanCapture();
        await using var host = await ServiceHost.StartReadyAsync(Settings(ClickHouseLane.Embedded), configure: spans.AddTo);
        var ingestion = new IngestionService.IngestionServiceClient(host.Channel);
        var first = FactScenario.Synthetic("shop-write-traced-1", 5);
        var second = FactScenario.Synthetic("shop-write-traced-2", 5);

        // Two calls at once: their batches may share a write or not; each must be linked from the write that committed it.
        await Task.WhenAll(
            ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { first.Facts } }).ResponseAsync,
            ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { second.Facts } }).ResponseAsync);

        var calls = new List<Activity>();
        while (calls.Count < 2)
        {
            calls.Add(await spans.WaitForAsync(s => s.DisplayName == "service_analytics.ingest.v1.IngestionService/IngestBatch" && !calls.Contains(s)));
        }

        // Acknowledged from the journal, the batches are written right after their calls answered.
        var writes = new List<Activity>();
        while (writes.Sum(w => (int)w.GetTagItem("ingest.batches")!) < 2)
        {
            writes.Add(await spans.WaitForAsync(s => s.DisplayName == "ingest write" && !writes.Contains(s)));
        }

        Assert.All(writes, w => Assert.True(w.GetTagItem("ingest.rows") is long and > 0));
        foreach (var call in calls)
        {
            var write = Assert.Single(writes, w => w.Links.Any(link => link.Context.SpanId == call.SpanId && link.Context.TraceId == call.TraceId));
            Assert.NotEqual(call.TraceId, write.TraceId);
            Assert.Contains(spans.All, s => s.ParentSpanId == write.SpanId && (string?)s.GetTagItem("db.operation.name") == "INSERT");
        }

        Assert.Equal(2, writes.Sum(w => (int)w.GetTagItem("ingest.batches")!));
    }

    [Fact]
    public async Task A_refused_call_s_span_carries_its_grpc_status()
    {
        var spans = new SpanCapture();
        await using var host = await ServiceHost.StartReadyAsync(Settings(ClickHouseLane.Embedded), configure: spans.AddTo);

        var refused = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => new AnalyticsService.AnalyticsServiceClient(host.Channel)
            .GetOverviewAsync(new GetOverviewRequest { ShopId = "shop-x", FirstDay = "2026-02-30", LastDay = "2026-03-01" }).ResponseAsync);

        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, refused.StatusCode);
        var server = await spans.WaitForAsync(s => s.Kind == ActivityKind.Server && s.DisplayName == "service_analytics.query.v1.AnalyticsService/GetOverview");
        Assert.Equal((int)Grpc.Core.StatusCode.InvalidArgument, server.GetTagItem("rpc.grpc.status_code"));
    }

    [Fact]
    public async Task A_rollup_run_is_a_span_with_its_run_id_reason_days_and_rows()
    {
        var spans = new SpanCapture();
        await using var host = await ServiceHost.StartReadyAsync(Settings(ClickHouseLane.Embedded), configure: spans.AddTo);
        var scenario = FactScenario.Synthetic("shop-rollup-traced", 20);
        await new IngestionService.IngestionServiceClient(host.Channel).IngestBatchAsync(new IngestBatchRequest { Facts = { scenario.Facts } });
        await host.AcknowledgedFactsCommittedAsync();

        var runner = host.App.Services.GetRequiredService<ServiceAnalytics.Storage.Rollups.RollupRunner>();
        var run = await runner.RunScheduledAsync(DateTime.UtcNow, CancellationToken.None);

        var span = await spans.WaitForAsync(s => s.DisplayName.StartsWith("rollup run ", StringComparison.Ordinal));
        Assert.Equal(run.RunId, span.GetTagItem("rollup.run_id"));
        Assert.Equal(run.Reason, span.GetTagItem("rollup.reason"));
        Assert.Equal(run.LastDay.DayNumber - run.FirstDay.DayNumber + 1, span.GetTagItem("rollup.days"));
        Assert.Equal(run.Shops, span.GetTagItem("rollup.shops"));
        Assert.Equal(run.RowsWritten, span.GetTagItem("rollup.rows"));
        Assert.True(run.RowsWritten > 0);
        Assert.Contains(spans.All, s => s.ParentSpanId == span.SpanId && (string?)s.GetTagItem("db.operation.name") == "INSERT");
    }

    private static Dictionary<string, string?> Settings(ClickHouseLane lane)
    {
        var settings = new Dictionary<string, string?> { ["Telemetry:Traces"] = "true" };
        if (lane == ClickHouseLane.Server)
        {
            var server = TestEnvironment.Options(lane, "default");
            settings["ClickHouse:ServerUrl"] = server.ServerUrl;
            settings["ClickHouse:Username"] = server.Username;
            settings["ClickHouse:Password"] = server.Password;
        }

        return settings;
    }
}
