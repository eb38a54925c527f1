namespace ServiceAnalytics.Tests.Telemetry;

/// <summary>
/// <c>db.client.operation.duration</c> against the real service: each ClickHouse statement is timed with the
/// conventions' attributes — the INSERTs of ingested facts by table, the SELECTs of a query RPC, a rollup run's
/// staging tables by their table (never their run id), a failed statement with its ClickHouse error code.
/// </summary>
public sealed class DbClientInstrumentsTests
{
    private const string Duration = "db.client.operation.duration";

    [Fact]
    public async Task Statements_are_timed_by_operation_and_table_with_bounded_names_and_error_codes()
    {
        await using var host = await ServiceHost.StartReadyAsync();
        using var capture = new MeterCapture(host);
        var scenario = await InstrumentedScenario.IngestChatsAsync(host, 1);
        var shop = scenario.ShopId;
        var day = InstrumentedScenario.DayOf(scenario);
        await new AnalyticsService.AnalyticsServiceClient(host.Channel).GetOverviewAsync(new GetOverviewRequest { ShopId = shop, FirstDay = day, LastDay = day });
        await InstrumentedScenario.RunScheduledAsync(host);
        await Assert.ThrowsAnyAsync<Exception>(() => host.Store.Client.ExecuteScalarAsync("SELECT count() FROM table_that_does_not_exist"));

        var timed = capture.Of(Duration);
        Assert.All(timed, r =>
        {
            Assert.Equal("s", r.Unit);
            Assert.Equal("clickhouse", r.Tag("db.system.name"));
            Assert.InRange(r.Value, 0, 60);
        });
        // The facts' INSERTs, one per fact table written, in the service's database.
        Assert.Contains(timed, r => r.Tag("db.operation.name") == "INSERT" && r.Tag("db.collection.name") is { } table
            && table.Contains("chat", StringComparison.Ordinal) && r.Tag("db.namespace") == host.Database && r.Tag("error.type") is null);
        Assert.Contains(timed, r => r.Tag("db.operation.name") == "SELECT" && r.Tag("error.type") is null);
        // The rollup's staging tables are named by their table: no run id in any attribute value.
        var stagingTables = timed.Select(r => r.Tag("db.collection.name")).OfType<string>().Where(t => t.Contains("_stage", StringComparison.Ordinal)).Distinct().ToList();
        Assert.NotEmpty(stagingTables);
        Assert.All(stagingTables, t => Assert.EndsWith("_stage", t, StringComparison.Ordinal));
        // A failed statement: ClickHouse's error code (60, UNKNOWN_TABLE), not its message.
        var failed = Assert.Single(timed, r => r.Tag("error.type") is not null && r.Tag("db.collection.name") == "table_that_does_not_exist");
        Assert.Equal("60", failed.Tag("error.type"));
    }
}
