using ServiceAnalytics.Server.Commands;
using ServiceAnalytics.Storage.Migrations;

namespace ServiceAnalytics.Tests.Commands;

/// <summary>
/// The <c>migrate</c> and <c>rollup</c> commands run in process on the test process's engine, their progress shown as
/// plain lines (output redirected): what they did, counted as the progress display counts it.
/// </summary>
public sealed class MigrateAndRollupCommandTests : IAsyncDisposable
{
    private readonly string _database = TestEnvironment.UniqueDatabaseName("migrate_cmd");

    [Fact]
    public async Task Migrate_shows_the_scripts_checked_and_lists_each_migration()
    {
        var output = new StringWriter();
        var settings = Settings(_database);

        Assert.Equal(0, await MigrateCommand.RunAsync(settings, output, Plain(output), CancellationToken.None));

        var lines = Lines(output);
        var scripts = MigrationScript.Embedded.Count;
        Assert.Matches($@"^migrate: {scripts} scripts in [\d.]+ s", Assert.Single(lines, l => l.StartsWith("migrate: ", StringComparison.Ordinal)));
        Assert.Equal(scripts, lines.Count(l => l.StartsWith("applied\t", StringComparison.Ordinal)));

        // Again: nothing left to apply, every script checked.
        output = new StringWriter();
        Assert.Equal(0, await MigrateCommand.RunAsync(settings, output, Plain(output), CancellationToken.None));
        Assert.Equal(scripts, Lines(output).Count(l => l.StartsWith("already-applied\t", StringComparison.Ordinal)));
        Assert.Contains($"migrate: {scripts} scripts in ", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollup_shows_the_shops_computed_and_the_run()
    {
        await using var host = await ServiceHost.StartReadyAsync();
        var ingestion = new IngestionService.IngestionServiceClient(host.Channel);
        string[] shops = [$"shop-{Guid.NewGuid():N}", $"shop-{Guid.NewGuid():N}", $"shop-{Guid.NewGuid():N}"];
        foreach (var shop in shops)
        {
            await ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { FactScenario.Synthetic(shop, 5).Facts } });
        }

        // The command reads ClickHouse on its own, without waiting for this service's journal.
        await host.AcknowledgedFactsCommittedAsync();

        var output = new StringWriter();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        Assert.Equal(0, await RollupCommand.RunAsync(today.AddDays(-60), today, Settings(host.Database), output, Plain(output), CancellationToken.None));

        var lines = Lines(output);
        Assert.Matches($@"^rollup: {shops.Length} shops in [\d.]+ s", Assert.Single(lines, l => l.StartsWith("rollup: ", StringComparison.Ordinal)));
        Assert.Matches($@"^run [0-9a-f]+: {today.AddDays(-60):yyyy-MM-dd}\.\.{today:yyyy-MM-dd}, {shops.Length} shops, [1-9]\d* rows", Assert.Single(lines, l => l.StartsWith("run ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Rollup_refuses_a_range_that_ends_before_it_starts()
    {
        var output = new StringWriter();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);

        Assert.Equal(ServiceCommandLine.ExitUsage, await RollupCommand.RunAsync(today, today.AddDays(-1), Settings("unused"), output, Plain(output), CancellationToken.None));
        Assert.Empty(output.ToString());
    }

    private static string[] Settings(string database) =>
        [$"--ClickHouse:Database={database}", $"--ClickHouse:Embedded:DataPath={TestEnvironment.EmbeddedDataPath}", "--Logging:LogLevel:Default=Warning"];

    private static CommandProgress Plain(TextWriter output) => new(output, terminal: false, TimeSpan.FromSeconds(30));

    private static List<string> Lines(StringWriter output) =>
        [.. output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    public async ValueTask DisposeAsync()
    {
        using var store = TestEnvironment.CreateStore(TestEnvironment.Options(ClickHouseLane.Embedded, "default"));
        await store.Client.ExecuteNonQueryAsync($"DROP DATABASE IF EXISTS {ServiceAnalytics.Storage.SchemaNames.Quote(_database)}");
    }
}
