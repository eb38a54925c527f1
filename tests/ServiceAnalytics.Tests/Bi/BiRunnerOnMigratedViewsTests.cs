using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Storage.Bi;
using ServiceAnalytics.Storage.Migrations;

namespace ServiceAnalytics.Tests.Bi;

/// <summary>A migrated database (migration 0010's BI views) with rows of two shops in every table the views read.</summary>
public sealed class MigratedBiFixture : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;

    public BiSqlClient Client { get; private set; } = null!;

    public BiQueryRunner Runner { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync(ClickHouseLane.Embedded, "bi migrated");
        await new SchemaMigrator(Database.Store, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        string[] rows =
        [
            "INSERT INTO settled_chats (shop_id, day, chat_id, received, tags) VALUES ('shop-a', '2026-01-01', 'a1', true, ['vip']), ('shop-a', '2026-01-02', 'a2', true, ['vip']), ('shop-b', '2026-01-01', 'b1', true, ['vip'])",
            "INSERT INTO shop_daily_summary (shop_id, day, chats_received) VALUES ('shop-a', '2026-01-01', 1), ('shop-b', '2026-01-01', 1)",
            "INSERT INTO agent_daily_summary (shop_id, day, agent_id) VALUES ('shop-a', '2026-01-01', 'ann'), ('shop-b', '2026-01-01', 'bob')",
            "INSERT INTO agents (shop_id, agent_id, event_id, display_name) VALUES ('shop-a', 'ann', 'e1', 'Ann A'), ('shop-b', 'bob', 'e2', 'Bob B'), ('shop-b', 'ann', 'e3', 'Ann of B')",
            "INSERT INTO chat_messages (shop_id, chat_id, event_id) VALUES ('shop-a', 'a1', 'm1'), ('shop-b', 'b1', 'm2')",
            "INSERT INTO rollup_runs (run_id, started_at, arrivals_through, error) VALUES ('r1', '2026-01-03 00:00:00', '2026-01-02 23:00:00', '')",
        ];
        foreach (var statement in rows)
        {
            await Database.Client.ExecuteNonQueryAsync(statement);
        }

        Client = new BiSqlClient(Database.Store, Options.Create(new BiSqlOptions()), NullLoggerFactory.Instance);
        var catalog = new BiCatalog(Client);
        Runner = new BiQueryRunner(Client, new BiQueryGuard(Client, catalog), catalog);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Database.DisposeAsync();
    }

    public async Task<string> TextAsync(BiCaller caller, string sql)
    {
        await using var result = await Runner.RunAsync(caller, BiRunnerFixture.Query(sql, "TSV"), CancellationToken.None);
        using var reader = new StreamReader(result.Body);
        return await reader.ReadToEndAsync();
    }
}

/// <summary>The runner over the real BI views of migration 0010: scoping by shop in every view, the run log readable only through them.</summary>
public sealed class BiRunnerOnMigratedViewsTests(MigratedBiFixture bi) : IClassFixture<MigratedBiFixture>
{
    public static TheoryData<string> Views => [.. BiViews.Names];

    [Theory]
    [MemberData(nameof(Views))]
    public async Task Every_view_shows_a_shop_key_its_shop_only_and_a_platform_key_both(string view)
    {
        var sql = $"SELECT shop_id, count() FROM {view} GROUP BY shop_id ORDER BY shop_id";
        var shopA = await bi.TextAsync(BiRunnerFixture.Shops("shop-a"), sql);
        var all = await bi.TextAsync(BiRunnerFixture.Platform, sql);

        // Shop A has two chats on two days (so two tag-day rows), every other table one row per shop.
        var expectedA = view is BiViews.Chats or BiViews.TagDaily ? "shop-a\t2\n" : "shop-a\t1\n";
        Assert.Equal(expectedA, shopA);
        Assert.Equal(expectedA + "shop-b\t1\n", all);
    }

    [Theory]
    [MemberData(nameof(Views))]
    public async Task A_shop_key_sees_exactly_the_rows_a_platform_key_sees_for_that_shop(string view)
    {
        foreach (var shop in new[] { "shop-a", "shop-b" })
        {
            var scoped = await bi.TextAsync(BiRunnerFixture.Shops(shop), $"SELECT * FROM {view} ORDER BY ALL");
            var filtered = await bi.TextAsync(BiRunnerFixture.Platform, $"SELECT * FROM {view} WHERE shop_id = '{shop}' ORDER BY ALL");

            Assert.NotEqual("", scoped);
            Assert.Equal(filtered, scoped);
        }
    }

    [Fact]
    public async Task Views_read_the_run_log_for_as_of_while_a_caller_cannot_read_it()
    {
        Assert.Equal("2026-01-03 00:00:00.000\n", await bi.TextAsync(BiRunnerFixture.Shops("shop-a"), "SELECT DISTINCT as_of FROM bi_chats"));
        var error = await Assert.ThrowsAsync<BiSqlException>(() => bi.TextAsync(BiRunnerFixture.Platform, "SELECT * FROM rollup_runs"));
        Assert.Equal(497, error.Code);
    }

    [Fact]
    public async Task Every_table_of_the_service_database_but_the_views_is_denied_by_name()
    {
        var tables = new List<string>();
        using (var reader = await bi.Database.Client.ExecuteReaderAsync("SELECT name FROM system.tables WHERE database = currentDatabase() AND NOT startsWith(name, 'bi_')"))
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        Assert.Contains("chat_starts", tables);
        Assert.Contains("settled_chats", tables);
        foreach (var table in tables)
        {
            foreach (var sql in new[] { $"SELECT count() FROM {table}", $"SELECT count() FROM {bi.Database.Name}.{table}", $"SELECT count() FROM bi_chats WHERE shop_id IN {table}" })
            {
                var error = await Assert.ThrowsAsync<BiSqlException>(() => bi.TextAsync(BiRunnerFixture.Platform, sql));
                Assert.True(error.Code == 497, $"{sql}: {error.Message}");
            }
        }
    }

    [Fact]
    public async Task A_join_inside_a_view_reads_the_other_shops_names_not()
    {
        // bi_agent_daily joins agents by (shop_id, agent_id); shop B's "Ann of B" must never reach shop A.
        Assert.Equal("ann\tAnn A\n", await bi.TextAsync(BiRunnerFixture.Shops("shop-a"), "SELECT agent_id, display_name FROM bi_agent_daily"));
        Assert.Equal("", await bi.TextAsync(BiRunnerFixture.Shops("shop-a"), "SELECT agent_id FROM bi_agent_daily WHERE display_name LIKE '%of B'"));
    }
}
